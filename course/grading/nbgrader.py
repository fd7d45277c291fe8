"""Running nbgrader on a course directory: its assignments, its environment, a scratch copy of it.

The repository root is the nbgrader course directory (`nbgrader_config.py`, `source/`, `release/`).
"""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from course.notebook.quiet import with_tf_environment

CONFIG_FILE = "nbgrader_config.py"
REMIX_FILE = "remix.yml"  # a remix's own configuration: its modules, term and language (course.authoring.remix)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


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


_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork: no dlopen in a forked child


def _die_with_parent() -> None:
    """In a child process: ask Linux to kill it when its parent dies (prctl PR_SET_PDEATHSIG)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run_nbgrader(args: list[str], cwd: Path, check: bool = True, timeout: float | None = None,
                 env: dict[str, str] | None = None, die_with_parent: bool = False) -> subprocess.CompletedProcess:
    """Run `nbgrader <args>` in the course directory `cwd`, capturing its output (`die_with_parent`: killed
    with the calling process, e.g. a grading worker that dies; its sandboxed kernels die with it)."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    result = subprocess.run(command, cwd=cwd, env=env or nbgrader_env(), capture_output=True, text=True,
                            timeout=timeout, check=False, preexec_fn=_die_with_parent if die_with_parent else None)
    if check and result.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


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
