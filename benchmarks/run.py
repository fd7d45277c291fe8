"""The course's benchmarks; writes benchmarks/RESULTS.md. Run with `make benchmark`.

Speed and memory targets live here, not in the tests. Three tables:
- the library: size and generation time of every default dataset, feature extraction throughput,
  `ms_per_inference` against a run of known length, `course grade` of the hostile submissions
  (tests/fixtures/hostile.py: endless loops, bombs, crashes, tampering) in the grading sandbox, and the
  sandbox's overhead (week 0x00's solution graded with and without it);
- the notebooks: every lecture notebook and instructor assignment runs once in a fresh kernel with
  nbclient, the way the tests and nbgrader run it (target: 60 s each on 2 CPU cores); values a
  notebook reports with `course.notebook.metrics.record` (accuracy, flash, arena…) are collected beside its time;
- the deployed models: flash, arena, float vs int8 quality and TFLM vs LiteRT agreement of every model
  the course deploys, read from those recorded values, beside published reference numbers.

`python benchmarks/run.py NOTEBOOK...` runs only the given notebooks and prints the tables without
writing RESULTS.md (a quick check of one week).
"""
import csv
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import nbformat
import numpy as np
from nbclient import NotebookClient

from course import data
from course.features import log_mel_spectrogram
from course.grading.nbgrader import copy_course, run_nbgrader
from course.grading.report import grade
from course.grading.sandbox import SANDBOX_VARIABLE
from course.lessons.optimize import ms_per_inference
from course.notebook.metrics import read_metrics

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BUDGET_SECONDS = 60


class Deployed(NamedTuple):
    """A model a notebook deploys, and the names under which it records its numbers (None: not recorded)."""

    model: str
    notebook: str
    flash: str
    arena: str
    quality: str  # what float_quality / int8_quality measure
    float_quality: str
    int8_quality: str
    max_steps: str | None
    agreement: str | None
    reference: str  # published numbers to compare with (TFLite Micro examples, MLPerf Tiny)


DEPLOYED = (
    Deployed("sine regressor (hello world)", "notebooks/0x03-deployment.ipynb", "sine_int8_flash_bytes",
             "sine_int8_arena_bytes", "MAE vs sin x", "sine_float_mae", "sine_int8_tflm_mae",
             "sine_tflm_litert_max_step_difference", None,
             "TFLM `hello_world` int8: 2,704 B, arena 3,000 B"),
    Deployed("digits CNN", "notebooks/0x03-deployment.ipynb", "digits_int8_flash_bytes", "digits_int8_arena_bytes",
             "accuracy", "digits_float_accuracy", "digits_int8_tflm_accuracy",
             "digits_tflm_litert_max_step_difference", "digits_tflm_litert_argmax_agreement", "—"),
    Deployed("keyword spotter (lecture)", "notebooks/0x03-deployment.ipynb", "kws_int8_flash_bytes", "kws_int8_arena_bytes",
             "accuracy, unseen speakers", "kws_float_accuracy", "kws_int8_tflm_accuracy",
             "kws_tflm_litert_max_step_difference", "kws_tflm_litert_argmax_agreement",
             "TFLM `micro_speech`: 18,800 B, arena 28,584 B; MLPerf Tiny KWS: 90 % top-1 (int8 DS-CNN 53,936 B)"),
    Deployed("keyword spotter (assignment solution)", "source/0x03-deployment/0x03-deployment.ipynb", "kws_flash_bytes",
             "kws_arena_bytes", "accuracy, validation speakers", "kws_float_accuracy", "kws_int8_tflm_accuracy",
             "kws_tflm_litert_max_step_difference", "kws_tflm_litert_argmax_agreement",
             "TFLM `micro_speech`: 18,800 B, arena 28,584 B; MLPerf Tiny KWS: 90 % top-1"),
    Deployed("vibration anomaly autoencoder", "notebooks/0x04-mlops.ipynb", "anomaly_model_flash_bytes",
             "anomaly_arena_bytes", "AUC", "anomaly_auc_float", "anomaly_auc_int8",
             "anomaly_tflm_litert_max_step_difference", None,
             "MLPerf Tiny anomaly detection: AUC 0.85 (ToyCar int8 0.842)"),
)


def timed(function, *args, **kwargs):
    """(result, seconds) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def library_table() -> str:
    """Default dataset sizes and generation times, and log-mel throughput, as a markdown table."""
    lines = ["| what | result | seconds |", "|---|---|---:|"]
    for name in ("sine", "digits", "keywords", "gestures", "vibration", "vibration_timeline", "images"):
        dataset, seconds = timed(getattr(data, name))
        lines.append(f"| `course.data.{name}()` | x {dataset.x.shape} {dataset.x.dtype}, "
                     f"{dataset.nbytes / 1e6:.1f} MB | {seconds:.2f} |")
    clips = (np.random.default_rng(0).standard_normal((1000, 16000)) * 2000).astype(np.int16)
    mels, seconds = timed(log_mel_spectrogram, clips)
    lines.append(f"| `log_mel_spectrogram` of 1,000 one-second clips | {mels.shape} | {seconds:.2f} |")
    ms, seconds = timed(ms_per_inference, _sleeping_run, b"", np.zeros((11, 1)))
    lines.append(f"| `ms_per_inference` of a run sleeping 50 ms, then 10 ms per input (11 inputs) "
                 f"| {ms:.2f} ms per input (10 slept) | {seconds:.2f} |")
    sys.path.insert(0, str(ROOT / "tests"))  # the test fixtures' hostile submissions
    from fixtures.hostile import CASES, hostile_course

    with tempfile.TemporaryDirectory(prefix="benchmark-grading-") as scratch:
        report, seconds = timed(grade, hostile_course(Path(scratch) / "course"), "tiny")
        graded = len(list(csv.DictReader(report.open())))
    lines.append(f"| `course grade` of the {len(CASES)} hostile submissions to the tiny assignment, sandboxed "
                 f"| {graded} students in the report | {seconds:.2f} |")
    lines.append(sandbox_overhead())
    return "\n".join(lines)


def sandbox_overhead(assignment: str = "0x00-welcome") -> str:
    """A table row: `course grade` of `assignment`'s instructor solution in the sandbox and without it."""
    seconds = {}
    for sandboxed in (True, False):
        with tempfile.TemporaryDirectory(prefix="benchmark-sandbox-") as scratch:
            course = copy_course(ROOT, Path(scratch) / "course", include_release=False)
            run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
            (solution,) = (ROOT / "source" / assignment).glob("*.ipynb")
            (course / "submitted" / "solution" / assignment).mkdir(parents=True)
            shutil.copy(solution, course / "submitted" / "solution" / assignment / solution.name)
            if not sandboxed:
                os.environ[SANDBOX_VARIABLE] = "off"
            try:
                _, seconds[sandboxed] = timed(grade, course, assignment)
            finally:
                os.environ.pop(SANDBOX_VARIABLE, None)
    return (f"| `course grade` of the {assignment} solution in the grading sandbox, against {SANDBOX_VARIABLE}=off "
            f"| overhead {seconds[True] / seconds[False] - 1:+.0%} (target ≤ +20%) "
            f"| {seconds[True]:.2f} (off: {seconds[False]:.2f}) |")


def _sleeping_run(_model: bytes, batch: np.ndarray) -> None:
    time.sleep(0.05 + 0.01 * len(batch))


def commit_statement() -> str:
    """The commit the results are measured on, and whether the working tree differed from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return f"at commit {git('rev-parse', 'HEAD')}" + (f" with uncommitted changes to {len(changed)} files" if changed else "")


def notebooks() -> list[Path]:
    """Lecture notebooks, then instructor versions of the assignments, in week order."""
    return sorted((ROOT / "notebooks").glob("0x*.ipynb")) + sorted((ROOT / "source").glob("*/*.ipynb"))


def run(path: Path) -> tuple[float, dict]:
    """Execute the notebook at `path` in its folder; return seconds taken and its recorded metrics."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start, read_metrics(notebook)


def table(rows: list[tuple[str, float, dict]]) -> str:
    """The markdown table of results."""
    lines = ["| notebook | seconds | within 60 s | reported values |", "|---|---:|:---:|---|"]
    for name, seconds, metrics in rows:
        values = ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in metrics.items())
        lines.append(f"| `{name}` | {seconds:.1f} | {'yes' if seconds <= BUDGET_SECONDS else '**no**'} | {values} |")
    return "\n".join(lines)


def _value(metrics: dict, name: str | None, style: str) -> str:
    """One recorded value formatted for the deployment table ("not recorded" if the notebook did not record it)."""
    if name is None:
        return "—"
    if name not in metrics:
        return "not recorded"
    value = metrics[name]
    return {"bytes": f"{value:,} B", "percent": f"{value:.1%}", "plain": f"{value:.4g}"}[style]


def deployment_table(metrics_by_notebook: dict[str, dict]) -> str:
    """Markdown table of every model in DEPLOYED whose notebook is in `metrics_by_notebook` (path → recorded values)."""
    lines = ["| model | notebook | flash (int8) | arena | quality | float | int8 on TFLM | TFLM vs LiteRT: max steps "
             "| argmax agreement | reference |", "|---|---|---:|---:|---|---:|---:|---:|---:|---|"]
    for model in DEPLOYED:
        if model.notebook not in metrics_by_notebook:
            continue
        metrics = metrics_by_notebook[model.notebook]
        quality = "percent" if "accuracy" in model.quality else "plain"
        cells = [model.model, f"`{model.notebook}`", _value(metrics, model.flash, "bytes"),
                 _value(metrics, model.arena, "bytes"), model.quality, _value(metrics, model.float_quality, quality),
                 _value(metrics, model.int8_quality, quality), _value(metrics, model.max_steps, "plain"),
                 _value(metrics, model.agreement, "percent"), model.reference]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(selected: list[str]) -> int:
    """Run every notebook (or only `selected` paths, then without writing RESULTS.md) and write the results file."""
    if not selected:
        library = library_table()
        print(library, flush=True)
    rows = []
    for path in [Path(p).resolve() for p in selected] or notebooks():
        seconds, metrics = run(path)
        name = str(path.relative_to(ROOT))
        print(f"{name}: {seconds:.1f} s {metrics}", flush=True)
        rows.append((name, seconds, metrics))
    within_budget = all(seconds <= BUDGET_SECONDS for _, seconds, _ in rows)
    deployed = deployment_table({name: metrics for name, _, metrics in rows})
    if selected:
        print(table(rows) + "\n\n" + deployed)
        return 0 if within_budget else 1
    machine = (f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}, "
               f"Python {platform.python_version()}, {platform.system()}")
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Written by `make benchmark` (`benchmarks/run.py`) on {datetime.date.today()} {commit_statement()} "
        f"— {machine}.\n\n"
        "## The library\n\n" + library + "\n\n"
        "## The notebooks\n\n"
        "Each notebook ran once, top to bottom, in a fresh kernel (wall-clock time, kernel start included).\n"
        f"The course's target is at most {BUDGET_SECONDS} s per notebook on 2 CPU cores, with no network.\n\n"
        + table(rows) + "\n\n"
        "## The deployed models\n\n"
        "Every model the course deploys, as its notebook measured it in the run above: int8 flash and the smallest\n"
        "tensor arena TensorFlow Lite Micro runs it with, float vs int8 quality (int8 run on TFLite Micro), and how\n"
        "far LiteRT's outputs (XNNPACK kernels) are from TFLite Micro's, in int8 steps and as argmax agreement.\n"
        "The reference column quotes published numbers: TFLite Micro's examples and MLPerf Tiny's quality targets.\n\n"
        + deployed + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if within_budget else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
