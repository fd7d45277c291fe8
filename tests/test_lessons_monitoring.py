"""course.lessons.monitoring: drift statistics, model version ids, over-the-air update sizes."""
import numpy as np
import polib
import pytest

from course.lessons import monitoring
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_mean_shift_z_and_drift_score():
    reference = np.column_stack([np.arange(10.0), np.arange(10.0) * 2, np.full(10, 3.0)])
    recent = reference + [reference[:, 0].std(), 0.0, 0.0]
    z = monitoring.mean_shift_z(reference, recent)
    assert z[0] == pytest.approx(1.0) and z[1] == 0 and z[2] == 0
    assert monitoring.drift_score(reference, recent) == 0.0  # median of (1, 0, 0)
    assert monitoring.drift_score(reference, recent + [0, 100, 0]) == pytest.approx(1.0)
    assert np.isfinite(monitoring.mean_shift_z(reference, recent + 1)).all()  # constant feature stays finite
    with pytest.raises(ValueError):
        monitoring.mean_shift_z(reference, recent[:, :2])


def test_drift_score_separates_same_and_shifted_distributions():
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, (200, 30))
    same = rng.normal(0, 1, (30, 30))
    shifted = rng.normal(0.8, 1, (30, 30))
    assert monitoring.drift_score(reference, same) < 0.3 < monitoring.DRIFT_THRESHOLD
    assert monitoring.drift_score(reference, shifted) > monitoring.DRIFT_THRESHOLD


def test_rolling_drift_scores():
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 1, (100, 5))
    stream = np.concatenate([rng.normal(0, 1, (50, 5)), rng.normal(2, 1, (50, 5))])
    scores = monitoring.rolling_drift_scores(reference, stream, window=10)
    assert np.isnan(scores[:9]).all() and not np.isnan(scores[9:]).any()
    assert scores[9] == pytest.approx(monitoring.drift_score(reference, stream[:10]))
    assert scores[40:49].max() < 1.0 < scores[60:].min()


def test_psi():
    rng = np.random.default_rng(2)
    reference = rng.normal(0, 1, (2000, 2))
    stable = monitoring.psi(reference, rng.normal(0, 1, (2000, 2)))
    moved = monitoring.psi(reference, rng.normal(1, 1, (2000, 2)))
    assert stable.shape == (2,) and np.all(stable < 0.02)
    assert np.all(moved > 0.25)
    assert monitoring.psi(reference, reference) == pytest.approx([0, 0], abs=1e-12)


def test_model_version():
    record = monitoring.model_version(b"model-bytes", name="pump", auc=0.97)
    import hashlib
    assert record["id"] == hashlib.sha256(b"model-bytes").hexdigest()[:12]
    assert record["bytes"] == 11 and record["name"] == "pump" and record["auc"] == 0.97
    assert monitoring.model_version(b"model-bytes")["id"] == record["id"]
    assert monitoring.model_version(b"model-bytez")["id"] != record["id"]


def test_update_sizes():
    rng = np.random.default_rng(3)
    old = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    new = bytearray(old)
    new[100:110] = bytes(10)  # 10 bytes change (those that were not 0 already)
    sizes = monitoring.update_sizes(old, bytes(new) + b"tail")
    assert sizes["full"] == 5004
    assert sizes["changed"] == sum(1 for i in range(100, 110) if old[i] != 0) + 4
    assert sizes["delta"] < 200 < sizes["full_compressed"]
    # the delta really rebuilds the new model
    import zlib
    xor = np.frombuffer(old, np.uint8) ^ np.frombuffer(bytes(new), np.uint8)
    assert zlib.compress(xor.tobytes() + b"tail", 9).__len__() == sizes["delta"]
    assert monitoring.update_sizes(old, old)["changed"] == 0


def test_plot_timeline():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    time = np.linspace(0, 1, 50)
    fig = monitoring.plot_timeline(time, np.exp(time), 2.0, np.r_[np.full(9, np.nan), time[9:]], fault_start=0.8)
    top, bottom = fig.axes
    assert top.get_yscale() == "log" and len(bottom.lines) == 3  # drift curve, threshold, fault line
    plt.close(fig)


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_timeline_speaks_the_learners_language(monkeypatch):
    time = np.linspace(0, 1, 50)
    drift = np.r_[np.full(9, np.nan), time[9:]]
    english = monitoring.plot_timeline(time, np.exp(time), 2.0, drift, fault_start=0.8)
    assert "at time 0.69" in english.alt and "at time 0.51" in english.alt and "0.80" in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = monitoring.plot_timeline(time, np.exp(time), 2.0, drift, fault_start=0.8)
    top, bottom = spanish.axes
    assert top.get_title() == _spanish("One machine over time") != english.axes[0].get_title()
    assert top.get_ylabel() == _spanish("anomaly score") and bottom.get_ylabel() == _spanish("median |z| (training stds)")
    assert spanish.alt != english.alt and "0.69" in spanish.alt and "0.51" in spanish.alt
