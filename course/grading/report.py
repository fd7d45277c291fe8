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
import contextlib
import csv
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from distributed import Client
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_locked

from course.grading.distributed import (
    KILLED_WORKER,
    Batch,
    GraderStopped,
    grade_batch,
    local_client,
    threads_per_worker,
)
from course.grading.gradebook import (
    backup_gradebook,
    export_grades,
    gradebook_damage,
    gradebook_url,
    restore_gradebook,
    sqlite_path,
)
from course.grading.intake import read_notebook, refusal
from course.grading.nbgrader import assignments, nbgrader_env, run_nbgrader
from course.grading.sandbox import DEADLINE_MESSAGE, MEMORY_LIMIT_MESSAGE, SandboxUnavailable
from course.grading.scratch import Graded, Submission, grade_in_scratch, make_kit
from course.grading.verdicts import GraderFault

REASONS = ("ok", "refused", "missing notebook", "invalid notebook", KILLED_WORKER, "kernel crash", "timeout",
           "memory limit", "tampered", "failed test", "not graded")
GRADER_FAULTS = (SandboxUnavailable.__name__, GraderFault.__name__)  # in nbgrader's log: never a learner's fault
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
    late_penalty: float = 0.0  # points the late policy takes off `score` (nbgrader's export subtracts it)

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


def submitted_students(root: Path, assignment: str, student: str | None = None) -> list[str]:
    """The students with a submission of `assignment` (or just `student`, if given and submitted)."""
    return sorted(p.parent.name for p in (Path(root) / "submitted").glob(f"{student or '*'}/{assignment}"))


def _students(root: Path, assignment: str, gradebook: Gradebook) -> list[str]:
    return sorted(set(submitted_students(root, assignment)) | {s.id for s in gradebook.students})


def build_report(root: Path, assignment: str, log: str = "", refused: dict[str, str] | None = None,
                 lost: dict[str, str] | None = None) -> list[StudentReport]:
    """A report per student of `assignment` in the course at `root` (`log`: nbgrader autograde's output,
    `refused`: the submissions left out of it, `lost`: those whose grading worker died; each with why)."""
    root = Path(root)
    failures = log_failures(log, assignment)
    refused = refused or {}
    reports = []
    with Gradebook(gradebook_url(root)) as gradebook:
        max_score = gradebook.find_assignment(assignment).max_score
        for student in _students(root, assignment, gradebook):
            report = StudentReport(student, max_score=max_score)
            if student in refused:
                category = "invalid notebook" if refused[student].startswith("invalid notebook") else "refused"
                report.reasons.append(category)
                report.detail = refused[student]
                reports.append(report)
                continue
            if student in (lost or {}):
                report.reasons.append(KILLED_WORKER)
                report.detail = lost[student]
                reports.append(report)
                continue
            try:
                submission = gradebook.find_submission(assignment, student)
                report.score = submission.score
                report.late_penalty = submission.late_submission_penalty or 0.0
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
             "late_penalty": r.late_penalty,
             **{name: r.tests.get(name, "not run") for name in tests}} for r in reports]
    header = ["student", "score", "max_score", "reason", "detail", "late_penalty", *tests]
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
    url = gradebook_url(root)
    if (path := sqlite_path(url)) is not None and not path.is_file():
        raise GradingStopped(f"no gradebook in {root}: run `nbgrader generate_assignment {assignment}` first")
    with Gradebook(url) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingStopped(f"assignment {assignment!r} is not in the gradebook: run "
                                 f"`nbgrader generate_assignment {assignment}` first") from None


def refusals(root: Path, assignment: str, student: str | None = None) -> dict[str, str]:
    """The submissions of `assignment` refused before grading (`course.grading.intake`), student -> why."""
    names = _notebook_names(root, assignment)
    folders = [root / "submitted" / s / assignment for s in submitted_students(root, assignment, student)]
    return {f.parent.name: why for f in folders if (why := refusal(f, names))}


def grader_faults(log: str) -> list[str]:
    """The lines of nbgrader's log that show a fault of the grader (never of a learner)."""
    return [line.strip() for line in log.splitlines() if any(f"{fault}:" in line for fault in GRADER_FAULTS)]


def canary(root: Path, assignment: str) -> Submission:
    """The instructor's solution of `assignment`, submitted like a learner's (the canary)."""
    return Submission(CANARY, {name: (root / "source" / assignment / name).read_bytes()
                               for name in _notebook_names(root, assignment)})


def canary_failures(submitted: Submission, graded: Graded) -> list[str]:
    """What the canary (`submitted`) lost when graded like a learner's (`course.grading.scratch`: a private scratch
    course with the same configuration, sandbox, secret and checks): nothing, or the fault."""
    faults = grader_faults(graded.log)
    if faults:
        return faults[:3]
    missing = [name for name in submitted.files if name not in graded.files]
    if missing:
        last = (graded.log.strip().splitlines() or ["no log"])[-1]
        return [f"nbgrader could not grade the solution's {', '.join(missing)}: {last}"]
    failures = []
    for name in submitted.files:
        for cell in nbformat.reads(graded.files[name].decode(), as_version=4).cells:
            if cell.cell_type == "code" and is_grade(cell):
                score, max_score = determine_grade(cell)
                if (score or 0) < max_score:
                    failures.append(f"{_grade_id(cell)}: {score or 0:g} of {max_score:g} points ({cell_status(cell)})")
    return failures


def check_canary(assignment: str, submitted: Submission, graded: Graded) -> None:
    """Raise `GradingStopped` if the canary lost anything: then no learner's grade may be written."""
    failures = canary_failures(submitted, graded)
    if failures:
        raise GradingStopped(f"grading of {assignment} stopped before any learner: the instructor's solution, "
                             f"graded as a learner's would be, lost points — a fault of the grader or its "
                             f"environment, not of any learner: " + "; ".join(failures))


def already_graded(root: Path, assignment: str, student: str) -> bool:
    """Whether every notebook of the student's submission was autograded, and not resubmitted since (nbgrader's
    own rule for skipping a submission without --force)."""
    submitted, autograded = (Path(root) / step / student / assignment for step in ("submitted", "autograded"))
    if not all((autograded / p.name).is_file() for p in submitted.glob("*.ipynb")) or not autograded.is_dir():
        return False
    coursedir = CourseDirectory(root=str(root))
    new, old = coursedir.get_existing_timestamp(str(submitted)), coursedir.get_existing_timestamp(str(autograded))
    return not (new is not None and old is not None and new > old)


@contextlib.contextmanager
def _cluster(workers: int | None, scheduler: str | None) -> Iterator[Client]:
    """A client of the Dask cluster at `scheduler`, or of a local cluster of `workers` workers, closed after."""
    client = Client(scheduler) if scheduler else local_client(workers)
    try:
        yield client
    finally:
        cluster = None if scheduler else client.cluster
        client.close()
        if cluster is not None:
            cluster.close()


def _grade_serial(root: Path, assignment: str, student: str | None, regrade: bool,
                  refused: dict[str, str]) -> str:
    """nbgrader's own serial autograde of the course; returns its log."""
    args = ["autograde", assignment, *(["--student", student] if student else []), *(["--force"] if regrade else []),
            *([f"--CourseDirectory.student_id_exclude={','.join(sorted(refused))}"] if refused else [])]
    result = run_nbgrader(args, cwd=root, check=False, env=nbgrader_env())
    return result.stdout + result.stderr


def _grade_distributed(root: Path, assignment: str, students: list[str], url: str, workers: int | None,
                       scheduler: str | None, threads: int | None) -> tuple[Batch, str | None]:
    """Grade the canary, then `students`, on a Dask cluster; returns the batch and the grader's fault that stopped
    it, if any (`GradingStopped` if the canary lost points)."""
    kit = make_kit(root, assignment, threads or (threads_per_worker(workers) if workers else None))
    solution = canary(root, assignment)
    with _cluster(workers, scheduler) as client:
        try:
            return grade_batch(root, assignment, students, client, kit, url,
                               fault=lambda graded: "; ".join(grader_faults(graded.log)[:3]) or None,
                               canary=solution,
                               check_canary=lambda graded: check_canary(assignment, solution, graded)), None
        except GraderStopped as stopped:
            return stopped.batch, str(stopped)


def grade(root: Path, assignment: str, student: str | None = None, *, regrade: bool = False,
          workers: int | None = None, scheduler: str | None = None, threads: int | None = None) -> Path:
    """Autograde `assignment` (every student, or one), export grades, write the report.

    Serially with nbgrader, or on a Dask cluster: `workers` local worker processes, or the cluster whose
    scheduler is at `scheduler` (`course.grading.distributed`; `threads`: math threads per submission). Only
    submissions not graded yet, or resubmitted since, are graded unless `regrade`. First the instructor's
    solution is graded the same way (a canary): if it does not earn every point, nothing is graded. Raises
    `GradingStopped` on such a fault of the grader, or on a damaged gradebook (after restoring a SQLite one).
    """
    root = Path(root).resolve()
    check_assignment(root, assignment)
    distributed = bool(workers or scheduler)
    if not distributed:  # on a cluster, the canary is the batch's first task (where the learners are graded)
        solution = canary(root, assignment)
        check_canary(assignment, solution, grade_in_scratch(make_kit(root, assignment), solution))
    reports_dir = root / "reports"
    reports_dir.mkdir(exist_ok=True)
    refused = refusals(root, assignment, student)
    url = gradebook_url(root)
    backup = reports_dir / f"gradebook.db.before-{assignment}"
    restorable = backup_gradebook(url, backup)
    lost, imported = {}, []
    if distributed:
        students = [s for s in submitted_students(root, assignment, student)
                    if s not in refused and (regrade or not already_graded(root, assignment, s))]
        batch, problem = _grade_distributed(root, assignment, students, url, workers, scheduler, threads)
        log, lost, imported = batch.log, batch.lost, batch.imported
    else:
        log = _grade_serial(root, assignment, student, regrade, refused)
        problem = "; ".join(grader_faults(log)[:3]) or None
    (reports_dir / f"{assignment}.log").write_text(log)
    problem = problem or gradebook_damage(url, assignment)
    if problem:
        if restorable:
            restore_gradebook(url, backup)
            for name in imported:  # graded again by the next run, as their grades were rolled back
                shutil.rmtree(root / "autograded" / name / assignment, ignore_errors=True)
        state = ("the gradebook was restored and no grade was written" if restorable else
                 f"the grades written before the fault stay ({len(imported)} imported; the next run grades the rest)")
        raise GradingStopped(f"grading of {assignment} stopped, {state}: {problem} "
                             f"(nbgrader's log: {reports_dir / f'{assignment}.log'})")
    export_grades(root, reports_dir / "grades.csv")
    return write_report(build_report(root, assignment, log, refused, lost), reports_dir / f"{assignment}.csv")


def _grade_command(args: argparse.Namespace) -> int:
    try:
        path = grade(args.root, args.assignment, args.student, regrade=args.regrade, workers=args.workers,
                     scheduler=args.scheduler, threads=args.threads)
    except GradingStopped as stopped:
        print(f"course grade: {stopped}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("course grade: interrupted; every submission imported so far is whole in the gradebook, "
              "and the next run grades the rest", file=sys.stderr)
        return 130
    print(path.with_suffix(".md").read_text())
    print(f"report: {path} and {path.with_suffix('.md')}; nbgrader's export: {path.parent / 'grades.csv'}")
    return 0


def register(commands) -> None:
    """Add `course grade <assignment> [--student S] [--regrade] [--workers [N] | --scheduler ADDRESS]` to `course`."""
    parser = commands.add_parser("grade", help="autograde an assignment (sandboxed) and write reports/<assignment>.csv")
    parser.add_argument("assignment")
    parser.add_argument("--student", help="grade this student only (default: everyone)")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every submission again (default: only those not graded yet or resubmitted since)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, nargs="?", const=os.cpu_count() or 1, metavar="N",
                       help="grade in parallel on a Dask cluster of N local worker processes, listening on 127.0.0.1 "
                            "(N defaults to one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the existing Dask cluster whose scheduler is at ADDRESS (tcp://host:8786, "
                            "tls://...): see the instructor guide")
    parser.add_argument("--threads", type=int, help="math threads per submission on a worker (default: cores / N "
                                                    "with --workers, the libraries' own default otherwise)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.set_defaults(handler=_grade_command)
