"""release/ is exactly what nbgrader generates from source/ today."""
from pathlib import Path

import nbformat
import pytest
from conftest import ASSIGNMENTS, ROOT

pytestmark = pytest.mark.notebooks


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def _cells(path: Path) -> list[tuple]:
    notebook = nbformat.read(path, as_version=4)
    return [(cell.cell_type, cell.source, dict(cell.metadata.get("nbgrader", {}))) for cell in notebook.cells]


def test_every_folder_under_source_is_an_assignment():
    folders = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
    assert folders and ASSIGNMENTS == folders, "every folder under source/ holds one assignment notebook"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_a_fresh_nbgrader_generation(assignment, released_course):
    committed, fresh = ROOT / "release" / assignment, released_course / "release" / assignment
    assert committed.is_dir(), f"release/{assignment} is missing: run `make release`"
    assert _files(committed) == _files(fresh), "release/ and source/ hold different files: run `make release`"
    for name in sorted(_files(fresh)):
        if name.endswith(".ipynb"):
            assert _cells(committed / name) == _cells(fresh / name), (
                f"release/{assignment}/{name} differs from what nbgrader generates from source/: "
                "never edit release/ by hand; run `make release`")
        else:
            assert (committed / name).read_bytes() == (fresh / name).read_bytes(), f"release/{assignment}/{name} is stale"


def test_release_holds_no_other_assignment():
    assert sorted(p.name for p in (ROOT / "release").iterdir() if p.is_dir()) == ASSIGNMENTS
