"""Translations of the notebooks through gettext PO catalogs (edited with Poedit, Weblate, or a text editor).

Each notebook has one catalog per language: `translations/<lang>/notebooks/<week>.po` for a lecture and
`translations/<lang>/source/<week>.po` for an assignment, next to the untranslated template
`translations/templates/.../<week>.pot`. An entry is one markdown cell: msgctxt is the cell's id (stable
in nbformat 4.5), msgid its English source, msgstr the translation. Applying a catalog never guesses:
a cell with no translation, or whose English changed since it was translated, stays English and is
reported as a `Fallback`.
"""
import argparse
import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

from course.authoring.manifest import load

SOURCE_LANGUAGE = "en"
TEMPLATES = "templates"
BADGE_PREFIX = "[![Open In Colab]"


@dataclass(frozen=True)
class Fallback:
    """A cell shown in English in a translated notebook, and why."""

    notebook: str
    cell_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell_id}: {self.reason}"


def translatable(cell: nbformat.NotebookNode) -> bool:
    """Markdown cells are translated, except the Colab badge (rewritten by the remix builder)."""
    return cell.cell_type == "markdown" and bool(cell.source.strip()) and not cell.source.startswith(BADGE_PREFIX)


def catalog_path(root: Path, language: str, notebook: str) -> Path:
    """The catalog of `notebook` (a path relative to the course root) in `language`; `templates` gives the .pot."""
    kind = Path(notebook).parts[0]
    suffix = ".pot" if language == TEMPLATES else ".po"
    return Path(root) / "translations" / language / kind / (Path(notebook).stem + suffix)


def read_catalog(path: Path) -> polib.POFile | None:
    """The catalog at `path`, or None if there is none yet."""
    return polib.pofile(str(path), wrapwidth=0) if path.is_file() else None


def template(notebook: nbformat.NotebookNode, name: str) -> polib.POFile:
    """The untranslated catalog of a notebook: one entry per translatable cell, keyed by cell id."""
    pot = polib.POFile(wrapwidth=0)
    pot.metadata = {"Project-Id-Version": name, "Content-Type": "text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding": "8bit", "MIME-Version": "1.0"}
    for index, cell in enumerate(notebook.cells):
        if translatable(cell):
            pot.append(polib.POEntry(msgctxt=cell.id, msgid=cell.source, msgstr="",
                                     occurrences=[(name, str(index))]))
    return pot


def merge(template_catalog: polib.POFile, existing: polib.POFile | None, language: str) -> polib.POFile:
    """A language's catalog for `template_catalog`, keeping `existing` translations.

    A translation whose English changed is kept as fuzzy, with the old English as previous msgid, so a
    translator sees what changed; cells that no longer exist are dropped.
    """
    old = {entry.msgctxt: entry for entry in existing or [] if not entry.obsolete}
    po = polib.POFile(wrapwidth=0)
    po.metadata = {**template_catalog.metadata, "Language": language}
    for entry in template_catalog:
        new = polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr="", occurrences=entry.occurrences)
        before = old.get(entry.msgctxt)
        if before is not None and before.msgstr:
            new.msgstr = before.msgstr
            if before.msgid != entry.msgid:
                new.flags = ["fuzzy"]
                new.previous_msgid = before.msgid
            elif before.fuzzy:
                new.flags = ["fuzzy"]
                new.previous_msgid = before.previous_msgid
        po.append(new)
    return po


def notebooks(root: Path) -> list[str]:
    """Every lecture and assignment notebook of the manifest, as paths relative to `root`."""
    return [path for module in load().modules for path in (module.lecture, module.assignment)
            if (Path(root) / path).is_file()]


def extract(root: Path, languages: list[str]) -> list[Path]:
    """Write the .pot of every notebook and create or update its .po in each language; return the files."""
    written = []
    for name in notebooks(root):
        pot = template(nbformat.read(Path(root) / name, as_version=4), name)
        targets = [(catalog_path(root, TEMPLATES, name), pot)]
        for language in languages:
            path = catalog_path(root, language, name)
            targets.append((path, merge(pot, read_catalog(path), language)))
        for path, catalog in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog.save(str(path))
            written.append(path)
    return written


def translate(notebook: nbformat.NotebookNode, catalog: polib.POFile | None,
              name: str) -> tuple[nbformat.NotebookNode, list[Fallback]]:
    """A copy of `notebook` with its markdown cells translated by `catalog`, and the cells left in English."""
    translated = copy.deepcopy(notebook)
    entries = {entry.msgctxt: entry for entry in catalog or [] if not entry.obsolete}
    fallbacks = []
    for cell in translated.cells:
        if not translatable(cell):
            continue
        entry = entries.get(cell.id)
        if catalog is None:
            reason = "no catalog for this notebook"
        elif entry is None:
            reason = "the catalog has no entry for this cell (run `course translate extract`)"
        elif entry.msgid != cell.source or entry.fuzzy:
            reason = "the English text changed since it was translated"
        elif not entry.msgstr:
            reason = "not translated yet"
        else:
            cell.source = entry.msgstr
            continue
        fallbacks.append(Fallback(name, cell.id, reason))
    return translated, fallbacks


def translate_file(root: Path, name: str, language: str) -> tuple[nbformat.NotebookNode, list[Fallback]]:
    """The notebook `root/name` in `language` (English needs no catalog), and the cells left in English."""
    notebook = nbformat.read(Path(root) / name, as_version=4)
    if language == SOURCE_LANGUAGE:
        return notebook, []
    return translate(notebook, read_catalog(catalog_path(root, language, name)), name)


def _extract(args: argparse.Namespace) -> int:
    languages = args.language or [lang for lang in load().languages if lang != SOURCE_LANGUAGE]
    for path in extract(args.root, languages):
        print(path.relative_to(args.root))
    return 0


def register(commands) -> None:
    """Add `course translate extract` to the `course` command."""
    translate_parser = commands.add_parser("translate", help="translation catalogs (gettext PO) of the notebooks")
    actions = translate_parser.add_subparsers(dest="action", required=True)
    extract_parser = actions.add_parser("extract", help="write translations/templates/*.pot and create or update "
                                                       "every language's .po from the current notebooks")
    extract_parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    extract_parser.add_argument("--language", action="append",
                                help="language code (repeatable; default: every language of the manifest)")
    extract_parser.set_defaults(handler=_extract)
