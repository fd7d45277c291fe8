"""Translations of the course through gettext PO catalogs (edited with Poedit, Weblate, or a text editor).

Each notebook has one catalog per language: `translations/<lang>/notebooks/<week>.po` for a lecture,
`translations/<lang>/notebooks/labs/<lab>.po` for a lab and `translations/<lang>/source/<week>.po` for an
assignment, next to the untranslated template `translations/templates/.../<week>.pot`. An entry is
either one markdown cell (msgctxt: the cell's id, stable in nbformat 4.5; msgid: its English source) or
one learner-facing string of a code cell (msgctxt: ``<cell id>/<k>``, the cell's k-th such string, see
`course.authoring.code_strings`; msgid: its template). Applying a catalog never guesses: a text with no
translation, whose English changed since it was translated, or whose translation lost or changed a
``{field}``, stays English and is reported as a `Fallback`. A translated notebook's set-up cell also
sets `COURSE_LANGUAGE`, the language of the library's own messages (figures, checks), whose catalog is
`course/locale/<lang>.po` beside the template `course/locale/course.pot`.
"""
import argparse
import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib
from babel.messages.extract import extract_from_dir

from course.authoring.code_strings import UnparsableCell, code_strings, fields, rewrite
from course.authoring.manifest import load
from course.notebook.colab import SETUP_CELL, setup_cell
from course.notebook.language import LOCALE, SOURCE_LANGUAGE, catalog_file

TEMPLATES = "templates"
LIBRARY_TEMPLATE = "course.pot"
LIBRARY_MARKERS = {"_": None, "N_": None}  # course.notebook.language: translated now, or marked as data
LABS = "notebooks/labs"
BADGE_PREFIX = "[![Open In Colab]"


@dataclass(frozen=True)
class Fallback:
    """A cell shown in English in a translated notebook, and why."""

    notebook: str
    cell_id: str
    reason: str
    string: int | None = None  # the k-th learner-facing string of a code cell (from 1), or the whole cell

    def __str__(self) -> str:
        where = f"cell {self.cell_id}" + ("" if self.string is None else f", string {self.string}")
        return f"{self.notebook} {where}: {self.reason}"


def translatable(cell: nbformat.NotebookNode) -> bool:
    """Markdown cells are translated, except the Colab badge (rewritten by the remix builder)."""
    return cell.cell_type == "markdown" and bool(cell.source.strip()) and not cell.source.startswith(BADGE_PREFIX)


def catalog_path(root: Path, language: str, notebook: str) -> Path:
    """The catalog of `notebook` (a path relative to the course root, or inside it) in `language`; `templates`
    gives the .pot."""
    notebook = Path(notebook)
    if notebook.is_absolute():
        notebook = notebook.resolve().relative_to(Path(root).resolve())
    folder = notebook.parent if notebook.parts[0] == "notebooks" else Path("source")
    suffix = ".pot" if language == TEMPLATES else ".po"
    return Path(root) / "translations" / language / folder / (notebook.stem + suffix)


def read_catalog(path: Path) -> polib.POFile | None:
    """The catalog at `path`, or None if there is none yet."""
    return polib.pofile(str(path), wrapwidth=0) if path.is_file() else None


def _new_catalog(name: str) -> polib.POFile:
    pot = polib.POFile(wrapwidth=0)
    pot.metadata = {"Project-Id-Version": name, "Content-Type": "text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding": "8bit", "MIME-Version": "1.0"}
    return pot


def _strings(cell: nbformat.NotebookNode, name: str):
    try:
        return code_strings(cell.source)
    except UnparsableCell as error:
        raise UnparsableCell(f"{name} cell {cell.id}: {error}") from None


def string_context(cell_id: str, k: int) -> str:
    """The msgctxt of a code cell's k-th learner-facing string (from 1)."""
    return f"{cell_id}/{k}"


def _cell_of(context: str) -> str:
    return context.split("/")[0]


def template(notebook: nbformat.NotebookNode, name: str) -> polib.POFile:
    """The untranslated catalog of a notebook: an entry per markdown cell (keyed by cell id) and per
    learner-facing string of a code cell (keyed by cell id and position)."""
    pot = _new_catalog(name)
    for index, cell in enumerate(notebook.cells):
        if translatable(cell):
            pot.append(polib.POEntry(msgctxt=cell.id, msgid=cell.source, msgstr="",
                                     occurrences=[(name, str(index))]))
        elif cell.cell_type == "code":
            for k, found in enumerate(_strings(cell, name), start=1):
                note = "f-string: keep every {…} field exactly as it is" if found.fstring else ""
                pot.append(polib.POEntry(msgctxt=string_context(cell.id, k), msgid=found.template, msgstr="",
                                         occurrences=[(name, str(index))], comment=note,
                                         flags=["python-brace-format"] if found.fstring else []))
    return pot


def merge(template_catalog: polib.POFile, existing: polib.POFile | None, language: str) -> polib.POFile:
    """A language's catalog for `template_catalog`, keeping `existing` translations.

    A translation whose English changed is kept as fuzzy, with the old English as previous msgid, so a
    translator sees what changed; cells that no longer exist are dropped. A code cell's string with the same
    English as before keeps its translation even if it moved within its cell.
    """
    old = {entry.msgctxt: entry for entry in existing or [] if not entry.obsolete}
    # A code cell's string keeps its translation when strings are added or removed around it in the cell.
    same_text = {(_cell_of(entry.msgctxt), entry.msgid): entry for entry in old.values()
                 if _cell_of(entry.msgctxt) != entry.msgctxt and entry.msgstr and not entry.fuzzy}
    still_there = {(_cell_of(entry.msgctxt), entry.msgid) for entry in template_catalog}
    po = polib.POFile(wrapwidth=0)
    po.metadata = {**template_catalog.metadata, "Language": language}
    for entry in template_catalog:
        new = polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr="", occurrences=entry.occurrences,
                            comment=entry.comment, flags=list(entry.flags))
        before = same_text.get((_cell_of(entry.msgctxt), entry.msgid)) or old.get(entry.msgctxt)
        if before is not None and before.msgid != entry.msgid and (_cell_of(before.msgctxt), before.msgid) in still_there:
            before = None  # that translation belongs to a string that only moved: this one is new
        if before is not None and before.msgstr:
            new.msgstr = before.msgstr
            if before.msgid != entry.msgid:
                new.flags.append("fuzzy")
                new.previous_msgid = before.msgid
            elif before.fuzzy:
                new.flags.append("fuzzy")
                new.previous_msgid = before.previous_msgid
        po.append(new)
    return po


def notebooks(root: Path) -> list[str]:
    """Every lecture and assignment notebook of the manifest, and every lab, as paths relative to `root`."""
    weeks = [path for module in load().modules for path in (module.lecture, module.assignment)
             if (Path(root) / path).is_file()]
    return weeks + sorted(path.relative_to(root).as_posix() for path in (Path(root) / LABS).glob("*.ipynb"))


def library_template(package: Path) -> polib.POFile:
    """The untranslated catalog of the library's messages: every ``_("…")`` and ``N_("…")`` in the package, and the
    texts of its data files that a learner reads (`course.deploy.boards.learner_texts`)."""
    from course.deploy.boards import learner_texts  # imported here: other commands need not load the toolkit

    pot = _new_catalog("course")
    for filename, lineno, message, _comments, _context in extract_from_dir(package, keywords=LIBRARY_MARKERS):
        occurrence = (f"course/{Path(filename).as_posix()}", str(lineno))
        existing = pot.find(message)
        if existing is None:
            pot.append(polib.POEntry(msgid=message, msgstr="", occurrences=[occurrence]))
        else:
            existing.occurrences.append(occurrence)
    for key, text in learner_texts().items():  # data a learner reads, kept outside the code (boards.yml)
        pot.append(polib.POEntry(msgid=text, msgstr="", occurrences=[("course/deploy/boards.yml", key)]))
    return pot


def extract_library(root: Path, languages: list[str]) -> list[Path]:
    """Write the .pot of the library in `root/course` and create or update its .po in each language (its
    `locale/` folder); return the files. A course directory without the library (a remix) has none."""
    package = Path(root) / "course"
    if not (package / "__init__.py").is_file():
        return []
    locale = package / LOCALE.name
    pot = library_template(package)
    pot.save(str(locale / LIBRARY_TEMPLATE))
    written = [locale / LIBRARY_TEMPLATE]
    for language in languages:
        path = catalog_file(language, locale)
        po = read_catalog(path) or _new_catalog("course")
        po.merge(pot)
        po.metadata["Language"] = language
        po.save(str(path))
        written.append(path)
    return written


def extract(root: Path, languages: list[str], names: list[str] | None = None) -> list[Path]:
    """Write the .pot of every notebook (or of `names`) and create or update its .po in each language;
    return the files."""
    written = []
    for name in names or notebooks(root):
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


def _translated_strings(cell: nbformat.NotebookNode, entries: dict, name: str,
                        fallbacks: list[Fallback], has_catalog: bool) -> None:
    translations = {}
    for k, found in enumerate(_strings(cell, name), start=1):
        entry = entries.get(string_context(cell.id, k))
        reason = _missing(entry, found.template, has_catalog)
        if reason is None and fields(entry.msgstr, found.fstring) != fields(found.template, found.fstring):
            reason = "the translation does not keep the English {fields} exactly"
        if reason is None:
            translations[k - 1] = entry.msgstr
        else:
            fallbacks.append(Fallback(name, cell.id, reason, k))
    if translations:
        cell.source = rewrite(cell.source, translations)


def _missing(entry: polib.POEntry | None, english: str, has_catalog: bool) -> str | None:
    """Why `entry` cannot translate `english`, or None when it can."""
    if not has_catalog:
        return "no catalog for this notebook"
    if entry is None:
        return "the catalog has no entry for this text (run `course translate extract`)"
    if entry.msgid != english or entry.fuzzy:
        return "the English text changed since it was translated"
    if not entry.msgstr:
        return "not translated yet"
    return None


def translate(notebook: nbformat.NotebookNode, catalog: polib.POFile | None, name: str,
              language: str) -> tuple[nbformat.NotebookNode, list[Fallback]]:
    """A copy of `notebook` in `language`: its markdown cells and code cells' learner-facing strings
    translated by `catalog`, its set-up cell setting the library's language; and the texts left in English."""
    translated = copy.deepcopy(notebook)
    entries = {entry.msgctxt: entry for entry in catalog or [] if not entry.obsolete}
    fallbacks = []
    for cell in translated.cells:
        if cell.cell_type == "code" and cell.source == SETUP_CELL and catalog is not None:
            cell.source = setup_cell(language)
        elif cell.cell_type == "code":
            _translated_strings(cell, entries, name, fallbacks, catalog is not None)
        elif translatable(cell):
            reason = _missing(entries.get(cell.id), cell.source, catalog is not None)
            if reason is None:
                cell.source = entries[cell.id].msgstr
            else:
                fallbacks.append(Fallback(name, cell.id, reason))
    return translated, fallbacks


def translate_file(root: Path, name: str, language: str) -> tuple[nbformat.NotebookNode, list[Fallback]]:
    """The notebook `root/name` in `language` (English needs no catalog), and the cells left in English."""
    notebook = nbformat.read(Path(root) / name, as_version=4)
    if language == SOURCE_LANGUAGE:
        return notebook, []
    return translate(notebook, read_catalog(catalog_path(root, language, name)), name, language)


def _extract(args: argparse.Namespace) -> int:
    languages = args.language or [lang for lang in load().languages if lang != SOURCE_LANGUAGE]
    if not args.library:
        for path in extract(args.root, languages, args.notebook):
            print(path.relative_to(args.root))
    if args.library or not args.notebook:
        for path in extract_library(args.root, languages):
            print(path.relative_to(args.root))
    return 0


def _notebook(args: argparse.Namespace) -> int:
    notebook, fallbacks = translate_file(args.root, args.notebook, args.language)
    for fallback in fallbacks:
        print(f"in English (no translation): {fallback}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, args.out)
    print(f"{args.out} written ({len(fallbacks)} texts in English)")
    return 0


def register(commands) -> None:
    """Add `course translate extract` and `course translate notebook` to the `course` command."""
    translate_parser = commands.add_parser("translate", help="translation catalogs (gettext PO) of the notebooks")
    actions = translate_parser.add_subparsers(dest="action", required=True)
    extract_parser = actions.add_parser("extract", help="write translations/templates/*.pot and create or update "
                                                       "every language's .po from the current notebooks; the "
                                                       "same for the library's messages (course/locale)")
    extract_parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    extract_parser.add_argument("--language", action="append",
                                help="language code (repeatable; default: every language of the manifest)")
    only = extract_parser.add_mutually_exclusive_group()
    only.add_argument("--notebook", action="append",
                      help="only this notebook's catalogs (a path relative to the root; repeatable)")
    only.add_argument("--library", action="store_true", help="only the library's catalogs (course/locale)")
    extract_parser.set_defaults(handler=_extract)
    notebook_parser = actions.add_parser("notebook", help="write one notebook (a lab, a lecture, an assignment) in "
                                                          "a language, e.g. to open a lab in Spanish")
    notebook_parser.add_argument("notebook", help="the notebook, a path relative to the course directory")
    notebook_parser.add_argument("language", help="language code, e.g. es")
    notebook_parser.add_argument("out", type=Path, help="where to write the translated notebook")
    notebook_parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    notebook_parser.set_defaults(handler=_notebook)
