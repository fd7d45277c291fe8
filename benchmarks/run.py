"""The course's benchmarks; writes benchmarks/RESULTS.md. Run with `make benchmark`.

Speed and memory targets live here, not in the tests. Five tables:
- the library: size and generation time of every default dataset, feature extraction throughput,
  `ms_per_inference` against a run of known length, `course grade` of the hostile submissions
  (tests/fixtures/hostile.py: endless loops, bombs, crashes, tampering) in the grading sandbox, and the
  sandbox's overhead (week 0x00's solution graded with and without it);
- the notebooks: every lecture notebook, lab and instructor assignment runs once in a fresh kernel with
  nbclient, the way the tests and nbgrader run it (target: 60 s each on 2 CPU cores); values a
  notebook reports with `course.notebook.metrics.record` (accuracy, flash, arena…) are collected beside its time;
- the deployed models: flash, arena, float vs int8 quality and TFLM vs LiteRT agreement of every model
  the course deploys, read from those recorded values, beside published reference numbers (the models are
  `course.authoring.zoo.DEPLOYED`; every recorded value is also stored in benchmarks/metrics.json, and the model
  zoo's cards, docs/models/, and the README's zoo table are written from it);
- grading at scale: the same 16 submissions graded by plain serial `nbgrader autograde` and by `course grade`
  on a running local Dask cluster of 1 and of 2 workers (its start-up timed apart; submissions per minute,
  speedup), and a projection for 1,000 learners;
- the firmware on the emulated Cortex-M4: flash, static RAM and instructions of the course's C (the keyword
  spotter's front end, the vibration anomaly detector, the int8 layer of week 0x03's task 6).

`python benchmarks/run.py NOTEBOOK...` runs only the given notebooks and prints the tables without
writing RESULTS.md (a quick check of one week). `python benchmarks/run.py --firmware` measures only the
firmware on the emulated Cortex-M4 (flash, RAM, instructions) and rewrites only that section of RESULTS.md;
`--grading` does the same for grading at scale. `python benchmarks/run.py --zoo` rewrites only the model cards and
the README's zoo table from the values stored by the last full run (no notebook runs).
"""
import csv
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

from course import data
from course.authoring import zoo
from course.authoring.zoo import DEPLOYED
from course.features import log_mel_spectrogram
from course.grading.nbgrader import copy_course, nbgrader_env, run_nbgrader
from course.grading.distributed import local_client, threads_per_worker
from course.grading.report import grade
from course.grading.sandbox import SANDBOX_VARIABLE
from course.lessons.optimize import ms_per_inference
from course.notebook.metrics import read_metrics

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
METRICS = ROOT / "benchmarks" / "metrics.json"  # every value each notebook recorded in the last full run
BUDGET_SECONDS = 60


def timed(function, *args, **kwargs) -> tuple:
    """`function(*args, **kwargs)` and its wall time in seconds. Benchmarks measure the clock, kernels and
    subprocesses included, unlike `course.lessons.budget.timed`, which charges a learner's design fairly."""
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
    """A table row: `course grade` of `assignment`'s instructor solution in the sandbox and without it, each the
    best of two runs in turn (the first run of a process pays one-time costs: imports, the canary's template)."""
    seconds = {True: float("inf"), False: float("inf")}
    for sandboxed in (True, False, True, False):
        with tempfile.TemporaryDirectory(prefix="benchmark-sandbox-") as scratch:
            course = copy_course(ROOT, Path(scratch) / "course", include_release=False)
            run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
            (solution,) = (ROOT / "source" / assignment).glob("*.ipynb")
            (course / "submitted" / "solution" / assignment).mkdir(parents=True)
            shutil.copy(solution, course / "submitted" / "solution" / assignment / solution.name)
            if not sandboxed:
                os.environ[SANDBOX_VARIABLE] = "off"
            try:
                _, elapsed = timed(grade, course, assignment)
                seconds[sandboxed] = min(seconds[sandboxed], elapsed)
            finally:
                os.environ.pop(SANDBOX_VARIABLE, None)
    return (f"| `course grade` of the {assignment} solution in the grading sandbox, against {SANDBOX_VARIABLE}=off "
            f"| overhead {seconds[True] / seconds[False] - 1:+.0%} (target ≤ +20%) "
            f"| {seconds[True]:.2f} (off: {seconds[False]:.2f}) |")


FIRMWARE_HEADING = "## Firmware on the emulated Cortex-M4"
FIRMWARE_INTRO = (
    "Firmware built by the GNU Arm toolchain for the Nano 33 BLE Sense (Cortex-M4F; linker script sized to its 1 MB\n"
    "of flash and 256 KB of RAM) and run in QEMU's `mps2-an386` with `-icount shift=0` (`course.deploy.firmware`).\n"
    "Flash = text + data and static RAM = data + bss, from `arm-none-eabi-size`; instructions are counted by SysTick\n"
    "(resolution 40 instructions): an instruction count, not cycles. Each firmware includes the course's startup code\n"
    "and newlib's semihosting stdio. TFLite Micro's C++ runtime is not reachable offline, so the keyword spotter's\n"
    "model itself does not run on the emulated core; its front end does.")
KWS_FRONT_END_MAIN = r"""
#include <stdint.h>
#include "course_fw.h"
#include "kws_frontend.h"
static int16_t frame[KWS_FRAME_LENGTH];
static float out[KWS_N_MELS];
int main(void) {
  if (course_fw_read("frame.bin", frame, sizeof frame) != 0) return 2;
  kws_frame_features(frame, out); /* the first call also fills the FFT tables */
  uint64_t before = course_fw_instructions();
  kws_frame_features(frame, out);
  uint64_t cost = course_fw_instructions() - before;
  return course_fw_write("cost.bin", &cost, sizeof cost) == 0 ? 0 : 3;
}
"""


def firmware_table() -> str:
    """Flash, static RAM and instructions of the course's firmware on the emulated Cortex-M4, as a markdown table."""
    from course import models
    from course.deploy import device, firmware, frontend, int8_fc
    from course.features import LogMel
    from course.lessons import anomaly, kws

    lines = ["| firmware | flash | static RAM | instructions | per | reference |", "|---|---:|---:|---:|---|---|"]
    sources = frontend.frontend_sources(kws.FEATURE_MEAN, kws.FEATURE_STD, kws.SAMPLE_RATE)
    image = firmware.build({**sources, "main.c": KWS_FRONT_END_MAIN}, include_dirs=(device.emlearn_include_dir(),))
    clip = data.keywords(n_per_class=1, n_speakers=2, seed=0).x[2]
    result = firmware.run(image, {"frame.bin": clip[:LogMel().frame_length].astype("<i2")})
    per_hop = int(np.frombuffer(result.outputs["cost.bin"], "<u8")[0])
    lines.append(f"| keyword spotter's log-mel front end (C, float32, emlearn FFT) | {image.flash_bytes:,} B | "
                 f"{image.ram_bytes:,} B | {per_hop:,} | 20 ms hop (49 per second of audio) | TFLM `micro_speech` "
                 "preprocessor model: 8,772 B; its model 18,800 B, arena 28,584 B |")
    vibration = data.vibration(n_normal=4, n_per_fault=1, seed=0)
    n_features = vibration.x.shape[2] * anomaly.N_BANDS
    scaler = (np.zeros(n_features, np.float32), np.ones(n_features, np.float32))
    detector = device.anomaly_firmware(models.dense_autoencoder(n_features), scaler, vibration.x.shape[1],
                                       vibration.x.shape[2], anomaly.N_BANDS)
    scores = device.device_scores(detector, vibration.x[:2])
    lines.append(f"| vibration anomaly detector: spectrum front end + autoencoder (emlearn, float32) | "
                 f"{detector.flash_bytes:,} B | {detector.ram_bytes:,} B | {scores.front_end_instructions:,} + "
                 f"{scores.model_instructions:,} | window of 1,024 samples × 3 axes (front end + model) | "
                 "MLPerf Tiny anomaly detection: AUC 0.85 |")
    notebook = json.loads((ROOT / "source" / "0x03-deployment" / "0x03-deployment.ipynb").read_text())
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "task6_solution")
    namespace: dict = {}
    exec("".join(cell["source"]), namespace)
    rng = np.random.default_rng(0)
    layer = int8_fc.dense_model(rng.normal(0, 0.3, (32, 8)), rng.normal(0, 0.5, 8), rng.normal(0, 1, (100, 32)))
    fc_image = int8_fc.build_fc(namespace["FC_SOURCE"])
    _, fc_instructions = int8_fc.run_fc(fc_image, int8_fc.fc_parameters(layer), np.zeros((1, 32), np.int8))
    lines.append(f"| int8 fully-connected 32 → 8, the size of the default spotter's last layer (week 0x03 task 6 "
                 f"solution) | "
                 f"{fc_image.flash_bytes:,} B | {fc_image.ram_bytes:,} B | {fc_instructions:,} | call (256 MACs) | — |")
    return "\n".join(lines)


def firmware_section() -> str:
    """The firmware section of RESULTS.md, naming the commit it was measured on."""
    return (f"{FIRMWARE_HEADING}\n\nMeasured by `benchmarks/run.py` {commit_statement()}.\n{FIRMWARE_INTRO}\n\n"
            + firmware_table() + "\n")


def update_section(heading: str, section: str) -> None:
    """Replace (or append) only the section of RESULTS.md that starts with `heading`, up to the next one."""
    text = RESULTS.read_text()
    before, found, after = text.partition(heading + "\n")
    rest = after[after.find("\n## "):] if found and "\n## " in after else ""
    RESULTS.write_text(before.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n" + rest)
    print(f"updated the section {heading!r} of {RESULTS.relative_to(ROOT)}")


GRADING_HEADING = "## Grading at scale"
SCALE_SUBMISSIONS = 16
# A week of real weight (a submission trains two models): on the tiny 0x00 welcome, fixed costs per submission
# that a real class never notices would decide the speedup.
SCALE_ASSIGNMENT = "0x01-fundamentals"
PROJECTION = (1000, 5)  # learners, weekly assignments


def _class_of(assignment: str, folder: Path) -> Path:
    """A copy of the course with SCALE_SUBMISSIONS submissions of `assignment`: 3 of 4 the solution, 1 of 4 the
    untouched student version."""
    course = copy_course(ROOT, folder, include_release=False)
    run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    for n in range(SCALE_SUBMISSIONS):
        origin = course / ("release" if n % 4 == 3 else "source") / assignment
        shutil.copytree(origin, course / "submitted" / f"learner{n:02d}" / assignment,
                        ignore=shutil.ignore_patterns("checks.py"))
    return course


def grading_table(assignment: str = SCALE_ASSIGNMENT) -> tuple[str, float, float]:
    """Rows: the same submissions graded by plain serial nbgrader and by `course grade` on a running local cluster
    of 1 and 2 workers (each cluster's start-up timed apart: a cluster serves a term's batches); seconds per
    submission on one worker; parallel efficiency at 2 workers (speedup / 2)."""
    seconds, startup = {}, {}
    for mode in ("nbgrader autograde", 1, 2):
        with tempfile.TemporaryDirectory(prefix="benchmark-scale-") as scratch:
            course = _class_of(assignment, Path(scratch) / "course")
            if mode == "nbgrader autograde":
                _, seconds[mode] = timed(run_nbgrader, ["autograde", assignment], cwd=course,
                                         env=nbgrader_env())
                continue
            client, startup[mode] = timed(local_client, mode)
            try:
                _, seconds[mode] = timed(grade, course, assignment, scheduler=client.cluster.scheduler_address,
                                         threads=threads_per_worker(mode))
            finally:
                cluster = client.cluster
                client.close()
                cluster.close()
    lines = ["| grading | start-up s | seconds | submissions per minute | speedup vs 1 worker | target |",
             "|---|---:|---:|---:|---:|---|"]
    for mode, label in (("nbgrader autograde", "plain serial `nbgrader autograde` (sandboxed; no canary)"),
                        (1, "`course grade` on a running local cluster of 1 worker (canary first)"),
                        (2, "`course grade` on a running local cluster of 2 workers (canary first)")):
        speedup = seconds[1] / seconds[mode]
        target = "≥ 0.8 × 2 = 1.6" if mode == 2 else "—"
        start = f"{startup[mode]:.1f}" if mode in startup else "—"
        lines.append(f"| {label} | {start} | {seconds[mode]:.1f} | {SCALE_SUBMISSIONS * 60 / seconds[mode]:.1f} | "
                     f"{speedup:.2f} | {target} |")
    return "\n".join(lines), seconds[1] / SCALE_SUBMISSIONS, seconds[1] / seconds[2] / 2


def grading_section(assignment: str = SCALE_ASSIGNMENT) -> str:
    """The grading-at-scale section: measured throughput, and a projection on paper for a large class."""
    rows, per_submission, efficiency = grading_table(assignment)
    learners, weeks = PROJECTION
    total = learners * weeks * per_submission
    projection = ", ".join(f"{k} worker{'s' if k > 1 else ''} ≈ {_duration(total / (k * efficiency if k > 1 else 1))}"
                           for k in (1, 2, 8, 32, 128))
    return (f"{GRADING_HEADING}\n\nMeasured by `benchmarks/run.py` {commit_statement()}: the same "
            f"{SCALE_SUBMISSIONS} submissions of {assignment} (12 solutions, 4 untouched) graded three ways, each in a "
            "fresh copy of the course, every kernel in the grading sandbox. `course grade` grades the instructor's\n"
            "solution first (the canary), which the serial nbgrader run does not; `course grade --workers N` costs the\n"
            "start-up column more, once per run (`--scheduler` reuses a running cluster).\n\n" + rows + "\n\n"
            f"**Projection on paper**: {learners:,} learners × {weeks} weeks = {learners * weeks:,} submissions at "
            f"{per_submission:.1f} s each (one worker, measured above on {assignment}), with the parallel efficiency "
            f"measured at 2 workers ({efficiency:.0%}) assumed for more: {projection}. Weeks lighter or heavier than "
            f"{assignment} scale these by their assignment notebook's time (the notebooks table below).\n")


def _duration(seconds: float) -> str:
    """`seconds` as hours and minutes, or minutes under an hour."""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def update_grading_section() -> None:
    """`python benchmarks/run.py --grading`: measure and rewrite only the grading-at-scale section."""
    update_section(GRADING_HEADING, grading_section())


def update_firmware_section() -> None:
    """`python benchmarks/run.py --firmware`: measure and rewrite only the firmware section."""
    update_section(FIRMWARE_HEADING, firmware_section())


def _sleeping_run(_model: bytes, batch: np.ndarray) -> None:
    time.sleep(0.05 + 0.01 * len(batch))


def commit_statement() -> str:
    """The commit the results are measured on, and whether the working tree differed from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return f"at commit {git('rev-parse', 'HEAD')}" + (f" with uncommitted changes to {len(changed)} files" if changed else "")


def notebooks() -> list[Path]:
    """Lecture notebooks, the weeks' labs, then instructor versions of the assignments, in week order."""
    return (sorted((ROOT / "notebooks").glob("0x*.ipynb")) + sorted((ROOT / "notebooks" / "labs").glob("0x*.ipynb"))
            + sorted((ROOT / "source").glob("*/*.ipynb")))


def run(path: Path) -> tuple[float, dict]:
    """Execute the notebook at `path` in its folder; return seconds taken and its recorded metrics."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    _, seconds = timed(client.execute)
    return seconds, read_metrics(notebook)


def table(rows: list[tuple[str, float, dict]]) -> str:
    """The markdown table of results."""
    lines = ["| notebook | seconds | within 60 s | reported values |", "|---|---:|:---:|---|"]
    for name, seconds, metrics in rows:
        values = ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in metrics.items())
        lines.append(f"| `{name}` | {seconds:.1f} | {'yes' if seconds <= BUDGET_SECONDS else '**no**'} | {values} |")
    return "\n".join(lines)


_value = zoo.recorded_value  # one recorded value formatted for the deployment table


def write_zoo() -> None:
    """`python benchmarks/run.py --zoo`: the model cards (docs/models/) and the README's zoo table, from the values
    the last full run stored in benchmarks/metrics.json (no notebook runs)."""
    zoo.write(ROOT, json.loads(METRICS.read_text(encoding="utf-8")))
    print(f"wrote {zoo.CARDS}/ and the model zoo table of README.md from {METRICS.relative_to(ROOT)}")


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
        "## The library\n\n" + library + "\n\n" + grading_section() + "\n"
        "## The notebooks\n\n"
        "Each notebook ran once, top to bottom, in a fresh kernel (wall-clock time, kernel start included).\n"
        f"The course's target is at most {BUDGET_SECONDS} s per notebook on 2 CPU cores, with no network.\n\n"
        + table(rows) + "\n\n"
        "## The deployed models\n\n"
        "Every model the course deploys, as its notebook measured it in the run above: int8 flash and the smallest\n"
        "tensor arena TensorFlow Lite Micro runs it with, float vs int8 quality (int8 run on TFLite Micro), and how\n"
        "far LiteRT's outputs (XNNPACK kernels) are from TFLite Micro's, in int8 steps and as argmax agreement.\n"
        "The reference column quotes published numbers: TFLite Micro's examples and MLPerf Tiny's quality targets.\n\n"
        + deployed + "\n\n" + firmware_section())
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    METRICS.write_text(json.dumps({name: metrics for name, _, metrics in rows}, indent=1) + "\n", encoding="utf-8")
    write_zoo()
    return 0 if within_budget else 1


if __name__ == "__main__":
    if sys.argv[1:] in (["--help"], ["-h"]):
        print(__doc__)
        sys.exit(0)
    if sys.argv[1:] == ["--firmware"]:
        update_firmware_section()
        sys.exit(0)
    if sys.argv[1:] == ["--zoo"]:
        write_zoo()
        sys.exit(0)
    if sys.argv[1:] == ["--grading"]:
        update_grading_section()
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
