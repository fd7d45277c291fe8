"""The grading sandbox, through real `nbgrader autograde` runs on the tiny assignment."""
import re
import socket
from pathlib import Path

import nbformat
import pytest
from fixtures.tiny_course import (
    ASSIGNMENT,
    NOTEBOOK,
    answered,
    cell,
    make_course,
    submit,
)

from course.grading.nbgrader import nbgrader_env, run_nbgrader
from course.grading.sandbox import SANDBOX_VARIABLE, bwrap_command

pytestmark = pytest.mark.grading

RIGHT = "def double(x):\n    return 2 * x"
NO_BWRAP = "--SandboxedKernelManager.bwrap=/nonexistent/bwrap"


def _attempt(code: str) -> str:
    """An answer cell that tries `code`, reports how it ended, then answers task 1 right."""
    body = "\n".join("    " + line for line in code.splitlines())
    return f"try:\n{body}\n    print('ALLOWED')\nexcept Exception as error:\n    print('stopped:', repr(error))\n{RIGHT}"


def _outputs(course, student, grade_id="double"):
    notebook = nbformat.read(course / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
    return "".join(o.get("text", "") for o in cell(notebook, grade_id).outputs)


def _score(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission(ASSIGNMENT, student).score


def test_the_kernel_command_is_wrapped_with_no_network_and_limits(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_GRADING_SECRET", "s3")
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "do-not-pass")
    command = bwrap_command(["python", "-m", "ipykernel_launcher"], tmp_path, [], memory_mb=100, processes=7)
    assert command[0] == "bwrap" and "--unshare-all" in command and "--clearenv" in command  # all: net too
    assert ["--bind", str(tmp_path), str(tmp_path)] == command[command.index(str(tmp_path)) - 1:][:3]
    assert f"--data={100 * 2**20}" in command and "--nproc=7" in command
    assert "s3" in command and "do-not-pass" not in command
    assert command[-3:] == ["python", "-m", "ipykernel_launcher"]


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory):
    """One autograde run, real config: a normal submission and three that try to break out."""
    course = make_course(tmp_path_factory.mktemp("sandbox"))
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    port = server.getsockname()[1]
    submit(course, "normal", answered(course))
    submit(course, "network", answered(course, double=_attempt(
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'hello')")))
    submit(course, "reader", answered(course, double=_attempt(f"print(open('{course}/source/tiny/tiny.ipynb').read())")))
    submit(course, "memory", answered(course, double=_attempt("hog = bytearray(8 * 2**30)")))
    submit(course, "shadow", answered(course, double=_attempt("print('shadow:', repr(open('/etc/shadow').read()))")))
    run_nbgrader(["autograde", ASSIGNMENT], cwd=course)
    try:
        connection = server.accept()
    except BlockingIOError:
        connection = None
    server.close()
    return course, connection


def test_a_normal_submission_scores_full_marks(sandboxed):
    assert _score(sandboxed[0], "normal") == 2


def test_no_connection_to_a_server_on_localhost(sandboxed):
    course, connection = sandboxed
    assert connection is None, "the submission reached the test's server"
    # the sandbox has a loopback of its own, where nothing listens
    assert "stopped: ConnectionRefusedError(111, 'Connection refused')" in _outputs(course, "network")
    assert _score(course, "network") == 2


def test_the_systems_password_hashes_are_hidden(sandboxed):
    # Only root can read them, and the sandbox is what keeps a root grader's submissions from them.
    assert "root:" in Path("/etc/shadow").read_text(), "the grader (root, as here and in CI) reads the hashes"
    output = _outputs(sandboxed[0], "shadow")
    assert output.startswith(("stopped: PermissionError", "shadow: ''\n")), output  # refused, or an empty stand-in


def test_the_course_source_is_invisible(sandboxed):
    output = _outputs(sandboxed[0], "reader")
    assert "stopped: FileNotFoundError" in output and "BEGIN HIDDEN TESTS" not in output


def test_the_memory_limit_stops_a_huge_allocation(sandboxed):
    assert "stopped: MemoryError()" in _outputs(sandboxed[0], "memory")
    assert _score(sandboxed[0], "memory") == 2


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("secret"))
    submit(course, "echo", answered(course, total="def total(xs):\n    print('seen', list(xs))\n    return sum(xs)"))
    return course


def test_without_the_sandbox_autograde_fails_loudly(tiny_course):
    result = run_nbgrader(["autograde", ASSIGNMENT, "--force", NO_BWRAP], cwd=tiny_course, check=False)
    assert result.returncode != 0
    assert "grading sandbox unavailable" in result.stderr and f"{SANDBOX_VARIABLE}=off" in result.stderr
    assert not (tiny_course / "autograded" / "echo" / ASSIGNMENT / NOTEBOOK).exists()


def test_opting_out_grades_unsandboxed_and_says_so(tiny_course):
    env = nbgrader_env({SANDBOX_VARIABLE: "off"})
    result = run_nbgrader(["autograde", ASSIGNMENT, "--force", NO_BWRAP], cwd=tiny_course, env=env)
    assert "WITHOUT the sandbox" in result.stderr
    assert _score(tiny_course, "echo") == 2


def test_learners_validate_without_bubblewrap(tiny_course, tmp_path):
    notebook = answered(tiny_course)
    nbformat.write(notebook, tmp_path / NOTEBOOK)
    result = run_nbgrader(["validate", str(tmp_path / NOTEBOOK), NO_BWRAP], cwd=tiny_course)
    assert "Success! Your notebook passes all the tests." in result.stdout


def _seen(course):
    return re.findall(r"seen \[.*?\]", _outputs(course, "echo", "test_total"))


def test_the_secret_reaches_the_sandbox_and_decides_the_hidden_data(tiny_course):
    seen, scores = {}, {}
    for secret in ("spring", "autumn", "spring"):
        env = nbgrader_env({"COURSE_GRADING_SECRET": secret})
        run_nbgrader(["autograde", ASSIGNMENT, "--force", "--student", "echo"], cwd=tiny_course, env=env)
        seen.setdefault(secret, []).append(_seen(tiny_course))
        scores.setdefault(secret, []).append(_score(tiny_course, "echo"))
    assert len(seen["spring"][0]) == 2  # the visible test's list, then the hidden one
    assert seen["spring"][0] == seen["spring"][1], "the same secret must give the same hidden data"
    assert seen["spring"][0][1] != seen["autumn"][0][1], "another secret must give other hidden data"
    assert scores == {"spring": [2, 2], "autumn": [2]}
