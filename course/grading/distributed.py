"""`course grade A --workers N` and `--scheduler ADDRESS`: grading on Dask distributed.

Each task grades one submission in a private scratch course on a worker (`course.grading.scratch`): the
assignment's kit and the learner's files go to the worker as bytes, the autograded files and nbgrader's log
come back. Only this process, the coordinator, writes the course: as each result arrives it is imported into
the gradebook by nbgrader itself — its `autograde` run in-process with the steps that follow execution in
the course's pipeline (saving the grades, late penalties), reading the autograded notebook the worker made.
So the gradebook, the autograded notebooks and the feedback are the ones serial `nbgrader autograde` makes.

Faults: a worker that dies mid-task has its task re-run elsewhere by the scheduler (each result is imported
once, when its task first completes); a submission whose worker dies twice (`ALLOWED_FAILURES`) is reported
as such and the batch goes on; a fault of the grader stops the batch. An interrupted coordinator stops
between two imports, so every submission is either imported whole or not at all, and the next run grades
what is missing.
"""
import contextlib
import logging
import os
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dask
from distributed import Client, KilledWorker, LocalCluster, as_completed
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.utils import parse_utc
from tqdm import tqdm
from traitlets.config.loader import PyFileConfigLoader

from course.grading.nbgrader import CONFIG_FILE, run_converter
from course.grading.scratch import (
    Graded,
    Kit,
    Submission,
    grade_in_scratch,
    read_tree,
    write_tree,
)

ALLOWED_FAILURES = 1  # the scheduler re-runs a task whose worker died once; a second death ends it
KILLED_WORKER = "killed worker"
SAVE_STEP = "nbgrader.preprocessors.SaveAutoGrades"  # the first autograde step that writes the gradebook
# Imported by every worker when it starts (`dask worker --preload`), so nbgrader's and nbconvert's imports are
# paid once at start-up, not by the first submission of each worker.
WORKER_PRELOAD = "course.grading.scratch"


@dataclass
class Batch:
    """What a distributed batch did: nbgrader's logs, the students imported, those whose workers died."""

    log: str = ""
    imported: list[str] = field(default_factory=list)
    lost: dict[str, str] = field(default_factory=dict)  # student -> why it has no grade


def local_client(workers: int) -> Client:
    """A Dask cluster on this machine: `workers` worker processes of one thread, listening on 127.0.0.1 only,
    each with the grading code imported (`WORKER_PRELOAD`)."""
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, memory_limit=0, silence_logs=logging.ERROR,
                               preload=[WORKER_PRELOAD])
    return Client(cluster)


def threads_per_worker(workers: int) -> int:
    """Math threads per submission so that `workers` local workers share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // workers)


def import_steps(root: Path) -> list:
    """The course's autograde steps from saving the grades on (nbgrader's defaults if none are configured)."""
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    steps = list(config.Autograde.get("autograde_preprocessors", Autograde.autograde_preprocessors.default_value))
    names = [step if isinstance(step, str) else f"{step.__module__}.{step.__name__}" for step in steps]
    return steps[names.index(SAVE_STEP):]


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block is done, then deliver it (signals reach the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def _timestamp(root: Path, assignment: str, student: str) -> bytes | None:
    path = Path(root) / "submitted" / student / assignment / "timestamp.txt"
    return path.read_bytes() if path.is_file() else None


def import_graded(root: Path, assignment: str, graded: Graded, db_url: str, steps: list) -> str:
    """Write what a worker graded into the course at `root`: its autograded folder and, through nbgrader's own
    `steps` (`import_steps`), the gradebook at `db_url`. Returns nbgrader's warnings and errors from the import."""
    timestamp = _timestamp(root, assignment, graded.student)
    if not any(name.endswith(".ipynb") for name in graded.files):
        _record_failed(assignment, graded.student, timestamp, db_url)
        return ""
    with tempfile.TemporaryDirectory(prefix="course-import-") as staging:
        folder = Path(staging) / graded.student / assignment
        write_tree(folder, {name: data for name, data in graded.files.items() if name != "timestamp.txt"})
        if timestamp is not None:  # the learner's submission time, as serial autograde reads it
            (folder / "timestamp.txt").write_bytes(timestamp)
        settings = {"CourseDirectory": {"submitted_directory": staging, "db_url": db_url,
                                        "assignment_id": assignment, "student_id": graded.student},
                    "Autograde": {"sanitize_preprocessors": [], "autograde_preprocessors": steps}}
        with _uninterrupted():
            log, _ = run_converter(Autograde, root, settings, level=logging.WARNING)
    return log


def _record_failed(assignment: str, student: str, timestamp: bytes | None, db_url: str) -> None:
    """What serial autograde leaves of a submission it gave up on: the student and the submission, no grades."""
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_student(student)
        when = {"timestamp": parse_utc(timestamp.decode().strip())} if timestamp else {}
        gradebook.update_or_create_submission(assignment, student, **when)


def grade_batch(root: Path, assignment: str, students: list[str], client: Client, kit: Kit, db_url: str,
                fault: Callable[[Graded], str | None], canary: Submission,
                check_canary: Callable[[Graded], None]) -> Batch:
    """Grade `canary`, then `students`' submissions of `assignment` on `client`'s cluster, importing each result
    as it comes.

    The canary (the instructor's solution) goes first and is judged by `check_canary` before anything is written:
    it raises to stop the batch (the learners' tasks, already running, are cancelled). `fault(graded)` names a fault
    of the grader in a learner's result, or None: then the batch is cancelled and `GraderStopped` raised, after the
    results already imported.
    """
    batch = Batch()
    steps = import_steps(root)
    run = uuid.uuid4().hex[:8]
    # A task, not scattered data: if every worker dies at once, the scheduler makes it again (scattered data would
    # be lost, and every submission waiting for it cancelled).
    remote_kit = client.submit(_the_kit, kit, key=f"kit-{assignment}-{run}", pure=False)
    first = client.submit(grade_in_scratch, remote_kit, canary, key=f"grade-{assignment}-{canary.student}-{run}",
                          retries=0, priority=1)
    futures = {client.submit(grade_in_scratch, remote_kit, _submission(root, assignment, s),
                             key=f"grade-{assignment}-{s}-{run}", retries=0): s for s in students}
    try:
        try:
            check_canary(first.result())
        except KilledWorker:
            raise GraderStopped(f"the instructor's solution killed its grading worker {ALLOWED_FAILURES + 1} times: "
                                f"a fault of the workers' environment", batch) from None
    except BaseException:
        client.cancel(list(futures))
        raise
    with Gradebook(db_url) as gradebook:  # in serial nbgrader's order, whatever order the results come in
        for student in students:
            gradebook.update_or_create_student(student)
    failures = 0
    with tqdm(total=len(futures), desc=f"grading {assignment}", unit="submission", disable=None,
              file=sys.stderr) as bar:
        for future in as_completed(futures):
            student = futures[future]
            try:
                graded = future.result()
            except KilledWorker:
                batch.lost[student] = (f"its grading worker died {ALLOWED_FAILURES + 1} times while grading it "
                                       f"(the submission may crash it): not graded")
                failures += 1
            else:
                batch.log += graded.log
                problem = fault(graded)
                if problem:
                    client.cancel(list(futures))
                    raise GraderStopped(problem, batch)
                batch.log += import_graded(root, assignment, graded, db_url, steps)
                batch.imported.append(student)
                failures += graded.returncode != 0
            bar.update()
            bar.set_postfix(failures=failures, refresh=False)
    return batch


def _the_kit(kit: Kit) -> Kit:
    return kit


def _submission(root: Path, assignment: str, student: str) -> Submission:
    return Submission(student, read_tree(Path(root) / "submitted" / student / assignment))


class GraderStopped(RuntimeError):
    """A result showed a fault of the grader: the batch was cancelled (`batch`: what it had done)."""

    def __init__(self, problem: str, batch: Batch):
        super().__init__(problem)
        self.batch = batch
