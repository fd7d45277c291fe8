"""The course manifest (`course/authoring/manifest.yml`): every module, what it teaches and needs, in one place.

`load()` reads and validates it; `syllabus_table()` renders the README's syllabus. The remix builder
(`course.authoring.remix`) and the translation tools (`course.authoring.translation`) read the same manifest,
and so does the assessment plan (`course.authoring.assessment`): which graded cells assess each outcome, where
the lecture teaches it, the term's weeks and its late policy.
"""
import argparse
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.dates import format_datetime

from course.grading.schedule import LatePolicy, Term, parse_start
from course.notebook.language import SOURCE_LANGUAGE

MANIFEST = Path(__file__).with_name("manifest.yml")
KINDS = ("core", "optional")
LECTURE_ONLY = "lecture only"  # an outcome taught in the lecture and assessed by no graded cell


class ManifestError(ValueError):
    """The manifest is malformed; the message names the module and the field."""


@dataclass(frozen=True)
class Assessment:
    """How one learning outcome is assessed: the graded cells (nbgrader grade ids; none: lecture only) and the
    id of the lecture cell whose section teaches it."""

    graded: tuple[str, ...]
    taught: str

    @property
    def lecture_only(self) -> bool:
        return not self.graded


@dataclass(frozen=True)
class Weeks:
    """The weeks of the term (1 = the first session) when an assignment is released and when it is due."""

    release: int
    due: int


@dataclass(frozen=True)
class Module:
    """One week of the course: a lecture notebook and an nbgrader assignment."""

    id: str
    title: str
    kind: str
    topics: str
    summary: str
    outcomes: tuple[str, ...]
    prerequisites: tuple[str, ...]
    lecture: str
    assignment: str
    assessment: tuple[Assessment, ...]  # one per outcome, in the same order
    weeks: Weeks
    datasets: tuple[str, ...]
    boards: tuple[str, ...]
    memory: dict[str, int] | None
    hours: float
    languages: tuple[str, ...]
    license: str
    labs: tuple[str, ...] = ()  # more notebooks of the week (notebooks/labs/<week>-<topic>.ipynb), run like the lecture

    @property
    def number(self) -> str:
        """The week number, e.g. `0x03`."""
        return self.id.split("-", 1)[0]

    @property
    def slug(self) -> str:
        """The id without its number, e.g. `deployment`."""
        return self.id.split("-", 1)[1]


@dataclass(frozen=True)
class Manifest:
    """The whole course: its id, title and license, its modules in order, and per-language phrases."""

    id: str
    title: str
    license: str
    repository: str
    modules: tuple[Module, ...]
    languages: dict[str, dict]
    term: Term
    late: LatePolicy

    def module(self, module_id: str) -> Module:
        """The module with this id (KeyError if there is none)."""
        for module in self.modules:
            if module.id == module_id:
                return module
        raise KeyError(module_id)

    @property
    def ids(self) -> list[str]:
        return [module.id for module in self.modules]


def _module(raw: dict) -> Module:
    where = f"module {raw.get('id', '?')!r}"
    fields = set(Module.__dataclass_fields__)
    missing = fields - {"memory", "labs"} - set(raw)
    if missing:
        raise ManifestError(f"{where}: missing {sorted(missing)}")
    unknown = set(raw) - fields
    if unknown:
        raise ManifestError(f"{where}: unknown fields {sorted(unknown)}")
    if raw["kind"] not in KINDS:
        raise ManifestError(f"{where}: kind must be one of {KINDS}, not {raw['kind']!r}")
    memory = raw.get("memory")
    if memory is not None and set(memory) != {"flash_kb", "arena_kb"}:
        raise ManifestError(f"{where}: memory needs exactly flash_kb and arena_kb")
    tuples = ("outcomes", "prerequisites", "datasets", "boards", "languages")
    return Module(**{**raw, **{name: tuple(raw[name]) for name in tuples}, "memory": memory,
                     "labs": tuple(raw.get("labs", ())),
                     "assessment": _assessment(raw, where), "weeks": _weeks(raw["weeks"], where)})


def _assessment(raw: dict, where: str) -> tuple[Assessment, ...]:
    entries = raw["assessment"]
    if not isinstance(entries, list) or len(entries) != len(raw["outcomes"]):
        raise ManifestError(f"{where}: assessment needs one entry per outcome ({len(raw['outcomes'])})")
    result = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) != {"graded", "taught"}:
            raise ManifestError(f"{where}: assessment of outcome {number} needs exactly `graded` and `taught`")
        graded = entry["graded"]
        if graded == LECTURE_ONLY:
            graded = []
        elif not isinstance(graded, list) or not graded or not all(isinstance(g, str) for g in graded):
            raise ManifestError(f"{where}: outcome {number} is graded by a list of grade ids or {LECTURE_ONLY!r}")
        result.append(Assessment(tuple(graded), str(entry["taught"])))
    return tuple(result)


def _weeks(raw: object, where: str) -> Weeks:
    if not isinstance(raw, dict) or set(raw) != {"release", "due"} or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in raw.values()):
        raise ManifestError(f"{where}: weeks needs whole numbers release and due (from 1)")
    if raw["due"] <= raw["release"]:
        raise ManifestError(f"{where}: an assignment is due in a week after its release")
    return Weeks(raw["release"], raw["due"])


def _term(raw: dict) -> tuple[Term, LatePolicy]:
    try:
        late = raw["late"]
        return (Term(parse_start(raw["start"]), str(raw["timezone"])),
                LatePolicy(float(late["per_day"]), float(late["cap"]), float(late["grace_minutes"])))
    except (KeyError, TypeError, ValueError) as error:
        raise ManifestError(f"term: needs start (YYYY-MM-DD HH:MM), timezone (IANA) and late "
                            f"(per_day, cap, grace_minutes): {error}") from None


def load(path: Path = MANIFEST) -> Manifest:
    """Read and check the manifest: known kinds, unique ids, prerequisites that come earlier."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    modules = tuple(_module(entry) for entry in raw["modules"])
    seen: set[str] = set()
    for module in modules:
        if module.id in seen:
            raise ManifestError(f"module {module.id!r} is listed twice")
        later = [p for p in module.prerequisites if p not in seen]
        if later:
            raise ManifestError(f"module {module.id!r}: prerequisites {later} must be modules listed before it")
        unknown = [lang for lang in module.languages if lang not in raw["languages"]]
        if unknown:
            raise ManifestError(f"module {module.id!r}: languages {unknown} are not in the manifest's languages")
        seen.add(module.id)
    course = raw["course"]
    return Manifest(course["id"], course["title"], course["license"], course["repository"], modules,
                    raw["languages"], *_term(raw["term"]))


def syllabus_table(modules: list[Module] | tuple[Module, ...], term: Term, language: str = SOURCE_LANGUAGE,
                   lecture_dir: str = "notebooks", release_dir: str = "release") -> str:
    """The markdown syllabus table of `modules` (the README's table, or a remix's) in `language`, with each
    assignment's release and due dates in the term's local time."""
    phrases = load().languages[language]
    words = phrases["syllabus"]
    rows = [f"| {words['week']} | {words['topic']} | {words['kind']} | {words['time']} | {words['lecture']} "
            f"| {words['assignment']} | {words['released']} | {words['due']} ({term.timezone}) |",
            "|---|---|---|---|---|---|---|---|"]
    for module in modules:
        lecture = f"{lecture_dir}/{module.id}.ipynb"
        release = f"{release_dir}/{module.id}"
        topic = f"{module.title} — {module.topics}" if module.topics else module.title
        released, due = (term.local(term.week_start(week)) for week in (module.weeks.release, module.weeks.due))
        rows.append(f"| {module.number} | {topic} | {phrases['kinds'][module.kind]} | {module.hours:g} h "
                    f"| [`{lecture}`]({lecture}) | [`{release}`]({release}) "
                    f"| {format_datetime(released, 'EEE dd MMM y', locale=language)} "
                    f"| {format_datetime(due, 'EEE dd MMM y HH:mm', locale=language)} |")
    return "\n".join(rows) + "\n"


def _syllabus(args: argparse.Namespace) -> int:
    manifest = load()
    print(syllabus_table(manifest.modules, manifest.term), end="")
    return 0


def register(commands) -> None:
    """Add `course syllabus` (print the README's syllabus table) to the `course` command."""
    syllabus = commands.add_parser("syllabus", help="print the syllabus table (markdown) from course/authoring/manifest.yml")
    syllabus.set_defaults(handler=_syllabus)
