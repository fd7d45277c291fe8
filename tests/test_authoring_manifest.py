"""course/authoring/manifest.yml describes the course that exists: modules, files, outcomes, datasets, boards, languages."""
import re

import nbformat
import pytest
from conftest import ROOT

import course.data
from course.authoring.manifest import ManifestError, load, syllabus_table
from course.authoring.remix import parameters_cell, read_parameters
from course.authoring.translation import translate_file
from course.cli import main
from course.deploy import BOARDS
from course.grading.nbgrader import assignments
from course.units import KIB

pytestmark = pytest.mark.unit

MANIFEST = load()
MODULES = MANIFEST.modules
DATASETS = ("digits", "gestures", "images", "keywords", "load_speech_commands", "sine", "vibration",
            "vibration_timeline")


def _read(path: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / path, as_version=4)


def test_manifest_lists_every_week_of_the_course_in_order():
    assert MANIFEST.ids == assignments(ROOT)
    assert [f"notebooks/{m}.ipynb" for m in MANIFEST.ids] == sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("0x*.ipynb"))
    assert [m.number for m in MODULES] == [f"0x{i:02x}" for i in range(len(MODULES))]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_module_files_title_and_outcomes_match_its_lecture(module):
    assert module.lecture == f"notebooks/{module.id}.ipynb" and module.assignment == f"source/{module.id}/{module.id}.ipynb"
    first = _read(module.lecture).cells[0].source
    assert first.splitlines()[0] == f"# {module.number} · {module.title}"
    bullets = first.split("**Learning objectives.**", 1)[1]
    outcomes = [re.sub(r"\*\*", "", line[2:]).rstrip(";.") for line in bullets.splitlines() if line.startswith("- ")]
    assert list(module.outcomes) == outcomes, "copy the lecture's learning objectives into the manifest"
    assert module.kind in ("core", "optional") and module.hours > 0 and module.license == MANIFEST.license == "MIT"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_module_datasets_are_the_course_data_it_calls(module):
    code = "\n".join(c.source for path in (module.lecture, module.assignment) for c in _read(path).cells
                     if c.cell_type == "code")
    called = sorted(name for name in DATASETS if re.search(rf"\b{name}\(", code))
    assert sorted(module.datasets) == called
    assert set(module.datasets) <= set(course.data.__all__)


def _recorded_bytes(module) -> dict[str, int]:
    """`*_flash_bytes` / `*_arena_bytes` values the module's notebooks reported to benchmarks/RESULTS.md."""
    text = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    rows = [line for line in text.splitlines() if f"{module.id}" in line and line.startswith("| `")]
    return {name: int(value) for row in rows for name, value in re.findall(r"(\w+_(?:flash|arena)_bytes) = (\d+)", row)}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_module_boards_hold_the_memory_it_needs(module):
    assert set(module.boards) <= set(BOARDS)
    cell = parameters_cell(_read(module.assignment))
    if cell is not None:
        values = read_parameters(cell)
        assert module.memory == {"flash_kb": values["FLASH_BUDGET_KB"], "arena_kb": values["ARENA_BUDGET_KB"]}
        assert values["BOARD"] in [BOARDS[b].name for b in module.boards]
    recorded = _recorded_bytes(module)
    if module.memory is None:
        assert not recorded, f"{module.id} deploys models ({recorded}): give it a memory entry"
        return
    assert recorded, f"{module.id} has a memory entry but reports no deployed model"
    for name, value in recorded.items():
        limit = module.memory["flash_kb" if "flash" in name else "arena_kb"] * KIB
        assert value <= limit, f"{name} = {value} is over the manifest's {limit} bytes"
    for board in module.boards:
        flash, ram = BOARDS[board].available()
        assert module.memory["flash_kb"] * KIB <= flash and module.memory["arena_kb"] * KIB <= ram


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_module_languages_are_the_complete_translations(module):
    assert module.languages[0] == "en"
    for language in MANIFEST.languages:
        if language == "en":
            continue
        missing = [f for path in (module.lecture, module.assignment) for f in translate_file(ROOT, path, language)[1]]
        assert (language in module.languages) == (not missing), (
            f"{module.id} lists {language}" if missing else f"{module.id} is fully translated to {language}: list it")


def _graded_cells(path: str) -> dict[str, str]:
    """grade_id -> cell type of every graded cell (autograded tests, manually graded answers) of a notebook."""
    return {c.metadata["nbgrader"]["grade_id"]: c.cell_type for c in _read(path).cells
            if c.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_every_outcome_is_assessed_by_a_graded_cell_or_taught_in_the_lecture_only(module):
    graded = _graded_cells(module.assignment)
    assert len(module.assessment) == len(module.outcomes)
    for outcome, assessment in zip(module.outcomes, module.assessment):
        assert assessment.lecture_only or assessment.graded, outcome
        unknown = [g for g in assessment.graded if g not in graded]
        assert not unknown, f"{module.id}: {outcome!r} names {unknown}, not graded cells of {module.assignment}"
    mapped = {g for a in module.assessment for g in a.graded}
    assert mapped == set(graded), f"{module.id}: graded cells assessing no outcome: {sorted(set(graded) - mapped)}"
    assert sum(a.lecture_only for a in module.assessment) < len(module.outcomes) / 2


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_every_outcome_names_the_lecture_section_that_teaches_it(module):
    headings = {c.id: c.source for c in _read(module.lecture).cells if c.cell_type == "markdown"}
    for outcome, assessment in zip(module.outcomes, module.assessment):
        assert assessment.taught in headings, f"{module.id}: {outcome!r} is taught in cell {assessment.taught}, not in {module.lecture}"
        assert re.match(r"## \d+ · ", headings[assessment.taught]), "`taught` names a numbered section's heading cell"


def test_weeks_follow_the_teaching_order_and_the_term_is_valid():
    releases = [m.weeks.release for m in MODULES]
    assert releases == sorted(releases) and all(m.weeks.due > m.weeks.release for m in MODULES)
    assert MANIFEST.term.week_start(1) < MANIFEST.term.week_start(2)
    assert 0 < MANIFEST.late.per_day <= MANIFEST.late.cap <= 1


def test_readme_syllabus_is_generated_from_the_manifest(capsys):
    assert main(["syllabus"]) == 0
    table = capsys.readouterr().out
    assert table == syllabus_table(MODULES, MANIFEST.term) and table.count("\n") == 2 + len(MODULES)
    assert table in (ROOT / "README.md").read_text(), "README's syllabus is stale: paste the output of `course syllabus`"


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace("kind: optional", "kind: elective", 1), "kind must be one of"),
    (lambda text: text.replace("prerequisites: [0x00-welcome]", "prerequisites: [0x03-deployment]", 1),
     "must be modules listed before it"),
    (lambda text: text.replace("  - id: 0x01-fundamentals", "  - id: 0x00-welcome", 1), "listed twice"),
    (lambda text: text.replace("    hours: 4\n", "", 1), "missing ['hours']"),
    (lambda text: text.replace("      - {graded: [task4_tests], taught: d0772bc3}  # §1 what is machine learning\n", "", 1),
     "assessment needs one entry per outcome"),
    (lambda text: text.replace("graded: [task4_tests]", "graded: []", 1), "a list of grade ids or 'lecture only'"),
    (lambda text: text.replace("weeks: {release: 1, due: 2}", "weeks: {release: 2, due: 2}", 1), "due in a week after"),
    (lambda text: text.replace("timezone: Europe/Madrid", "timezone: Europe/Atlantis", 1), "timezone (IANA)"),
    (lambda text: text.replace('start: "2027-02-01 10:00"', 'start: "1 Feb 2027"', 1), "YYYY-MM-DD HH:MM"),
    (lambda text: text.replace("cap: 0.5", "cap: 1.5", 1), "late (per_day, cap, grace_minutes)"),
])
def test_malformed_manifest_is_refused_with_the_reason(tmp_path, edit, message):
    from course.authoring.manifest import MANIFEST as path
    broken = tmp_path / "manifest.yml"
    broken.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ManifestError, match=re.escape(message)):
        load(broken)
