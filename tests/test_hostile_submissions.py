"""Hostile and broken submissions, all graded in ONE real `course grade` (nbgrader autograde) run.

Each ends with a score and a readable reason in the grading report, leaves the other students and
the gradebook intact, and grading them again gives the same grades, in bounded time.
"""
import csv
import time

import nbformat
import pytest
from fixtures.tiny_course import (
    answered,
    cell,
    make_course,
    source_notebook,
    student_notebook,
    submit,
)
from nbgrader.api import Gradebook

from course.grading.report import grade

RIGHT = "def double(x):\n    return 2 * x"


def _without(notebook, grade_id):
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return notebook


def _duplicated_ids(course):
    notebook = answered(course)
    copy = nbformat.from_dict(dict(cell(notebook, "double")))
    copy.source = "def double(x):\n    return 0"
    notebook.cells.insert(notebook.cells.index(cell(notebook, "double")), copy)  # same grade id and cell id
    return notebook


def _edited_locked(course):
    notebook = answered(course, double="def double(x):\n    return 4  # right only if GIVEN were 2")
    cell(notebook, "given").source = "import os\nGIVEN = 2"
    return notebook


def _edited_test(course):
    notebook = answered(course, double="def double(x):\n    return 0")
    cell(notebook, "test_double").source = "pass"
    return notebook


# student -> (submission, expected score, expected reason in the report)
CASES = {
    "good": (lambda c: answered(c), 2, "ok"),
    "untouched": (student_notebook, 0, "failed test"),
    "endless_loop": (lambda c: answered(c, double="while True:\n    pass"), 1, "timeout"),
    "hard_exit": (lambda c: answered(c, double="import os\nos._exit(1)"), 0, "kernel crash"),
    "segfault": (lambda c: answered(c, double="import ctypes\nctypes.string_at(0)"), 0, "kernel crash"),
    "memory_bomb": (lambda c: answered(c, double="hog = []\nwhile True:\n    hog.append(bytearray(10**7))"), 0,
                    "memory limit"),
    "fork_bomb": (lambda c: answered(c, double="import os\nwhile True:\n    os.fork()"), 0, "timeout"),
    "invalid_json": (lambda c: '{"cells": [', 0, "invalid notebook"),
    "missing": (lambda c: None, 0, "missing notebook"),
    "deleted_test": (lambda c: _without(answered(c, double="def double(x):\n    return 0"), "test_double"), 1,
                     "tampered"),
    "edited_test": (_edited_test, 1, "tampered"),
    "edited_locked": (_edited_locked, 1, "tampered"),
    "duplicate_ids": (_duplicated_ids, 2, "ok"),
    "hidden_traceback": (lambda c: answered(c, double="get_ipython().showtraceback = lambda *a, **k: None\n"
                                                      "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)\n"
                                                      "def double(x):\n    return 0"), 1, "failed test"),
    "huge_output": (lambda c: answered(c, double="print('\\n'.join(['spam'] * 10**6))\n" + RIGHT), 2, "ok"),
    "snooper": (lambda c: answered(c, double=(
        f"import glob\npaths = ['{c}/gradebook.db', '{c}/source/tiny/tiny.ipynb', '{c}/submitted/good/tiny/tiny.ipynb']\n"
        "for path in paths + glob.glob('../../*/tiny/*.ipynb') + glob.glob('/tmp/**/*.ipynb', recursive=True):\n"
        "    try:\n        print('LE' + 'AK', path, open(path, 'rb').read()[:100])\n"
        "    except OSError as error:\n        print('blocked:', error)\n" + RIGHT)), 2, "ok"),
}


def _grades(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {(s.id, g.name): g.score for s in gradebook.students
                for sub in [s for s in [gradebook.find_submission("tiny", s.id)]]
                for nb in sub.notebooks for g in nb.grades}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("hostile"),
                         "c.Execute.timeout = 5\nc.SandboxedKernelManager.memory_mb = 1024\n")
    for student, (make, _, _) in CASES.items():
        submit(course, student, make(course), name="renamed.ipynb" if student == "missing" else "tiny.ipynb")
    start = time.monotonic()
    report = grade(course, "tiny")
    seconds = time.monotonic() - start
    first = _grades(course)
    rows = {row["student"]: row for row in csv.DictReader(report.open())}
    grade(course, "tiny")  # regrade: --force
    return course, rows, first, _grades(course), seconds


@pytest.mark.parametrize("student", CASES)
def test_each_submission_gets_a_score_and_a_readable_reason(student, graded):
    _, rows, _, _, _ = graded
    _, score, reason = CASES[student]
    assert float(rows[student]["score"]) == score, rows[student]
    assert float(rows[student]["max_score"]) == 2
    assert reason in rows[student]["reason"].split(", "), rows[student]


def test_regrading_gives_the_same_grades_and_keeps_the_gradebook_whole(graded):
    _, _, first, second, _ = graded
    assert first == second
    graded_students = {student for student, _ in first}
    assert {"good", "endless_loop", "edited_test", "snooper"} <= graded_students


def test_grading_time_is_bounded(graded):
    *_, seconds = graded
    assert seconds < 150, f"16 tiny submissions took {seconds:.0f} s"


def test_nothing_outside_the_submission_is_visible_to_student_code(graded):
    course = graded[0]
    notebook = nbformat.read(course / "autograded" / "snooper" / "tiny" / "tiny.ipynb", as_version=4)
    output = "".join(o.get("text", "") for o in cell(notebook, "double").outputs)
    leaks = [line for line in output.splitlines() if line.startswith("LEAK") and "/snooper/" not in line]
    assert "blocked: [Errno 2] No such file or directory" in output and not leaks  # its own folder only


def test_huge_output_is_truncated(graded):
    path = graded[0] / "autograded" / "huge_output" / "tiny" / "tiny.ipynb"
    assert path.stat().st_size < 200_000


def test_the_hidden_tests_stay_in_the_graded_copy_only(graded):
    hidden = cell(source_notebook(), "test_total").source
    released = cell(student_notebook(graded[0]), "test_total").source
    assert "grading_rng" in hidden and "grading_rng" not in released
