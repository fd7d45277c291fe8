"""Translations through PO catalogs: extraction, merging, applying with a reported fallback to English."""
import ast
import copy
import re
import shutil

import nbformat
import numpy as np
import polib
import pytest
from conftest import ROOT

from course.authoring.manifest import load
from course.deploy import BOARDS
from course.lessons import monitoring, plots, power_budget
from course.authoring.code_strings import code_strings, parse_cell, rewrite
from course.authoring.translation import (
    LIBRARY_MARKERS,
    LIBRARY_TEMPLATE,
    catalog_path,
    library_template,
    merge,
    notebooks,
    read_catalog,
    string_context,
    template,
    translate,
    translate_file,
)
from course.cli import main
from course.notebook.colab import SETUP_CELL, setup_cell
from course.notebook.language import LANGUAGE_VARIABLE, LOCALE

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


def test_code_strings_are_translated_in_place_and_a_broken_field_falls_back_to_english():
    code = 'print(f"{n} clips")\nassert ok, "Train for longer."\nax.set_title(f"Loss after {n} epochs")'
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP_CELL),
                                               nbformat.v4.new_code_cell(code)])
    cell_id = notebook.cells[1].id
    pot = template(notebook, "n.ipynb")
    assert [(e.msgctxt, e.msgid, e.fuzzy) for e in pot] == [(string_context(cell_id, 1), "{n} clips", False),
                                                             (string_context(cell_id, 2), "Train for longer.", False),
                                                             (string_context(cell_id, 3), "Loss after {n} epochs", False)]
    assert "python-brace-format" in pot[0].flags and "python-brace-format" not in pot[1].flags
    catalog = merge(pot, None, "es")
    catalog[0].msgstr, catalog[1].msgstr, catalog[2].msgstr = "{n} clips", "Entrena más tiempo.", "Pérdida tras {m} épocas"
    spanish, fallbacks = translate(notebook, catalog, "n.ipynb", "es")
    assert spanish.cells[0].source == setup_cell("es")
    assert spanish.cells[0].source.endswith(f'os.environ["{LANGUAGE_VARIABLE}"] = "es"'), "no output, no override"
    assert spanish.cells[1].source == code.replace("Train for longer.", "Entrena más tiempo.")
    assert [(f.cell_id, f.string, f.reason) for f in fallbacks] == [
        (cell_id, 3, "the translation does not keep the English {fields} exactly")]
    assert str(fallbacks[0]) == f"n.ipynb cell {cell_id}, string 3: {fallbacks[0].reason}"


def test_a_string_added_before_others_in_a_code_cell_leaves_their_translations_alone():
    before = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('print("Loss")\nprint("Accuracy")')])
    catalog = merge(template(before, "n.ipynb"), None, "es")
    catalog[0].msgstr, catalog[1].msgstr = "Pérdida", "Exactitud"
    after = copy.deepcopy(before)
    after.cells[0].source = 'print("New line")\nprint("Loss")\nprint("Accuracy, now")'
    merged = merge(template(after, "n.ipynb"), catalog, "es")
    assert [(e.msgid, e.msgstr, e.fuzzy) for e in merged] == [
        ("New line", "", False),  # new: not the translation of the string that used to be first
        ("Loss", "Pérdida", False),  # moved within its cell: same translation
        ("Accuracy, now", "", False)]  # changed, but its old position now holds "Loss": nothing to suggest


@pytest.mark.parametrize("path", notebooks(ROOT))
def test_catalogs_are_current_extracting_finds_nothing_new(path):
    pot = read_catalog(catalog_path(ROOT, "templates", path))
    fresh = template(nbformat.read(ROOT / path, as_version=4), path)
    assert [(e.msgctxt, e.msgid) for e in pot] == [(e.msgctxt, e.msgid) for e in fresh], \
        f"run `course translate extract --notebook {path}`"
    po = read_catalog(catalog_path(ROOT, "es", path))
    assert [(e.msgctxt, e.msgid) for e in po if not e.obsolete] == [(e.msgctxt, e.msgid) for e in fresh]


def _is_marker(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in LIBRARY_MARKERS


def _misused_markers(tree: ast.AST) -> list[int]:
    """Lines of markers that extraction cannot read: a built string (f-string, concatenation, call) instead of a
    literal (a name is fine: text defined as data, marked with N_ there), or a marker inside an f-string."""
    lines = []
    for node in ast.walk(tree):
        if _is_marker(node) and (len(node.args) != 1 or node.keywords
                                 or isinstance(node.args[0], (ast.JoinedStr, ast.BinOp, ast.Call))):
            lines.append(node.lineno)
        if isinstance(node, ast.JoinedStr):
            lines += [inner.lineno for inner in ast.walk(node) if _is_marker(inner)]
    return lines


def test_every_library_message_is_marked_so_that_extraction_finds_it():
    assert _misused_markers(ast.parse('x = f"{_(\'a\')}"\ny = _(f"{n} b")\nz = _("ok").format(n=1)\n'
                                      'u = _(item.unit)\nv = N_("a " + "b")')) == [1, 2, 5]
    misused = {path.relative_to(ROOT).as_posix(): lines for path in sorted((ROOT / "course").rglob("*.py"))
               if (lines := _misused_markers(ast.parse(path.read_text(encoding="utf-8"))))}
    assert not misused, f"use _(\"literal\").format(...) outside f-strings: {misused}"


def test_library_catalog_is_current():
    pot = read_catalog(LOCALE / LIBRARY_TEMPLATE)
    assert {e.msgid for e in pot} == {e.msgid for e in library_template(LOCALE.parent)}, \
        "run `course translate extract --library`"
    assert {e.msgid for e in read_catalog(LOCALE / "es.po") if not e.obsolete} == {e.msgid for e in pot}


@pytest.mark.parametrize("path", notebooks(ROOT))
def test_every_notebook_has_a_template_and_a_spanish_catalog(path):
    for language in ("templates", "es"):
        catalog = polib.pofile(str(catalog_path(ROOT, language, path)))
        cells = {c.id for c in nbformat.read(ROOT / path, 4).cells}
        assert len(catalog) > 3 and {e.msgctxt.split("/")[0] for e in catalog} <= cells


# A code span may run onto the next line (CommonMark), as in the 0x02 assignment's Task 4.
# So may inline math, as in the 0x03 lecture's §2.2 ($q_y = ...$ broken after a \cdot); a fenced block is one span.
SPANS = re.compile(r"```.+?```|\$\$.+?\$\$|\$[^$]+\$|`[^`]+`|\]\([^)\s]+\)", re.S)


TERMS = ROOT / "translations" / "es" / "TERMS.md"
RULED_OUT = re.compile(r'^\| ([^|]+?) \| ([^|]+?) \|[^|]*never "([^"]+)"', re.M)  # a row: English | Español | never "X"
FIELDS = re.compile(r"\{[^{}]*\}")


def test_the_glossary_rules_out_words_that_it_names():
    assert ("laptop", "portátil", "laptop") in RULED_OUT.findall(TERMS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [*notebooks(ROOT), "course/locale/es.po"])
def test_spanish_never_uses_a_word_that_its_glossary_rules_out(path):
    """translations/es/TERMS.md's rows that say `never "X"`: no Spanish text says X, outside code, math, links and
    the fields a code string fills in (`{laptop_wh}` is a name, not a word)."""
    catalog = polib.pofile(str(ROOT / path if path.endswith(".po") else catalog_path(ROOT, "es", path)))
    for english, spanish, word in RULED_OUT.findall(TERMS.read_text(encoding="utf-8")):
        pattern = re.compile(rf"\b{re.escape(word)}s?\b", re.I)
        found = [e.msgctxt or e.msgid for e in catalog if e.msgstr
                 and pattern.search(FIELDS.sub("", SPANS.sub("", e.msgstr)))]
        assert not found, f"{path}: {found} say {word!r}; TERMS.md says {spanish!r} for {english!r}"


SPANISH_TITLES = {"0x00-welcome": "# 0x00 · Bienvenida a TinyML", "0x01-fundamentals": "# 0x01 · Fundamentos",
                  "0x02-sensors": "# 0x02 · IA centrada en los datos, con sensores",
                  "0x03-deployment": "# 0x03 · Optimización y despliegue en microcontroladores",
                  "0x04-mlops": "# 0x04 · MLOps y TinyML responsable"}


def _program(source: str) -> str:
    return ast.dump(parse_cell(source))


@pytest.mark.parametrize("path", notebooks(ROOT))
def test_spanish_weeks_are_complete_and_keep_code_math_and_links(path):
    english = nbformat.read(ROOT / path, as_version=4)
    spanish, fallbacks = translate_file(ROOT, path, "es")
    assert not fallbacks, [str(f) for f in fallbacks]
    for before, after in zip(english.cells, spanish.cells):
        assert before.id == after.id and before.cell_type == after.cell_type and before.metadata == after.metadata
        if before.cell_type == "code" and before.source == SETUP_CELL:
            assert after.source == setup_cell("es"), "the set-up cell sets the library's language"
        elif before.cell_type == "code":
            english = {k: s.template for k, s in enumerate(code_strings(before.source))}
            assert _program(rewrite(after.source, english)) == _program(before.source), \
                f"cell {before.id}: only the learner-facing strings may change"
        elif before.source != after.source:
            assert set(SPANS.findall(before.source)) <= set(SPANS.findall(after.source)), before.id
            assert after.source.split("\n")[0].startswith("#") == before.source.split("\n")[0].startswith("#")
    if path in NOTEBOOKS:
        assert spanish.cells[0].source.startswith(SPANISH_TITLES[path.split("/")[-1].removesuffix(".ipynb")])


def test_translate_extract_command_writes_and_updates_catalogs(tmp_path):
    for folder in ("notebooks", "source"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    assert main(["translate", "extract", "--root", str(tmp_path), "--language", "es"]) == 0
    assert not (tmp_path / "course").exists(), "a course directory without the library has no library catalog"
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


def test_a_notebook_named_by_its_absolute_path_finds_its_catalog():
    lecture = "notebooks/0x00-welcome.ipynb"
    assert catalog_path(ROOT, "es", str(ROOT / lecture)) == catalog_path(ROOT, "es", lecture)
    assert catalog_path(ROOT, "es", lecture).parent.name == "notebooks"


def test_translate_notebook_command_writes_one_notebook_in_a_language(tmp_path, capsys):
    out = tmp_path / "lab-es.ipynb"
    assert main(["translate", "notebook", "notebooks/0x00-welcome.ipynb", "es", str(out), "--root", str(ROOT)]) == 0
    written = nbformat.read(out, as_version=4)
    assert written.cells[0].source.startswith(SPANISH_TITLES["0x00-welcome"])
    assert f"{out} written (" in capsys.readouterr().out


def _tone() -> np.ndarray:
    return (np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000) * 10000).astype(np.int16)


# One figure of each week's lecture, drawn by the library with the arguments' shapes the lecture uses.
WEEK_FIGURES = {
    "0x00-welcome": lambda: power_budget.plot_power_and_price(),
    "0x01-fundamentals": lambda: plots.plot_training_curves({"loss": [2.0, 1.0], "val_loss": [2.1, 1.3],
                                                             "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]}),
    "0x02-sensors": lambda: plots.plot_waveform_and_spectrogram(_tone()),
    "0x03-deployment": lambda: plots.plot_memory_budget({"model": (19_000, 0), "tensor arena": (0, 18_000)}, BOARDS),
    "0x04-mlops": lambda: monitoring.plot_timeline(np.linspace(0, 1, 50), np.exp(np.linspace(0, 1, 50)), 2.0,
                                                   np.r_[np.full(9, np.nan), np.linspace(0, 1, 50)[9:]],
                                                   fault_start=0.8),
}


def _words(fig) -> list[str]:
    """The figure's title, axis labels and legend texts: the words a learner reads on it."""
    texts = [fig.get_suptitle()]
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
    return texts


@pytest.mark.parametrize("week", WEEK_FIGURES)
def test_a_figure_of_every_week_drawn_in_spanish_has_spanish_words(week, monkeypatch):
    assert week in [m.id for m in MODULES]
    monkeypatch.delenv(LANGUAGE_VARIABLE, raising=False)
    english = WEEK_FIGURES[week]()
    monkeypatch.setenv(LANGUAGE_VARIABLE, "es")
    spanish = WEEK_FIGURES[week]()
    pairs = [(e, s) for e, s in zip(_words(english), _words(spanish), strict=True) if re.search("[a-z]{3}", e)]
    assert pairs, "the figure has words"
    assert all(e != s for e, s in pairs), [e for e, s in pairs if e == s]
    assert english.alt and spanish.alt and english.alt != spanish.alt
