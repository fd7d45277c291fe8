import numpy as np
import pytest

from course.quantization import dequantize, int_range, quantization_params, quantize

pytestmark = pytest.mark.unit


def test_int_range():
    assert int_range(8) == (-128, 127)
    assert int_range(4) == (-8, 7)
    with pytest.raises(ValueError):
        int_range(1)
    with pytest.raises(ValueError):
        int_range(17)


def test_quantization_params_widen_the_range_to_contain_zero():
    scale, zero_point = quantization_params(-1.0, 3.0)
    assert scale == pytest.approx(4 / 255)
    assert zero_point == round(-128 + 1 / scale) == -64
    assert quantization_params(2.0, 5.0) == (pytest.approx(5 / 255), -128)  # widened to [0, 5]
    assert quantization_params(-4.0, -1.0)[1] == 127  # widened to [-4, 0]
    assert quantization_params(0.5, 2.0, bits=4)[1] == -8
    assert quantization_params(0.0, 0.0) == (1.0, 0)


def test_quantize_rounds_clips_and_dequantize_restores_within_half_a_step():
    scale, zero_point = quantization_params(-1.0, 3.0)
    assert dequantize(quantize(0.0, scale, zero_point), scale, zero_point) == 0  # 0 is exact
    assert quantize([-5.0, 5.0], scale, zero_point).tolist() == [-128, 127]  # clipped
    assert quantize([0.26, 0.24, -0.26, -0.24], 0.5, 0).tolist() == [1, 0, -1, 0]  # nearest, both signs
    assert quantize([100.0], 1.0, 0, bits=4).tolist() == [7]
    values = np.linspace(-1, 3, 101)
    q = quantize(values, scale, zero_point)
    assert q.dtype == np.int32 and q.shape == values.shape
    error = dequantize(q, scale, zero_point) - values
    assert np.abs(error).max() <= scale / 2 + 1e-12
    # int8 codes minus a zero point must not wrap around in int8
    assert dequantize(np.array([-128], dtype=np.int8), 0.5, 100).tolist() == [-114.0]
