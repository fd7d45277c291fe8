"""Units the library shares: memory sizes and the full scale of 16-bit audio samples.

One convention for int16 audio everywhere: ``float = int16 / 32768`` (so floats lie in [-1, 1)),
and back ``int16 = clip(round(float * 32768), -32768, 32767)``.
"""
import numpy as np

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
INT16_FULL_SCALE = 32768  # |int16 minimum|: the sample value that stands for 1.0


def audio_as_float(audio: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """int16 samples divided by INT16_FULL_SCALE, or float samples as they are, in `dtype`."""
    audio = np.asarray(audio)
    if audio.dtype == np.int16:
        return audio.astype(dtype) / dtype(INT16_FULL_SCALE)
    if not np.issubdtype(audio.dtype, np.floating):
        raise TypeError(f"audio must be int16 or float, got {audio.dtype}")
    return audio.astype(dtype)


def audio_as_int16(audio: np.ndarray) -> np.ndarray:
    """Float samples (full scale 1) times INT16_FULL_SCALE, rounded and clipped to the int16 range."""
    info = np.iinfo(np.int16)
    return np.clip(np.round(np.asarray(audio, dtype=np.float64) * INT16_FULL_SCALE), info.min, info.max).astype(np.int16)
