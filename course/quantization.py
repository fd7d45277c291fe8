"""Affine int8 (and other bit-width) quantization, as in TensorFlow Lite:
``q = clip(round(x / scale) + zero_point, qmin, qmax)`` and ``x ≈ scale * (q - zero_point)``.

Week 0x03 derives these formulas by hand; `course.lessons.plots.plot_quantization` draws them and
`course.lessons.explorers.quantization_explorer` lets learners play with them.
"""
import numpy as np


def int_range(bits: int = 8) -> tuple[int, int]:
    """Signed integer range for ``bits``: (-2**(bits-1), 2**(bits-1) - 1), e.g. (-128, 127)."""
    if not 2 <= bits <= 16:
        raise ValueError(f"bits must be between 2 and 16, got {bits}")
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def quantization_params(vmin: float, vmax: float, bits: int = 8) -> tuple[float, int]:
    """(scale, zero_point) mapping the float range [vmin, vmax] onto the signed ``bits`` range.

    The range is first widened to include 0 (so that 0.0 is exact), then
    ``scale = (vmax - vmin) / (qmax - qmin)`` and ``zero_point = round(qmin - vmin / scale)``.
    An empty widened range (vmin = vmax = 0) gives (1.0, 0).
    """
    qmin, qmax = int_range(bits)
    vmin, vmax = min(float(vmin), 0.0), max(float(vmax), 0.0)
    if vmax == vmin:
        return 1.0, 0
    scale = (vmax - vmin) / (qmax - qmin)
    zero_point = int(np.clip(round(qmin - vmin / scale), qmin, qmax))
    return scale, zero_point


def quantize(values: np.ndarray, scale: float, zero_point: int, bits: int = 8) -> np.ndarray:
    """``clip(round(values / scale) + zero_point, qmin, qmax)`` as int32 (rounding half to even)."""
    qmin, qmax = int_range(bits)
    q = np.round(np.asarray(values, dtype=np.float64) / scale) + zero_point
    return np.clip(q, qmin, qmax).astype(np.int32)


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """``scale * (q - zero_point)`` as float64."""
    return scale * (np.asarray(q, dtype=np.float64) - zero_point)
