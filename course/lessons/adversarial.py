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

from course.features import LOG_OFFSET, LogMel, hann_window, mel_filterbank


def epsilon_for_snr(clean: np.ndarray, target_snr_db: float) -> float:
    """The step size whose ±epsilon noise has `target_snr_db` against `clean` (noise power epsilon²)."""
    power = float(np.mean(np.asarray(clean, np.float64) ** 2))
    return float(np.sqrt(power / 10 ** (target_snr_db / 10)))


def tf_log_mel_spectrogram(audio, **settings: float):
    """`course.features.log_mel_spectrogram` in TensorFlow (differentiable): float audio (N, T) → (N, frames, n_mels).

    `settings` are `course.features.LogMel` fields, as for the NumPy version.
    """
    import tensorflow as tf

    config = LogMel(**settings)
    frames = tf.signal.frame(tf.cast(audio, tf.float32), config.frame_length, config.hop, pad_end=False)
    spectrum = tf.signal.rfft(frames * hann_window(config.frame_length), fft_length=[config.n_fft])
    power = tf.math.real(spectrum) ** 2 + tf.math.imag(spectrum) ** 2
    filters_t = mel_filterbank(**settings).T
    return tf.math.log(tf.tensordot(power, filters_t, axes=1) + LOG_OFFSET)


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

    `audio` is float in [-1, 1] (`course.units.audio_as_float` of int16 samples). Returns float32 audio of the same shape.
    """
    audio = np.asarray(audio, np.float32)
    direction = np.sign(loss_gradient(model, audio, label, to_model_input))
    return np.clip(audio + epsilon_for_snr(audio, target_snr_db) * direction, -1.0, 1.0).astype(np.float32)
