"""Week 0x04: MLOps for a fleet of devices — notice data drift, version models, size updates.

Drift: a device keeps the per-feature mean and standard deviation of its training data (two small
arrays) and compares recent inputs with them. `mean_shift_z` gives each feature's shift in training
standard deviations; `drift_score` summarises them with the median (robust to one noisy feature);
`rolling_drift_scores` follows a stream. `psi` is the population stability index, the usual
industry alternative (rule of thumb: < 0.1 stable, 0.1-0.25 watch, > 0.25 act).

Versions and updates: `model_version` names a model by the hash of its bytes; `update_sizes`
compares sending the whole new model with sending only a (compressed) difference.
"""
from __future__ import annotations

import hashlib

import numpy as np

from course.lessons.optimize import compressed_bytes
from course.notebook.language import _

STD_FLOOR = 1e-6  # smallest reference standard deviation used (a constant feature stays finite)
DRIFT_THRESHOLD = 0.5  # default alarm level of `drift_score`: the typical feature moved half a std
PSI_EPSILON = 1e-4  # stands in for an empty bin's fraction in `psi`


def _matrix(features: np.ndarray) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim == 1:
        features = features[:, None]
    if features.ndim != 2 or len(features) == 0:
        raise ValueError(_("features must be a non-empty (n, d) array, got shape {shape}").format(shape=features.shape))
    return features


def mean_shift_z(reference: np.ndarray, recent: np.ndarray) -> np.ndarray:
    """Per feature: ``|mean(recent) - mean(reference)| / std(reference)`` (shape (d,))."""
    reference, recent = _matrix(reference), _matrix(recent)
    if reference.shape[1] != recent.shape[1]:
        raise ValueError(_("{reference} reference features but {recent} recent ones").format(
            reference=reference.shape[1], recent=recent.shape[1]))
    spread = np.maximum(reference.std(axis=0), STD_FLOOR)
    return np.abs(recent.mean(axis=0) - reference.mean(axis=0)) / spread


def drift_score(reference: np.ndarray, recent: np.ndarray) -> float:
    """The median of `mean_shift_z` over features: how far, in training stds, the typical feature moved."""
    return float(np.median(mean_shift_z(reference, recent)))


def rolling_drift_scores(reference: np.ndarray, stream: np.ndarray, window: int = 20) -> np.ndarray:
    """`drift_score` of the last `window` rows of `stream` at every row (NaN until `window` rows were seen)."""
    stream = _matrix(stream)
    if window < 1:
        raise ValueError(_("window must be positive"))
    scores = np.full(len(stream), np.nan)
    for end in range(window, len(stream) + 1):
        scores[end - 1] = drift_score(reference, stream[end - window:end])
    return scores


def psi(reference: np.ndarray, recent: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Population stability index per feature (shape (d,)).

    Bins are the reference's deciles (for ``n_bins=10``), widened to cover every value;
    ``PSI = sum((p_recent - p_ref) * ln(p_recent / p_ref))`` over bins, an empty bin counting as
    PSI_EPSILON.
    """
    reference, recent = _matrix(reference), _matrix(recent)
    values = []
    for ref, new in zip(reference.T, recent.T):
        inner = np.unique(np.quantile(ref, np.linspace(0, 1, n_bins + 1)[1:-1]))
        p_ref = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=len(inner) + 1) / len(ref)
        p_new = np.bincount(np.searchsorted(inner, new, side="right"), minlength=len(inner) + 1) / len(new)
        p_ref, p_new = np.maximum(p_ref, PSI_EPSILON), np.maximum(p_new, PSI_EPSILON)
        values.append(np.sum((p_new - p_ref) * np.log(p_new / p_ref)))
    return np.array(values)


def model_version(model_bytes: bytes, **fields: str | int | float) -> dict:
    """A version record: the first 12 hex digits of the SHA-256 of the model's bytes, its size, and `fields`.

    The same bytes always get the same id; any change (one weight, one bit) gives a new one.
    """
    model_bytes = bytes(model_bytes)
    return {"id": hashlib.sha256(model_bytes).hexdigest()[:12], "bytes": len(model_bytes), **fields}


def update_sizes(old: bytes, new: bytes) -> dict[str, int]:
    """Bytes to send over the air to turn model `old` into model `new`.

    ``full``: the whole new model; ``full_compressed``: it zlib-compressed; ``changed``: bytes that
    differ (position by position, plus any length difference); ``delta``: the compressed XOR of the
    two (zeros where nothing changed) with the new model's extra tail — the device rebuilds `new`
    from `old` and the delta. Real systems use smarter binary diffs (bsdiff, detools); the idea is the same.
    """
    old, new = bytes(old), bytes(new)
    common = min(len(old), len(new))
    a, b = np.frombuffer(old[:common], np.uint8), np.frombuffer(new[:common], np.uint8)
    xor = np.bitwise_xor(a, b).tobytes() + new[common:]
    return {
        "full": len(new),
        "full_compressed": compressed_bytes(new),
        "changed": int(np.count_nonzero(a != b)) + abs(len(new) - len(old)),
        "delta": compressed_bytes(xor),
    }


def _first_alarm(time: np.ndarray, scores: np.ndarray, threshold: float) -> float | None:
    """The first time `scores` reach `threshold`, or None if they never do."""
    above = np.flatnonzero(np.asarray(scores) >= threshold)
    return float(time[above[0]]) if above.size else None


def plot_timeline(time: np.ndarray, anomaly_scores: np.ndarray, anomaly_threshold: float,
                  drift_scores: np.ndarray, drift_threshold: float = DRIFT_THRESHOLD,
                  fault_start: float | None = None, title: str | None = None):
    """Anomaly scores (top, log scale) and drift scores (bottom) against time, with their alarm
    thresholds (dashed) and the time a fault appeared (grey line). `title` defaults to "One machine
    over time" (in the learner's language)."""
    from course.notebook.figures import PALETTE, new_figure

    title = _("One machine over time") if title is None else title
    time = np.asarray(time)
    fig = new_figure((9, 5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot(time, anomaly_scores, marker=".", linestyle="none", markersize=4, label=_("anomaly score"))
    top.axhline(anomaly_threshold, color=PALETTE[3], linestyle="--", label=_("anomaly threshold"))
    top.set_yscale("log")
    top.set_ylabel(_("anomaly score"))
    bottom.plot(time, drift_scores, label=_("drift score (last windows)"))
    bottom.axhline(drift_threshold, color=PALETTE[3], linestyle="--", label=_("drift alarm"))
    bottom.set_ylabel(_("median |z| (training stds)"))
    bottom.set_xlabel(_("time (fraction of the machine's observed life)"))
    for ax in (top, bottom):
        if fault_start is not None:
            ax.axvline(fault_start, color="grey", linewidth=2, alpha=0.5, label=_("fault appears"))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    top.set_title(title)
    alt = [_("{title}: the anomaly score of each window (top, log scale) and the drift score (bottom) against time, "
             "each with its alarm level as a dashed line.").format(title=title)]
    anomaly_alarm = _first_alarm(time, anomaly_scores, anomaly_threshold)
    if anomaly_alarm is None:
        alt.append(_("The anomaly score never reaches its threshold {threshold:.3g}.").format(
            threshold=anomaly_threshold))
    else:
        alt.append(_("The anomaly score first reaches its threshold {threshold:.3g} at time {time:.2f}.").format(
            threshold=anomaly_threshold, time=anomaly_alarm))
    drift_alarm = _first_alarm(time, drift_scores, drift_threshold)
    if drift_alarm is None:
        alt.append(_("The drift score never reaches its alarm level {threshold:g}.").format(threshold=drift_threshold))
    else:
        alt.append(_("The drift score first reaches its alarm level {threshold:g} at time {time:.2f}.").format(
            threshold=drift_threshold, time=drift_alarm))
    if fault_start is not None:
        alt.append(_("The fault appears at time {time:.2f} (grey line).").format(time=fault_start))
    fig.alt = " ".join(alt)
    return fig
