"""Learners' clients in tests: a real JupyterLab in headless Chromium (Playwright), and the notebooks
as a learner holds them (a student version with the solutions filled in, the pass line of a test cell).

Recipe from ../shared/STACK.md: Debian's /usr/bin/chromium (never `playwright install`), a token,
settings that keep news pop-ups off the screenshots, and every cell kept in the DOM.
"""
import ast
import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.grading.nbgrader import nbgrader_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 800}
TOKEN = "browser-tests"
# JupyterLab settings: no news or update pop-ups over the screenshots; every cell rendered in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
STDERR = "[data-mime-type='application/vnd.jupyter.stderr']"
STDOUT = "[data-mime-type='application/vnd.jupyter.stdout']"


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server."""

    url: str
    root: Path
    process: subprocess.Popen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(lab: Lab, path: str, method: str = "GET") -> object:
    """Call the server's REST API (`path` after the base URL) with the token; return the decoded JSON."""
    request = urllib.request.Request(f"{lab.url}/{path}", method=method,
                                     headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def start_lab(root: Path, workdir: Path, timeout: float = 120) -> Lab:
    """Start `jupyter lab` serving `root` (its nbgrader course directory too); wait until it answers."""
    settings = workdir / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = nbgrader_env({"JUPYTERLAB_SETTINGS_DIR": str(settings),
                        "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "lab-workspaces"),
                        "JUPYTER_CONFIG_DIR": str(workdir / "jupyter-config"),
                        "JUPYTER_RUNTIME_DIR": str(workdir / "jupyter-runtime")})
    env.pop("COURSE_SETUP_SOURCE", None)      # outside Colab the set-up cell must install nothing
    port = _free_port()
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--ServerApp.token={TOKEN}",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(workdir / "jupyter-lab.log", "w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", Path(root), process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited ({process.returncode}):\n{(workdir / 'jupyter-lab.log').read_text()}")
        try:
            api(lab, "api/status")
            return lab
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise TimeoutError(f"jupyter lab did not answer within {timeout} s")


def stop_lab(lab: Lab) -> None:
    """Shut the server down (its kernels with it)."""
    lab.process.terminate()
    try:
        lab.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        lab.process.kill()
        lab.process.wait()


def shutdown_kernel(lab: Lab, path: str) -> None:
    """Stop the kernel of the notebook at `path` (frees its memory)."""
    for session in api(lab, "api/sessions"):
        if session["path"] == path:
            api(lab, f"api/sessions/{session['id']}", method="DELETE")


def launch_chromium(playwright):
    """Debian's Chromium, headless, started by Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def open_notebook(context, lab: Lab, path: str, timeout_ms: float = 120_000):
    """Open the notebook at `path` (relative to the server root) in a new page; wait for an idle kernel."""
    page = context.new_page()
    page.goto(f"{lab.url}/lab/tree/{path}?reset&token={TOKEN}")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=timeout_ms)
    # The toolbar shows "idle" before a kernel exists; the status bar's "| Idle" means a real one.
    page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for(timeout=timeout_ms)
    page.evaluate("window.jupyterapp.shell.collapseLeft()")      # the notebook gets the whole width
    return page


def start_run_all(page, timeout_ms: float = 120_000) -> None:
    """Run > Run All Cells through the menu bar; return once the kernel has run the first code cell.

    JupyterLab sends every cell to the kernel at once, so the kernel goes on working even while the
    server is busy (nbgrader's Validate blocks the server until it is done).
    """
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
    page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first.filter(has_text=re.compile(r"\[\d+\]")).wait_for(
        timeout=timeout_ms)


def wait_for_run(page, timeout_ms: float = 600_000) -> None:
    """Wait until no cell is queued or running, and the kernel is idle (a failed cell stops Run All)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                 .every(p => !p.textContent.includes('*'))""", timeout=timeout_ms, polling=500)
    page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for(timeout=timeout_ms)


def cell(page, index: int):
    """The locator of the notebook's cell number `index` (0-based, every cell type counted)."""
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def validate(page, timeout_ms: float = 300_000):
    """Click nbgrader's Validate toolbar button (it saves, then validates); return the result dialog."""
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=timeout_ms)
    return dialog


SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TESTS = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for ordinary cells)."""
    return cell.metadata.get("nbgrader", {})


def solved_student_version(student: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version with every solution cell filled in as the instructor's source does it.

    Like a learner who replaced each `raise NotImplementedError()` stub with a right answer: the
    rest of the student version (its visible tests, its nbgrader metadata) stays untouched.
    """
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if nbgrader_meta(c).get("solution")}
    solved = copy.deepcopy(student)
    for cell in solved.cells:
        if nbgrader_meta(cell).get("solution"):
            lines = answers[nbgrader_meta(cell)["grade_id"]].splitlines()
            cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return solved


def visible_tests(source: str) -> str:
    """A test cell's source without its hidden tests (what learners see)."""
    return HIDDEN_TESTS.sub("", source)


def pass_line(test_source: str) -> str | None:
    """The constant start of the line a visible test cell prints once all its checks passed.

    That is the text of the cell's last statement when it is `print(...)` (up to the first
    f-string field); None when the cell does not end with a print, so a pass shows nothing.
    """
    last = ast.parse(visible_tests(test_source)).body[-1]
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Name) and last.value.func.id == "print" and last.value.args):
        return None
    text = last.value.args[0]
    if isinstance(text, ast.Constant) and isinstance(text.value, str):
        return text.value
    if isinstance(text, ast.JoinedStr):
        start = []
        for part in text.values:
            if not isinstance(part, ast.Constant):
                break
            start.append(part.value)
        return "".join(start) or None
    return None
