"""The Colab path: what a learner who clicks "Open in Colab" meets.

- Each notebook's set-up cell runs in a fresh Python environment that has the third-party packages
  (as Colab does) but not the course library, with its install source pointed at a wheel built from
  this checkout instead of GitHub (`COURSE_SETUP_SOURCE`, no package index allowed); then the
  notebook runs: week 0x00's lecture and solved assignment in full, every other notebook up to its
  imports (full runs are the main suite's job).
- The "Open in Colab" links point at files that exist in the repository.
- Colab has no Validate button and ignores nbgrader's lock/delete metadata: every visible test prints
  its pass line or fails with a readable message, and grading does not trust the learner's test cells.
"""
import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from browser_helpers import (
    nbgrader_meta,
    pass_line,
    solved_student_version,
    visible_tests,
)
from conftest import ASSIGNMENTS, LECTURES, ROOT, notebook_name
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from course.notebook.colab import REPOSITORY, REVISION, SETUP_CELL
from course.notebook.quiet import TF_ENVIRONMENT

pytestmark = pytest.mark.notebooks

SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
STUDENT_VERSIONS = [ROOT / "release" / a / notebook_name(a) for a in ASSIGNMENTS]
FULL_RUNS = {"notebooks/0x00-welcome.ipynb", "release/0x00-welcome/0x00-welcome.ipynb"}
PROBE = "import course\nprint('course from', course.__file__)"


@pytest.fixture(scope="module")
def course_wheel(tmp_path_factory) -> Path:
    """A wheel of this checkout, built by pip from a clean copy (as Colab builds the GitHub source)."""
    work = tmp_path_factory.mktemp("course-wheel")
    checkout = work / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "course", checkout / "course", ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(checkout),
                            "--wheel-dir", str(work / "wheels")], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    (wheel,) = (work / "wheels").glob("tinyml_course-*.whl")
    return wheel


@pytest.fixture(scope="module")
def third_party(tmp_path_factory) -> Path:
    """A folder showing every package installed in this environment except the course (symlinks)."""
    folder = tmp_path_factory.mktemp("third-party")
    for entry in SITE_PACKAGES.iterdir():
        if not entry.name.startswith(("__editable__", "tinyml_course")):
            (folder / entry.name).symlink_to(entry)
    return folder


def _fresh_environment(where: Path, third_party: Path) -> Path:
    """A new venv that sees `third_party` (its .pth files processed) and nothing of the course; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "third-party.pth").write_text(f"import site; site.addsitedir({str(third_party)!r})\n")
    return python


def _kernel_env(python: Path, wheel: Path, home: Path) -> dict[str, str]:
    """The kernel's environment: the fresh venv first on PATH, the set-up cell's source, no package index."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([str(python.parent)] + [p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin])
    env.update(HOME=str(home), COURSE_SETUP_SOURCE=wheel.as_uri(), PIP_NO_INDEX="1", **TF_ENVIRONMENT)
    return env


def _run_in(python: Path, notebook: nbformat.NotebookNode, workdir: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Execute `notebook` in a kernel of the venv of `python` (nbclient; a failing cell raises)."""
    kernels = workdir / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        f'{{"argv": ["{python}", "-m", "ipykernel_launcher", "-f", "{{connection_file}}"], '
        '"display_name": "fresh", "language": "python"}')
    manager = AsyncKernelManager(kernel_name="fresh", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels.parent)]))
    client = NotebookClient(notebook, km=manager, timeout=300, startup_timeout=120)
    return client.execute(env=env, cwd=str(workdir))


def _colab_notebooks() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in LECTURES + STUDENT_VERSIONS]


@pytest.mark.parametrize("path", _colab_notebooks())
def test_setup_cell_installs_the_course_in_a_fresh_environment_then_the_notebook_runs(
        path, course_wheel, third_party, tmp_path):
    python = _fresh_environment(tmp_path / "venv", third_party)
    lacks = subprocess.run([python, "-c", "import course"], capture_output=True, text=True, cwd=tmp_path)
    assert "No module named 'course'" in lacks.stderr, "the fresh environment must not have the course yet"
    assert subprocess.run([python, "-c", "import ipykernel, numpy"], cwd=tmp_path).returncode == 0

    notebook = nbformat.read(ROOT / path, as_version=4)
    if path.startswith("release/"):
        assignment = Path(path).parent.name
        notebook = solved_student_version(notebook, nbformat.read(ROOT / "source" / assignment / notebook_name(assignment), 4))
    code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    assert notebook.cells[code[0]].source == SETUP_CELL
    setup = code[0]
    if path not in FULL_RUNS:
        notebook.cells, setup = [notebook.cells[i] for i in code[:2]], 0      # the set-up cell and the imports
    notebook.cells.insert(setup + 1, nbformat.v4.new_code_cell(PROBE))     # where does `course` come from now?

    work = tmp_path / "work"
    work.mkdir()
    executed = _run_in(python, notebook, work, _kernel_env(python, course_wheel, tmp_path / "home"))
    probe = next(c for c in executed.cells if c.source == PROBE)
    printed = "".join(o.get("text", "") for o in probe.outputs)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert f"course from {site}/course/__init__.py" in printed, printed
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    if path.startswith("release/") and path in FULL_RUNS:
        for test in (c for c in executed.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"):
            printed = "".join(o.get("text", "") for o in test.outputs if o.get("name") == "stdout")
            assert pass_line(test.source) in printed, (nbgrader_meta(test)["grade_id"], printed)


COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/([^/\s]+/[^/\s]+)/blob/([^/\s]+)/([^)\s\"'>]+)")


@pytest.mark.parametrize("path", _colab_notebooks() + [str(p.relative_to(ROOT)) for p in sorted((ROOT / "source").glob("*/*.ipynb"))])
def test_open_in_colab_links_point_at_files_in_the_repository(path):
    links = COLAB_LINK.findall((ROOT / path).read_text())
    assert links, f"{path} has no Open in Colab link"
    for repository, revision, target in links:
        assert (repository, revision) == (REPOSITORY, REVISION), f"{path}: link to {repository}@{revision}"
        assert (ROOT / target).is_file(), f"{path}: the Colab link points at {target}, which is not in the repository"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_visible_test_gives_feedback_inline(assignment):
    """Colab has no Validate button: the test cell itself must say "passed" or why it failed."""
    notebook = nbformat.read(ROOT / "source" / assignment / notebook_name(assignment), as_version=4)
    tests = [c for c in notebook.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]
    silent, bare = [], []
    for test in tests:
        grade_id = nbgrader_meta(test)["grade_id"]
        if pass_line(test.source) is None:
            silent.append(grade_id)
        tree = ast.parse(visible_tests(test.source))
        bare += [f"{grade_id}, line {node.lineno}" for node in ast.walk(tree)
                 if isinstance(node, ast.Assert) and node.msg is None
                 or isinstance(node, ast.Raise) and not (isinstance(node.exc, ast.Call) and node.exc.args)]
    assert not silent, f"these visible test cells print nothing when they pass (end them with a print): {silent}"
    assert not bare, f"asserts/raises without a message for the learner: {bare}"
