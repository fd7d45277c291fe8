"""Interactive explorers for the notebooks (ipywidgets), and the plain computations behind them.

The computations (`quantization_stats`, `threshold_stats`, `capacity_stats`) return numbers and
can be used and tested on their own. Each explorer has the course's one shape,
`course.notebook.explorer.explorer`: controls, a summary table and a figure, redrawn when a control changes.
"""
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course import quantization
from course.deploy.boards import DEFAULT_FLASH_RESERVED_BYTES, DEFAULT_RAM_RESERVED_BYTES
from course.lessons import plots
from course.notebook.explorer import explorer, html_table
from course.notebook.language import _
from course.units import KIB


# ---------------------------------------------------------------- quantization


def quantization_stats(values: np.ndarray, bits: int = 8, vmin: float | None = None, vmax: float | None = None) -> dict:
    """Quantize ``values`` to ``bits`` over [vmin, vmax] (default: their min and max) and measure the error.

    Returns scale, zero_point, qmin, qmax, levels_used (distinct integers), clipped (values outside
    the range), mse and max_abs_error of dequantize(quantize(x)) − x, and sqnr_db
    (10·log10(mean(x²) / mse); inf when there is no error).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    vmin = float(values.min()) if vmin is None else vmin
    vmax = float(values.max()) if vmax is None else vmax
    scale, zero_point = quantization.quantization_params(vmin, vmax, bits)
    qmin, qmax = quantization.int_range(bits)
    q = quantization.quantize(values, scale, zero_point, bits)
    error = quantization.dequantize(q, scale, zero_point) - values
    # values beyond half a step outside the integer grid's ends are clipped
    lowest, highest = scale * (qmin - zero_point - 0.5), scale * (qmax - zero_point + 0.5)
    mse = float(np.mean(error**2))
    return {
        "scale": scale,
        "zero_point": zero_point,
        "qmin": qmin,
        "qmax": qmax,
        "levels_used": int(len(np.unique(q))),
        "clipped": int(np.sum((values < lowest) | (values > highest))),
        "mse": mse,
        "max_abs_error": float(np.max(np.abs(error))),
        "sqnr_db": float(10 * np.log10(np.mean(values**2) / mse)) if mse > 0 else float("inf"),
    }


def quantization_explorer(values: np.ndarray | None = None) -> widgets.VBox:
    """Bit-width slider and float range → scale, zero point, error figures and MSE.

    ``values`` default to 1,000 weights drawn from N(0, 0.5²) plus two outliers (±3), so that
    narrowing the range shows the trade-off between clipping and resolution.
    Controls: bits slider, range slider.
    """
    if values is None:
        values = np.concatenate([np.random.default_rng(0).normal(0, 0.5, 1000), [-3.0, 3.0]])
    values = np.asarray(values, dtype=np.float64).ravel()
    low, high = float(values.min()), float(values.max())
    reach = max(abs(low), abs(high), 1e-6)
    bits = widgets.IntSlider(value=8, min=2, max=8, description=_("bits"), continuous_update=False)
    value_range = widgets.FloatRangeSlider(
        value=(low, high), min=-1.5 * reach, max=1.5 * reach, step=reach / 100,
        description=_("range"), readout_format=".3f", continuous_update=False,
    )

    def draw(bits: int, value_range: tuple[float, float]) -> tuple[Figure, str]:
        stats = quantization_stats(values, bits, *value_range)
        summary = html_table({
            _("scale"): f"{stats['scale']:.5g}",
            _("zero point"): stats["zero_point"],
            _("integer range"): f"{stats['qmin']} … {stats['qmax']}",
            _("levels used"): stats["levels_used"],
            _("clipped values"): stats["clipped"],
            "MSE": f"{stats['mse']:.4g}",
            _("max |error|"): f"{stats['max_abs_error']:.4g}",
            "SQNR": f"{stats['sqnr_db']:.1f} dB",
        })
        title = _("int{bits} quantization").format(bits=bits)
        return plots.plot_quantization(values, stats["scale"], stats["zero_point"], bits, title=title), summary

    return explorer({"bits": bits, "value_range": value_range}, draw)


# ---------------------------------------------------------------- detection threshold


def threshold_stats(scores: Sequence[float], labels: Sequence[int], threshold: float) -> dict:
    """Confusion counts and rates when predicting positive (label 1) for ``score >= threshold``.

    Returns tp, fp, tn, fn, recall (tp / positives), false_alarm_rate (fp / negatives),
    precision (tp / predicted positives; 1.0 when nothing is predicted positive) and accuracy.
    """
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    predicted = scores >= threshold
    actual = labels == 1
    tp, fp = int(np.sum(predicted & actual)), int(np.sum(predicted & ~actual))
    fn, tn = int(np.sum(~predicted & actual)), int(np.sum(~predicted & ~actual))
    return {
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "false_alarm_rate": fp / (fp + tn) if fp + tn else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "accuracy": (tp + tn) / len(labels),
    }


def threshold_explorer(scores: Sequence[float], labels: Sequence[int]) -> widgets.VBox:
    """Threshold slider → confusion counts, recall, false-alarm rate and the point on the ROC curve.

    ``labels`` are 1 (positive: keyword, anomaly) or 0. Control: threshold slider.
    """
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    low, high = float(scores.min()), float(scores.max())
    threshold = widgets.FloatSlider(
        value=(low + high) / 2, min=low, max=high, step=(high - low) / 200 or 1.0,
        description=_("threshold"), readout_format=".3g", continuous_update=False,
    )

    def draw(threshold: float) -> tuple[Figure, str]:
        stats = threshold_stats(scores, labels, threshold)
        summary = html_table({
            _("true positives (detected)"): stats["tp"],
            _("false negatives (missed)"): stats["fn"],
            _("false positives (false alarms)"): stats["fp"],
            _("true negatives"): stats["tn"],
            _("recall"): f"{stats['recall']:.3f}",
            _("false-alarm rate"): f"{stats['false_alarm_rate']:.3f}",
            _("precision"): f"{stats['precision']:.3f}",
        })
        return plots.plot_roc(labels, scores, threshold=threshold), summary

    return explorer({"threshold": threshold}, draw)


# ---------------------------------------------------------------- memory capacity


def capacity_stats(flash_bytes: int, ram_bytes: int, boards: Iterable[Any] | Mapping[str, Any]) -> dict[str, dict]:
    """For each board (objects with name, flash_bytes, ram_bytes): fraction of flash and RAM used, and whether both fit."""
    boards = boards.values() if isinstance(boards, Mapping) else boards
    result = {}
    for board in boards:
        flash_fraction, ram_fraction = flash_bytes / board.flash_bytes, ram_bytes / board.ram_bytes
        result[board.name] = {
            "flash_fraction": flash_fraction,
            "ram_fraction": ram_fraction,
            "fits": flash_fraction <= 1 and ram_fraction <= 1,
        }
    return result


def capacity_explorer(
    boards: Iterable[Any] | Mapping[str, Any],
    n_params: int = 10_000,
    arena_bytes: int = 20 * KIB,
    reserved_bytes: tuple[int, int] = (DEFAULT_FLASH_RESERVED_BYTES, DEFAULT_RAM_RESERVED_BYTES),
) -> widgets.VBox:
    """Sliders for parameter count, weight precision and tensor arena → memory used on each board.

    Model flash is `course.models.model_bytes_estimate` (weights only). ``reserved_bytes`` is the
    (flash, RAM) assumed for the TFLite Micro runtime and the application. Controls: parameters
    slider, bits dropdown, arena slider.
    """
    from course.models import (
        model_bytes_estimate,  # imports Keras: only when the explorer is used
    )

    boards = list(boards.values()) if isinstance(boards, Mapping) else list(boards)
    params = widgets.IntSlider(value=n_params, min=1_000, max=2_000_000, step=1_000, description=_("parameters"), continuous_update=False)
    bits = widgets.ToggleButtons(options=[("int8", 8), ("float16", 16), ("float32", 32)], value=8, description=_("weights"))
    arena = widgets.IntSlider(value=arena_bytes // KIB, min=1, max=512, description=_("arena (KiB)"), continuous_update=False)

    def draw(params: int, bits: int, arena: int) -> tuple[Figure, str]:
        items = {
            _("runtime + application (assumed)"): reserved_bytes,
            _("model weights"): (model_bytes_estimate(params, bits), 0),
            _("tensor arena"): (0, arena * KIB),
        }
        flash = sum(sizes[0] for sizes in items.values())
        ram = sum(sizes[1] for sizes in items.values())
        stats = capacity_stats(flash, ram, boards)
        summary = html_table({
            name: (_("flash {flash:.1f}%, RAM {ram:.1f}%: fits") if s["fits"]
                   else _("flash {flash:.1f}%, RAM {ram:.1f}%: does NOT fit")).format(
                flash=100 * s["flash_fraction"], ram=100 * s["ram_fraction"])
            for name, s in stats.items()
        })
        return plots.plot_memory_budget(items, boards), summary

    return explorer({"params": params, "bits": bits, "arena": arena}, draw)
