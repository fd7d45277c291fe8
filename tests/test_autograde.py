"""The autograde round trip in a temporary copy of the course: full, zero and partial marks."""
import csv
import html
import io
import re

import nbformat
import pytest
from conftest import ASSIGNMENTS, ROOT, notebook_name
from submissions import partial_answer

from course.authoring import assessment
from course.grading.analysis import MASTERY

pytestmark = pytest.mark.grading


def _code_cells(graded_course, assignment, student):
    return {name: g for name, g in graded_course.grades[assignment, student].items() if g.cell_type == "code"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_instructor_solution_scores_full_marks(assignment, graded_course):
    cells = _code_cells(graded_course, assignment, "solution")
    assert cells, f"{assignment} has no autograded test cell"
    failed = {name: (g.score, g.max_score) for name, g in cells.items() if g.score != g.max_score}
    assert not failed, f"the instructor solution loses points in {failed}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_student_version_scores_zero_without_crashing_the_grader(assignment, graded_course):
    autograded = graded_course.root / "autograded" / "untouched" / assignment / notebook_name(assignment)
    assert autograded.is_file(), "the grader produced no autograded notebook for the untouched version"
    scores = {name: g.score for name, g in _code_cells(graded_course, assignment, "untouched").items()}
    assert scores and all(score == 0 for score in scores.values()), scores


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_plausible_wrong_answer_gets_partial_credit(assignment, graded_course):
    lost = set(partial_answer(assignment).lost)
    cells = _code_cells(graded_course, assignment, "partial")
    assert lost <= set(cells), f"unknown graded cells {lost - set(cells)}"
    for name, grade in cells.items():
        if name in lost:
            assert grade.score < grade.max_score, f"{name} should lose points for the wrong answer"
        else:
            assert grade.score == grade.max_score, f"{name} lost points although its task was answered right"


HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)
TAG = re.compile(r"<[^>]+>")


def _hidden_only_lines(assignment: str) -> set[str]:
    """Code lines (15+ characters) of the hidden tests of `assignment` found nowhere else in its notebook."""
    source = "\n".join(c.source for c in nbformat.read(ROOT / "source" / assignment / notebook_name(assignment), 4).cells)
    visible = HIDDEN.sub("", source)
    hidden = {line.strip() for block in HIDDEN.findall(source) for line in block.splitlines()}
    return {line for line in hidden if len(line) >= 15 and line not in visible}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_is_generated_and_never_shows_hidden_tests(assignment, graded_course):
    html_name = notebook_name(assignment).replace(".ipynb", ".html")
    secret_lines = _hidden_only_lines(assignment)
    assert secret_lines, "the hidden tests should hold code of their own"
    for student in ("solution", "untouched", "partial"):
        page = (graded_course.root / "feedback" / student / assignment / html_name).read_text()
        text = html.unescape(TAG.sub("", page))
        assert "HIDDEN TESTS" not in text
        assert not [line for line in secret_lines if line in text], f"hidden-test code leaks into {student}'s feedback"
        assert "Score" in text


def _revisit_section(page: str) -> str:
    text = html.unescape(TAG.sub("", page)).replace("`", "")
    assert "Outcomes to revisit" in text, "feedback ends with the outcomes to revisit (RevisitOutcomes)"
    return text.rsplit("Outcomes to revisit", 1)[1]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_ends_with_the_outcomes_the_wrong_answer_missed(assignment, graded_course):
    html_name = notebook_name(assignment).replace(".ipynb", ".html")
    outcomes = assessment.outcomes(graded_course.root, assignment)
    grades = graded_course.grades[assignment, "partial"]
    graded = {name: g for name, g in grades.items() if g.cell_type == "code"}  # reflections wait for a human
    missed = [o for o in outcomes if o.cells and any(c in graded for c in o.cells)
              and sum(graded[c].score for c in o.cells if c in graded)
              < MASTERY * sum(graded[c].max_score for c in o.cells if c in graded)]
    assert missed and all(set(o.cells) & set(partial_answer(assignment).lost) for o in missed)
    section = _revisit_section((graded_course.root / "feedback" / "partial" / assignment / html_name).read_text())
    for outcome in outcomes:
        assert (outcome.text.replace("`", "") in section) == (outcome in missed), outcome.text
    assert all(o.section in section for o in missed)
    solved = _revisit_section((graded_course.root / "feedback" / "solution" / assignment / html_name).read_text())
    assert "None: you reached every learning outcome" in solved


def test_grades_export_to_csv_with_every_submission(graded_course):
    rows = list(csv.DictReader(io.StringIO(graded_course.csv)))
    exported = {(row["assignment"], row["student_id"]): float(row["raw_score"]) for row in rows}
    for (assignment, student), cells in graded_course.grades.items():
        assert exported[assignment, student] == pytest.approx(sum(g.score or 0 for g in cells.values()))
