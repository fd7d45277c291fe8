"""Shared fixtures: the course's notebooks and assignments, and one graded copy of the course.

Everything that executes notebooks does so once per test session and is shared: the instructor
sources execute inside the autograde round trip (their solution must score full marks), the
lecture notebooks under nbval (see pyproject's pytest options).
"""
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from submissions import partial_answer, wrong_answer_submission

from course.grading.nbgrader import assignments, copy_course, run_nbgrader
from course.notebook.figures import NO_ALT

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = assignments(ROOT)
LECTURES = sorted((ROOT / "notebooks").glob("0x*.ipynb"))
STUDENTS = ("solution", "untouched", "partial")
# Every test has exactly one kind (`pytestmark = pytest.mark.<kind>` in its file; tests/test_markers.py checks it),
# so that `python -m pytest -m <kind>` runs a known part of the suite.
KINDS = {
    "unit": "the library, one module at a time; runs no notebook",
    "notebooks": "the course's notebooks: conventions, every lecture under nbval, release/ regenerated, the Colab path",
    "grading": "nbgrader end to end: the autograde round trip, the sandbox, hostile submissions, the exchange",
    "browser": "JupyterLab and the formgrader in Chromium",
    "remix": "`course remix` builds whole courses and runs their tests",
}
COLLECTED_KINDS = pytest.StashKey[dict[str, list[str]]]()


def pytest_configure(config: pytest.Config) -> None:
    for kind, description in KINDS.items():
        config.addinivalue_line("markers", f"{kind}: {description}")
    config.pluginmanager.register(FigureTextAlternatives(), "figure-text-alternatives")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything: every collected item is noted
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """nbval's cells of the lecture notebooks are `notebooks` tests; note every item's kinds (tests/test_markers.py)."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
    config.stash[COLLECTED_KINDS] = {item.nodeid: [m.name for m in item.iter_markers() if m.name in KINDS]
                                     for item in items}


def _figures_without_alt(outputs: list) -> int:
    return sum(1 for output in outputs or [] if "image/png" in output.get("data", {})
               and output.get("metadata", {}).get("image/png", {}).get("alt", NO_ALT) == NO_ALT)


class FigureTextAlternatives:
    """A plugin: a notebook cell run by nbval that shows a figure without a text alternative fails.

    Registered for the whole session (a conftest's own hooks reach only the tests of its folder, and the
    lectures are under notebooks/)."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        missing = _figures_without_alt(getattr(item, "test_outputs", None)) if call.when == "call" else 0
        if report.passed and missing:
            report.outcome = "failed"
            report.longrepr = (f"{item.name}: {missing} figure(s) without a text alternative; set fig.alt to what "
                               f"the figure shows (course.notebook.figures)")


@dataclass(frozen=True)
class CellGrade:
    """One graded cell of one submission, as the gradebook stores it."""

    cell_type: str
    score: float | None
    max_score: float


@dataclass(frozen=True)
class GradedCourse:
    """A temporary copy of the course, released, submitted by three students, graded, exported."""

    root: Path
    grades: dict[tuple[str, str], dict[str, CellGrade]]  # (assignment, student) -> grade_id -> grade
    csv: str


def notebook_name(assignment: str) -> str:
    """The one notebook of an assignment (the course uses one notebook per assignment)."""
    (path,) = (ROOT / "source" / assignment).glob("*.ipynb")
    return path.name


def _submit(course: Path, student: str, assignment: str, notebook: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / notebook_name(assignment))


def _read_grades(course: Path) -> dict[tuple[str, str], dict[str, CellGrade]]:
    from nbgrader.api import Gradebook

    grades = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in ASSIGNMENTS:
            for student in STUDENTS:
                submission = gradebook.find_submission(assignment, student)
                grades[assignment, student] = {
                    grade.name: CellGrade(grade.cell_type, grade.score, grade.max_score)
                    for notebook in submission.notebooks
                    for grade in notebook.grades
                }
    return grades


@pytest.fixture(scope="session")
def released_course(tmp_path_factory) -> Path:
    """A temporary copy of the course in which nbgrader generated every student version."""
    course = copy_course(ROOT, tmp_path_factory.mktemp("course"), include_release=False)
    for assignment in ASSIGNMENTS:
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    return course


@pytest.fixture(scope="session")
def graded_course(released_course) -> GradedCourse:
    """Three submissions per assignment, autograded, with feedback and a CSV export.

    - `solution`: the instructor version (solutions and hidden tests included);
    - `untouched`: the committed student version from release/, as a learner who did nothing;
    - `partial`: the solution with one plausible wrong answer (tests/submissions.py).
    """
    course = released_course
    for assignment in ASSIGNMENTS:
        name = notebook_name(assignment)
        solution = nbformat.read(ROOT / "source" / assignment / name, as_version=4)
        _submit(course, "solution", assignment, solution)
        _submit(course, "untouched", assignment, nbformat.read(ROOT / "release" / assignment / name, as_version=4))
        _submit(course, "partial", assignment, wrong_answer_submission(solution, partial_answer(assignment)))
    for assignment in ASSIGNMENTS:
        run_nbgrader(["autograde", assignment], cwd=course)
        run_nbgrader(["generate_feedback", assignment], cwd=course)
    run_nbgrader(["export", "--to", str(course / "grades.csv")], cwd=course)
    return GradedCourse(course, _read_grades(course), (course / "grades.csv").read_text())


@pytest.fixture()
def scratch_copy(tmp_path):
    """Copy a file or folder into a fresh temporary directory and return the copy's path."""

    def copy(path: Path) -> Path:
        target = tmp_path / path.name
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, target)
        return target

    return copy
