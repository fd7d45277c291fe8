"""`course grade`: autograde an assignment with nbgrader and explain every student's score.

The report is read from what nbgrader left behind, never by re-running anything: scores from the
gradebook, per-test errors from the autograded notebooks, tampering by comparing each submitted
test or locked cell with the released one (nbgrader restored them before grading), and crashes or
timeouts that made nbgrader give up on a submission from its log. It is written to
`reports/<assignment>.csv` and `.md`, beside nbgrader's own `reports/grades.csv` export.
"""
import argparse
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import compute_checksum, is_grade, is_locked

from course.grading.nbgrader import nbgrader_env, run_nbgrader

REASONS = ("ok", "missing notebook", "invalid notebook", "kernel crash", "timeout", "memory limit",
           "tampered", "failed test", "not graded")


@dataclass
class StudentReport:
    """One student's result for one assignment."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    tests: dict[str, str] = field(default_factory=dict)  # grade id -> passed / failed: ... / timeout / ...
    reasons: list[str] = field(default_factory=list)

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
        if "Kernel died" in line:
            seen.add((student, "kernel crash"))
        elif "Timeout waiting for" in line or "CellTimeoutError" in line:
            seen.add((student, "timeout"))
        elif "There was an error processing assignment:" in line:
            causes = [reason for s, reason in seen if s == student]
            failures[student] = causes[0] if len(causes) == 1 else ("kernel crash" if causes else "not graded")
    return failures


def _notebook_names(root: Path, assignment: str) -> list[str]:
    return sorted(p.name for p in (root / "source" / assignment).glob("*.ipynb"))


def _students(root: Path, assignment: str, gradebook: Gradebook) -> list[str]:
    submitted = {p.parent.name for p in (root / "submitted").glob(f"*/{assignment}")}
    return sorted(submitted | {s.id for s in gradebook.students})


def build_report(root: Path, assignment: str, log: str = "") -> list[StudentReport]:
    """A report per student of `assignment` in the course at `root` (`log`: nbgrader autograde's output)."""
    root = Path(root)
    failures = log_failures(log, assignment)
    reports = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        max_score = gradebook.find_assignment(assignment).max_score
        for student in _students(root, assignment, gradebook):
            report = StudentReport(student, max_score=max_score)
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
        notebook = nbformat.read(submitted, as_version=4)
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
    rows = [{"student": r.student, "score": r.score, "max_score": r.max_score, "reason": r.reason,
             **{name: r.tests.get(name, "not run") for name in tests}} for r in reports]
    header = ["student", "score", "max_score", "reason", *tests]
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# Grading report: {csv_path.stem}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]).replace("|", "\\|") for h in header) + " |" for row in rows]
    csv_path.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return csv_path


def grade(root: Path, assignment: str, student: str | None = None, force: bool = True) -> Path:
    """Autograde `assignment` (every student, or one) with nbgrader, export grades, write the report."""
    root = Path(root).resolve()
    args = ["autograde", assignment, *(["--student", student] if student else []), *(["--force"] if force else [])]
    result = run_nbgrader(args, cwd=root, check=False, env=nbgrader_env())
    reports_dir = root / "reports"
    reports_dir.mkdir(exist_ok=True)
    log = result.stdout + result.stderr
    (reports_dir / f"{assignment}.log").write_text(log)
    run_nbgrader(["export", "--to", str(reports_dir / "grades.csv")], cwd=root)
    return write_report(build_report(root, assignment, log), reports_dir / f"{assignment}.csv")


def _grade_command(args: argparse.Namespace) -> int:
    path = grade(args.root, args.assignment, args.student)
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
