"""course.lessons.anomaly: features, scaling, autoencoder scores (float and int8 on TFLM), thresholds."""
import numpy as np
import polib
import pytest
from sklearn.metrics import roc_auc_score

import course  # noqa: F401  (quiet TensorFlow before it is imported)
from course.data import vibration
from course.lessons import anomaly
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def trained():
    data = vibration(n_normal=200, n_per_fault=25, faults=["bearing", "misalignment"], n_machines=3, seed=3)
    features = anomaly.vibration_features(data.x, data.sample_rate)
    train = np.flatnonzero(data.y == 0)[:150]
    scaler = anomaly.fit_scaler(features[train])
    scaled = anomaly.scale(features, scaler)
    model, history = anomaly.train_autoencoder(scaled[train], epochs=4, passes_per_epoch=3)
    test = np.setdiff1d(np.arange(len(data)), train)
    return data, scaled, model, history, train, test


def test_features_and_scaler():
    windows = np.random.default_rng(0).normal(0, 1, (5, 1024, 3)).astype(np.float32)
    features = anomaly.vibration_features(windows, 3200.0)
    assert features.shape == (5, 3 * anomaly.N_BANDS) and features.dtype == np.float32
    constant = np.column_stack([np.arange(10.0), np.full(10, 7.0)])
    mean, std = anomaly.fit_scaler(constant)
    assert np.allclose(mean, [4.5, 7.0]) and std[1] == pytest.approx(anomaly.SCALE_FLOOR)
    scaled = anomaly.scale(constant, (mean, std))
    assert np.allclose(scaled.mean(axis=0), 0, atol=1e-6) and np.allclose(scaled[:, 0].std(), 1, atol=1e-6)
    assert np.all(scaled[:, 1] == 0)


def test_reconstruction_errors():
    a = np.zeros((2, 4))
    b = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 2.0]])
    assert np.allclose(anomaly.reconstruction_errors(a, b), [1.0, 1.0])
    with pytest.raises(ValueError):
        anomaly.reconstruction_errors(a, b[:, :3])


def test_autoencoder_learns_normal_and_flags_faults(trained):
    data, scaled, model, history, train, test = trained
    assert len(history["loss"]) == 4 and history["loss"][-1] < history["loss"][0]
    scores = anomaly.anomaly_scores(model, scaled)
    assert scores.shape == (len(data),)
    assert roc_auc_score(data.y[test] > 0, scores[test]) > 0.9
    assert np.median(scores[train]) < np.median(scores[test][data.y[test] > 0])


def test_int8_scores_on_tflm_match_float_ranking(trained):
    from course.deploy import convert

    data, scaled, model, _, train, test = trained
    model_bytes = convert(model, scaled[train])
    float_scores = anomaly.anomaly_scores(model, scaled[test])
    tflm = anomaly.int8_anomaly_scores(model_bytes, scaled[test])
    litert = anomaly.int8_anomaly_scores(model_bytes, scaled[test], runtime="litert")
    assert tflm.shape == float_scores.shape
    assert np.corrcoef(tflm, float_scores)[0, 1] > 0.95
    assert np.allclose(tflm, litert, rtol=0.05, atol=0.02)  # TFLM and LiteRT differ by ≤ 1 step per output
    with pytest.raises(ValueError):
        anomaly.int8_anomaly_scores(model_bytes, scaled[test], runtime="cloud")


@pytest.mark.parametrize("scores, rate, expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.2, 9),       # 9 and 10 flagged: 20 %
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.25, 9),      # 30 % would be too many
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1.0, 1),       # everything may be flagged
    ([3, 1, 2], 0.0, np.nextafter(3.0, np.inf)),     # nothing may be flagged: just above the maximum
    ([1, 2, 2, 3], 0.5, 3),                          # the tied 2s go together: 75 % is too many
    ([5.0], 0.5, np.nextafter(5.0, np.inf)),
    (list(np.arange(100) / 100), 0.29, 0.71),        # 29 of 100 despite 0.29 * 100 = 28.999...
])
def test_threshold_for_false_alarm_rate(scores, rate, expected):
    threshold = anomaly.threshold_for_false_alarm_rate(np.array(scores, dtype=float), rate)
    assert threshold == pytest.approx(expected, rel=0, abs=1e-12)
    assert np.mean(np.asarray(scores) >= threshold) <= rate + 1e-12


def test_threshold_rejects_bad_input():
    with pytest.raises(ValueError):
        anomaly.threshold_for_false_alarm_rate([], 0.1)
    with pytest.raises(ValueError):
        anomaly.threshold_for_false_alarm_rate([1.0, 2.0], 1.5)


def test_figures(trained):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data, scaled, model, _, train, test = trained
    fig = anomaly.plot_examples(data)
    assert len(fig.axes) == 2 * 3  # normal, bearing, misalignment rows
    scores = anomaly.anomaly_scores(model, scaled)
    fig2 = anomaly.plot_score_histograms(scores, data.y, data.classes, threshold=float(np.median(scores)))
    assert fig2.axes[0].get_xscale() == "log"
    plt.close("all")


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figures_and_messages_speak_the_learners_language(monkeypatch):
    data = vibration(n_normal=20, n_per_fault=5, faults=["bearing"], n_machines=2, seed=1)
    scores = np.random.default_rng(0).lognormal(size=len(data))
    english, english_examples = anomaly.plot_score_histograms(scores, data.y, data.classes, 1.0), anomaly.plot_examples(data)
    assert english.alt.startswith("Anomaly scores: a histogram") and "bearing" in english_examples.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = anomaly.plot_score_histograms(scores, data.y, data.classes, 1.0)
    assert spanish.axes[0].get_title() == _spanish("Anomaly scores") != english.axes[0].get_title()
    assert spanish.axes[0].get_xlabel() == _spanish("anomaly score (reconstruction error, log scale)")
    assert spanish.alt.startswith(_spanish("Anomaly scores")) and spanish.alt != english.alt
    spanish_examples = anomaly.plot_examples(data)
    assert spanish_examples.axes[0].get_title() == _spanish("waveform, x axis")
    assert spanish_examples.alt != english_examples.alt and "bearing" in spanish_examples.alt
    with pytest.raises(ValueError, match=_spanish("need at least one normal score")):
        anomaly.threshold_for_false_alarm_rate([], 0.1)
