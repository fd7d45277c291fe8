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

import course
from course.grading.nbgrader import nbgrader_env, run_nbgrader
from course.grading.sandbox import SANDBOX_VARIABLE, bwrap_command, kernel_environment

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
    command = bwrap_command(["python", "-m", "ipykernel_launcher"], tmp_path, [], memory_mb=100, processes=7)
    assert command[0] == "bwrap" and "--unshare-net" in command and "--unshare-user" in command
    (at,) = [i for i, arg in enumerate(command) if arg == "--tmpfs" and command[i + 1] == str(tmp_path)]
    assert command[at - 4:at + 2] == ["--size", str(512 * 2**20), "--perms", "1777", "--tmpfs", str(tmp_path)]  # empty,
    # in memory: nothing the kernel writes there outlives it
    assert f"--data={100 * 2**20}" in command and "--nproc=7" in command and "setpriv" not in command
    assert not [arg for arg in command if "s3" in arg]  # no secret on the command line
    assert command[-3:] == ["python", "-m", "ipykernel_launcher"]


def test_as_root_the_kernel_drops_to_an_unprivileged_user(tmp_path):
    command = bwrap_command(["python"], tmp_path, [], user="nobody", processes=7)
    assert "--unshare-user" not in command and "--nproc=7" not in command  # the pids cgroup counts instead
    at = command.index("setpriv")
    assert command[at:at + 8] == ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                  "--bounding-set=-all", "--no-new-privs", "--"]


def test_the_kernel_environment_holds_no_secret(monkeypatch):
    monkeypatch.setenv("COURSE_GRADING_SECRET", "s3")
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "do-not-pass")
    env = kernel_environment("/run/course/cases.json")
    assert "s3" not in env.values() and "do-not-pass" not in env.values()
    assert env["COURSE_GRADING_CASES"] == "/run/course/cases.json" and env["HOME"] == "/tmp"
    assert env["PYTHONPATH"] == str(Path(course.__file__).resolve().parent.parent)  # the grader's own package


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
    assert output.startswith("stopped: PermissionError"), output  # the kernel runs as nobody


def test_the_course_source_is_invisible(sandboxed):
    output = _outputs(sandboxed[0], "reader")
    assert "stopped: FileNotFoundError" in output and "BEGIN HIDDEN TESTS" not in output


def test_the_memory_limit_stops_a_huge_allocation(sandboxed):
    assert "stopped: MemoryError()" in _outputs(sandboxed[0], "memory")
    assert _score(sandboxed[0], "memory") == 2


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("secret"))
    submit(course, "echo", answered(course, total=(
        "import os\nprint('ENV', sorted(os.environ))\nprint('CASES', open(os.environ['COURSE_GRADING_CASES']).read())\n"
        "def total(xs):\n    return sum(xs)")))
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


def _cases_seen(course):
    printed = _outputs(course, "echo", "total")
    return printed[printed.index("CASES ") + 6:].split("\n")[0]


def test_the_secret_decides_the_cases_and_never_reaches_the_kernel(tiny_course):
    """The cases the kernel sees (it may print its own) depend on the secret; the secret is not in its environment."""
    seen, scores = {}, {}
    for secret in ("spring", "autumn", "spring"):
        env = nbgrader_env({"COURSE_GRADING_SECRET": secret})
        run_nbgrader(["autograde", ASSIGNMENT, "--force", "--student", "echo"], cwd=tiny_course, env=env)
        seen.setdefault(secret, []).append(_cases_seen(tiny_course))
        scores.setdefault(secret, []).append(_score(tiny_course, "echo"))
        assert secret not in _outputs(tiny_course, "echo", "total").replace(_cases_seen(tiny_course), "")
    assert seen["spring"][0] == seen["spring"][1], "the same secret must give the same cases"
    assert seen["spring"][0] != seen["autumn"][0], "another secret must give other cases"
    assert scores == {"spring": [2, 2], "autumn": [2]}
