"""Translations through PO catalogs: extraction, merging, applying with a reported fallback to English."""
import re
import shutil

import nbformat
import polib
import pytest
from conftest import ROOT

from course.authoring.manifest import load
from course.authoring.translation import (
    catalog_path,
    merge,
    template,
    translate,
    translate_file,
)
from course.cli import main

pytestmark = pytest.mark.unit

MODULES = load().modules
NOTEBOOKS = [path for module in MODULES for path in (module.lecture, module.assignment)]


def _notebook(*sources: str) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(s) if not s.startswith("x =") else nbformat.v4.new_code_cell(s)
             for s in sources]
    return nbformat.v4.new_notebook(cells=cells)


def test_template_has_one_entry_per_markdown_cell_keyed_by_cell_id():
    notebook = _notebook("# 0x00 · Title", "[![Open In Colab](badge)](url)", "x = 1", "Some *prose*.")
    pot = template(notebook, "notebooks/demo.ipynb")
    assert [(e.msgctxt, e.msgid) for e in pot] == [(notebook.cells[0].id, "# 0x00 · Title"),
                                                   (notebook.cells[3].id, "Some *prose*.")]


def test_merge_keeps_translations_and_marks_changed_english_fuzzy():
    notebook = _notebook("Hello.", "Goodbye.", "Gone.")
    old = merge(template(notebook, "n"), None, "es")
    for entry, text in zip(old, ("Hola.", "Adiós.", "Ya no está.")):
        entry.msgstr = text
    notebook.cells[1].source = "Goodbye, and thanks."
    del notebook.cells[2]
    new = merge(template(notebook, "n"), old, "es")
    assert [(e.msgstr, e.fuzzy) for e in new] == [("Hola.", False), ("Adiós.", True)]
    assert new[1].previous_msgid == "Goodbye."


def test_translate_falls_back_to_english_and_reports_why():
    notebook = _notebook("Hello.", "Goodbye.", "New cell.", "Not yet.")
    catalog = merge(template(_notebook(), "n"), None, "es")
    catalog.append(polib.POEntry(msgctxt=notebook.cells[0].id, msgid="Hello.", msgstr="Hola."))
    catalog.append(polib.POEntry(msgctxt=notebook.cells[1].id, msgid="Good bye.", msgstr="Adiós."))
    catalog.append(polib.POEntry(msgctxt=notebook.cells[3].id, msgid="Not yet.", msgstr=""))
    translated, fallbacks = translate(notebook, catalog, "n.ipynb", "es")
    assert [c.source for c in translated.cells] == ["Hola.", "Goodbye.", "New cell.", "Not yet."]
    assert notebook.cells[0].source == "Hello.", "the original notebook is left alone"
    reasons = {f.cell_id: f.reason for f in fallbacks}
    assert reasons == {notebook.cells[1].id: "the English text changed since it was translated",
                       notebook.cells[2].id: "the catalog has no entry for this text (run `course translate extract`)",
                       notebook.cells[3].id: "not translated yet"}
    assert all(str(f).startswith("n.ipynb cell ") for f in fallbacks)
    assert {f.reason for f in translate(notebook, None, "n", "es")[1]} == {"no catalog for this notebook"}


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_every_notebook_has_a_template_and_a_spanish_catalog(path):
    for language in ("templates", "es"):
        catalog = polib.pofile(str(catalog_path(ROOT, language, path)))
        cells = {c.id for c in nbformat.read(ROOT / path, 4).cells}
        assert len(catalog) > 3 and {e.msgctxt.split("/")[0] for e in catalog} <= cells


# A code span may run onto the next line (CommonMark), as in the 0x02 assignment's Task 4.
# So may inline math, as in the 0x03 lecture's §2.2 ($q_y = ...$ broken after a \cdot); a fenced block is one span.
SPANS = re.compile(r"```.+?```|\$\$.+?\$\$|\$[^$]+\$|`[^`]+`|\]\([^)\s]+\)", re.S)


SPANISH_TITLES = {"0x00-welcome": "# 0x00 · Bienvenida a TinyML", "0x01-fundamentals": "# 0x01 · Fundamentos",
                  "0x02-sensors": "# 0x02 · IA centrada en los datos, con sensores",
                  "0x03-deployment": "# 0x03 · Optimización y despliegue en microcontroladores",
                  "0x04-mlops": "# 0x04 · MLOps y TinyML responsable"}


@pytest.mark.parametrize("path", [path for path in NOTEBOOKS if any(week in path for week in SPANISH_TITLES)])
def test_spanish_weeks_are_complete_and_keep_code_math_and_links(path):
    english = nbformat.read(ROOT / path, as_version=4)
    spanish, fallbacks = translate_file(ROOT, path, "es")
    assert not fallbacks, [str(f) for f in fallbacks]
    for before, after in zip(english.cells, spanish.cells):
        assert before.id == after.id and before.cell_type == after.cell_type and before.metadata == after.metadata
        if before.cell_type == "code":
            assert before.source == after.source
        elif before.source != after.source:
            assert set(SPANS.findall(before.source)) <= set(SPANS.findall(after.source)), before.id
            assert after.source.split("\n")[0].startswith("#") == before.source.split("\n")[0].startswith("#")
    assert spanish.cells[0].source.startswith(SPANISH_TITLES[path.split("/")[-1].removesuffix(".ipynb")])


def test_translate_extract_command_writes_and_updates_catalogs(tmp_path):
    for folder in ("notebooks", "source"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    assert main(["translate", "extract", "--root", str(tmp_path), "--language", "es"]) == 0
    lecture = "notebooks/0x00-welcome.ipynb"
    catalog = polib.pofile(str(catalog_path(tmp_path, "es", lecture)))
    assert catalog.percent_translated() == 0 and catalog_path(tmp_path, "templates", lecture).is_file()
    catalog[0].msgstr = "# 0x00 · Bienvenida"
    catalog.save()
    notebook = nbformat.read(tmp_path / lecture, as_version=4)
    notebook.cells[0].source += "\n\nOne more sentence."
    nbformat.write(notebook, tmp_path / lecture)
    assert main(["translate", "extract", "--root", str(tmp_path), "--language", "es"]) == 0
    entry = polib.pofile(str(catalog_path(tmp_path, "es", lecture)))[0]
    assert entry.fuzzy and entry.msgstr == "# 0x00 · Bienvenida" and entry.msgid.endswith("One more sentence.")
