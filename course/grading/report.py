"""`course grade`: autograde an assignment with nbgrader and explain every student's score.

Before any learner, the instructor's solution is graded like a learner's (a canary, in a scratch copy of
the course): if it loses a point, the grader or its environment is at fault and nothing is graded.
Then every submission is inspected (`course.grading.intake`): one holding links,
special files, too many files or an unreadable notebook is refused with a reason and left out of the
run; the gradebook is backed up. After the run, a fault of the grader (the sandbox cannot start, a
missing or broken check) stops everything: the gradebook is restored and no learner gets a grade.
The gradebook is checked, then the report is read from what nbgrader left behind, never by
re-running anything: scores from the gradebook, per-test verdicts from the autograded notebooks,
tampering by comparing each submitted test or locked cell with the released one (nbgrader restored
them before grading), and crashes, timeouts or memory limits that made nbgrader give up on a
submission from its log. It is written to `reports/<assignment>.csv` and `.md`, beside nbgrader's
own `reports/grades.csv` export.
"""
import argparse
import csv
import re
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import compute_checksum, is_grade, is_locked

from course.grading.intake import read_notebook, refusal
from course.grading.nbgrader import assignments, copy_course, nbgrader_env, run_nbgrader
from course.grading.sandbox import DEADLINE_MESSAGE, MEMORY_LIMIT_MESSAGE

REASONS = ("ok", "refused", "missing notebook", "invalid notebook", "kernel crash", "timeout", "memory limit",
           "tampered", "failed test", "not graded")
GRADER_FAULTS = ("SandboxUnavailable", "GraderFault")  # exceptions in nbgrader's log that are never a learner's fault
GRADEBOOK = "gradebook.db"
CANARY = "course-canary"  # the student id under which the instructor's solution is graded first


class GradingStopped(RuntimeError):
    """Grading cannot go on (a missing assignment, a fault of the grader, a damaged gradebook); nothing was graded."""


@dataclass
class StudentReport:
    """One student's result for one assignment."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    tests: dict[str, str] = field(default_factory=dict)  # grade id -> passed / failed: ... / timeout / ...
    reasons: list[str] = field(default_factory=list)
    detail: str = ""  # why a submission was refused or could not be read

    @property
    def reason(self) -> str:
        """The reasons, most serious first ("ok" when there are none)."""
        return ", ".join(sorted(set(self.reasons), key=REASONS.index)) or "ok"


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _protected_cells(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Checksums of the test and locked cells of `notebook`, by grade id."""
    return {_grade_id(c): compute_checksum(c) for c in notebook.cells
            if _grade_id(c) and (is_locked(c) or (is_grade(c) and c.cell_type == "code"))}


def tampered_cells(released: nbformat.NotebookNode, submitted: nbformat.NotebookNode) -> list[str]:
    """Grade ids of test or locked cells deleted or edited in `submitted` (nbgrader restores them)."""
    mine = _protected_cells(submitted)
    return [gid for gid, checksum in _protected_cells(released).items() if mine.get(gid) != checksum]


def cell_status(cell: nbformat.NotebookNode) -> str:
    """How a graded cell of an autograded notebook ended: passed, timeout, memory limit or failed: Error."""
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    if not errors:
        return "passed"
    error = errors[-1]
    if error.ename == "CellTimeoutError":
        return "timeout"
    if error.ename == "MemoryError":
        return "memory limit"
    message = f"{error.ename}: {error.evalue.strip().splitlines()[0] if error.evalue.strip() else ''}"
    return f"failed: {message.strip().rstrip(':')[:120]}"


def log_failures(log: str, assignment: str) -> dict[str, str]:
    """Students whose submission nbgrader gave up on, from an autograde log: student -> reason."""
    failures, student, seen = {}, None, set()
    path = re.compile(rf"(?:submitted|autograded)/([^/\s]+)/{re.escape(assignment)}\b")
    for line in log.splitlines():
        found = path.search(line)
        if found:
            student = found.group(1)
        if student is None:
            continue
        if MEMORY_LIMIT_MESSAGE in line:
            seen.add((student, "memory limit"))
        elif "Kernel died" in line:
            seen.add((student, "kernel crash"))
        elif "Timeout waiting for" in line or "CellTimeoutError" in line or DEADLINE_MESSAGE in line:
            seen.add((student, "timeout"))
        elif "There was an error processing assignment:" in line:
            causes = {reason for s, reason in seen if s == student}
            failures[student] = next((r for r in ("memory limit", "timeout", "kernel crash") if r in causes),
                                     "not graded")
    return failures


def _notebook_names(root: Path, assignment: str) -> list[str]:
    return sorted(p.name for p in (root / "source" / assignment).glob("*.ipynb"))


def _students(root: Path, assignment: str, gradebook: Gradebook) -> list[str]:
    submitted = {p.parent.name for p in (root / "submitted").glob(f"*/{assignment}")}
    return sorted(submitted | {s.id for s in gradebook.students})


def build_report(root: Path, assignment: str, log: str = "",
                 refused: dict[str, str] | None = None) -> list[StudentReport]:
    """A report per student of `assignment` in the course at `root` (`log`: nbgrader autograde's output,
    `refused`: the submissions left out of it, with why)."""
    root = Path(root)
    failures = log_failures(log, assignment)
    refused = refused or {}
    reports = []
    with Gradebook(f"sqlite:///{root / GRADEBOOK}") as gradebook:
        max_score = gradebook.find_assignment(assignment).max_score
        for student in _students(root, assignment, gradebook):
            report = StudentReport(student, max_score=max_score)
            if student in refused:
                category = "invalid notebook" if refused[student].startswith("invalid notebook") else "refused"
                report.reasons.append(category)
                report.detail = refused[student]
                reports.append(report)
                continue
            try:
                submission = gradebook.find_submission(assignment, student)
                report.score = submission.score
                grades = {g.name: g for nb in submission.notebooks for g in nb.grades if g.cell_type == "code"}
            except MissingEntry:
                grades = {}
            report.tests = {name: "not run" for name in sorted(grades)}
            for name in _notebook_names(root, assignment):
                _check_notebook(root, assignment, student, name, report)
            if student in failures:
                if failures[student] != "not graded" or not report.reasons:
                    report.reasons.append(failures[student])
                report.score = 0.0
            reports.append(report)
    return reports


def _check_notebook(root: Path, assignment: str, student: str, name: str, report: StudentReport) -> None:
    submitted = root / "submitted" / student / assignment / name
    if not submitted.is_file():
        report.reasons.append("missing notebook")
        return
    try:
        notebook = read_notebook(submitted)
    except Exception:  # nbformat raises several error types for unreadable files
        report.reasons.append("invalid notebook")
        return
    released = root / "release" / assignment / name
    if released.is_file() and tampered_cells(nbformat.read(released, as_version=4), notebook):
        report.reasons.append("tampered")
    autograded = root / "autograded" / student / assignment / name
    if not autograded.is_file():
        return
    cells = nbformat.read(autograded, as_version=4).cells
    for grade_id in report.tests:
        report.tests[grade_id] = "cell deleted"  # unless found below (nbgrader re-inserts edited, not deleted, cells)
    for cell in cells:
        status = cell_status(cell) if cell.cell_type == "code" else "passed"
        if status in ("timeout", "memory limit"):  # in any cell: it explains the failures that follow
            report.reasons.append(status)
        if _grade_id(cell) in report.tests:
            report.tests[_grade_id(cell)] = status
            if status != "passed":
                report.reasons.append(status if status in REASONS else "failed test")


def write_report(reports: list[StudentReport], csv_path: Path) -> Path:
    """Write `reports` as CSV at `csv_path` and as a markdown table beside it; return the CSV path."""
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    tests = sorted({name for r in reports for name in r.tests})
    rows = [{"student": r.student, "score": r.score, "max_score": r.max_score, "reason": r.reason, "detail": r.detail,
             **{name: r.tests.get(name, "not run") for name in tests}} for r in reports]
    header = ["student", "score", "max_score", "reason", "detail", *tests]
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# Grading report: {csv_path.stem}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]).replace("|", "\\|") for h in header) + " |" for row in rows]
    csv_path.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return csv_path


def check_assignment(root: Path, assignment: str) -> None:
    """Raise `GradingStopped` with a one-line message unless `assignment` can be graded in `root`."""
    if assignment not in assignments(root):
        raise GradingStopped(f"no assignment {assignment!r} in {root / 'source'} (there are: "
                             f"{', '.join(assignments(root)) or 'none'})")
    if not (root / GRADEBOOK).is_file():
        raise GradingStopped(f"no gradebook in {root}: run `nbgrader generate_assignment {assignment}` first")
    with Gradebook(f"sqlite:///{root / GRADEBOOK}") as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingStopped(f"assignment {assignment!r} is not in the gradebook: run "
                                 f"`nbgrader generate_assignment {assignment}` first") from None


def refusals(root: Path, assignment: str, student: str | None = None) -> dict[str, str]:
    """The submissions of `assignment` refused before grading (`course.grading.intake`), student -> why."""
    names = _notebook_names(root, assignment)
    folders = sorted((root / "submitted").glob(f"{student or '*'}/{assignment}"))
    return {f.parent.name: why for f in folders if (why := refusal(f, names))}


def backup_gradebook(root: Path, backup: Path) -> None:
    """A consistent copy of the gradebook (SQLite's online backup), to restore after a failed run."""
    backup.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(root / GRADEBOOK) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)


def gradebook_damage(root: Path, assignment: str) -> str | None:
    """What is wrong with the gradebook after a run (replaced by a link, corrupt, assignment gone), or None."""
    path = root / GRADEBOOK
    if path.is_symlink() or not path.is_file():
        return f"{path} is no longer a regular file"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (status,), = db.execute("PRAGMA integrity_check").fetchall()
            found = db.execute("SELECT count(*) FROM assignment WHERE name = ?", (assignment,)).fetchone()[0]
    except sqlite3.Error as error:
        return f"{path} cannot be read ({error})"
    if status != "ok":
        return f"{path} failed its integrity check ({status})"
    return None if found == 1 else f"{path} lost assignment {assignment!r}"


def grader_faults(log: str) -> list[str]:
    """The lines of nbgrader's log that show a fault of the grader (never of a learner)."""
    return [line.strip() for line in log.splitlines() if any(f"{fault}:" in line for fault in GRADER_FAULTS)]


def canary_failures(root: Path, assignment: str) -> list[str]:
    """What the instructor's own solution loses when graded like a learner's: nothing, or the fault.

    It is graded in a scratch copy of the course (same configuration, sandbox, secret and checks), so the
    course's gradebook and folders are untouched whatever happens.
    """
    with tempfile.TemporaryDirectory(prefix="course-canary-") as scratch:
        course = copy_course(root, Path(scratch) / "course")
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
        folder = course / "submitted" / CANARY / assignment
        folder.mkdir(parents=True)
        for name in _notebook_names(root, assignment):
            shutil.copyfile(root / "source" / assignment / name, folder / name)
        result = run_nbgrader(["autograde", assignment], cwd=course, check=False, env=nbgrader_env())
        log = result.stdout + result.stderr
        faults = grader_faults(log)
        if faults:
            return faults[:3]
        with Gradebook(f"sqlite:///{course / GRADEBOOK}") as gradebook:
            try:
                notebooks = gradebook.find_submission(assignment, CANARY).notebooks
            except MissingEntry:
                return [f"nbgrader could not grade the solution: {log.strip().splitlines()[-1:]}"]
            lost = {(nb.name, g.name): g for nb in notebooks for g in nb.grades
                    if g.cell_type == "code" and (g.score or 0) < g.max_score}
        failures = []
        for (name, grade_id), lost_grade in sorted(lost.items()):
            path = course / "autograded" / CANARY / assignment / f"{name}.ipynb"
            cells = [c for c in read_notebook(path).cells if _grade_id(c) == grade_id] if path.is_file() else []
            failures.append(f"{grade_id}: {lost_grade.score or 0:g} of {lost_grade.max_score:g} points"
                            + (f" ({cell_status(cells[0])})" if cells else ""))
        return failures


def grade(root: Path, assignment: str, student: str | None = None, force: bool = True) -> Path:
    """Autograde `assignment` (every student, or one) with nbgrader, export grades, write the report.

    First the instructor's solution is graded the same way (a canary): if it does not earn every point,
    nothing is graded. Raises `GradingStopped` on such a fault of the grader, or on a damaged gradebook
    (after restoring it).
    """
    root = Path(root).resolve()
    check_assignment(root, assignment)
    failures = canary_failures(root, assignment)
    if failures:
        raise GradingStopped(f"grading of {assignment} stopped before any learner: the instructor's solution, "
                             f"graded as a learner's would be, lost points — a fault of the grader or its "
                             f"environment, not of any learner: " + "; ".join(failures))
    reports_dir = root / "reports"
    reports_dir.mkdir(exist_ok=True)
    refused = refusals(root, assignment, student)
    backup = reports_dir / f"{GRADEBOOK}.before-{assignment}"
    backup_gradebook(root, backup)
    args = ["autograde", assignment, *(["--student", student] if student else []), *(["--force"] if force else []),
            *([f"--CourseDirectory.student_id_exclude={','.join(sorted(refused))}"] if refused else [])]
    result = run_nbgrader(args, cwd=root, check=False, env=nbgrader_env())
    log = result.stdout + result.stderr
    (reports_dir / f"{assignment}.log").write_text(log)
    problem = "; ".join(grader_faults(log)[:3]) or gradebook_damage(root, assignment)
    if problem:
        (root / GRADEBOOK).unlink(missing_ok=True)
        shutil.copyfile(backup, root / GRADEBOOK)
        raise GradingStopped(f"grading of {assignment} stopped, the gradebook was restored and no grade was written: "
                             f"{problem} (nbgrader's log: {reports_dir / f'{assignment}.log'})")
    run_nbgrader(["export", "--to", str(reports_dir / "grades.csv")], cwd=root)
    return write_report(build_report(root, assignment, log, refused), reports_dir / f"{assignment}.csv")


def _grade_command(args: argparse.Namespace) -> int:
    try:
        path = grade(args.root, args.assignment, args.student)
    except GradingStopped as stopped:
        print(f"course grade: {stopped}", file=sys.stderr)
        return 1
    print(path.with_suffix(".md").read_text())
    print(f"report: {path} and {path.with_suffix('.md')}; nbgrader's export: {path.parent / 'grades.csv'}")
    return 0


def register(commands) -> None:
    """Add `course grade <assignment> [--student S] [--root DIR]` to the `course` command."""
    parser = commands.add_parser("grade", help="autograde an assignment (sandboxed) and write reports/<assignment>.csv")
    parser.add_argument("assignment")
    parser.add_argument("--student", help="grade this student only (default: everyone)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.set_defaults(handler=_grade_command)
