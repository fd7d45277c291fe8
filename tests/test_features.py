
import numpy as np
import pytest
import scipy.fft

import course  # noqa: F401
from course import features

pytestmark = pytest.mark.unit

RNG = np.random.default_rng(0)


def tone(freq_hz: float, seconds: float = 1.0, sample_rate: int = 16000, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def reference_log_mel(audio: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """The documented steps, written as an explicit loop over frames and filters."""
    frame_length, hop, n_fft, n_mels = 480, 320, 512, 40
    n_frames = 1 + (len(audio) - frame_length) // hop
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length)
    low, high = features.hz_to_mel(125.0), features.hz_to_mel(7500.0)
    edges = [features.mel_to_hz(low + (high - low) * i / (n_mels + 1)) for i in range(n_mels + 2)]
    out = np.zeros((n_frames, n_mels))
    for i in range(n_frames):
        frame = np.zeros(n_fft)
        frame[:frame_length] = audio[i * hop : i * hop + frame_length] * window
        power = np.abs(np.fft.rfft(frame)) ** 2
        for m in range(n_mels):
            for k, p in enumerate(power):
                f = k * sample_rate / n_fft
                if edges[m] < f < edges[m + 2]:
                    weight = (f - edges[m]) / (edges[m + 1] - edges[m]) if f <= edges[m + 1] else (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1])
                    out[i, m] += weight * p
    return np.log(out + 1e-6)


def test_log_mel_matches_an_explicit_loop_implementation():
    audio = RNG.uniform(-0.5, 0.5, 16000).astype(np.float32)
    expected = reference_log_mel(audio[:2000])  # 5 frames keep the loop fast
    np.testing.assert_allclose(features.log_mel_spectrogram(audio[:2000]), expected, atol=1e-3)


def test_one_second_gives_49_by_40_and_frame_count_formula():
    assert features.log_mel_spectrogram(tone(1000)).shape == (49, 40)
    assert features.log_mel_spectrogram(np.zeros(8000, np.float32)).shape == (1 + (8000 - 480) // 320, 40)
    assert features.log_mel_spectrogram(tone(1000), n_mels=20).shape == (49, 20)
    with pytest.raises(ValueError):
        features.log_mel_spectrogram(np.zeros(100, np.float32))


def test_batch_equals_per_clip_and_int16_equals_scaled_float():
    clips = (RNG.standard_normal((3, 16000)) * 3000).astype(np.int16)
    batch = features.log_mel_spectrogram(clips)
    assert batch.shape == (3, 49, 40) and batch.dtype == np.float32
    for clip, feats in zip(clips, batch):
        np.testing.assert_allclose(features.log_mel_spectrogram(clip), feats, atol=1e-5)
    as_float = features.log_mel_spectrogram(clips.astype(np.float32) / 32768)
    np.testing.assert_allclose(as_float, batch, atol=1e-4)


def test_silence_is_log_offset_and_tone_peaks_in_the_right_band():
    silence = features.log_mel_spectrogram(np.zeros(16000, np.int16))
    np.testing.assert_allclose(silence, np.log(1e-6), rtol=1e-6)
    mels = features.log_mel_spectrogram(tone(1000))
    centers = features.mel_to_hz(np.linspace(features.hz_to_mel(125), features.hz_to_mel(7500), 42))[1:-1]
    peak_band = int(np.argmax(mels.mean(axis=0)))
    assert abs(centers[peak_band] - 1000) < 60


def test_mel_filterbank_triangles():
    fb = features.mel_filterbank()
    assert fb.shape == (40, 257)
    assert fb.min() == 0 and fb.max() <= 1
    assert np.all(fb.sum(axis=1) > 0)
    peaks = np.argmax(fb, axis=1)
    assert np.all(np.diff(peaks) >= 0)  # filters move up in frequency
    assert fb[:, : int(125 / 31.25)].sum() == 0  # nothing below fmin
    with pytest.raises(ValueError):
        features.mel_filterbank(fmax=9000)


def test_mfcc_is_orthonormal_dct_of_log_mels():
    clips = RNG.uniform(-0.3, 0.3, (2, 16000)).astype(np.float32)
    coeffs = features.mfcc(clips, n_mfcc=13)
    log_mels = features.log_mel_spectrogram(clips)
    assert coeffs.shape == (2, 49, 13)
    np.testing.assert_allclose(coeffs, scipy.fft.dct(log_mels, norm="ortho", axis=-1)[..., :13], atol=1e-4)
    np.testing.assert_allclose(coeffs[..., 0], log_mels.sum(axis=-1) / np.sqrt(40), rtol=1e-4)


def test_a_batch_of_clips_matches_clip_by_clip():
    # the speed of the batch path is measured in benchmarks/, its correctness here
    clips = (RNG.standard_normal((5, 16000)) * 2000).astype(np.int16)
    batch = features.log_mel_spectrogram(clips)
    assert batch.shape == (5, 49, 40)
    for clip, expected in zip(clips, batch):
        np.testing.assert_allclose(features.log_mel_spectrogram(clip), expected, rtol=1e-5, atol=1e-5)


def test_imu_features_of_known_sines():
    sample_rate, n = 100.0, 200
    t = np.arange(n) / sample_rate
    signal = np.stack([2 + 3 * np.sin(2 * np.pi * 5 * t), np.sin(2 * np.pi * 12.5 * t), np.zeros(n)], axis=1)
    feats = features.imu_features(signal[None], sample_rate=sample_rate)
    names = features.imu_feature_names(3)
    assert feats.shape == (1, 15) and len(names) == 15
    assert names[:5] == ["x_mean", "x_std", "x_rms", "x_peak_to_peak", "x_dominant_hz"]
    values = dict(zip(names, feats[0]))
    assert values["x_mean"] == pytest.approx(2, abs=1e-3)
    assert values["x_std"] == pytest.approx(3 / np.sqrt(2), rel=1e-3)
    assert values["x_rms"] == pytest.approx(np.sqrt(4 + 4.5), rel=1e-3)
    assert values["x_peak_to_peak"] == pytest.approx(6, rel=1e-3)
    assert values["x_dominant_hz"] == pytest.approx(5)
    assert values["y_dominant_hz"] == pytest.approx(12.5)
    assert values["z_rms"] == 0
    assert features.imu_feature_names(2, ("a", "b"))[5] == "b_mean"


def test_spectrum_features_put_energy_in_the_right_band():
    sample_rate, n = 1000.0, 256
    t = np.arange(n) / sample_rate
    windows = np.stack([np.sin(2 * np.pi * 140 * t), np.sin(2 * np.pi * 440 * t)], axis=1)[None]
    feats = features.spectrum_features(windows, sample_rate, n_bands=8)
    edges = features.spectrum_band_edges(sample_rate, 8)
    assert feats.shape == (1, 16)
    np.testing.assert_allclose(edges, np.arange(9) * 62.5)
    assert np.argmax(feats[0, :8]) == 2  # 140 Hz is in [125, 187.5)
    assert np.argmax(feats[0, 8:]) == 7  # 440 Hz is in [437.5, 500]
    assert features.spectrum_features(np.zeros((1, n)), sample_rate, 4) == pytest.approx(np.log(1e-6))
    with pytest.raises(ValueError):
        features.spectrum_features(windows, sample_rate, n_bands=200)  # more bands than FFT bins
