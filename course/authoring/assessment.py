"""The manifest's assessment plan applied to a course directory: `course report`, `course schedule`, and the
outcomes to revisit at the end of each learner's feedback.

The plan lives in `course/authoring/manifest.yml` (each outcome's graded cells and lecture section, each
assignment's weeks, the term and its late policy); a remix (its `remix.yml`) keeps the plan of its modules,
renumbered, with its own term. The numbers come from `course.grading.analysis` and `course.grading.schedule`.
"""
import argparse
import sys
from pathlib import Path

import nbformat
import yaml
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from course.authoring.manifest import MANIFEST, Manifest, Module, load
from course.authoring.remix import RemixConfig, remix_modules, term
from course.grading.analysis import Outcome, class_report, read_scores, revisit_markdown, to_revisit, write_report
from course.grading.gradebook import gradebook_url
from course.grading.nbgrader import REMIX_FILE, assignments
from course.grading.schedule import Dates, Term, write_due_dates

REPOSITORY = MANIFEST.parents[2]  # the course this package came with (its lectures name the sections)


def course_plan(root: Path, manifest: Manifest | None = None) -> tuple[list[Module], Term]:
    """The modules taught at `root` (ids as there, weeks in that course's term) and the term: a remix's from its
    `remix.yml`, else the manifest's."""
    manifest = manifest or load()
    remix_file = Path(root) / REMIX_FILE
    if not remix_file.is_file():
        return list(manifest.modules), manifest.term
    raw = yaml.safe_load(remix_file.read_text(encoding="utf-8"))
    config = RemixConfig(raw["id"], raw["title"], tuple(raw["modules"]), raw["board"], raw["language"],
                         raw["timeout"], raw.get("start"), raw.get("timezone"))
    return remix_modules(config, manifest), term(config, manifest)


def schedule(root: Path, manifest: Manifest | None = None) -> list[Dates]:
    """Release and due dates (naive UTC) of every assignment of the course at `root`."""
    modules, when = course_plan(root, manifest)
    return [Dates(m.id, when.week_start(m.weeks.release), when.week_start(m.weeks.due)) for m in modules]


def _section(lectures: list[Path], cell_id: str) -> str:
    """The heading of the lecture cell `cell_id`, from the first of `lectures` that exists."""
    for lecture in lectures:
        if lecture.is_file():
            for cell in nbformat.read(lecture, as_version=4).cells:
                if cell.get("id") == cell_id:
                    return cell.source.splitlines()[0].lstrip("#").strip()
    return f"cell {cell_id}"


def outcomes(root: Path, assignment: str, manifest: Manifest | None = None) -> list[Outcome]:
    """The outcomes of the module behind `assignment` at `root`, with their graded cells and lecture sections."""
    modules, _ = course_plan(root, manifest)
    module = next((m for m in modules if m.id == assignment), None)
    if module is None:
        return []
    lecture = f"notebooks/{module.id}.ipynb"  # in a remix, `module.lecture` is still the original's
    lectures = [Path(root) / lecture, REPOSITORY / module.lecture]
    return [Outcome(module.id, number, text, a.graded, lecture, _section(lectures, a.taught))
            for number, (text, a) in enumerate(zip(module.outcomes, module.assessment), 1)]


def report(root: Path, assignment: str | None = None) -> Path:
    """Write the class report of `assignment` (or of every graded assignment) into `root/reports/`."""
    root = Path(root).resolve()
    url = gradebook_url(root)
    with Gradebook(url) as gradebook:
        graded = {a.name for a in gradebook.assignments if a.submissions}
    chosen = [assignment] if assignment else [a for a in assignments(root) if a in graded]
    if not chosen:
        raise ValueError(f"no graded assignment in {url}")
    all_scores = [read_scores(url, a, root / "reports" / f"{a}.csv") for a in chosen]
    all_outcomes = [o for a in chosen for o in outcomes(root, a)]
    title = f"Class report: {assignment}" if assignment else f"Class report: {', '.join(chosen)}"
    out = root / "reports" / (f"class-{assignment}" if assignment else "class")
    return write_report(class_report(title, all_scores, all_outcomes), out)


class RevisitOutcomes(NbGraderPreprocessor):
    """A `GenerateFeedback` preprocessor: the feedback ends with the learner's outcomes to revisit (below the
    mastery threshold) and the lecture section that teaches each (listed in nbgrader_config.py)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        # generate_feedback reads autograded/<student>/<assignment>/<notebook>.ipynb of the course directory
        root = Path(resources.get("metadata", {}).get("path") or Path.cwd() / "a" / "b" / "c").resolve().parents[2]
        with Gradebook(info["db_url"]) as gradebook:
            try:
                submission = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                return nb, resources
            points = {g.name: g.manual_score if g.manual_score is not None else g.auto_score
                      for g in submission.grades}  # None: not graded yet (a manually graded answer)
            points = {name: score for name, score in points.items() if score is not None}
            max_points = {g.name: g.max_score for g in submission.grades}
        mapped = outcomes(root, info["assignment"])
        if not mapped:  # an assignment the course's plan does not know
            return nb, resources
        revisit = to_revisit(points, max_points, mapped)
        nb.cells.append(nbformat.v4.new_markdown_cell(revisit_markdown(revisit)))
        return nb, resources


def _report_command(args: argparse.Namespace) -> int:
    try:
        path = report(args.root, args.assignment)
    except (ValueError, MissingEntry) as error:
        print(f"course report: {error}", file=sys.stderr)
        return 1
    print(f"class report: {path} (CSV beside it: {path.stem}-items.csv, -outcomes.csv, -learners.csv)")
    return 0


def _schedule_command(args: argparse.Namespace) -> int:
    dates = schedule(args.root)
    _, when = course_plan(args.root)
    if not args.dry_run:
        write_due_dates(gradebook_url(args.root), dates)
    for entry in dates:
        print(f"{entry.assignment}: released {when.local(entry.release):%a %d %b %Y %H:%M}, "
              f"due {when.local(entry.due):%a %d %b %Y %H:%M %Z}")
    print("(not written: --dry-run)" if args.dry_run else "due dates written to the gradebook")
    return 0


def register(commands) -> None:
    """Add `course report [assignment]` and `course schedule` to the `course` command."""
    parser = commands.add_parser("report", help="class report after grading: difficulty, discrimination, "
                                 "outcome mastery, learners at risk (reports/class*.html and CSV)")
    parser.add_argument("assignment", nargs="?", help="one assignment (default: every graded one, the whole course)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.set_defaults(handler=_report_command)
    parser = commands.add_parser("schedule", help="write each assignment's due date (the term in the manifest "
                                 "or remix.yml) into nbgrader's gradebook")
    parser.add_argument("--dry-run", action="store_true", help="print the dates, write nothing")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.set_defaults(handler=_schedule_command)
