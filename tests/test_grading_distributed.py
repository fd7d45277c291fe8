"""Distributed grading gives the grades serial nbgrader gives: `course grade --workers N` on a local Dask
cluster (after an interruption, and regraded), and `--scheduler` on a two-process cluster with a PostgreSQL
gradebook while one of its workers is killed; a submission that kills its worker is reported, the batch goes on.
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from distributed import Client
from fixtures.tiny_course import ASSIGNMENT, NOTEBOOK, answered, make_course, submit
from nbgrader.api import Gradebook
from servers import dask_cluster, postgres_server

from course.grading.gradebook import gradebook_damage, gradebook_url
from course.grading.nbgrader import nbgrader_env, run_nbgrader
from course.grading.report import grade

pytestmark = pytest.mark.grading

SLOW = "import time\ntime.sleep(15)\n"  # long enough to kill the worker grading it
ANSWERS = {
    "ada": {},
    "bob": {"double": "def double(x):\n    return x + x + 1"},
    "cy": {"total": "def total(xs):\n    raise ValueError('not today')"},
    "dee": {"double": SLOW + "def double(x):\n    return 2 * x"},
}
# With the sandbox off, a kernel can reach its grading worker: the kernel's nearest ancestor started by
# multiprocessing is the worker process. The sandbox's own process namespace makes this impossible.
KILLER = """import os, signal
def _parent(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
worker = os.getppid()
while worker > 1 and b"multiprocessing" not in open(f"/proc/{worker}/cmdline", "rb").read():
    worker = _parent(worker)
if worker > 1:
    os.kill(worker, signal.SIGKILL)
def double(x):
    return 2 * x"""


def _class(dest: Path, extra_config: str = "") -> Path:
    course = make_course(dest, extra_config)
    for student, answers in ANSWERS.items():
        folder = submit(course, student, answered(course, **answers))
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    return course


def _snapshot(course: Path) -> dict:
    """Everything grading wrote that a learner or instructor sees: per-cell scores and comments, submission
    times and penalties, nbgrader's CSV export, the feedback pages."""
    with Gradebook(gradebook_url(course)) as gradebook:
        cells = {(s.student.id, nb.name, g.name): (g.auto_score, g.manual_score, g.needs_manual_grade)
                 for s in gradebook.assignment_submissions(ASSIGNMENT) for nb in s.notebooks for g in nb.grades}
        comments = {(s.student.id, c.name): c.auto_comment for s in gradebook.assignment_submissions(ASSIGNMENT)
                    for nb in s.notebooks for c in nb.comments}
        times = {s.student.id: (s.timestamp, s.late_submission_penalty)
                 for s in gradebook.assignment_submissions(ASSIGNMENT)}
    run_nbgrader(["export", "--to", str(course / "export.csv")], cwd=course)
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    feedback = {p.parent.parent.name: p.read_text() for p in sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))}
    return {"cells": cells, "comments": comments, "times": times, "feedback": feedback,
            "export": list(csv.DictReader((course / "export.csv").open()))}


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> dict:
    """The reference: plain serial `nbgrader autograde` of the class."""
    course = _class(tmp_path_factory.mktemp("serial") / "course")
    run_nbgrader(["autograde", ASSIGNMENT], cwd=course, env=nbgrader_env())
    snapshot = _snapshot(course)
    assert {k[0]: v[0] for k, v in snapshot["cells"].items() if k[2] == "test_double"} == \
        {"ada": 1.0, "bob": 0.0, "cy": 1.0, "dee": 1.0}, "the reference grades are not what the answers deserve"
    return snapshot


def _course_grade(course: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "course"), "grade", ASSIGNMENT, *args], cwd=course,
                            env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _graded_here(course: Path, log: str) -> set[str]:
    return {s for s in ANSWERS if f"submitted/{s}/{ASSIGNMENT}" in log}


def test_local_workers_resume_after_an_interruption_and_equal_serial_nbgrader(tmp_path, serial):
    course = _class(tmp_path / "course")
    first = _course_grade(course, "--workers", "1")
    deadline = time.monotonic() + 300
    while not list((course / "autograded").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}")) and time.monotonic() < deadline:
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130 and "interrupted" in err, err
    assert gradebook_damage(gradebook_url(course), ASSIGNMENT) is None
    done = {p.parent.parent.name for p in (course / "autograded").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}")}
    assert done and done != set(ANSWERS), done

    second = _course_grade(course, "--workers", "2")
    _, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert f"grading {ASSIGNMENT}" not in err, "the progress bar shows in a terminal only, never in a CI log"
    assert _graded_here(course, (course / "reports" / f"{ASSIGNMENT}.log").read_text()) == set(ANSWERS) - done, \
        "the second run grades only what the interrupted one had not"
    assert _snapshot(course) == serial

    regrade = _course_grade(course, "--workers", "2", "--regrade")
    regrade.communicate(timeout=600)
    assert _graded_here(course, (course / "reports" / f"{ASSIGNMENT}.log").read_text()) == set(ANSWERS)
    assert _snapshot(course) == serial, "a regrade is identical"


def test_a_cluster_on_postgresql_loses_nothing_when_a_worker_is_killed(tmp_path, serial):
    with postgres_server() as url, dask_cluster(2, tmp_path) as address:
        course = _class(tmp_path / "course", f"c.CourseDirectory.db_url = {url!r}\n")
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)  # into the PostgreSQL gradebook
        result = {}
        grading = threading.Thread(target=lambda: result.update(report=grade(course, ASSIGNMENT, scheduler=address)))
        grading.start()
        with Client(address) as client:
            pids = client.run(os.getpid)
            deadline, killed = time.monotonic() + 300, None
            while killed is None and time.monotonic() < deadline:
                busy = [w for w, keys in client.processing().items() if any("-dee-" in str(k) for k in keys)]
                if busy:
                    time.sleep(2)  # well inside the slow submission's 15 s
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed = busy[0]
                time.sleep(0.1)
        grading.join(timeout=600)
        assert killed, "the slow submission was never seen on a worker"
        rows = list(csv.DictReader(result["report"].open()))
        assert sorted(r["student"] for r in rows) == sorted(ANSWERS), "each submission once"
        assert gradebook_url(course) == url
        assert _snapshot(course) == serial, "PostgreSQL and a killed worker change no grade"


def test_a_submission_that_kills_its_worker_twice_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SANDBOX", "off")  # the sandbox would stop the attack itself
    course = make_course(tmp_path / "course")
    submit(course, "ada", answered(course))
    submit(course, "eve", answered(course, double=KILLER))
    rows = {r["student"]: r for r in csv.DictReader(grade(course, ASSIGNMENT, workers=2).open())}
    assert rows["ada"]["reason"] == "ok" and float(rows["ada"]["score"]) == 2.0
    assert rows["eve"]["reason"] == "killed worker" and float(rows["eve"]["score"]) == 0.0
    assert "died 2 times" in rows["eve"]["detail"]
    shutil.rmtree(course)
