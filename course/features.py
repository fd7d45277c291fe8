"""Features for tiny models: log-mel spectrograms and MFCCs for audio, window statistics and band
energies for IMU/vibration signals.

This is the ONE implementation the course uses, for training and as the definition of what a device
computes. Every step is plain NumPy so that it can be read, reimplemented and compared.

Audio pipeline of `log_mel_spectrogram` (defaults in brackets, 1 s at 16 kHz → 49 × 40):

1. Scale: int16 samples are divided by 32768 (float input is used as is, expected in [-1, 1]).
2. Frame: ``frame_length = round(sample_rate * frame_ms / 1000)`` samples [480] every
   ``hop = round(sample_rate * stride_ms / 1000)`` samples [320]. Frame ``i`` is
   ``audio[i * hop : i * hop + frame_length]`` and only whole frames are kept:
   ``n_frames = 1 + (T - frame_length) // hop`` [T = 16000 → 49].
3. Window: multiply by the periodic Hann window ``w[n] = 0.5 - 0.5 * cos(2 * pi * n / frame_length)``.
4. FFT: ``rfft`` of length ``n_fft`` [512] (the frame is zero-padded at its end), giving
   ``n_fft // 2 + 1`` [257] bins at frequencies ``k * sample_rate / n_fft``.
5. Power: ``|X[k]| ** 2`` (no normalisation).
6. Mel: ``power @ mel_filterbank(...).T`` (see `mel_filterbank`: HTK mel scale, triangles of
   height 1, ``n_mels`` [40] filters between ``fmin`` [125 Hz] and ``fmax`` [7500 Hz]).
7. Log: natural log, ``log(mel + 1e-6)``.

`mfcc` adds 8. a type-II orthonormal DCT over the mel axis, keeping the first ``n_mfcc`` coefficients.
"""
import dataclasses

import numpy as np
import scipy.fft

from course.units import audio_as_float

LOG_OFFSET = 1e-6  # added before every log in this module, so silence gives log(1e-6) ≈ -13.8
_CHUNK = 256  # clips per FFT batch: bounds memory for large batches


@dataclasses.dataclass(frozen=True)
class LogMel:
    """The settings of the log-mel front end (the defaults are the course's: 1 s at 16 kHz → 49 × 40).

    Every function here that takes ``**settings`` builds one of these from them, so the defaults
    are written only here.
    """

    sample_rate: int = 16000
    frame_ms: float = 30
    stride_ms: float = 20
    n_mels: int = 40
    n_fft: int = 512
    fmin: float = 125.0
    fmax: float = 7500.0

    @property
    def frame_length(self) -> int:
        """Samples per frame: ``round(sample_rate * frame_ms / 1000)``."""
        return round(self.sample_rate * self.frame_ms / 1000)

    @property
    def hop(self) -> int:
        """Samples between frame starts: ``round(sample_rate * stride_ms / 1000)``."""
        return round(self.sample_rate * self.stride_ms / 1000)

    def shape(self, n_samples: int) -> tuple[int, int]:
        """(frames, n_mels) of the log-mel spectrogram of a clip of `n_samples`."""
        return frame_count(n_samples, self.frame_length, self.hop), self.n_mels


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale: ``2595 * log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of `hz_to_mel`: ``700 * (10 ** (mel / 2595) - 1)``."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(**settings: float) -> np.ndarray:
    """Triangular mel filters, shape (n_mels, n_fft // 2 + 1), float32; `settings` are `LogMel` fields.

    ``n_mels + 2`` edge frequencies are equally spaced on the mel scale from ``fmin`` to ``fmax``.
    Filter ``m`` rises linearly (in Hz) from 0 at edge ``m`` to 1 at edge ``m + 1`` and falls back
    to 0 at edge ``m + 2``; it is evaluated at the FFT bin frequencies ``k * sample_rate / n_fft``.
    No area normalisation: every triangle peaks at 1.
    """
    c = LogMel(**settings)
    if not 0 <= c.fmin < c.fmax <= c.sample_rate / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sample_rate / 2, got fmin={c.fmin}, fmax={c.fmax}")
    edges = mel_to_hz(np.linspace(hz_to_mel(c.fmin), hz_to_mel(c.fmax), c.n_mels + 2))
    bin_hz = np.arange(c.n_fft // 2 + 1) * c.sample_rate / c.n_fft
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_hz - lower) / (center - lower)
    falling = (upper - bin_hz) / (upper - center)
    filters = np.maximum(0.0, np.minimum(rising, falling))
    if np.any(filters.sum(axis=1) == 0):
        raise ValueError("some mel filters cover no FFT bin: use fewer n_mels or a larger n_fft")
    return filters.astype(np.float32)


def hann_window(length: int) -> np.ndarray:
    """Periodic Hann window ``0.5 - 0.5 * cos(2 * pi * n / length)``, float32."""
    n = np.arange(length)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / length)).astype(np.float32)


def frame_count(n_samples: int, frame_length: int, hop: int) -> int:
    """Number of whole frames: ``1 + (n_samples - frame_length) // hop``."""
    if n_samples < frame_length:
        raise ValueError(f"audio of {n_samples} samples is shorter than one frame ({frame_length})")
    return 1 + (n_samples - frame_length) // hop


def log_mel_spectrogram(audio: np.ndarray, **settings: float) -> np.ndarray:
    """Log-mel spectrogram of one clip (T,) → (frames, n_mels), or of a batch (N, T) → (N, frames, n_mels).

    ``audio`` is int16 or float (in [-1, 1]); `settings` are `LogMel` fields (e.g. ``n_mels=20``).
    The steps are listed in this module's docstring. Returns float32.
    """
    config = LogMel(**settings)
    audio = audio_as_float(audio)
    if audio.ndim not in (1, 2):
        raise ValueError(f"audio must be (T,) or (N, T), got shape {audio.shape}")
    frame_length, hop, n_fft, n_mels = config.frame_length, config.hop, config.n_fft, config.n_mels
    if frame_length > n_fft:
        raise ValueError(f"frame of {frame_length} samples does not fit n_fft={n_fft}")
    n_frames = frame_count(audio.shape[-1], frame_length, hop)
    window = hann_window(frame_length)
    filters_t = mel_filterbank(**settings).T

    clips = audio.reshape(-1, audio.shape[-1])
    out = np.empty((len(clips), n_frames, n_mels), dtype=np.float32)
    for start in range(0, len(clips), _CHUNK):
        chunk = clips[start : start + _CHUNK]
        # (n, n_frames, frame_length) view: frame i starts at sample i * hop
        frames = np.lib.stride_tricks.sliding_window_view(chunk, frame_length, axis=-1)[:, ::hop]
        spectrum = scipy.fft.rfft(frames * window, n=n_fft, axis=-1)
        power = spectrum.real**2 + spectrum.imag**2
        out[start : start + _CHUNK] = np.log(power @ filters_t + LOG_OFFSET)
    return out.reshape(audio.shape[:-1] + (n_frames, n_mels))


def mfcc(audio: np.ndarray, n_mfcc: int = 13, **settings: float) -> np.ndarray:
    """MFCCs: ``scipy.fft.dct(log_mels, type=2, norm="ortho", axis=-1)[..., :n_mfcc]``.

    ``settings`` (`LogMel` fields) are passed to `log_mel_spectrogram`. (T,) → (frames, n_mfcc); (N, T) → (N, frames, n_mfcc).
    """
    log_mels = log_mel_spectrogram(audio, **settings)
    if n_mfcc > log_mels.shape[-1]:
        raise ValueError(f"n_mfcc={n_mfcc} exceeds the number of mel bands {log_mels.shape[-1]}")
    return scipy.fft.dct(log_mels, type=2, norm="ortho", axis=-1)[..., :n_mfcc].astype(np.float32)


# ---------------------------------------------------------------- IMU and vibration


IMU_STATS = ("mean", "std", "rms", "peak_to_peak", "dominant_hz")


def _as_windows(windows: np.ndarray) -> np.ndarray:
    windows = np.asarray(windows, dtype=np.float64)
    if windows.ndim == 2:
        windows = windows[:, :, None]
    if windows.ndim != 3:
        raise ValueError(f"windows must be (n, window) or (n, window, C), got shape {windows.shape}")
    return windows


def imu_feature_names(n_axes: int = 3, axis_names: tuple[str, ...] | None = None) -> list[str]:
    """Names of the `imu_features` columns, e.g. ``["x_mean", "x_std", ..., "z_dominant_hz"]``."""
    if axis_names is None:
        axis_names = tuple("xyz") if n_axes == 3 else tuple(f"axis{i}" for i in range(n_axes))
    if len(axis_names) != n_axes:
        raise ValueError(f"{len(axis_names)} axis names for {n_axes} axes")
    return [f"{axis}_{stat}" for axis in axis_names for stat in IMU_STATS]


def imu_features(windows: np.ndarray, sample_rate: float) -> np.ndarray:
    """Per-axis statistics of each window: (n, window, C) → (n, 5 * C), float32.

    Columns are grouped by axis, in this order for each axis (see `imu_feature_names`):
    mean, standard deviation (population, ddof=0), RMS ``sqrt(mean(x**2))``, peak-to-peak
    ``max - min``, and dominant frequency in Hz: the frequency ``k * sample_rate / window`` of the
    largest ``|rfft(x - mean)|`` bin, DC excluded (k >= 1).
    """
    windows = _as_windows(windows)
    length = windows.shape[1]
    if length < 2:
        raise ValueError("windows need at least 2 samples")
    magnitude = np.abs(np.fft.rfft(windows - windows.mean(axis=1, keepdims=True), axis=1))
    dominant_bin = 1 + np.argmax(magnitude[:, 1:], axis=1)
    stats = np.stack(
        [
            windows.mean(axis=1),
            windows.std(axis=1),
            np.sqrt(np.mean(windows**2, axis=1)),
            np.ptp(windows, axis=1),
            dominant_bin * sample_rate / length,
        ],
        axis=-1,
    )  # (n, C, 5)
    return stats.reshape(len(windows), -1).astype(np.float32)


def spectrum_band_edges(sample_rate: float, n_bands: int, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """The ``n_bands + 1`` band edges (Hz) used by `spectrum_features`: equally spaced, fmax defaults to Nyquist."""
    fmax = sample_rate / 2 if fmax is None else fmax
    if not 0 <= fmin < fmax <= sample_rate / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sample_rate / 2, got fmin={fmin}, fmax={fmax}")
    return np.linspace(fmin, fmax, n_bands + 1)


def spectrum_features(
    windows: np.ndarray, sample_rate: float, n_bands: int = 16, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Log band energies of each window's spectrum: (n, window, C) → (n, C * n_bands), float32.

    Per window and axis: remove the mean, multiply by a periodic Hann window, take
    ``power = |rfft(x)| ** 2 / window``, average the power of the bins whose frequency
    ``k * sample_rate / window`` lies in each band ``[edge_b, edge_b+1)`` (the last band includes its
    upper edge; edges from `spectrum_band_edges`), then ``log(band_power + 1e-6)``.
    Columns are grouped by axis: axis 0's bands from low to high, then axis 1's, …
    """
    windows = _as_windows(windows)
    length = windows.shape[1]
    edges = spectrum_band_edges(sample_rate, n_bands, fmin, fmax)
    centered = windows - windows.mean(axis=1, keepdims=True)
    tapered = centered * hann_window(length)[None, :, None]
    power = np.abs(np.fft.rfft(tapered, axis=1)) ** 2 / length  # (n, bins, C)
    bin_hz = np.arange(power.shape[1]) * sample_rate / length
    band = np.searchsorted(edges, bin_hz, side="right") - 1
    band[np.isclose(bin_hz, edges[-1])] = n_bands - 1
    bands = []
    for b in range(n_bands):
        in_band = band == b
        if not in_band.any():
            raise ValueError(f"band {b} ({edges[b]:.1f}-{edges[b + 1]:.1f} Hz) has no FFT bin: use fewer bands or longer windows")
        bands.append(power[:, in_band].mean(axis=1))  # (n, C)
    energies = np.stack(bands, axis=-1)  # (n, C, n_bands)
    return np.log(energies + LOG_OFFSET).reshape(len(windows), -1).astype(np.float32)
