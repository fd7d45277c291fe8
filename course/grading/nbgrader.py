"""Running nbgrader on a course directory: its assignments, its environment, a scratch copy of it.

The repository root is the nbgrader course directory (`nbgrader_config.py`, `source/`, `release/`).
"""
import contextlib
import io
import logging
import os
import shutil
import subprocess
import sys
import threading
import traceback
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

from nbgrader.converters import BaseConverter, NbGraderException
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader
from traitlets.log import get_logger

from course.grading.verdicts import GraderFault
from course.notebook.quiet import with_tf_environment

CONFIG_FILE = "nbgrader_config.py"
REMIX_FILE = "remix.yml"  # a remix's own configuration: its modules, term and language (course.authoring.remix)
LOG_FORMAT = "[%(name)s | %(levelname)s] %(message)s"  # nbgrader's command-line log lines


def assignments(root: Path) -> list[str]:
    """Ids of the assignments in `root/source/` (folders holding a notebook), sorted."""
    source = Path(root) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def nbgrader_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment nbgrader needs: this Python's bin/ first on PATH (nbgrader runs `alembic`), TF_ENVIRONMENT."""
    env = with_tf_environment(dict(os.environ))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def run_nbgrader(args: list[str], cwd: Path, check: bool = True, timeout: float | None = None,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `nbgrader <args>` in the course directory `cwd`, capturing its output."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    result = subprocess.run(command, cwd=cwd, env=env or nbgrader_env(), capture_output=True, text=True,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


_in_process = threading.Lock()  # one in-process run at a time: it sets the environment and the working directory


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """This process's environment is `env` within the block (kernels and the grading secret read it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _captured_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing nbgrader's INFO lines to a string, which also receives what components without a
    parent log (nbclient's kernel manager, the sandbox) through traitlets' global logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    log = logging.getLogger(f"course.grading.run.{uuid.uuid4().hex}")
    log.propagate, log.handlers = False, [handler]
    log.setLevel(logging.INFO)
    fallback = get_logger()
    level = fallback.level
    fallback.addHandler(handler)
    fallback.setLevel(logging.INFO)
    try:
        yield log, stream
    finally:
        fallback.removeHandler(handler)
        fallback.setLevel(level)
        logging.Logger.manager.loggerDict.pop(log.name, None)


def run_converter(converter: type[BaseConverter], root: Path, settings: dict, env: dict[str, str] | None = None,
                  level: int = logging.INFO) -> tuple[str, bool]:
    """Run an nbgrader converter (`Autograde`, `GenerateAssignment`) on the course at `root` in this process, as
    its command would run there: the course's nbgrader_config.py, then `settings` (a Config dict), with `--force`,
    in the environment `env` (default: `nbgrader_env()`). Saves the seconds of a new nbgrader process each time.

    Returns nbgrader's log (lines at `level` and up) and whether it succeeded. An exception escaping nbgrader
    is a fault of the grader: logged as a `GraderFault` line with its traceback.
    """
    root = Path(root).resolve()
    with _in_process, _environment(env or nbgrader_env()), _captured_log() as (log, stream):
        log.setLevel(level)
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
        config.merge(Config({"CourseDirectory": {"root": str(root)}}))
        config.merge(Config(settings))
        app = converter(coursedir=CourseDirectory(config=config), config=config, log=log)
        app.force = True
        ok = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session warnings, as in its CLI's log
            try:
                app.start()
            except NbGraderException:
                ok = False
            except Exception as error:  # noqa: BLE001 - reported as the grader's fault, with its traceback
                log.error("%s: nbgrader stopped with %s\n%s", GraderFault.__name__, repr(error), traceback.format_exc())
                ok = False
    return stream.getvalue(), ok


def copy_course(root: Path, dest: Path, include_release: bool = True) -> Path:
    """Copy what nbgrader needs of the course at `root` (config, a remix's remix.yml, source/, release/) into `dest`."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(root) / CONFIG_FILE, dest / CONFIG_FILE)
    if (Path(root) / REMIX_FILE).is_file():  # a remix's term and module ids (due dates, outcomes in feedback)
        shutil.copy2(Path(root) / REMIX_FILE, dest / REMIX_FILE)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(Path(root) / "source", dest / "source", ignore=ignore)
    if include_release and (Path(root) / "release").is_dir():
        shutil.copytree(Path(root) / "release", dest / "release", ignore=ignore)
    return dest
