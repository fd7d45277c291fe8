"""The course's benchmarks; writes benchmarks/RESULTS.md. Run with `make benchmark`.

Speed and memory targets live here, not in the tests. Two tables:
- the library: size and generation time of every default dataset, feature extraction throughput;
- the notebooks: every lecture notebook and instructor assignment runs once in a fresh kernel with
  nbclient, the way the tests and nbgrader run it (target: 60 s each on 2 CPU cores); values a
  notebook reports with `course.metrics.record` (accuracy, flash, arena…) are collected beside its time.
"""
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

from course import data
from course.features import log_mel_spectrogram
from course.metrics import read_metrics

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BUDGET_SECONDS = 60


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
    return "\n".join(lines)


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


def main() -> int:
    """Run every notebook and write the results file."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    library = library_table()
    print(library, flush=True)
    rows = []
    for path in notebooks():
        seconds, metrics = run(path)
        name = str(path.relative_to(ROOT))
        print(f"{name}: {seconds:.1f} s {metrics}", flush=True)
        rows.append((name, seconds, metrics))
    machine = (f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}, "
               f"Python {platform.python_version()}, {platform.system()}")
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Written by `make benchmark` (`benchmarks/run.py`) on {datetime.date.today()} — {machine}.\n\n"
        "## The library\n\n" + library + "\n\n"
        "## The notebooks\n\n"
        "Each notebook ran once, top to bottom, in a fresh kernel (wall-clock time, kernel start included).\n"
        f"The course's target is at most {BUDGET_SECONDS} s per notebook on 2 CPU cores, with no network.\n\n"
        + table(rows) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(seconds <= BUDGET_SECONDS for _, seconds, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
