"""course.deploy.int8_fc: an int8 FULLY_CONNECTED layer's parameters, and C kernels run on the emulated
Cortex-M4 against TensorFlow Lite Micro, bit for bit (week 0x03's task 6 and its plausible wrong answer)."""
import json
from pathlib import Path

import numpy as np
import pytest
from submissions import PARTIAL_ANSWERS

from course.deploy import int8_fc, tflm_predict

pytestmark = pytest.mark.unit

ASSIGNMENT = Path(__file__).parents[1] / "source" / "0x03-deployment" / "0x03-deployment.ipynb"


def _fc_source(cell_source: str) -> str:
    namespace: dict = {}
    exec(cell_source, namespace)
    return namespace["FC_SOURCE"]


@pytest.fixture(scope="module")
def solution() -> str:
    """The instructor's C of task 6 (the solution cell of the assignment's source)."""
    cells = json.loads(ASSIGNMENT.read_text(encoding="utf-8"))["cells"]
    return _fc_source("".join(next(c["source"] for c in cells
                                   if c["metadata"].get("nbgrader", {}).get("grade_id") == "task6_solution")))


@pytest.fixture(scope="module")
def layers() -> list[bytes]:
    rng = np.random.default_rng(7)
    return [int8_fc.dense_model(rng.normal(0, 0.3, (24, 8)), rng.normal(0, 0.5, 8), rng.normal(0.3, 1, (100, 24)),
                                activation)
            for activation in (None, "relu")]


def test_quantize_multiplier_is_tflites():
    assert int8_fc.quantize_multiplier(0.5) == (1 << 30, 0)
    assert int8_fc.quantize_multiplier(0.0) == (0, 0)
    assert int8_fc.quantize_multiplier(3.0) == (3 << 29, 2)
    for real in (1e-3, 0.0123, 0.7, 1.9):
        multiplier, shift = int8_fc.quantize_multiplier(real)
        assert 1 << 30 <= multiplier < 1 << 31
        assert abs(multiplier * 2.0 ** (shift - 31) - real) <= real * 2.0 ** -30
    assert int8_fc.quantize_multiplier(2.0 ** -40) == (0, 0)  # below TFLite's smallest shift


def test_parameters_come_from_the_converted_model(layers):
    plain, relu = (int8_fc.fc_parameters(model) for model in layers)
    assert plain.weights.shape == (8, 24) and plain.weights.dtype == np.int8 and plain.bias.dtype == np.int32
    assert plain.weight_scales.shape == (8,) and (plain.act_min, plain.act_max) == (-128, 127)
    assert relu.act_min == relu.output_zero_point
    real = plain.input_scale * plain.weight_scales.astype(float) / plain.output_scale
    assert np.allclose(plain.multiplier * 2.0 ** (plain.shift - 31), real, rtol=1e-8)
    zero_bias = int8_fc.fc_parameters(int8_fc.dense_model(np.ones((4, 2)), np.zeros(2), np.ones((10, 4))))
    assert zero_bias.bias.tolist() == [0, 0]  # the converter drops an all-zero bias


def test_solution_is_bit_exact_and_no_rounding_is_not(solution, layers):
    wrong = _fc_source(dict(PARTIAL_ANSWERS["0x03-deployment"].also)["task6_solution"])
    rng = np.random.default_rng(0)
    image, wrong_image = int8_fc.build_fc(solution), int8_fc.build_fc(wrong)
    for model in layers:
        params = int8_fc.fc_parameters(model)
        x = np.vstack([rng.integers(-128, 128, (30, 24)), np.full(24, -128), np.full(24, 127)]).astype(np.int8)
        expected = np.asarray(tflm_predict(model, x))
        y, instructions = int8_fc.run_fc(image, params, x)
        assert np.array_equal(y, expected)
        assert 24 * 8 <= instructions < 50 * 24 * 8  # at least one instruction per multiply-accumulate
        assert not np.array_equal(int8_fc.run_fc(wrong_image, params, x)[0], expected)
