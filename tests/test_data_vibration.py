"""Machine vibration: determinism, shapes, fault physics, anomaly-detection difficulty, timeline."""
import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from course.data import group_split, vibration, vibration_timeline

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def data():
    return vibration(n_normal=240, n_per_fault=60, seed=0)


def _amplitude_at(x: np.ndarray, rate: float, freq: np.ndarray, axis: int = 0) -> np.ndarray:
    """Spectral amplitude of each window at its own frequency `freq` (Hz)."""
    spectrum = np.abs(np.fft.rfft(x[:, :, axis] * np.hanning(x.shape[1]), axis=1))
    bins = np.round(freq * x.shape[1] / rate).astype(int)
    return np.array([s[b - 1:b + 2].max() for s, b in zip(spectrum, bins)])


def test_deterministic_and_seed_dependent(data):
    again = vibration(n_normal=240, n_per_fault=60, seed=0)
    assert np.array_equal(data.x, again.x) and np.array_equal(data.meta["speed_hz"], again.meta["speed_hz"])
    assert not np.array_equal(data.x, vibration(n_normal=240, n_per_fault=60, seed=1).x)


def test_shapes_classes_balance_and_metadata(data):
    assert data.classes == ["normal", "imbalance", "misalignment", "bearing", "looseness"]
    assert data.x.shape == (480, 1024, 3) and data.x.dtype == np.float32 and data.sample_rate == 3200
    assert data.counts() == {"normal": 240, "imbalance": 60, "misalignment": 60, "bearing": 60, "looseness": 60}
    assert np.array_equal(data.meta["fault"], np.array(data.classes)[data.y])
    assert np.all(data.meta["severity"][data.y == 0] == 0)
    assert np.all((data.meta["severity"][data.y > 0] >= 0.1) & (data.meta["severity"][data.y > 0] <= 1))
    assert np.all((data.meta["speed_hz"] > 18) & (data.meta["speed_hz"] < 46))
    assert set(data.meta["machine"]) == {f"m{k}" for k in range(6)}
    only = vibration(n_normal=5, n_per_fault=3, faults=["bearing"], seed=0)
    assert only.counts()["bearing"] == 3 and only.counts()["imbalance"] == 0
    with pytest.raises(ValueError):
        vibration(faults=["rust"])


def test_faults_change_the_physics_they_should(data):
    rate, speed = data.sample_rate, data.meta["speed_hz"]
    normal, imbalance, misalign = data.y == 0, data.y == 1, data.y == 2
    one_x = _amplitude_at(data.x, rate, speed)
    two_x = _amplitude_at(data.x, rate, 2 * speed)
    assert np.median(one_x[imbalance]) > 1.5 * np.median(one_x[normal])
    assert np.median(two_x[misalign]) > 1.5 * np.median(two_x[normal])
    centred = data.x[:, :, 0] - data.x[:, :, 0].mean(axis=1, keepdims=True)
    kurtosis = np.mean(centred ** 4, axis=1) / np.mean(centred ** 2, axis=1) ** 2
    severe_bearing = (data.y == 3) & (data.meta["severity"] > 0.5)
    assert np.median(kurtosis[severe_bearing]) > np.median(kurtosis[normal]) + 1
    half_x = _amplitude_at(data.x, rate, 1.5 * speed)
    assert np.median(half_x[data.y == 4]) > 2 * np.median(half_x[normal])


def test_anomalies_are_detectable_from_normal_data_but_not_trivially(data):
    spectrum = np.abs(np.fft.rfft(data.x, axis=1))[:, 1:513]
    features = np.log(spectrum.reshape(len(data), 32, 16, 3).mean(axis=2) + 1e-6).reshape(len(data), -1)
    normal = np.flatnonzero(data.y == 0)
    train, held_out = normal[:160], normal[160:]
    scaler = StandardScaler().fit(features[train])
    pca = PCA(8).fit(scaler.transform(features[train]))

    def score(index):
        z = scaler.transform(features[index])
        return np.mean((pca.inverse_transform(pca.transform(z)) - z) ** 2, axis=1)

    def auc(normal_scores, fault_scores):
        truth = np.r_[np.zeros(len(normal_scores)), np.ones(len(fault_scores))]
        return roc_auc_score(truth, np.r_[normal_scores, fault_scores])

    aucs = [auc(score(held_out), score(np.flatnonzero(data.y == c))) for c in range(1, 5)]
    assert min(aucs) > 0.75 and np.mean(aucs) > 0.9
    rms = np.sqrt(np.mean(data.x ** 2, axis=(1, 2)))  # loudness alone misses bearing and looseness faults
    assert auc(rms[held_out], rms[data.y == 3]) < 0.85 and auc(rms[held_out], rms[data.y == 4]) < 0.85


def test_machine_split_and_memory(data):
    train, test = group_split(data.meta["machine"], 0.3, seed=0)
    assert not set(data.meta["machine"][train]) & set(data.meta["machine"][test])
    assert len(train) + len(test) == len(data)
    default = vibration()
    assert default.x.shape == (800, 1024, 3) and default.nbytes < 20_000_000
    assert default.counts()["normal"] == 400 and default.counts()["bearing"] == 100


def test_timeline_drifts_then_fails():
    line = vibration_timeline(n_windows=80, fault="bearing", fault_start=0.5, drift=1.0, seed=0)
    assert line.x.shape == (80, 1024, 3) and np.all(np.diff(line.meta["time"]) > 0)
    assert np.all(line.y[line.meta["time"] < 0.5] == 0) and np.all(line.y[line.meta["time"] >= 0.5] == 3)
    assert np.all(np.diff(line.meta["severity"]) >= 0) and line.meta["severity"][-1] == 1
    assert set(line.meta["machine"]) == {"m0"}
    # Drift: the noise floor (a band at 1.25-1.5 kHz) rises during the normal part.
    high = np.abs(np.fft.rfft(line.x[:, :, 0], axis=1))[:, 400:480].mean(axis=1)
    early, late = high[:15], high[25:40]
    assert np.median(late) > 1.2 * np.median(early)
    again = vibration_timeline(n_windows=80, fault="bearing", fault_start=0.5, drift=1.0, seed=0)
    assert np.array_equal(line.x, again.x)
    with pytest.raises(ValueError):
        vibration_timeline(fault="normal")
