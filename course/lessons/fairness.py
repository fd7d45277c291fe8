"""Week 0x04: is the model equally good for everyone? Per-group accuracy, disparity, and how sure we are.

`group_accuracy` breaks accuracy down by a group label (accent, gender, machine...), with a
bootstrap interval for each group: a group of 12 examples has a wide one, and a "gap" smaller than
the intervals may be luck. `disparity` summarises a {group: accuracy} dict by its gap (best − worst)
and ratio (worst / best; 1 = parity; the "four-fifths rule" of US hiring guidance flags < 0.8).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from course.notebook.language import _

N_BOOTSTRAP = 1000


def bootstrap_interval(correct: np.ndarray, n_bootstrap: int = N_BOOTSTRAP, level: float = 0.95,
                       seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `correct` (booleans or 0/1), resampling examples."""
    correct = np.asarray(correct, dtype=np.float64).ravel()
    if correct.size == 0:
        raise ValueError(_("no examples"))
    rng = np.random.default_rng(seed)
    means = correct[rng.integers(0, correct.size, (n_bootstrap, correct.size))].mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def group_accuracy(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray,
                   n_bootstrap: int = N_BOOTSTRAP, seed: int = 0) -> dict[str, dict]:
    """{group: {"n", "accuracy", "low", "high"}} sorted by group name; low/high: 95 % bootstrap interval."""
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups).astype(str)
    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError(_("y_true, y_pred and groups must have one entry per example"))
    report = {}
    for group in np.unique(groups):
        correct = (y_true == y_pred)[groups == group]
        low, high = bootstrap_interval(correct, n_bootstrap, seed=seed)
        report[str(group)] = {"n": int(correct.size), "accuracy": float(correct.mean()), "low": low, "high": high}
    return report


def disparity(accuracies: Mapping[str, float]) -> dict:
    """Gap (best − worst), ratio (worst / best; 1.0 if best is 0) and the best and worst groups."""
    if not accuracies:
        raise ValueError(_("no groups"))
    best = max(accuracies, key=accuracies.get)
    worst = min(accuracies, key=accuracies.get)
    top, bottom = float(accuracies[best]), float(accuracies[worst])
    return {"gap": top - bottom, "ratio": bottom / top if top > 0 else 1.0, "best": best, "worst": worst}
