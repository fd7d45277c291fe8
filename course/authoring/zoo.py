"""The model zoo: one card per model the course trains and deploys, and one table for the README.

`DEPLOYED` lists the models once: the notebook that trains and deploys each, the names under which it
records its numbers with `course.notebook.metrics.record`, its dataset card and its known limits (written
by hand, here only). `benchmarks/run.py` builds its deployed-models table from it, stores every value the
notebooks recorded in `benchmarks/metrics.json`, and writes the cards (`docs/models/<slug>.md`) and the
README's table from them (`python benchmarks/run.py --zoo` does so again from the stored values, without
running a notebook). Everything else here is a pure function from recorded values to markdown; fit,
latency and energy per board are `course.deploy.boards`' estimates.
"""
import re
from pathlib import Path
from typing import NamedTuple

from course.deploy.boards import (
    BOARDS,
    DEFAULT_FLASH_RESERVED_BYTES,
    DEFAULT_RAM_RESERVED_BYTES,
    estimate_energy_mj,
    estimate_latency_ms,
    fits,
)
from course.units import KIB

CARDS = Path("docs") / "models"  # the cards, from the repository root
DATASET_CARDS = Path("course") / "data" / "cards"
README_START = "<!-- model zoo: written by `python benchmarks/run.py --zoo` (and `make benchmark`); do not edit -->"
README_END = "<!-- end of the model zoo -->"

Metrics = dict[str, float | int | str]


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
    task: str
    dataset: str  # the name of its card in course/data/cards/
    limits: str  # known limits, honest and short (markdown)
    parameters: str | None = None
    macs: str | None = None  # int8 multiply-accumulates per inference (ModelReport.macs)
    ops: str | None = None  # how many operators it runs (len(ModelReport.ops))


DEPLOYED = (
    Deployed("sine regressor (hello world)", "notebooks/0x03-deployment.ipynb", "sine_int8_flash_bytes",
             "sine_int8_arena_bytes", "MAE vs sin x", "sine_float_mae", "sine_int8_tflm_mae",
             "sine_tflm_litert_max_step_difference", None,
             "TFLM `hello_world` int8: 2,704 B, arena 3,000 B",
             task="regression: sin x from x in [0, 2π] (TFLite Micro's hello world)", dataset="sine",
             limits="A teaching model: trained on noisy samples of one known function on [0, 2π], it is "
                    "meaningless outside that interval.",
             parameters="sine_parameters", macs="sine_int8_macs", ops="sine_int8_op_count"),
    Deployed("digits CNN", "notebooks/0x03-deployment.ipynb", "digits_int8_flash_bytes", "digits_int8_arena_bytes",
             "accuracy", "digits_float_accuracy", "digits_int8_tflm_accuracy",
             "digits_tflm_litert_max_step_difference", "digits_tflm_litert_argmax_agreement", "—",
             task="image classification: handwritten digits 0-9, 8×8 grayscale", dataset="digits",
             limits="8×8 scanned digits (scikit-learn's copy of the UCI set, 1,797 images, 17 grey levels): "
                    "clean, centred and tiny; not a camera task.",
             parameters="digits_parameters", macs="digits_int8_macs", ops="digits_int8_op_count"),
    Deployed("keyword spotter (lecture)", "notebooks/0x03-deployment.ipynb", "kws_int8_flash_bytes", "kws_int8_arena_bytes",
             "accuracy, unseen speakers", "kws_float_accuracy", "kws_int8_tflm_accuracy",
             "kws_tflm_litert_max_step_difference", "kws_tflm_litert_argmax_agreement",
             "TFLM `micro_speech`: 18,800 B, arena 28,584 B; MLPerf Tiny KWS: 90 % top-1 (int8 DS-CNN 53,936 B)",
             task="keyword spotting: 6 keywords + unknown + silence from 1 s of 16 kHz audio (log-mel input)",
             dataset="keywords",
             limits="Trained and tested on synthetic speech (espeak-ng voices), not people: unseen *synthetic* "
                    "speakers only, so expect lower accuracy on real voices and rooms. Its log-mel features are "
                    "computed outside the model (and its flash and arena).",
             parameters="kws_parameters", macs="kws_int8_macs", ops="kws_int8_op_count"),
    Deployed("keyword spotter (assignment solution)", "source/0x03-deployment/0x03-deployment.ipynb", "kws_flash_bytes",
             "kws_arena_bytes", "accuracy, validation speakers", "kws_float_accuracy", "kws_int8_tflm_accuracy",
             "kws_tflm_litert_max_step_difference", "kws_tflm_litert_argmax_agreement",
             "TFLM `micro_speech`: 18,800 B, arena 28,584 B; MLPerf Tiny KWS: 90 % top-1",
             task="keyword spotting under the week 0x03 assignment's flash and arena budget", dataset="keywords",
             limits="The instructor's solution of a graded task: tuned to pass the assignment's budget on "
                    "synthetic speech (espeak-ng), measured on validation speakers rather than a held-out test "
                    "set; features computed outside the model.",
             parameters="kws_parameters", macs="kws_macs", ops="kws_op_count"),
    Deployed("person detector (visual wake words)", "notebooks/labs/0x03-person-detection.ipynb",
             "vww_int8_flash_bytes", "vww_int8_arena_bytes", "accuracy, new people in new scenes",
             "vww_float_accuracy", "vww_int8_tflm_accuracy", "vww_tflm_litert_max_step_difference",
             "vww_tflm_litert_argmax_agreement",
             "TFLM `person_detection`: arena 136 KB (96×96 frames); MLPerf Tiny visual wake words: 80 % on COCO",
             task="visual wake words: person / no person in a 32×32 grayscale camera frame (depthwise-separable CNN)",
             dataset="images",
             limits="Trained and tested on the course's drawn stand-in (stick figures in simple scenes, three lighting "
                    "conditions), which is much easier than real photos: its accuracy is not comparable with MLPerf "
                    "Tiny's 80 % target on COCO. Retrain on real frames (`load_visual_wake_words`) before any use.",
             parameters="vww_parameters", macs="vww_int8_macs", ops="vww_int8_op_count"),
    Deployed("magic wand 1-D CNN", "notebooks/0x02-sensors.ipynb", "gesture_int8_flash_bytes",
             "gesture_int8_arena_bytes", "accuracy, unseen people", "gesture_float_accuracy", "gesture_int8_tflm_accuracy",
             "gesture_tflm_litert_max_step_difference", "gesture_tflm_litert_argmax_agreement",
             "TFLM `magic_wand` example: the same three gestures on a Nano 33 BLE Sense's IMU; MLPerf Tiny has no gesture task",
             task="gesture recognition: wing (W), ring (O), slope or idle from 128 × 3 accelerometer samples (5.1 s at 25 Hz)",
             dataset="gestures",
             limits="Trained and tested on simulated wand strokes, not a real IMU, and tested on only 3 unseen people "
                    "(150 windows): a rough figure. Those 3 people draw weaker strokes than all 9 training people; the "
                    "training copies are scaled down (gain 0.4-1) to cover such people, an augmentation chosen after "
                    "seeing it. Centring each window (minus its mean) runs outside the model; no gyroscope, no "
                    "transitions between gestures, no class for other movements.",
             parameters="gesture_cnn_parameters", macs="gesture_int8_macs", ops="gesture_int8_op_count"),
    Deployed("vibration anomaly autoencoder", "notebooks/0x04-mlops.ipynb", "anomaly_model_flash_bytes",
             "anomaly_arena_bytes", "AUC", "anomaly_auc_float", "anomaly_auc_int8",
             "anomaly_tflm_litert_max_step_difference", None,
             "MLPerf Tiny anomaly detection: AUC 0.85 (ToyCar int8 0.842)",
             task="anomaly detection: machine faults from 3-axis vibration windows (reconstruction error of "
                  "spectrum band energies)", dataset="vibration",
             limits="Trained on simulated accelerometer windows of small rotating machines, not a real machine; "
                    "the spectrum front end and the scaler run outside the model; a real deployment needs its "
                    "own threshold and drift monitoring.",
             parameters="anomaly_parameters", macs="anomaly_int8_macs", ops="anomaly_int8_op_count"),
)


def slug(model: str) -> str:
    """The card's file name stem: 'keyword spotter (lecture)' -> 'keyword-spotter-lecture'."""
    return re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")


def recorded_value(metrics: Metrics, name: str | None, style: str) -> str:
    """One recorded value formatted as `style` (bytes, percent, plain, count): "—" if the model has no such
    value, "not recorded" if its notebook did not record it."""
    if name is None:
        return "—"
    if name not in metrics:
        return "not recorded"
    value = metrics[name]
    return {"bytes": f"{value:,} B", "percent": f"{value:.1%}", "plain": f"{value:.4g}",
            "count": f"{value:,}"}[style]


def _quality_style(model: Deployed) -> str:
    return "percent" if "accuracy" in model.quality else "plain"


class _Recorded(NamedTuple):
    """What course.deploy.boards' estimates read from a ModelReport, filled from recorded values."""

    flash_bytes: int
    arena_bytes: int
    macs: int
    ops: range  # only its length counts
    tflm_error: None = None


def _figures(value: float) -> str:
    """Three significant figures, without an exponent."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def energy_text(mj: float) -> str:
    """Energy per inference in µJ below 1 mJ, else in mJ."""
    return f"{_figures(mj * 1000)} µJ" if mj < 1 else f"{_figures(mj)} mJ"


def board_rows(model: Deployed, metrics: Metrics) -> list[str]:
    """Markdown rows, one per board in BOARDS: fit (flash and RAM left), estimated latency and energy."""
    rows = []
    sized = model.flash in metrics and model.arena in metrics
    costed = sized and model.macs in metrics and model.ops in metrics
    for board in BOARDS.values():
        if not sized:
            rows.append(f"| {board.name} | not recorded | not recorded | not recorded |")
            continue
        report = _Recorded(int(metrics[model.flash]), int(metrics[model.arena]),
                           int(metrics[model.macs]) if costed else 0,
                           range(int(metrics[model.ops]) if costed else 0))
        fit = fits(report, board)
        verdict = (f"{'yes' if fit.ok else '**no**'} ({fit.flash_headroom / KIB:,.0f} KiB flash, "
                   f"{fit.ram_headroom / KIB:,.0f} KiB RAM left)")
        if costed:
            latency = f"{_figures(estimate_latency_ms(report, board))} ms"
            energy = energy_text(estimate_energy_mj(report, board))
        else:
            latency = energy = f"not recorded (`{model.macs}`, `{model.ops}`)"
        rows.append(f"| {board.name} | {verdict} | {latency} | {energy} |")
    return rows


def card(model: Deployed, metrics: Metrics) -> str:
    """The model's card (markdown, for docs/models/) from the values its notebook recorded."""
    quality = _quality_style(model)
    up = "../../"  # from docs/models/ to the repository root
    agreement = recorded_value(metrics, model.agreement, "percent")
    lines = [
        f"# {model.model}", "",
        (f"Written by `python benchmarks/run.py --zoo` from the values [`{model.notebook}`]({up}{model.notebook}) "
        "recorded in the last `make benchmark` run (`benchmarks/metrics.json`); do not edit."), "",
        "| | |", "|---|---|",
        f"| task | {model.task} |",
        f"| dataset | [`{model.dataset}`]({up}{DATASET_CARDS.as_posix()}/{model.dataset}.md) |",
        f"| parameters | {recorded_value(metrics, model.parameters, 'count')} |",
        f"| int8 flash | {recorded_value(metrics, model.flash, 'bytes')} |",
        f"| tensor arena (TFLite Micro) | {recorded_value(metrics, model.arena, 'bytes')} |",
        f"| MACs per inference | {recorded_value(metrics, model.macs, 'count')} |",
        f"| operators | {recorded_value(metrics, model.ops, 'count')} |",
        f"| {model.quality}: float | {recorded_value(metrics, model.float_quality, quality)} |",
        f"| {model.quality}: int8 on TFLite Micro | {recorded_value(metrics, model.int8_quality, quality)} |",
        f"| TFLM vs LiteRT: max int8 steps apart | {recorded_value(metrics, model.max_steps, 'plain')} |",
        *([f"| TFLM vs LiteRT: argmax agreement | {agreement} |"] if model.agreement else []),
        f"| published reference | {model.reference} |", "",
        "## Per board", "",
        ("Estimates from `course.deploy.boards` (`fits`, `estimate_latency_ms`, `estimate_energy_mj`) for the boards "
        f"in [`boards.yml`]({up}course/deploy/boards.yml): the fit sets {DEFAULT_FLASH_RESERVED_BYTES // KIB} KiB of "
        f"flash and {DEFAULT_RAM_RESERVED_BYTES // KIB} KiB of RAM aside for "
        "the runtime and the application; latency assumes a throughput in MACs per cycle (an assumption, not a "
        "measurement) plus a fixed cost per operator; energy is active power × latency. Treat them as ±2×."), "",
        "| board | fits | latency per inference | energy per inference |", "|---|---|---:|---:|",
        *board_rows(model, metrics), "",
        "## Known limits", "", model.limits, "",
    ]
    return "\n".join(lines)


def readme_table(models: tuple[Deployed, ...], metrics_by_notebook: dict[str, Metrics]) -> str:
    """The README's zoo table, one row per model linking to its card, between the markers."""
    lines = [README_START, "", "| model | task | dataset | int8 flash | arena | quality: float → int8 on TFLM |",
             "|---|---|---|---:|---:|---|"]
    for model in models:
        metrics = metrics_by_notebook.get(model.notebook, {})
        quality = _quality_style(model)
        lines.append(
            f"| [{model.model}]({CARDS.as_posix()}/{slug(model.model)}.md) | {model.task} | "
            f"[`{model.dataset}`]({DATASET_CARDS.as_posix()}/{model.dataset}.md) | "
            f"{recorded_value(metrics, model.flash, 'bytes')} | {recorded_value(metrics, model.arena, 'bytes')} | "
            f"{model.quality}: {recorded_value(metrics, model.float_quality, quality)} → "
            f"{recorded_value(metrics, model.int8_quality, quality)} |")
    return "\n".join([*lines, "", README_END])


def with_table(readme: str, table: str) -> str:
    """`readme` with the text between the zoo markers (markers included) replaced by `table`."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError("the README lacks the model zoo's markers")
    return readme[:start] + table + readme[end + len(README_END):]


def pages(models: tuple[Deployed, ...], metrics_by_notebook: dict[str, Metrics]) -> dict[Path, str]:
    """Every card, by its path from the repository root."""
    return {CARDS / f"{slug(m.model)}.md": card(m, metrics_by_notebook.get(m.notebook, {})) for m in models}


def write(root: Path, metrics_by_notebook: dict[str, Metrics], models: tuple[Deployed, ...] = DEPLOYED) -> None:
    """Write the cards under `root`/docs/models/ and the zoo table into `root`/README.md."""
    for path, text in pages(models, metrics_by_notebook).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(with_table(readme.read_text(encoding="utf-8"), readme_table(models, metrics_by_notebook)),
                      encoding="utf-8")
