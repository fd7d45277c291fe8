"""Grading one submission in a private scratch course: what a Dask worker does, and how the canary is graded.

Everything travels as bytes (`Kit`: the course's config and the assignment's source; `Submission`: one
learner's files; `Graded`: the autograded files and nbgrader's log), so a worker needs no shared file system,
only the same environment (the `course` package, nbgrader, bubblewrap). The scratch course has its own SQLite
gradebook, thrown away with it: the course's gradebook is written by the coordinator alone
(`course.grading.distributed`). Each scratch course runs nbgrader's own autograde with the course's own
`nbgrader_config.py`, so a submission is sandboxed, judged and scored exactly as in serial grading; nbgrader runs
in the worker's own process (`run_converter`), so a task does not pay for starting it.
"""
import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nbgrader.converters import Autograde, GenerateAssignment

import course
from course.grading.hidden import SECRET_VARIABLE
from course.grading.nbgrader import CONFIG_FILE, nbgrader_env, run_converter
from course.grading.sandbox import THREAD_VARIABLES
from course.grading.verdicts import GraderFault

SKIPPED = ("__pycache__", ".ipynb_checkpoints")


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder` (no caches), by path relative to it."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and not p.is_symlink() and not set(p.relative_to(folder).parts) & set(SKIPPED)}


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` (relative path -> bytes) under `folder`, refusing paths that would leave it."""
    folder = Path(folder)
    for name, data in files.items():
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise ValueError(f"refusing to write {name!r} outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@cache
def course_digest() -> str:
    """A digest of the `course` package's code and data as this process found it (computed once): workers
    must run the coordinator's."""
    package = Path(course.__file__).resolve().parent
    digest = hashlib.sha256()
    for name, data in read_tree(package).items():
        digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Kit:
    """What a worker needs to grade one assignment of a course."""

    assignment: str
    files: dict[str, bytes]  # nbgrader_config.py and source/<assignment>/...
    course_digest: str
    secret: str | None = None  # the grading secret (never reaches a kernel; see course.grading.hidden)
    threads: int | None = None  # math threads per submission (None: the libraries' own default)

    @property
    def digest(self) -> str:
        """Identifies the kit's content, so a worker prepares each assignment once."""
        digest = hashlib.sha256(self.assignment.encode())
        for name, data in sorted(self.files.items()):
            digest.update(name.encode() + b"\0" + data)
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Submission:
    """One learner's submitted folder for the assignment."""

    student: str
    files: dict[str, bytes]


@dataclass
class Graded:
    """What grading one submission left: nbgrader's autograded folder, its log and exit status."""

    student: str
    files: dict[str, bytes] = field(default_factory=dict)
    log: str = ""
    returncode: int = 0


def make_kit(root: Path, assignment: str, threads: int | None = None) -> Kit:
    """The kit of `assignment` of the course at `root`, with this process's grading secret."""
    root = Path(root)
    files = {CONFIG_FILE: (root / CONFIG_FILE).read_bytes()}
    files.update({f"source/{assignment}/{name}": data
                  for name, data in read_tree(root / "source" / assignment).items()})
    return Kit(assignment, files, course_digest(), os.environ.get(SECRET_VARIABLE), threads)


HOME_PREFIX = "course-grading-"  # each process's folder in the temporary directory: course-grading-<pid>-<random>


def _running(pid: int) -> bool:
    """Whether a process `pid` runs (perhaps another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_abandoned_homes() -> list[Path]:
    """Remove the grading folders of processes that no longer run, and return them: a worker killed in the middle
    of a task cannot clean up after itself, so the next process that grades on the machine does."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{HOME_PREFIX}*-*"):
        pid = folder.name.removeprefix(HOME_PREFIX).split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


_prepared: dict[str, Path] = {}
_lock = threading.Lock()
remove_abandoned_homes()
_home = Path(tempfile.mkdtemp(prefix=f"{HOME_PREFIX}{os.getpid()}-"))  # prepared kits and scratch courses
atexit.register(shutil.rmtree, _home, ignore_errors=True)


def _scratch_settings(course_dir: Path, assignment: str, **course: str) -> dict:
    """nbgrader settings that keep a scratch course on its own gradebook, whatever the config's db_url says."""
    return {"CourseDirectory": {"db_url": f"sqlite:///{course_dir / 'gradebook.db'}", "assignment_id": assignment,
                                **course}}


def _prepared_course(kit: Kit) -> Path:
    """A course directory with the kit's assignment generated (once per kit and process)."""
    with _lock:
        if kit.digest not in _prepared:
            folder = _home / f"kit-{kit.digest}"
            shutil.rmtree(folder, ignore_errors=True)
            write_tree(folder, kit.files)
            log, ok = run_converter(GenerateAssignment, folder, _scratch_settings(folder, kit.assignment),
                                    env=grading_env(kit))
            if not ok:
                raise RuntimeError(f"{GraderFault.__name__}: nbgrader could not generate {kit.assignment} on this "
                                   f"worker:\n{log}")
            _prepared[kit.digest] = folder
        return _prepared[kit.digest]


def grading_env(kit: Kit) -> dict[str, str]:
    """nbgrader's environment on a worker: the kit's secret (or none) and the math libraries' thread counts."""
    env = nbgrader_env({name: str(kit.threads) for name in THREAD_VARIABLES} if kit.threads else {})
    env.pop(SECRET_VARIABLE, None)
    if kit.secret:
        env[SECRET_VARIABLE] = kit.secret
    return env


def grade_in_scratch(kit: Kit, submission: Submission) -> Graded:
    """Autograde `submission` with nbgrader in a private scratch course made from `kit`."""
    if kit.course_digest != course_digest():
        return Graded(submission.student, returncode=1,
                      log=f"{GraderFault.__name__}: this worker's course package ({course_digest()}) is not the "
                          f"coordinator's ({kit.course_digest}): install the same checkout on every worker")
    try:
        template = _prepared_course(kit)
    except RuntimeError as error:
        return Graded(submission.student, log=str(error), returncode=1)
    with tempfile.TemporaryDirectory(prefix="grade-", dir=_home) as scratch:
        course_dir = Path(scratch) / "course"
        shutil.copytree(template, course_dir)
        write_tree(course_dir / "submitted" / submission.student / kit.assignment, submission.files)
        log, ok = run_converter(Autograde, course_dir, _scratch_settings(course_dir, kit.assignment,
                                                                         student_id=submission.student),
                                env=grading_env(kit))
        autograded = course_dir / "autograded" / submission.student / kit.assignment
        files = read_tree(autograded) if autograded.is_dir() else {}
    return Graded(submission.student, files, log, 0 if ok else 1)
