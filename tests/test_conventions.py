"""Every lecture and assignment notebook follows the course's conventions (cheap, static checks)."""
import re
from pathlib import Path

import nbformat
import pytest
from conftest import ASSIGNMENTS, LECTURES, ROOT, notebook_name

from course.authoring.manifest import load
from course.notebook.colab import badge_markdown, setup_cell

pytestmark = pytest.mark.notebooks

SOURCES = [ROOT / "source" / a / notebook_name(a) for a in ASSIGNMENTS]
WEEK = re.compile(r"^(0x0[0-9a-f])-[a-z0-9-]+$")
# The words of the required headings and of the points, in every language of the course manifest (a remix may be
# translated, with some cells left in English).
PHRASES = load().languages.values()
OBJECTIVES = {phrases["headings"]["objectives"] for phrases in PHRASES}
SECTIONS = {key: {phrases["headings"][key] for phrases in PHRASES} for key in ("summary", "whats_next", "going_further")}
SETUP_CELLS = {setup_cell(language) for language in load().languages}
POINTS = "|".join(sorted({re.escape(phrases["points"]) for phrases in PHRASES}))


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _markdown(notebook) -> str:
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def _headings(notebook) -> list[str]:
    return [line.lstrip("#").strip().lower() for line in _markdown(notebook).splitlines() if line.startswith("#")]


def test_every_week_has_a_lecture_and_an_assignment_numbered_from_0x00():
    weeks = [path.stem for path in LECTURES]
    assert weeks and weeks == ASSIGNMENTS, "notebooks/<week>.ipynb and source/<week>/ come in pairs"
    assert [week[:4] for week in weeks] == [f"0x{i:02x}" for i in range(len(weeks))], "weeks 0x00, 0x01, … with no gap"


@pytest.mark.parametrize("path", LECTURES + SOURCES, ids=lambda p: p.stem)
def test_notebook_is_valid_and_stored_without_outputs(path):
    notebook = _read(path)
    nbformat.validate(notebook)
    ids = [cell.id for cell in notebook.cells]
    assert len(ids) == len(set(ids)), "duplicate cell ids"
    stored = [c.source[:60] for c in notebook.cells if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not stored, f"store notebooks without outputs (clear them before committing): {stored}"
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", LECTURES + SOURCES, ids=lambda p: p.stem)
def test_title_badge_and_colab_setup_cell(path):
    notebook = _read(path)
    week = WEEK.match(path.stem)
    assert week, f"{path.name}: name notebooks 0xNN-<slug>"
    assert notebook.cells[0].source.startswith(f"# {week.group(1)} · "), "the first cell is the title `# 0xNN · Topic`"
    opened_from = path.relative_to(ROOT)
    if opened_from.parts[0] == "source":  # learners open the student version
        opened_from = Path("release", *opened_from.parts[1:])
    assert badge_markdown(str(opened_from)) in _markdown(notebook), "missing or wrong 'Open in Colab' badge"
    assert (ROOT / opened_from).is_file(), f"the badge points at {opened_from}, which does not exist"
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert first_code.source in SETUP_CELLS, "the first code cell must be course.notebook.colab.setup_cell(language)"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_lecture_has_objectives_summary_and_next_steps(path):
    notebook = _read(path)
    assert any(w in notebook.cells[0].source.lower() for w in OBJECTIVES), "state the learning objectives at the top"
    headings = _headings(notebook)
    for words in SECTIONS.values():
        assert any(h.startswith(w) for h in headings for w in words), f"{path.name} has no {sorted(words)} section"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_assignment_states_points_and_has_hidden_tests(path):
    notebook = _read(path)
    graded = [c.metadata.nbgrader for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, "no graded cell"
    total = sum(cell["points"] for cell in graded)
    intro = "\n".join(c.source for c in notebook.cells[:3])
    assert re.search(rf"\b{total:g} (?:{POINTS})\b", intro), f"the opening cells must state the total ({total:g} points)"
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in notebook.cells), "no hidden tests"
    assert any("### BEGIN SOLUTION" in c.source for c in notebook.cells), "no solution cell"
