"""course.deploy.device: the vibration front end in C and the autoencoder through emlearn, on the emulated
Cortex-M4, equal to course.features and to Keras within float32 rounding."""
import numpy as np
import pytest

from course import data, models
from course.deploy import device
from course.features import spectrum_features
from course.lessons import anomaly

pytestmark = pytest.mark.unit

FEATURE_ATOL = 1e-4  # log band energies: float32 FFT on the device vs float64 NumPy
SCORE_RTOL = 1e-4  # emlearn writes weights with 6 decimals; float32 throughout


@pytest.fixture(scope="module")
def setting():
    vibration = data.vibration(n_normal=24, n_per_fault=4, seed=1)
    features = anomaly.vibration_features(vibration.x, vibration.sample_rate)
    scaler = anomaly.fit_scaler(features)
    model = models.dense_autoencoder(features.shape[1])  # untrained: random weights test the arithmetic as well
    image = device.anomaly_firmware(model, scaler, vibration.x.shape[1], vibration.x.shape[2], anomaly.N_BANDS)
    return vibration, features, scaler, model, image, device.device_scores(image, vibration.x[:6])


def test_front_end_equals_course_features(setting):
    vibration, features, *_, result = setting
    assert result.features.shape == features[:6].shape
    assert np.allclose(result.features, features[:6], rtol=0, atol=FEATURE_ATOL)
    short = spectrum_features(vibration.x[:6, :256], vibration.sample_rate, n_bands=anomaly.N_BANDS)
    assert not np.allclose(short, features[:6], atol=FEATURE_ATOL)  # the tolerance tells windows apart


def test_scores_equal_keras_and_cost_is_counted(setting):
    _, features, scaler, model, image, result = setting
    expected = anomaly.anomaly_scores(model, anomaly.scale(features[:6], scaler))
    assert np.allclose(result.scores, expected, rtol=SCORE_RTOL, atol=0)
    assert result.front_end_instructions > 3 * 1024 * 10  # a 1,024-point FFT per axis, at least
    n_weights = sum(layer.count_params() for layer in model.layers)
    assert n_weights <= result.model_instructions < 20 * n_weights
    assert image.symbols["anomaly_model_layer_0_weights"][1] == "r"  # the weights live in flash
    assert image.flash_bytes > 4 * n_weights


def test_only_dense_networks_are_accepted():
    import keras

    conv = keras.Sequential([keras.Input((8, 1), batch_size=1), keras.layers.Conv1D(2, 3), keras.layers.Flatten()])
    with pytest.raises(ValueError, match="Dense"):
        device.dense_layers(conv)
