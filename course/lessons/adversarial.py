"""Week 0x04: a gradient-sign (FGSM) attack on a keyword spotter, measured by its signal-to-noise ratio.

The spotter sees log-mel spectrograms (`course.features.log_mel_spectrogram`). To ask "which tiny
change of the *audio* hurts the model most?", the same log-mel pipeline is written here with
TensorFlow operations (`tf_log_mel_spectrogram`, equal to the NumPy one within float32 rounding), so
that gradients flow from the model's loss back to the audio samples. The attack adds
``epsilon * sign(gradient)`` to every sample — noise as loud everywhere as white noise of the same
level, but pointed where it hurts — with ``epsilon`` set by the signal-to-noise ratio.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course.features import hann_window, mel_filterbank


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio of `noisy` against `clean`, in dB: ``10 log10(mean(clean²) / mean((noisy - clean)²))``."""
    clean, noisy = np.asarray(clean, np.float64), np.asarray(noisy, np.float64)
    noise_power = np.mean((noisy - clean) ** 2)
    return float("inf") if noise_power == 0 else float(10 * np.log10(np.mean(clean ** 2) / noise_power))


def epsilon_for_snr(clean: np.ndarray, target_snr_db: float) -> float:
    """The step size whose ±epsilon noise has `target_snr_db` against `clean` (noise power epsilon²)."""
    power = float(np.mean(np.asarray(clean, np.float64) ** 2))
    return float(np.sqrt(power / 10 ** (target_snr_db / 10)))


def tf_log_mel_spectrogram(audio, sample_rate: int = 16000, frame_ms: float = 30, stride_ms: float = 20,
                           n_mels: int = 40, n_fft: int = 512, fmin: float = 125.0, fmax: float = 7500.0):
    """`course.features.log_mel_spectrogram` in TensorFlow (differentiable): float audio (N, T) → (N, frames, n_mels)."""
    import tensorflow as tf

    frame_length = round(sample_rate * frame_ms / 1000)
    hop = round(sample_rate * stride_ms / 1000)
    frames = tf.signal.frame(tf.cast(audio, tf.float32), frame_length, hop, pad_end=False)
    spectrum = tf.signal.rfft(frames * hann_window(frame_length), fft_length=[n_fft])
    power = tf.math.real(spectrum) ** 2 + tf.math.imag(spectrum) ** 2
    filters_t = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax).T
    return tf.math.log(tf.tensordot(power, filters_t, axes=1) + 1e-6)


def _default_model_input(log_mels):
    return log_mels[..., None]


def loss_gradient(model, audio: np.ndarray, label: int,
                  to_model_input: Callable = _default_model_input) -> np.ndarray:
    """Gradient of the cross-entropy of `label` with respect to the audio samples (float audio (T,)).

    `to_model_input` turns TensorFlow log-mels (1, frames, n_mels) into what `model` expects (default:
    add a channel axis); it must use TensorFlow operations so that the gradient passes through it.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(audio, np.float32)[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        probabilities = model(to_model_input(tf_log_mel_spectrogram(x)), training=False)
        loss = -tf.math.log(probabilities[0, label] + 1e-12)
    return tape.gradient(loss, x).numpy()[0]


def gradient_sign_attack(model, audio: np.ndarray, label: int, target_snr_db: float,
                         to_model_input: Callable = _default_model_input) -> np.ndarray:
    """FGSM: ``audio + epsilon * sign(gradient)`` with epsilon from `target_snr_db`, clipped to [-1, 1].

    `audio` is float in [-1, 1] (divide int16 by 32768). Returns float32 audio of the same shape.
    """
    audio = np.asarray(audio, np.float32)
    direction = np.sign(loss_gradient(model, audio, label, to_model_input))
    return np.clip(audio + epsilon_for_snr(audio, target_snr_db) * direction, -1.0, 1.0).astype(np.float32)
