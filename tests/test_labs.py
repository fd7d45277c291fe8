"""The weeks' lab notebooks (manifest `labs`, in notebooks/labs/): registered, and following the lectures'
conventions. nbval runs them with the lectures (pytest's testpaths include notebooks/)."""
import pytest
from conftest import ROOT
from test_conventions import OBJECTIVES, SECTIONS, _headings, _read

from course.authoring.manifest import load
from course.notebook.colab import SETUP_CELL, badge_markdown

pytestmark = pytest.mark.notebooks

LABS = {lab: module for module in load().modules for lab in module.labs}


def test_every_lab_is_registered_in_the_manifest():
    on_disk = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks" / "labs").glob("*.ipynb"))
    assert on_disk == sorted(LABS), "every notebooks/labs/*.ipynb is a module's lab in the manifest, and back"


@pytest.mark.parametrize("lab", sorted(LABS))
def test_lab_follows_the_lecture_conventions(lab):
    module, notebook = LABS[lab], _read(ROOT / lab)
    assert (ROOT / lab).stem.startswith(f"{module.number}-"), "a lab is named after its week: 0xNN-<topic>"
    assert notebook.cells[0].source.startswith(f"# {module.number} · "), "the first cell is the title `# 0xNN · …`"
    assert any(w in notebook.cells[0].source.lower() for w in OBJECTIVES), "state the learning objectives at the top"
    assert badge_markdown(lab) in "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert next(c for c in notebook.cells if c.cell_type == "code").source == SETUP_CELL
    stored = [c.source[:60] for c in notebook.cells if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not stored, f"store notebooks without outputs: {stored}"
    headings = _headings(notebook)
    for words in SECTIONS.values():
        assert any(h.startswith(w) for h in headings for w in words), f"{lab} has no {sorted(words)} section"
