"""Matplotlib figures shared by the course's weeks. Every function returns the Figure it draws
(`course.notebook.figures.new_figure`: a cell ending with it shows it)."""
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import auc, confusion_matrix, roc_curve

from course.features import log_mel_spectrogram
from course.notebook.figures import new_figure
from course.quantization import dequantize, quantize
from course.units import KIB, audio_as_float


# ---------------------------------------------------------------- training and evaluation


def plot_training_curves(history: Any, title: str = "Training curves") -> Figure:
    """Loss (and the first metric, if any) per epoch for training and validation.

    ``history`` is a Keras History or its ``.history`` dict: {"loss": [...], "val_loss": [...],
    "accuracy": [...], "val_accuracy": [...]}. One axes per quantity.
    """
    logs = dict(getattr(history, "history", history))
    if "loss" not in logs:
        raise ValueError(f"history has no 'loss': keys are {sorted(logs)}")
    metrics = [k for k in logs if k != "loss" and not k.startswith("val_")][:1]
    quantities = ["loss", *metrics]
    fig = new_figure((5 * len(quantities), 3.5))
    axes = fig.subplots(1, len(quantities), squeeze=False)
    for ax, name in zip(axes[0], quantities):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], marker=".", label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], marker=".", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return fig


def plot_confusion_matrix(
    y_true: Sequence, y_pred: Sequence, classes: Sequence[str], normalize: str | None = None, title: str = "Confusion matrix"
) -> Figure:
    """Confusion matrix (rows: true class, columns: predicted class) with counts or rates in the cells.

    Labels are class indices 0..len(classes)-1, or the class names themselves. ``normalize`` is
    None (counts), "true" (each row sums to 1: recall on the diagonal), "pred" or "all", as in
    `sklearn.metrics.confusion_matrix`.
    """
    numeric = np.issubdtype(np.asarray(y_true).dtype, np.number)
    labels = np.arange(len(classes)) if numeric else list(classes)
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    size = max(4.0, 0.6 * len(classes) + 2)
    fig = new_figure((size, size))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction" if normalize else "count")
    threshold = matrix.max() / 2
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{value:d}"
        ax.text(j, i, text, ha="center", va="center", color="white" if value > threshold else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title if normalize is None else f"{title} (normalized over {normalize})")
    return fig


def _operating_point(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """(false positive rate, true positive rate) when predicting positive for ``scores >= threshold``."""
    positive = scores >= threshold
    return float(np.mean(positive[y_true == 0])), float(np.mean(positive[y_true == 1]))


def plot_roc(y_true: Sequence[int], scores: Sequence[float], threshold: float | None = None, title: str = "ROC curve") -> Figure:
    """ROC curve of binary labels (1 = positive, e.g. keyword or anomaly) against scores, with its AUC.

    A sample counts as positive when ``score >= threshold``; if ``threshold`` is given, that
    operating point is marked on the curve.
    """
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    fpr, tpr, _ = roc_curve(y_true, scores)
    fig = new_figure((4.5, 4.5))
    ax = fig.subplots()
    ax.plot(fpr, tpr, label=f"model (AUC = {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance (AUC = 0.5)")
    if threshold is not None:
        point = _operating_point(y_true, scores, threshold)
        ax.plot(*point, marker="o", color="red", linestyle="none", label=f"threshold {threshold:.3g}")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("false positive rate (false alarms / negatives)")
    ax.set_ylabel("true positive rate (recall)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


# ---------------------------------------------------------------- audio


def plot_waveform_and_spectrogram(
    audio: np.ndarray,
    sample_rate: int = 16000,
    features: np.ndarray | None = None,
    stride_ms: float = 20,
    title: str = "Waveform and log-mel spectrogram",
) -> Figure:
    """Waveform (top, time in s) over its log-mel spectrogram (bottom, mel bin vs time in s).

    ``features`` (frames, n_mels) defaults to `course.features.log_mel_spectrogram(audio, sample_rate)`;
    frame ``i`` is drawn over ``[i, i + 1) * stride_ms``. int16 audio is shown scaled to [-1, 1].
    """
    audio = np.asarray(audio)
    if features is None:
        features = log_mel_spectrogram(audio, sample_rate=sample_rate, stride_ms=stride_ms)
    waveform = audio_as_float(audio)
    fig = new_figure((7, 5))
    ax_wave, ax_spec = fig.subplots(2, 1, sharex=True)
    ax_wave.plot(np.arange(len(waveform)) / sample_rate, waveform, linewidth=0.6)
    ax_wave.set_ylabel("amplitude (full scale = 1)")
    ax_wave.set_title("waveform")
    n_frames, n_mels = features.shape
    image = ax_spec.imshow(
        features.T,
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(0, n_frames * stride_ms / 1000, -0.5, n_mels - 0.5),
    )
    fig.colorbar(image, ax=[ax_wave, ax_spec], label="log mel energy")
    ax_spec.set_xlabel("time (s)")
    ax_spec.set_ylabel("mel bin")
    ax_spec.set_title(f"log-mel spectrogram ({n_frames} frames × {n_mels} mel bins)")
    fig.suptitle(title)
    return fig


# ---------------------------------------------------------------- deployment


def plot_memory_budget(items: Mapping[str, tuple[int, int]], boards: Iterable[Any] | Mapping[str, Any], title: str = "Memory budget") -> Figure:
    """Flash (left) and RAM (right) used by ``items`` against each board's capacity, in KiB.

    ``items`` maps a label to (flash_bytes, ram_bytes), e.g. {"model": (19_000, 0),
    "tensor arena": (0, 18_000)}; they are stacked. ``boards`` are objects with ``name``,
    ``flash_bytes`` and ``ram_bytes`` (such as ``course.deploy.BOARDS``, a list or a dict of them).
    Each board gets a grey capacity bar, the stacked usage on top and the percentage used.
    """
    boards = list(boards.values()) if isinstance(boards, Mapping) else list(boards)
    fig = new_figure((11, 1.8 + 0.7 * len(boards)))
    axes = fig.subplots(1, 2, sharey=True)
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for column, (ax, memory) in enumerate(zip(axes, ("flash", "RAM"))):
        capacity_attr = "flash_bytes" if memory == "flash" else "ram_bytes"
        used = sum(sizes[column] for sizes in items.values())
        for row, board in enumerate(boards):
            capacity = getattr(board, capacity_attr)
            ax.barh(row, capacity / KIB, color="lightgrey", edgecolor="grey", label="capacity" if row == 0 else None)
            left = 0.0
            for index, (label, sizes) in enumerate(items.items()):
                ax.barh(row, sizes[column] / KIB, left=left, height=0.5, color=colors[index % len(colors)], label=label if row == 0 else None)
                left += sizes[column] / KIB
            ax.text(capacity / KIB, row, f" {100 * used / capacity:.1f}%", va="center", color="red" if used > capacity else "black")
        ax.set_yticks(range(len(boards)), [board.name for board in boards])
        ax.set_xlabel(f"{memory} (KiB)")
        ax.set_title(f"{memory}: {used / KIB:,.1f} KiB used")
        ax.margins(x=0.15)
    axes[0].invert_yaxis()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(items) + 1, fontsize="small")
    fig.suptitle(title)
    return fig


def plot_quantization(values: np.ndarray, scale: float, zero_point: int, bits: int = 8, title: str = "Quantization") -> Figure:
    """Float values against their quantized-then-dequantized versions (left, over the quantizer's
    staircase) and the error of each value (right), values sorted.

    Uses `course.quantization.quantize` / `dequantize`. Within the representable range the error stays within
    ±scale/2 (dashed lines); values outside it are clipped and their error grows.
    """
    values = np.sort(np.asarray(values, dtype=np.float64).ravel())
    restored = dequantize(quantize(values, scale, zero_point, bits), scale, zero_point)
    error = restored - values
    fig = new_figure((10, 4))
    ax_map, ax_err = fig.subplots(1, 2)
    dense = np.linspace(values[0], values[-1], 2000)
    ax_map.plot(dense, dense, color="grey", linestyle="--", label="float (exact)")
    ax_map.plot(dense, dequantize(quantize(dense, scale, zero_point, bits), scale, zero_point), linewidth=1, label=f"int{bits} grid")
    ax_map.plot(values, restored, marker=".", linestyle="none", markersize=3, label="values")
    ax_map.set_xlabel("float value")
    ax_map.set_ylabel("value after quantize → dequantize")
    ax_map.set_title(f"scale = {scale:.4g}, zero point = {zero_point}")
    ax_map.legend()
    ax_err.plot(values, error, marker=".", linestyle="none", markersize=3, label="error")
    for bound in (-scale / 2, scale / 2):
        ax_err.axhline(bound, color="red", linestyle="--", linewidth=0.8)
    ax_err.set_xlabel("float value")
    ax_err.set_ylabel("dequantized − float")
    ax_err.set_title(f"error: MSE = {np.mean(error**2):.3g}, max |error| = {np.max(np.abs(error)):.3g}")
    ax_err.legend()
    fig.suptitle(title)
    return fig
