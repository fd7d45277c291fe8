"""A fault of the grader is never a learner's zero: the kernel imports the grader's `course`, and a canary
(the instructor's solution, graded first) stops grading when the grader or its environment is broken."""
import shutil
import sqlite3
from pathlib import Path

import nbformat
import pytest
from fixtures.tiny_course import ASSIGNMENT, NOTEBOOK, answered, cell, make_course, submit

from course.grading.report import GradingStopped, grade

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parents[1]
RIGHT = "def double(x):\n    return 2 * x"


def _submissions(course):
    with sqlite3.connect(course / "gradebook.db") as db:
        return db.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0]


def test_a_second_checkout_is_graded_with_its_own_course_package(tmp_path, monkeypatch):
    """Another checkout's `course` (here: first on the grader's PYTHONPATH) is what its kernels import, although
    the environment's editable install points elsewhere — before, every test cell failed to import it."""
    course = make_course(tmp_path / "second-checkout")
    shutil.copytree(ROOT / "course", course / "course", ignore=shutil.ignore_patterns("__pycache__"))
    with open(course / "course" / "__init__.py", "a") as init:
        init.write('\nCHECKOUT = "second"\n')
    submit(course, "ada", answered(course, double="import course\nprint('course:', course.__file__, course.CHECKOUT)\n"
                                                  + RIGHT))
    monkeypatch.setenv("PYTHONPATH", str(course))
    report = grade(course, ASSIGNMENT)
    assert "ada,2.0,2.0,ok" in report.read_text()
    graded = nbformat.read(course / "autograded" / "ada" / ASSIGNMENT / NOTEBOOK, as_version=4)
    printed = "".join(o.get("text", "") for o in cell(graded, "double").outputs)
    assert printed == f"course: {course / 'course' / '__init__.py'} second\n"


@pytest.mark.parametrize("workers", [None, 1], ids=["serial", "on-a-cluster"])
def test_a_canary_that_loses_points_stops_grading_before_any_learner(tmp_path, workers):
    """Serially the canary is graded before nbgrader runs; on a cluster it is the batch's first task."""
    course = make_course(tmp_path / "course")
    checks = course / "source" / ASSIGNMENT / "checks.py"
    checks.write_text(checks.read_text().replace("lambda c: sum(c.args[0])", "lambda c: sum(c.args[0]) + 1"))
    submit(course, "ada", answered(course))
    with pytest.raises(GradingStopped, match=r"instructor's solution.*test_total: 0 of 1 points \(failed: TestFailed: "
                                             r"total is wrong on total\(\[1, 2, 3\]\)\)"):
        grade(course, ASSIGNMENT, workers=workers)
    assert _submissions(course) == 0, "no learner may be graded"
    assert not (course / "autograded").exists() and not (course / "reports" / f"{ASSIGNMENT}.csv").exists()
