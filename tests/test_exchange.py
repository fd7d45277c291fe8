"""The whole nbgrader cycle on one machine, through real nbgrader commands and a temporary exchange.

release_assignment -> fetch_assignment (two students) -> work -> submit -> collect, plus zip_collect of
an LMS download -> autograde (sandboxed) -> generate_feedback -> release_feedback -> fetch_feedback.
"""
import zipfile

import nbformat
import pytest
from fixtures.tiny_course import ASSIGNMENT, NOTEBOOK, answered, cell, make_course
from nbgrader.api import Gradebook

from course.grading.nbgrader import run_nbgrader

pytestmark = pytest.mark.grading

COURSE_ID = "tinyml-0x"
WRONG_TOTAL = "def total(xs):\n    return 0"
LMS_REGEXP = r".*/(?P<student_id>[a-z]+)_attempt_(?P<file_id>[^/]+\.ipynb)$"


def _student(name, exchange, tmp):
    """nbgrader options of a student: their course, exchange, own cache (their submission secrets) and id."""
    return [f"--course={COURSE_ID}", f"--Exchange.root={exchange}", f"--Exchange.cache={tmp / (name + '-cache')}",
            f"--student={name}"]


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cycle")
    exchange = tmp / "exchange"
    exchange.mkdir()
    course = make_course(tmp / "course", f"c.Exchange.root = {str(exchange)!r}\n"
                                         f"c.FileNameCollectorPlugin.named_regexp = {LMS_REGEXP!r}\n")
    run_nbgrader(["release_assignment", ASSIGNMENT], cwd=course)
    homes = {}
    for name, total in (("alice", None), ("bob", WRONG_TOTAL)):
        home = homes[name] = tmp / name
        home.mkdir()
        run_nbgrader(["fetch_assignment", ASSIGNMENT, *_student(name, exchange, tmp)], cwd=home)
        notebook = nbformat.read(home / ASSIGNMENT / NOTEBOOK, as_version=4)
        cell(notebook, "double").source = "def double(x):\n    return 2 * x"
        cell(notebook, "total").source = total or "def total(xs):\n    return sum(xs)"
        nbformat.write(notebook, home / ASSIGNMENT / NOTEBOOK)
        run_nbgrader(["submit", ASSIGNMENT, *_student(name, exchange, tmp)], cwd=home)
    run_nbgrader(["collect", ASSIGNMENT], cwd=course)
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "lms-export.zip", "w") as zipped:
        zipped.writestr(f"carol_attempt_{NOTEBOOK}", nbformat.writes(answered(course)))
    run_nbgrader(["zip_collect", ASSIGNMENT], cwd=course)
    run_nbgrader(["autograde", ASSIGNMENT], cwd=course)
    run_nbgrader(["generate_feedback", ASSIGNMENT], cwd=course)
    for name, home in homes.items():  # carol's came from the LMS, not the exchange: no feedback to release there
        run_nbgrader(["release_feedback", ASSIGNMENT, f"--student={name}"], cwd=course)
        run_nbgrader(["fetch_feedback", ASSIGNMENT, *_student(name, exchange, tmp)], cwd=home)
    return course, homes


def test_collected_submissions_are_graded(cycle):
    course, _ = cycle
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(ASSIGNMENT, s).score for s in ("alice", "bob", "carol")}
    assert scores == {"alice": 2, "bob": 1, "carol": 2}


def test_each_student_fetches_their_own_feedback(cycle):
    _, homes = cycle
    for name, expected in (("alice", "2.0 / 2.0"), ("bob", "1.0 / 2.0")):
        (page,) = (homes[name] / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK.replace('.ipynb', '.html')}")
        text = page.read_text()
        assert f"Score: {expected}" in text.replace("(", "").replace(")", "")
        assert "BEGIN HIDDEN TESTS" not in text and "grading_rng" not in text
    bob_page = next((homes["bob"] / ASSIGNMENT / "feedback").glob("*/*.html")).read_text()
    assert "total([1, 2, 3]) should be 6" in bob_page  # the visible test's message explains bob's lost point
