"""course.lessons.adversarial: the TensorFlow log-mel equals the NumPy one; SNR arithmetic; FGSM raises the loss."""
import numpy as np
import pytest

import course  # noqa: F401  (quiet TensorFlow before it is imported)
from course.features import log_mel_spectrogram
from course.lessons import adversarial, kws

pytestmark = pytest.mark.unit


def test_snr_and_epsilon():
    clean = np.sin(np.linspace(0, 100, 16000)) * 0.3
    noisy = clean + adversarial.epsilon_for_snr(clean, 20.0) * np.sign(np.random.default_rng(0).standard_normal(16000))
    assert kws.snr_db(clean, noisy) == pytest.approx(20.0, abs=1e-9)
    assert kws.snr_db(clean, clean) == float("inf")
    assert adversarial.epsilon_for_snr(clean, 40.0) == pytest.approx(adversarial.epsilon_for_snr(clean, 20.0) / 10)


def test_tf_log_mels_match_numpy():
    audio = (np.random.default_rng(1).standard_normal((3, 16000)) * 0.1).astype(np.float32)
    expected = log_mel_spectrogram(audio)
    got = adversarial.tf_log_mel_spectrogram(audio).numpy()
    assert got.shape == expected.shape == (3, 49, 40)
    assert np.allclose(got, expected, atol=1e-3)
    fewer = adversarial.tf_log_mel_spectrogram(audio, n_mels=20, stride_ms=10).numpy()
    assert np.allclose(fewer, log_mel_spectrogram(audio, n_mels=20, stride_ms=10), atol=1e-3)
    assert fewer.shape == (3, 98, 20)


def test_gradient_sign_attack_increases_the_loss():
    import keras

    from course.models import kws_cnn
    from course.notebook.seeding import seed_everything

    seed_everything(0)
    model = kws_cnn(n_classes=3, channels=4, n_blocks=1)
    audio = (np.random.default_rng(2).standard_normal(16000) * 0.05).astype(np.float32)
    label = 1

    def loss(clip):
        probabilities = np.asarray(model(log_mel_spectrogram(clip)[None, ..., None]))
        return -np.log(probabilities[0, label])

    gradient = adversarial.loss_gradient(model, audio, label)
    assert gradient.shape == audio.shape and np.any(gradient != 0)
    attacked = adversarial.gradient_sign_attack(model, audio, label, target_snr_db=30.0)
    assert attacked.dtype == np.float32 and attacked.shape == audio.shape
    assert kws.snr_db(audio, attacked) == pytest.approx(30.0, abs=0.1)
    assert np.abs(attacked).max() <= 1.0
    assert loss(attacked) > loss(audio)
    random = np.clip(audio - (attacked - audio), -1, 1).astype(np.float32)  # the opposite direction lowers it
    assert loss(random) < loss(audio)
    keras.backend.clear_session()
