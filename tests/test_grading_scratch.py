"""What travels between the coordinator and a grading worker: files as bytes, kits, the worker's environment."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from course.grading.hidden import SECRET_VARIABLE
from course.grading.sandbox import THREAD_VARIABLES
from course.grading.scratch import (
    Kit,
    course_digest,
    grading_env,
    read_tree,
    remove_abandoned_homes,
    write_tree,
)

pytestmark = pytest.mark.unit


def test_files_travel_as_bytes_and_cannot_be_written_outside_their_folder(tmp_path):
    write_tree(tmp_path / "a", {"x.ipynb": b"{}", "sub/y.txt": b"y"})
    (tmp_path / "a" / "__pycache__").mkdir()
    (tmp_path / "a" / "__pycache__" / "z.pyc").write_bytes(b"z")
    (tmp_path / "a" / "link").symlink_to(tmp_path / "a" / "x.ipynb")
    assert read_tree(tmp_path / "a") == {"x.ipynb": b"{}", "sub/y.txt": b"y"}, "no caches, no links"
    with pytest.raises(ValueError, match="outside"):
        write_tree(tmp_path / "a", {"../escaped": b"!"})
    assert not (tmp_path / "escaped").exists()


def test_a_kit_is_identified_by_its_content_and_carries_the_coordinators_package_digest():
    kit = Kit("a", {"source/a/a.ipynb": b"1"}, course_digest())
    assert kit.digest == Kit("a", {"source/a/a.ipynb": b"1"}, "other").digest
    assert kit.digest != Kit("a", {"source/a/a.ipynb": b"2"}, course_digest()).digest
    assert len(course_digest()) == 16


def test_a_worker_grades_with_the_kits_secret_and_thread_count_only(monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, "the worker's own")
    env = grading_env(Kit("a", {}, "d", secret=None, threads=3))
    assert SECRET_VARIABLE not in env, "a worker never grades with a secret the coordinator did not send"
    assert all(env[name] == "3" for name in THREAD_VARIABLES)
    assert grading_env(Kit("a", {}, "d", secret="term", threads=None))[SECRET_VARIABLE] == "term"


def test_the_folder_of_a_killed_worker_is_removed_by_the_next_process_that_grades():
    """A worker killed in the middle of a task (SIGKILL: no clean-up runs) leaves its folder of kits and scratch
    courses; the next process importing the grading module on that machine removes it, and never a live one's."""
    worker = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom course.grading import scratch\n"
                               "print(scratch._home, flush=True)\ntime.sleep(60)"], stdout=subprocess.PIPE, text=True)
    home = Path(worker.stdout.readline().strip())
    (home / "grade-x").mkdir()
    assert home.is_dir() and home not in remove_abandoned_homes(), "a running worker's folder stays"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert home.is_dir(), "no clean-up ran in the killed worker"
    subprocess.run([sys.executable, "-c", "from course.grading import scratch"], check=True)
    assert not home.exists()
