"""The class report on a synthetic class of 30 (tests/fixtures/synthetic_class.py): every figure equals a value
computed here by hand from the class's table, not by the module under test."""
import base64
import csv
import math
import re

import nbformat
import numpy as np
import pytest
from fixtures import synthetic_class as klass

from course.authoring.assessment import RevisitOutcomes, outcomes, report
from course.authoring.manifest import load
from course.cli import main
from course.grading.analysis import (
    MASTERY,
    class_report,
    difficulty,
    discrimination,
    mastery,
    read_scores,
    revisit_markdown,
    to_revisit,
)
from course.grading.nbgrader import copy_course

pytestmark = pytest.mark.unit
WEEK = "0x00-welcome"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_course(klass.ROOT, tmp_path_factory.mktemp("class"), include_release=False)
    klass.build(root)
    return root


def _table(week):
    """Submitters' points, one row per learner, from the fixture's own tables."""
    cells = list(klass.graded_cells(week))
    submitted = [s for s in klass.STUDENTS if klass.points(week, s) is not None]
    return cells, submitted, np.array([[klass.points(week, s)[c] for c in cells] for s in submitted])


def test_difficulty_is_the_mean_share_of_points_of_those_who_submitted(course):
    scores = read_scores(f"sqlite:///{course / 'gradebook.db'}", WEEK, course / "reports" / f"{WEEK}.csv")
    cells, submitted, table = _table(WEEK)
    assert scores.submitted == submitted and len(submitted) == 29
    found = difficulty(scores)
    maxima = {c: m for c, (_, m) in klass.graded_cells(WEEK).items()}
    for j, cell in enumerate(cells):
        assert found[cell] == pytest.approx(sum(table[:, j]) / len(submitted) / maxima[cell])
    # by hand: task4 lost by s20-s26 (7 of 29); task2 lost by s10-s26 (17), s27 kept half of it
    assert found["task4_tests"] == pytest.approx(22 / 29)
    assert found["task2_tests"] == pytest.approx((11 + 0.5) / 29)
    assert found["task3_validation_tests"] == 1.0


def _pearson(x, y):
    x, y = np.asarray(x, float) - np.mean(x), np.asarray(y, float) - np.mean(y)
    return float((x * y).sum() / math.sqrt((x * x).sum() * (y * y).sum()))


def test_discrimination_is_the_item_rest_correlation(course):
    scores = read_scores(f"sqlite:///{course / 'gradebook.db'}", WEEK)
    cells, _, table = _table(WEEK)
    found = discrimination(scores)
    for j, cell in enumerate(cells):
        rest = table.sum(axis=1) - table[:, j]
        if np.ptp(table[:, j]) == 0:
            assert math.isnan(found[cell]), "no variation, no correlation"
        else:
            assert found[cell] == pytest.approx(_pearson(table[:, j], rest))
    assert found["task4_tests"] > 0.4  # lost by the weaker learners: it separates


def test_outcome_mastery_and_outcomes_to_revisit(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    scores = read_scores(url, WEEK)
    found = {o.number: o for o in outcomes(course, WEEK)}
    module = load().module(WEEK)
    assert [o.text for o in found.values()] == list(module.outcomes)
    line = found[5]  # gradient descent: task1_tests (2 points) + task2_tests (3 points)
    assert line.cells == ("task1_tests", "task2_tests") and line.section.startswith("5 · A first model")
    by_student = mastery(scores, line)
    assert by_student["s00"] == 1.0 and by_student["s10"] == pytest.approx(2 / 5)
    assert by_student["s27"] == pytest.approx((2 + 1.5) / 5) and by_student["s25"] == 0.0
    expected = (10 * 1 + 15 * 2 / 5 + 2 * 0 + 1 * 3.5 / 5 + 1 * 1) / 29  # s00-09, s10-24, s25-26, s27, s29
    assert np.mean(list(by_student.values())) == pytest.approx(expected)
    maxima = scores.max_points
    assert [o.number for o in to_revisit(scores.points["s10"], maxima, list(found.values()))] == [5]
    assert to_revisit(scores.points["s27"], maxima, list(found.values())) == []  # exactly MASTERY: reached
    assert not found[2].cells and found[2] not in to_revisit({}, maxima, list(found.values())), "lecture only"
    solved = {c: m for c, m in maxima.items() if c != "task5_answer"}  # the reflection not graded by hand yet
    assert to_revisit(solved, maxima, list(found.values())) == [], "an outcome with no graded cell yet waits"
    text = revisit_markdown(to_revisit(scores.points["s25"], maxima, list(found.values())))
    assert "`notebooks/0x00-welcome.ipynb`, section *6 · Responsible AI" in text and f"{MASTERY:.0%}" in text


def test_learners_at_risk_over_the_course(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    all_scores = [read_scores(url, w, course / "reports" / f"{w}.csv") for w in klass.WEEKS]
    risks = {r.student: r.reasons for r in class_report("t", all_scores, []).risks}
    assert set(risks) == {"s25", "s26", "s27", "s28"}
    week1 = sum(klass.points("0x01-fundamentals", "s28").values())
    maxima = sum(m for w in klass.WEEKS for _, m in klass.graded_cells(w).values())
    assert week1 / maxima < 0.5, "s28's one week must stay under half the course's points (the risk tested)"
    assert risks["s28"] == ("missing submission: 0x00-welcome", f"low score: {week1 / maxima:.0%} of the points (below 50%)")
    assert risks["s27"] == ("timeouts in 0x00-welcome, 0x01-fundamentals",)
    earned = sum(sum(klass.points(w, "s25").values()) for w in klass.WEEKS)
    assert risks["s25"] == (f"low score: {earned / maxima:.0%} of the points (below 50%)",)


def test_course_report_writes_html_with_embedded_figures_and_csv(course, capsys):
    assert main(["report", "--root", str(course)]) == 0
    path = course / "reports" / "class.html"
    assert f"class report: {path}" in capsys.readouterr().out
    page = path.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "http" not in page.replace("http-equiv", ""), "self-contained: nothing fetched"
    with (course / "reports" / "class-items.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(klass.graded_cells(w)) for w in klass.WEEKS)
    task4 = next(r for r in rows if r["assignment"] == WEEK and r["cell"] == "task4_tests")
    assert float(task4["difficulty"]) == pytest.approx(22 / 29)
    with (course / "reports" / "class-learners.csv").open() as handle:
        learners = {r["student"]: r for r in csv.DictReader(handle)}
    assert len(learners) == 30 and learners["s28"]["at_risk"] == "True"
    # s29 lost 2 points to the late penalty: its share is (all points - 2) / all points
    maxima = sum(m for w in klass.WEEKS for _, m in klass.graded_cells(w).values())
    assert float(learners["s29"]["share"]) == pytest.approx((maxima - 2) / maxima)
    assert float(learners["s29"]["late_penalty"]) == 2.0 and float(learners["s00"]["late_penalty"]) == 0.0
    one = report(course, WEEK)
    assert one.name == f"class-{WEEK}.html" and "Class report: 0x00-welcome" in one.read_text()


def test_feedback_ends_with_the_outcomes_to_revisit_and_their_lecture_sections(course):
    url = f"sqlite:///{course / 'gradebook.db'}"
    week = "0x00-welcome"
    feedback_dir = course / "autograded" / "s10" / week  # where generate_feedback reads a notebook
    notebook = nbformat.read(klass.ROOT / "source" / week / f"{week}.ipynb", as_version=4)
    cells = len(notebook.cells)
    resources = {"nbgrader": {"db_url": url, "assignment": week, "notebook": week, "student": "s10"},
                 "metadata": {"path": str(feedback_dir)}}
    notebook, _ = RevisitOutcomes().preprocess(notebook, resources)
    assert len(notebook.cells) == cells + 1
    last = notebook.cells[-1].source
    module = load().module(week)
    # s10 lost task2_tests (3 of the 5 points of outcome 5): only that outcome, with its lecture section
    assert last.startswith("## Outcomes to revisit") and module.outcomes[4] in last
    assert "section *5 · A first model learned from data" in last
    assert sum(outcome in last for outcome in module.outcomes) == 1
    resources["nbgrader"]["student"] = "s00"
    notebook, _ = RevisitOutcomes().preprocess(nbformat.v4.new_notebook(), resources)
    assert "None: you reached every learning outcome" in notebook.cells[-1].source
