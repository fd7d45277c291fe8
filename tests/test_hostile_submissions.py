"""Hostile and broken submissions, all graded in ONE real `course grade` (nbgrader autograde) run.

Each ends with a score and a readable reason in the grading report, leaves the other students and
the gradebook intact, and grading them again gives the same grades (how long it takes: benchmarks/run.py).
"""
import csv

import nbformat
import pytest
from fixtures.hostile import CASES, hostile_course
from fixtures.tiny_course import cell, source_notebook, student_notebook
from nbgrader.api import Gradebook

from course.grading.report import grade

pytestmark = pytest.mark.grading


def _grades(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {(s.id, g.name): g.score for s in gradebook.students
                for sub in [s for s in [gradebook.find_submission("tiny", s.id)]]
                for nb in sub.notebooks for g in nb.grades}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = hostile_course(tmp_path_factory.mktemp("hostile"))
    report = grade(course, "tiny")
    first = _grades(course)
    rows = {row["student"]: row for row in csv.DictReader(report.open())}
    grade(course, "tiny", regrade=True)
    return course, rows, first, _grades(course)


@pytest.mark.parametrize("student", CASES)
def test_each_submission_gets_a_score_and_a_readable_reason(student, graded):
    _, rows, _, _ = graded
    _, score, reason = CASES[student]
    assert float(rows[student]["score"]) == score, rows[student]
    assert float(rows[student]["max_score"]) == 2
    reasons = reason if isinstance(reason, tuple) else (reason,)
    assert set(reasons) & set(rows[student]["reason"].split(", ")), rows[student]


def test_regrading_gives_the_same_grades_and_keeps_the_gradebook_whole(graded):
    _, _, first, second = graded
    assert first == second
    graded_students = {student for student, _ in first}
    assert {"good", "endless_loop", "edited_test", "snooper"} <= graded_students


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
    assert "answer(" in hidden and "answer(" not in released
