"""Real servers the grading tests start themselves, on 127.0.0.1 only, and stop: PostgreSQL and a Dask cluster.

PostgreSQL is Debian's `postgresql` package (installed by `make test`). `initdb` refuses to run as root, so as
root the server runs as the `postgres` user, in a temporary folder it owns. The Dask cluster is what an
instructor starts on a lab server: a `dask scheduler` and `dask worker` processes, each a separate command.
"""
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from course.grading.distributed import ALLOWED_FAILURES, WORKER_PRELOAD
from course.grading.nbgrader import nbgrader_env


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server with an empty database `gradebook`; yields its SQLAlchemy URL."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert bindirs, "PostgreSQL is not installed: `make test` installs Debian's postgresql package"
    bindir = Path(bindirs[-1])
    data = Path(tempfile.mkdtemp(prefix="course-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                 "--no-sync"]), check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"),
                                 "-w", "start"]), check=True, capture_output=True)
    try:
        subprocess.run(_as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                     "gradebook"]), check=True, capture_output=True)
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True, check=False)
        shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def dask_cluster(workers: int, folder: Path) -> Iterator[str]:
    """`dask scheduler` and `workers` separate `dask worker` processes on 127.0.0.1; yields the scheduler's
    address. The scheduler gives up on a task whose worker died twice, as `course grade --workers` does."""
    dask = str(Path(sys.executable).parent / "dask")
    env = nbgrader_env({"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(ALLOWED_FAILURES)})
    address_file = folder / "scheduler.json"
    started, logs = [], contextlib.ExitStack()

    def start(command: list[str], log: str) -> None:
        started.append(subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                        stderr=logs.enter_context(open(folder / log, "w"))))

    start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
           str(address_file)], "scheduler.log")
    try:
        deadline = time.monotonic() + 60
        while not address_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        for n in range(workers):
            start([dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                   "--memory-limit", "0", "--no-dashboard", "--name", f"worker-{n}", "--preload", WORKER_PRELOAD],
                  f"worker-{n}.log")
        yield address
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        logs.close()
