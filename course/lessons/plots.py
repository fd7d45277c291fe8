"""Matplotlib figures shared by the course's weeks. Every function returns the Figure it draws
(`course.notebook.figures.new_figure`: a cell ending with it shows it)."""
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import auc, confusion_matrix, roc_curve

from course.features import log_mel_spectrogram
from course.notebook.figures import PALETTE, new_figure
from course.notebook.language import _
from course.quantization import dequantize, quantize
from course.units import KIB, audio_as_float


# ---------------------------------------------------------------- training and evaluation


def _quantity_label(name: str) -> str:
    """The learner-facing name of a Keras history key ("loss", "accuracy"); other keys stay as they are."""
    labels = {"loss": _("loss"), "accuracy": _("accuracy")}
    return labels.get(name, name)


def plot_training_curves(history: Any, title: str | None = None) -> Figure:
    """Loss (and the first metric, if any) per epoch for training and validation.

    ``history`` is a Keras History or its ``.history`` dict: {"loss": [...], "val_loss": [...],
    "accuracy": [...], "val_accuracy": [...]}. One axes per quantity. ``title`` defaults to "Training curves".
    """
    title = _("Training curves") if title is None else title
    logs = dict(getattr(history, "history", history))
    if "loss" not in logs:
        raise ValueError(_("history has no 'loss': keys are {keys}").format(keys=sorted(logs)))
    metrics = [k for k in logs if k != "loss" and not k.startswith("val_")][:1]
    quantities = ["loss", *metrics]
    fig = new_figure((5 * len(quantities), 3.5))
    axes = fig.subplots(1, len(quantities), squeeze=False)
    for ax, name in zip(axes[0], quantities):
        label = _quantity_label(name)
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], marker=".", label=_("training {quantity}").format(quantity=label))
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], marker="s", markersize=3, linestyle="--",
                    label=_("validation {quantity}").format(quantity=label))
        ax.set_xlabel(_("epoch"))
        ax.set_ylabel(label)
        ax.set_title(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    loss = logs["loss"]
    sentences = [
        _("{title}: {quantities} per epoch, for training and validation, over {epochs} epochs.").format(
            title=title, quantities=", ".join(_quantity_label(name) for name in quantities), epochs=len(loss)),
        _("The training loss goes from {first:.3g} to {last:.3g}.").format(first=loss[0], last=loss[-1]),
    ]
    if "val_loss" in logs:
        val_loss = logs["val_loss"]
        best = int(np.argmin(val_loss))
        sentences.append(_("The validation loss goes from {first:.3g} to {last:.3g}, lowest ({best:.3g}) at epoch "
                           "{epoch}.").format(first=val_loss[0], last=val_loss[-1], best=val_loss[best], epoch=best + 1))
    fig.alt = " ".join(sentences)
    return fig


def plot_confusion_matrix(
    y_true: Sequence, y_pred: Sequence, classes: Sequence[str], normalize: str | None = None, title: str | None = None
) -> Figure:
    """Confusion matrix (rows: true class, columns: predicted class) with counts or rates in the cells.

    Labels are class indices 0..len(classes)-1, or the class names themselves. ``normalize`` is
    None (counts), "true" (each row sums to 1: recall on the diagonal), "pred" or "all", as in
    `sklearn.metrics.confusion_matrix`. ``title`` defaults to "Confusion matrix".
    """
    title = _("Confusion matrix") if title is None else title
    numeric = np.issubdtype(np.asarray(y_true).dtype, np.number)
    labels = np.arange(len(classes)) if numeric else list(classes)
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    size = max(4.0, 0.6 * len(classes) + 2)
    fig = new_figure((size, size))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="viridis", vmin=0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=_("fraction") if normalize else _("count"))
    threshold = matrix.max() / 2
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{value:d}"
        ax.text(j, i, text, ha="center", va="center", color=PALETTE[7] if value > threshold else "white")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel(_("predicted class"))
    ax.set_ylabel(_("true class"))
    if normalize is not None:
        title = _("{title} (normalized over {axis})").format(title=title, axis=normalize)
    ax.set_title(title)
    correct, total = int(np.trace(counts)), int(counts.sum())
    mistakes = counts - np.diag(np.diag(counts))
    sentences = [
        _("{title}: {n} classes ({classes}), the true class in rows and the predicted class in columns.").format(title=title, n=len(classes), classes=", ".join(map(str, classes))),
        _("{correct} of {total} examples are on the diagonal, predicted right ({rate:.1%}).").format(
            correct=correct, total=total, rate=correct / total if total else 0.0),
    ]
    if mistakes.any():
        true, predicted = np.unravel_index(np.argmax(mistakes), mistakes.shape)
        sentences.append(_("The most frequent mistake ({count}×): {true} predicted as {predicted}.").format(
            true=classes[true], predicted=classes[predicted], count=mistakes[true, predicted]))
    fig.alt = " ".join(sentences)
    return fig


def _operating_point(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """(false positive rate, true positive rate) when predicting positive for ``scores >= threshold``."""
    positive = scores >= threshold
    return float(np.mean(positive[y_true == 0])), float(np.mean(positive[y_true == 1]))


def plot_roc(y_true: Sequence[int], scores: Sequence[float], threshold: float | None = None, title: str | None = None) -> Figure:
    """ROC curve of binary labels (1 = positive, e.g. keyword or anomaly) against scores, with its AUC.

    A sample counts as positive when ``score >= threshold``; if ``threshold`` is given, that
    operating point is marked on the curve. ``title`` defaults to "ROC curve".
    """
    title = _("ROC curve") if title is None else title
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    fpr, tpr, _thresholds = roc_curve(y_true, scores)
    area = auc(fpr, tpr)
    fig = new_figure((4.5, 4.5))
    ax = fig.subplots()
    ax.plot(fpr, tpr, label=_("model (AUC = {auc:.3f})").format(auc=area))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label=_("chance (AUC = 0.5)"))
    sentences = [_("{title}: the true positive rate (recall) against the false positive rate; the area under the "
                   "curve (AUC) is {auc:.3f}, against 0.5 for chance.").format(title=title, auc=area)]
    if threshold is not None:
        false_alarms, recall = _operating_point(y_true, scores, threshold)
        ax.plot(false_alarms, recall, marker="o", color=PALETTE[3], linestyle="none",
                label=_("threshold {threshold:.3g}").format(threshold=threshold))
        sentences.append(_("The dot marks the threshold {threshold:.3g}: it finds {recall:.0%} of the positives "
                           "at a false-alarm rate of {false_alarms:.0%}.").format(threshold=threshold, recall=recall,
                                                                           false_alarms=false_alarms))
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(_("false positive rate (false alarms / negatives)"))
    ax.set_ylabel(_("true positive rate (recall)"))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.alt = " ".join(sentences)
    return fig


# ---------------------------------------------------------------- audio


def plot_waveform_and_spectrogram(
    audio: np.ndarray,
    sample_rate: int = 16000,
    features: np.ndarray | None = None,
    stride_ms: float = 20,
    title: str | None = None,
) -> Figure:
    """Waveform (top, time in s) over its log-mel spectrogram (bottom, mel bin vs time in s).

    ``features`` (frames, n_mels) defaults to `course.features.log_mel_spectrogram(audio, sample_rate)`;
    frame ``i`` is drawn over ``[i, i + 1) * stride_ms``. int16 audio is shown scaled to [-1, 1].
    ``title`` defaults to "Waveform and log-mel spectrogram".
    """
    title = _("Waveform and log-mel spectrogram") if title is None else title
    audio = np.asarray(audio)
    if features is None:
        features = log_mel_spectrogram(audio, sample_rate=sample_rate, stride_ms=stride_ms)
    waveform = audio_as_float(audio)
    fig = new_figure((7, 5))
    ax_wave, ax_spec = fig.subplots(2, 1, sharex=True)
    ax_wave.plot(np.arange(len(waveform)) / sample_rate, waveform, linewidth=0.6)
    ax_wave.set_ylabel(_("amplitude (full scale = 1)"))
    ax_wave.set_title(_("waveform"))
    n_frames, n_mels = features.shape
    image = ax_spec.imshow(
        features.T,
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(0, n_frames * stride_ms / 1000, -0.5, n_mels - 0.5),
    )
    fig.colorbar(image, ax=[ax_wave, ax_spec], label=_("log mel energy"))
    ax_spec.set_xlabel(_("time (s)"))
    ax_spec.set_ylabel(_("mel bin"))
    ax_spec.set_title(_("log-mel spectrogram ({frames} frames × {mels} mel bins)").format(frames=n_frames, mels=n_mels))
    fig.suptitle(title)
    loudest = int(np.argmax(features.mean(axis=1))) if n_frames else 0
    fig.alt = " ".join([
        _("{title}: the waveform of {seconds:.2f} s of audio at {rate} Hz (peak amplitude {peak:.2f} of full scale) "
          "above its log-mel spectrogram of {frames} frames × {mels} mel bins.").format(
            title=title, seconds=len(waveform) / sample_rate, rate=sample_rate,
            peak=float(np.max(np.abs(waveform))) if len(waveform) else 0.0, frames=n_frames, mels=n_mels),
        _("The loudest frame starts at {time:.2f} s.").format(time=loudest * stride_ms / 1000),
    ])
    return fig


# ---------------------------------------------------------------- deployment


def plot_memory_budget(items: Mapping[str, tuple[int, int]], boards: Iterable[Any] | Mapping[str, Any], title: str | None = None) -> Figure:
    """Flash (left) and RAM (right) used by ``items`` against each board's capacity, in KiB.

    ``items`` maps a label to (flash_bytes, ram_bytes), e.g. {"model": (19_000, 0),
    "tensor arena": (0, 18_000)}; they are stacked. ``boards`` are objects with ``name``,
    ``flash_bytes`` and ``ram_bytes`` (such as ``course.deploy.BOARDS``, a list or a dict of them).
    Each board gets a grey capacity bar, the stacked usage on top and the percentage used (vermillion when
    over capacity). ``title`` defaults to "Memory budget".
    """
    title = _("Memory budget") if title is None else title
    boards = list(boards.values()) if isinstance(boards, Mapping) else list(boards)
    fig = new_figure((11, 1.8 + 0.7 * len(boards)))
    axes = fig.subplots(1, 2, sharey=True)
    memories = (("flash_bytes", _("flash (KiB)"), _("flash: {used:,.1f} KiB used")),
                ("ram_bytes", _("RAM (KiB)"), _("RAM: {used:,.1f} KiB used")))
    used = [sum(sizes[column] for sizes in items.values()) for column in range(2)]
    for column, (ax, (capacity_attr, xlabel, title_template)) in enumerate(zip(axes, memories)):
        for row, board in enumerate(boards):
            capacity = getattr(board, capacity_attr)
            ax.barh(row, capacity / KIB, color="lightgrey", edgecolor="grey", label=_("capacity") if row == 0 else None)
            left = 0.0
            for index, (label, sizes) in enumerate(items.items()):
                ax.barh(row, sizes[column] / KIB, left=left, height=0.5, color=PALETTE[index % len(PALETTE)], label=label if row == 0 else None)
                left += sizes[column] / KIB
            over = used[column] > capacity
            ax.text(capacity / KIB, row, f" {100 * used[column] / capacity:.1f}%", va="center", color=PALETTE[3] if over else PALETTE[7])
        ax.set_yticks(range(len(boards)), [board.name for board in boards])
        ax.set_xlabel(xlabel)
        ax.set_title(title_template.format(used=used[column] / KIB))
        ax.margins(x=0.15)
    axes[0].invert_yaxis()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(items) + 1, fontsize="small")
    fig.suptitle(title)
    shares = [_("{board} {flash:.1f}% of its flash and {ram:.1f}% of its RAM").format(
        board=board.name, flash=100 * used[0] / board.flash_bytes, ram=100 * used[1] / board.ram_bytes) for board in boards]
    too_small = [board.name for board in boards if used[0] > board.flash_bytes or used[1] > board.ram_bytes]
    fig.alt = " ".join([
        _("{title}: flash (left) and RAM (right) used by {items}, stacked against the capacity of each board: "
          "{flash:,.1f} KiB of flash and {ram:,.1f} KiB of RAM in all.").format(
            title=title, items=", ".join(items), flash=used[0] / KIB, ram=used[1] / KIB),
        _("Used: {shares}.").format(shares="; ".join(shares)),
        _("It does not fit on {boards}.").format(boards=", ".join(too_small)) if too_small
        else _("It fits on every board."),
    ])
    return fig


def plot_quantization(values: np.ndarray, scale: float, zero_point: int, bits: int = 8, title: str | None = None) -> Figure:
    """Float values against their quantized-then-dequantized versions (left, over the quantizer's
    staircase) and the error of each value (right), values sorted.

    Uses `course.quantization.quantize` / `dequantize`. Within the representable range the error stays within
    ±scale/2 (dashed lines); values outside it are clipped and their error grows. ``title`` defaults to
    "Quantization".
    """
    title = _("Quantization") if title is None else title
    values = np.sort(np.asarray(values, dtype=np.float64).ravel())
    restored = dequantize(quantize(values, scale, zero_point, bits), scale, zero_point)
    error = restored - values
    fig = new_figure((10, 4))
    ax_map, ax_err = fig.subplots(1, 2)
    dense = np.linspace(values[0], values[-1], 2000)
    ax_map.plot(dense, dense, color="grey", linestyle="--", label=_("float (exact)"))
    ax_map.plot(dense, dequantize(quantize(dense, scale, zero_point, bits), scale, zero_point), linewidth=1,
                label=_("int{bits} grid").format(bits=bits))
    ax_map.plot(values, restored, marker=".", linestyle="none", markersize=3, label=_("values"))
    ax_map.set_xlabel(_("float value"))
    ax_map.set_ylabel(_("value after quantize → dequantize"))
    ax_map.set_title(_("scale = {scale:.4g}, zero point = {zero_point}").format(scale=scale, zero_point=zero_point))
    ax_map.legend()
    ax_err.plot(values, error, marker=".", linestyle="none", markersize=3, label=_("error"))
    for bound in (-scale / 2, scale / 2):
        ax_err.axhline(bound, color=PALETTE[3], linestyle="--", linewidth=0.8)
    ax_err.set_xlabel(_("float value"))
    ax_err.set_ylabel(_("dequantized − float"))
    mse, max_error = float(np.mean(error**2)), float(np.max(np.abs(error)))
    ax_err.set_title(_("error: MSE = {mse:.3g}, max |error| = {max_error:.3g}").format(mse=mse, max_error=max_error))
    ax_err.legend()
    fig.suptitle(title)
    clipped = int(np.sum(np.abs(error) > scale / 2 * (1 + 1e-9)))
    fig.alt = " ".join([
        _("{title}: {n} float values against their int{bits} versions after quantize → dequantize (scale {scale:.4g}, "
          "zero point {zero_point}), and the error of each value.").format(
            title=title, n=len(values), bits=bits, scale=scale, zero_point=zero_point),
        _("Within the range the error stays within ±scale/2 = ±{half:.3g}; values outside it are clipped "
          "({clipped} of them). MSE {mse:.3g}, max |error| {max_error:.3g}.").format(half=scale / 2, clipped=clipped, mse=mse,
                                                                 max_error=max_error),
    ])
    return fig
