"""A hostile class, graded by real `course grade` runs as the grader (root here and in CI).

Each attack below once worked against this course: a submission escaping through what it or its kernel
leaves behind, forging its score inside the kernel, reading the grading secret, or outrunning a limit.
Every one now ends with the score its honest answers earn (or zero) and a reason, and leaves the other
learners, the gradebook and the instructor's files as they were.
"""
import csv
import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys

import nbformat
import pytest
from fixtures.tiny_course import ASSIGNMENT, NOTEBOOK, answered, cell, make_course, submit

from course.grading.answers import MIME_TYPE, dumps
from course.grading.nbgrader import run_nbgrader
from course.grading.report import GradingStopped, grade

pytestmark = pytest.mark.grading

RIGHT = "def double(x):\n    return 2 * x"
WRONG = "def double(x):\n    return 0"
WRONG_TOTAL = "def total(xs):\n    return 0"
SECRET = "secret-" + secrets.token_hex(8)
CONFIG = ("c.Execute.timeout = 10\nc.SandboxedKernelManager.memory_mb = 1024\n"
          "c.SandboxedKernelManager.tmp_mb = 64\nc.SandboxedKernelManager.workdir_mb = 64\n")


def _wrong(prelude: str):
    """Every answer wrong, after `prelude` (an attempt to forge the score)."""
    return lambda course: answered(course, double=f"{prelude}\n{WRONG}", total=WRONG_TOTAL)


def _right(prelude: str):
    """Every answer right, after `prelude`."""
    return lambda course: answered(course, double=f"{prelude}\n{RIGHT}")


IP = "ip = get_ipython()"
# student -> (submission, expected score, expected reason)
KERNEL_CASES = {
    "good": (_right(""), 2, "ok"),
    "input_transformer": (_wrong(f"{IP}\nip.input_transformers_post.append(lambda lines: ['pass\\n'])"), 0,
                          "failed test"),
    "error_clearing_hook": (_wrong(f"{IP}\ndef clear(result):\n    result.error_in_exec = None\n"
                                   "    result.error_before_exec = None\nip.events.register('post_run_cell', clear)\n"
                                   "ip.showtraceback = lambda *a, **k: None"), 0, "failed test"),
    "fake_partial_credit": (_wrong(f"{IP}\nip.events.register('pre_run_cell', lambda info: ip.displayhook('forged'))"),
                            0, "failed test"),
    "assert_remover": (_wrong(f"import ast\n{IP}\nclass NoAsserts(ast.NodeTransformer):\n"
                              "    def visit_Assert(self, node):\n        return ast.Pass()\n"
                              "ip.ast_transformers.append(NoAsserts())"), 0, "failed test"),
    "patched_isclose": (_wrong("import numpy\nnumpy.isclose = lambda *a, **k: True\nnumpy.allclose = numpy.isclose"),
                        0, "failed test"),
    "patched_answers": (_wrong("import course.grading.answers as answers\n"
                               "answers.run_cases = lambda calls, functions: [{'value': 0} for _ in calls]"), 0,
                        "failed test"),
    "forged_payload": (_wrong("from IPython.display import display\n" + "\n".join(
        f"display({{'{MIME_TYPE}': {dumps({'grade_id': gid, 'values': {}, 'results': [{'value': 0}] * n})!r}}}, raw=True)"
        for gid, n in (("test_double", 7), ("test_total", 4)))), 0, "failed test"),
    "reference": (lambda c: answered(c, total="import math\ndef total(xs):\n    return math.fsum(xs)"), 1,
                  "failed test"),
    "dynamic_reference": (lambda c: answered(c, total="def total(xs):\n    return __import__('ma' + 'th').fsum(xs)"), 1,
                          "failed test"),
    "hook_printer": (_right(f"import os\n{IP}\nip.events.register('post_run_cell', lambda r: print('HOOK-LEAK', open("
                            "os.environ['COURSE_GRADING_CASES']).read()[:200]))"), 1, "failed test"),  # get_ipython:
    # a dynamic way in, refused in test_total, whose task has a reference
    "secret_hunter": (_right("import glob, os\nfound = [repr(dict(os.environ))]\n"
                             "for path in glob.glob('/proc/*/cmdline') + glob.glob('/proc/*/environ'):\n"
                             "    try:\n        found.append(open(path, 'rb').read().decode(errors='replace'))\n"
                             "    except OSError:\n        pass\nprint('\\n'.join(found))"), 2, "ok"),
    "privileges": (_right("import os\nstatus = open('/proc/self/status').read()\n"
                          "caps = [l for l in status.splitlines() if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))]\n"
                          "print('uid', os.getuid(), os.geteuid(), 'gid', os.getgid(), caps)"), 2, "ok"),
    "leftover_links": (lambda c: answered(c, double=(
        "import os\nfor name, target in [('tiny.ipynb', '{c}/gradebook.db'), ('notes', '{c}/instructor.txt'),\n"
        "                     ('peer.ipynb', '{c}/autograded/good/tiny/tiny.ipynb'), ('tiny.html', '{c}/feedback')]:\n"
        "    try:\n        os.symlink(target, name)\n    except OSError as error:\n        print(error)\n"
        + RIGHT).replace("{c}", str(c))), 2, "ok"),
    "file_bomb": (_right("import os\ntry:\n    for i in range(30000):\n        open(f'f{i}', 'w').close()\n"
                         "    with open('big', 'wb') as f:\n        while True:\n            f.write(b'0' * 2**24)\n"
                         "except OSError as error:\n    print('stopped:', error)"), 2, "ok"),
    "tmp_filler": (_right("try:\n    with open('/tmp/fill', 'wb') as f:\n        while True:\n"
                          "            f.write(b'0' * 2**24)\nexcept OSError as error:\n    print('stopped:', error)"),
                   2, "ok"),
    "shared_memory_bomb": (lambda c: answered(c, double=(
        "import mmap\nm = mmap.mmap(-1, 6 * 2**30, flags=mmap.MAP_SHARED)\n"
        "for offset in range(0, len(m), 4096):\n    m[offset] = 1\n" + RIGHT)), 0, "memory limit"),
}


def _link_to_peer(course):
    folder = submit(course, "link_notebook", None)
    os.symlink(course / "submitted" / "good" / ASSIGNMENT / NOTEBOOK, folder / NOTEBOOK)


def _link_to_gradebook(course):
    folder = submit(course, "link_gradebook", answered(course))
    os.symlink(course / "gradebook.db", folder / "notes.db")


def _hard_link(course):
    folder = submit(course, "hard_link", answered(course))
    os.link(course / "instructor.txt", folder / "copy.txt")


def _fifo(course):
    folder = submit(course, "fifo", answered(course))
    os.mkfifo(folder / "pipe")


def _many_files(course):
    folder = submit(course, "many_files", answered(course))
    for index in range(300):
        (folder / f"f{index}.txt").write_text("x")


def _malformed(course):
    notebook = answered(course)
    extra = nbformat.v4.new_code_cell("print('an extra cell')")
    extra.metadata["nbgrader"] = []
    notebook.cells.append(extra)
    nbformat.write(notebook, submit(course, "malformed", None) / NOTEBOOK, version=nbformat.NO_CONVERT)


FOLDER_CASES = {  # student -> (how the submission is made, expected reason)
    "link_notebook": (_link_to_peer, "refused"),
    "link_gradebook": (_link_to_gradebook, "refused"),
    "hard_link": (_hard_link, "refused"),
    "fifo": (_fifo, "refused"),
    "many_files": (_many_files, "refused"),
    "malformed": (_malformed, "invalid notebook"),
}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _all_text(folder):
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("hostile-class"), CONFIG)
    instructor = course / "instructor.txt"
    instructor.write_text("instructor only")
    instructor.chmod(0o600)
    for student, (make, _, _) in KERNEL_CASES.items():
        submit(course, student, make(course))
    for make, _ in FOLDER_CASES.values():
        make(course)
    os.environ["COURSE_GRADING_SECRET"] = SECRET
    try:
        report = grade(course, ASSIGNMENT)
        run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    finally:
        del os.environ["COURSE_GRADING_SECRET"]
    rows = {row["student"]: row for row in csv.DictReader(report.open())}
    return course, rows


@pytest.mark.parametrize("student", KERNEL_CASES)
def test_a_kernel_attack_earns_only_what_its_answers_are_worth(student, hostile):
    _, rows = hostile
    _, score, reason = KERNEL_CASES[student]
    assert float(rows[student]["score"]) == score, rows[student]
    assert reason in rows[student]["reason"].split(", "), rows[student]


@pytest.mark.parametrize("student", FOLDER_CASES)
def test_a_submission_holding_links_or_special_files_is_refused_with_a_reason(student, hostile):
    course, rows = hostile
    assert float(rows[student]["score"]) == 0 and rows[student]["reason"] == FOLDER_CASES[student][1], rows[student]
    assert rows[student]["detail"], rows[student]
    assert not (course / "autograded" / student).exists(), "nbgrader must never touch a refused submission"


def test_the_gradebook_peers_and_instructor_files_are_untouched(hostile):
    course, rows = hostile
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not (course / "gradebook.db").is_symlink()
    assert (course / "instructor.txt").read_text() == "instructor only"
    assert (course / "instructor.txt").stat().st_mode & 0o777 == 0o600
    good = nbformat.read(course / "autograded" / "good" / ASSIGNMENT / NOTEBOOK, as_version=4)
    assert "def double(x):\n    return 2 * x" in cell(good, "double").source
    assert float(rows["good"]["score"]) == 2


def test_nothing_the_kernel_wrote_reaches_the_graders_folders(hostile):
    course, _ = hostile
    for student in ("leftover_links", "file_bomb", "tmp_filler"):
        for folder in (course / "autograded" / student, course / "feedback" / student):
            names = sorted(p.name for p in folder.rglob("*"))
            assert names == [ASSIGNMENT, NOTEBOOK.replace(".ipynb", ".html" if "feedback" in str(folder) else ".ipynb")]
            assert not [p for p in folder.rglob("*") if p.is_symlink()]


def test_the_secret_never_reaches_a_kernel_a_notebook_or_feedback(hostile):
    course, _ = hostile
    hunted = nbformat.read(course / "autograded" / "secret_hunter" / ASSIGNMENT / NOTEBOOK, as_version=4)
    printed = "".join(o.get("text", "") for o in cell(hunted, "double").outputs)
    assert "COURSE_GRADING_CASES" in printed, "the hunter's search ran"
    for folder in ("autograded", "feedback", "submitted"):
        assert SECRET.encode() not in _all_text(course / folder), folder
    assert "COURSE_GRADING_SECRET" not in printed


def test_hidden_test_cells_show_only_the_verdict(hostile):
    course, _ = hostile
    notebook = nbformat.read(course / "autograded" / "hook_printer" / ASSIGNMENT / NOTEBOOK, as_version=4)
    passed, refused = cell(notebook, "test_double").outputs, cell(notebook, "test_total").outputs
    assert [o.output_type for o in passed] == ["stream"] and passed[0].text.startswith("passed"), passed
    assert [(o.output_type, o.ename) for o in refused] == [("error", "TestFailed")], refused
    assert "HOOK-LEAK" not in str(passed) + str(refused)
    assert "HOOK-LEAK" in "".join(o.get("text", "") for o in cell(notebook, "total").outputs)  # the learner's own cell


def test_the_kernel_runs_as_an_unprivileged_user_without_capabilities(hostile):
    course, _ = hostile
    notebook = nbformat.read(course / "autograded" / "privileges" / ASSIGNMENT / NOTEBOOK, as_version=4)
    printed = "".join(o.get("text", "") for o in cell(notebook, "double").outputs)
    if os.geteuid() == 0:
        assert printed.startswith("uid 65534 65534 gid 65534"), printed
    assert "CapEff:\\t0000000000000000" in printed and "CapPrm:\\t0000000000000000" in printed, printed


def test_a_submission_deadline_bounds_many_slow_cells(tmp_path):
    course = make_course(tmp_path, "c.Execute.timeout = 20\nc.SandboxedExecute.submission_timeout = 8\n")
    slow = "import time\ntime.sleep(5)\n"
    submit(course, "slow", answered(course, double=slow + RIGHT, total=slow + "def total(xs):\n    return sum(xs)"))
    (row,) = csv.DictReader(grade(course, ASSIGNMENT).open())
    assert "timeout" in row["reason"].split(", ") and float(row["score"]) < 2, row
    assert "submission deadline reached" in (course / "reports" / f"{ASSIGNMENT}.log").read_text()


def test_a_missing_assignment_is_one_line_not_a_traceback(tmp_path):
    course = make_course(tmp_path)
    with pytest.raises(GradingStopped, match="no assignment 'nope'"):
        grade(course, "nope")
    result = subprocess.run([sys.executable, "-m", "course.cli", "grade", "nope", "--root", str(course)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("fault, expected", [
    ("c.SandboxedKernelManager.bwrap = '/nonexistent/bwrap'\n", "SandboxUnavailable"),
    ("", "GraderFault"),  # a check that breaks (below)
])
def test_a_grader_fault_stops_grading_and_writes_no_grade(tmp_path, fault, expected):
    course = make_course(tmp_path, fault)
    if not fault:
        checks = course / "source" / ASSIGNMENT / "checks.py"
        checks.write_text(checks.read_text().replace("compare_results(answers, lambda c: sum(c.args[0]))",
                                                     "1 / 0"))
    for student in ("ada", "bob"):
        submit(course, student, answered(course))
    with sqlite3.connect(course / "gradebook.db") as db:
        before = db.execute("SELECT count(*) FROM submitted_assignment").fetchone()
    with pytest.raises(GradingStopped, match=expected):
        grade(course, ASSIGNMENT)
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone() == before
    assert not (course / "reports" / f"{ASSIGNMENT}.csv").exists()
