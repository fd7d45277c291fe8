"""Week 0x04: anomaly detection for predictive maintenance — learn "normal", flag what is not.

The recipe, used by the lecture and the assignment:

1. features: `vibration_features` (log band energies of each axis, `course.features.spectrum_features`);
2. scaling: `fit_scaler` on normal training windows, `scale` everything with it;
3. model: `train_autoencoder` — `course.models.dense_autoencoder` trained on **normal data only**;
4. score: `anomaly_scores` (float Keras model) or `int8_anomaly_scores` (the int8 .tflite model on
   TensorFlow Lite Micro) — the reconstruction error of each window, high = unusual;
5. decide: `threshold_for_false_alarm_rate` picks the threshold from normal scores; a window is an
   anomaly when ``score >= threshold`` (as in `course.lessons.plots.plot_roc` and `course.lessons.explorers`).
"""
from __future__ import annotations

import numpy as np

from course.features import spectrum_features
from course.notebook.language import _

N_BANDS = 32  # bands per axis: 50 Hz wide at the vibration data's 3.2 kHz sample rate
SCALE_FLOOR = 1e-3  # smallest standard deviation used when scaling (a constant feature stays finite)


def vibration_features(windows: np.ndarray, sample_rate: float, n_bands: int = N_BANDS) -> np.ndarray:
    """Log band energies of each axis: (n, length, axes) → (n, axes * n_bands), float32."""
    return spectrum_features(windows, sample_rate, n_bands=n_bands)


def fit_scaler(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature (mean, standard deviation) of the training features, std at least SCALE_FLOOR."""
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0).astype(np.float32), np.maximum(features.std(axis=0), SCALE_FLOOR).astype(np.float32)


def scale(features: np.ndarray, scaler: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``(features - mean) / std`` with the scaler from `fit_scaler`, float32."""
    mean, std = scaler
    return ((np.asarray(features, dtype=np.float32) - mean) / std).astype(np.float32)


def train_autoencoder(features: np.ndarray, epochs: int = 10, passes_per_epoch: int = 4, batch_size: int = 32,
                      learning_rate: float = 3e-3, bottleneck: int = 8, hidden: int = 32, seed: int = 0):
    """A `course.models.dense_autoencoder` trained to reproduce `features` (scaled, normal windows only).

    Keras pays a fixed cost for every epoch, so each epoch here shows the (shuffled) data
    `passes_per_epoch` times: the same number of gradient steps for less waiting. Seeded (CPU training
    is still not bit-exact run to run). Returns (model, history dict with one "loss" per epoch).
    """
    from course.models import dense_autoencoder
    from course.notebook.seeding import seed_everything

    features = np.asarray(features, dtype=np.float32)
    seed_everything(seed)
    model = dense_autoencoder(features.shape[1], bottleneck=bottleneck, hidden=hidden, learning_rate=learning_rate)
    repeated = np.tile(features, (passes_per_epoch, 1))
    history = model.fit(repeated, repeated, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model, {"loss": [float(v) for v in history.history["loss"]]}


def reconstruction_errors(features: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Mean squared difference per row between features and their reconstructions, float64."""
    features, reconstructions = np.asarray(features, np.float64), np.asarray(reconstructions, np.float64)
    if features.shape != reconstructions.shape:
        raise ValueError(_("shapes differ: {features} vs {reconstructions}").format(
            features=features.shape, reconstructions=reconstructions.shape))
    return np.mean((features - reconstructions) ** 2, axis=tuple(range(1, features.ndim)))


def anomaly_scores(model, features: np.ndarray) -> np.ndarray:
    """Reconstruction error of each row of (scaled) `features` by the Keras autoencoder `model`."""
    features = np.asarray(features, dtype=np.float32)
    # A direct call, not model.predict: predict traces a new graph for every new batch size and
    # TensorFlow warns on stderr about it (which would zero an nbgrader test cell).
    return reconstruction_errors(features, np.asarray(model(features, training=False)))


def int8_anomaly_scores(model_bytes: bytes, features: np.ndarray, runtime: str = "tflm") -> np.ndarray:
    """Reconstruction errors computed by the int8 .tflite autoencoder, as a microcontroller would.

    `features` (scaled floats) are quantized with the model's input scale and zero point, the model
    runs on TensorFlow Lite Micro (`runtime="tflm"`, in a child process) or on LiteRT (`"litert"`),
    and its int8 outputs are dequantized (output scale and zero point, read from the model by the
    runtime's wrapper) before they are compared with the float features.
    """
    from course.deploy import litert_predict, tflm_predict

    if runtime not in ("tflm", "litert"):
        raise ValueError(_("runtime must be 'tflm' or 'litert', got {runtime!r}").format(runtime=runtime))
    features = np.asarray(features, dtype=np.float32)
    outputs = (tflm_predict if runtime == "tflm" else litert_predict)(model_bytes, features, dequantized=True)
    return reconstruction_errors(features, outputs)


def threshold_for_false_alarm_rate(normal_scores: np.ndarray, rate: float) -> float:
    """The smallest threshold whose false-alarm rate on `normal_scores` is at most `rate`.

    A score is flagged when ``score >= threshold``. The threshold is one of the scores (so that as
    many anomalies as possible are caught), or just above the largest score when `rate` allows no
    false alarm at all (e.g. ``rate=0``). Ties move the threshold up: equal scores are flagged together.
    """
    scores = np.sort(np.asarray(normal_scores, dtype=np.float64).ravel())
    if scores.size == 0:
        raise ValueError(_("need at least one normal score"))
    if not 0.0 <= rate <= 1.0:
        raise ValueError(_("rate must be between 0 and 1, got {rate}").format(rate=rate))
    candidates = np.append(np.unique(scores), np.nextafter(scores[-1], np.inf))
    flagged = scores.size - np.searchsorted(scores, candidates, side="left")
    return float(candidates[np.argmax(flagged <= rate * scores.size + 1e-9)])


# ---------------------------------------------------------------- figures


def plot_examples(data, n_bands: int = N_BANDS, seconds: float = 0.1):
    """One window of each class: the x-axis waveform (left, first `seconds`) and the log band
    energies of all three axes (right). `data` is a `course.data.vibration` Dataset."""
    from course.notebook.figures import new_figure

    classes = [c for i, c in enumerate(data.classes) if np.any(data.y == i)]
    fig = new_figure((11, 1.7 * len(classes)))
    axes = fig.subplots(len(classes), 2, sharex="col", squeeze=False)
    rate = data.sample_rate
    n = int(seconds * rate)
    edges = np.linspace(0, rate / 2, n_bands + 1)
    centers = (edges[:-1] + edges[1:]) / 2
    amplitudes, rises, reference = [], [], None
    for row, name in enumerate(classes):
        i = int(np.flatnonzero(data.y == data.classes.index(name))[0])
        axes[row, 0].plot(np.arange(n) / rate * 1000, data.x[i, :n, 0], linewidth=0.8)
        axes[row, 0].set_ylabel(f"{name}\n(g)")
        bands = vibration_features(data.x[i:i + 1], rate, n_bands).reshape(-1, n_bands)
        for axis, band in zip("xyz", bands):
            axes[row, 1].plot(centers, band, marker=".", linewidth=0.8, label=axis)
        axes[row, 1].set_ylabel(_("log energy"))
        amplitudes.append(f"{name} {np.abs(data.x[i, :n, 0]).max():.2f} g")
        if reference is None:
            reference = bands
        else:
            rise = (bands - reference).max(axis=0)  # per band, the axis that gained most
            band = int(np.argmax(rise))
            rises.append(_("{name} {rise:+.1f} at {frequency:,.0f} Hz").format(name=name, rise=rise[band],
                                                                             frequency=centers[band]))
    axes[0, 0].set_title(_("waveform, x axis"))
    axes[0, 1].set_title(_("features: log energy in {n_bands} bands per axis").format(n_bands=n_bands))
    axes[0, 1].legend(loc="upper right", ncols=3, fontsize="small")
    axes[-1, 0].set_xlabel(_("time (ms)"))
    axes[-1, 1].set_xlabel(_("band centre (Hz)"))
    alt = [_("One vibration window of each of {n} classes, one per row: on the left the first {ms:g} ms of the x-axis "
             "waveform, on the right the log energy in {n_bands} frequency bands of each axis (x, y, z).").format(
               n=len(classes), ms=seconds * 1000, n_bands=n_bands),
           _("Largest amplitude of the waveform: {amplitudes}.").format(amplitudes=", ".join(amplitudes))]
    if rises:
        alt.append(_("Largest rise of log energy above the {reference} window: {rises}.").format(
            reference=classes[0], rises=", ".join(rises)))
    fig.alt = " ".join(alt)
    return fig


def plot_score_histograms(scores: np.ndarray, labels: np.ndarray, classes: list[str],
                          threshold: float | None = None, title: str | None = None):
    """Histogram of scores per class on a log axis, with the threshold (if given) as a dashed line.

    `title` defaults to "Anomaly scores" (in the learner's language)."""
    from course.notebook.figures import PALETTE, new_figure

    scores, labels = np.asarray(scores, np.float64), np.asarray(labels)
    title = _("Anomaly scores") if title is None else title
    fig = new_figure((8, 3.5))
    ax = fig.subplots()
    bins = np.geomspace(max(scores.min(), 1e-6), scores.max(), 40)
    medians, flagged = [], []
    for i, name in enumerate(classes):
        if np.any(labels == i):
            ax.hist(scores[labels == i], bins=bins, histtype="step", linewidth=1.5 if i == 0 else 1.0,
                    label=f"{name} ({np.sum(labels == i)})")
            medians.append(f"{name} {np.median(scores[labels == i]):.3g}")
            if threshold is not None:
                flagged.append(f"{name} {np.mean(scores[labels == i] >= threshold):.0%}")
    if threshold is not None:
        ax.axvline(threshold, color=PALETTE[7], linestyle="--",
                   label=_("threshold {threshold:.3g}").format(threshold=threshold))
    ax.set_xscale("log")
    ax.set_xlabel(_("anomaly score (reconstruction error, log scale)"))
    ax.set_ylabel(_("windows"))
    ax.set_title(title)
    ax.legend(fontsize="small")
    alt = [_("{title}: a histogram of the anomaly scores of each class on a log scale; the median score per class: "
             "{medians}.").format(title=title, medians=", ".join(medians))]
    if threshold is not None:
        alt.append(_("The dashed line is the threshold {threshold:.3g}; the share of windows at or above it: "
                     "{flagged}.").format(threshold=threshold, flagged=", ".join(flagged)))
    fig.alt = " ".join(alt)
    return fig
