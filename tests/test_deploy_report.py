"""course.deploy.inspect / tflm_predict: real TFLite Micro runs in child processes."""
from concurrent.futures import ThreadPoolExecutor

import deploy_models as dm
import numpy as np
import polib
import pytest
from ai_edge_litert.interpreter import Interpreter

from course import quantization
from course.deploy import (
    TFLMError,
    convert,
    inspect,
    litert_predict,
    model_ops,
    op_macs,
    tflm_predict,
)
from course.deploy import report as report_module
from course.deploy.report import ARENA_RESOLUTION_BYTES, ModelReport
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_sine_report_basics():
    report = dm.sine_report()
    interpreter = Interpreter(model_content=dm.sine_int8())
    scale, zero_point = interpreter.get_input_details()[0]["quantization"]
    assert report.flash_bytes == len(dm.sine_int8())
    assert report.ops == ["FULLY_CONNECTED"] * 3
    assert report.unsupported_ops == [] and report.tflm_error is None
    assert report.macs == 1 * 16 + 16 * 16 + 16 * 1
    assert (report.input_shape, report.input_dtype) == ((1, 1), "int8")
    assert (report.output_shape, report.output_dtype) == ((1, 1), "int8")
    assert report.input_scale == pytest.approx(scale) and report.input_zero_point == zero_point
    assert 1000 < report.arena_bytes < 4000


def test_digits_report_ops_and_macs():
    report = dm.digits_report()
    assert report.ops == ["CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    assert report.ops == model_ops(dm.digits_int8())
    # conv 3×3×1 → 6×6×8, depthwise 3×3 → 4×4×8, dense 32 → 10
    assert report.macs == 6 * 6 * 8 * 9 + 4 * 4 * 8 * 9 + 10 * 32
    assert report.output_shape == (1, 10) and report.output_scale > 0


@pytest.mark.parametrize("report, n", [(dm.sine_report, 50), (dm.digits_report, 397)], ids=["sine", "digits"])
def test_tflm_and_litert_outputs_are_compared(report, n):
    report = report()
    steps = np.abs(report.tflm_outputs.astype(int) - report.litert_outputs.astype(int))
    assert report.tflm_outputs.shape == report.litert_outputs.shape == (n, report.output_shape[1])
    assert report.tflm_outputs.dtype == np.int8
    assert report.max_step_difference == steps.max()
    assert np.mean(steps <= 1) > 0.99  # reference vs optimized kernels: nearly always within a step
    assert report.argmax_agreement == 1.0
    assert report.agrees == (steps.max() <= 1)


def test_sine_agrees_and_says_so():
    report = dm.sine_report()
    assert report.agrees is True and report.max_step_difference <= 1
    assert "-> agree" in report.summary()


@pytest.mark.parametrize("model_bytes, report", [(dm.sine_int8, dm.sine_report), (dm.digits_int8, dm.digits_report)],
                         ids=["sine", "digits"])
def test_arena_is_the_smallest_that_runs(model_bytes, report):
    """arena_bytes runs; ARENA_RESOLUTION_BYTES (16) less does not: within 16 B of the true minimum."""
    model_bytes, report = model_bytes(), report()
    x = np.zeros(report.input_shape, np.int8)
    assert tflm_predict(model_bytes, x, report.arena_bytes).shape == (1, report.output_shape[1])
    with pytest.raises(TFLMError):
        tflm_predict(model_bytes, x, report.arena_bytes - ARENA_RESOLUTION_BYTES)


def test_too_small_arenas_crash_only_the_child():
    """Arenas just below the minimum make TFLM fail and sometimes SEGFAULT; the caller survives."""
    model_bytes, arena = dm.sine_int8(), dm.sine_report().arena_bytes
    x = np.zeros((1, 1), np.int8)

    def attempt(size: int) -> str:
        with pytest.raises(TFLMError) as error:
            tflm_predict(model_bytes, x, size)
        return str(error.value)

    with ThreadPoolExecutor(max_workers=2) as pool:
        messages = list(pool.map(attempt, range(arena - 16, arena - 160, -32)))
    assert any("crashed (SIGSEGV)" in m for m in messages), messages  # a real segmentation fault
    assert any("failed" in m for m in messages)
    assert tflm_predict(model_bytes, x, arena).shape == (1, 1)  # this process is alive and well


def test_unsupported_ops_are_found_by_asking_tflm():
    report = dm.unsupported_report()
    assert report.ops == ["FULLY_CONNECTED", "SIGN", "TOPK_V2", "FULLY_CONNECTED"]
    assert report.unsupported_ops == ["SIGN", "TOPK_V2"]
    assert report.arena_bytes is None and "SIGN" in report.tflm_error
    assert report.litert_outputs.shape == (5, 2)  # LiteRT runs it; TFLite Micro cannot
    assert report.tflm_outputs is None and report.agrees is False
    with pytest.raises(TFLMError, match="SIGN"):
        tflm_predict(dm.unsupported_float(), np.zeros((1, 8), np.float32))


def test_float_model_report():
    model_bytes = convert(dm.sine_mlp(), int8=False)
    x = dm.sine_data()[0][:20]
    report = inspect(model_bytes, x)
    assert report.input_dtype == report.output_dtype == "float32"
    assert (report.input_scale, report.input_zero_point) == (0.0, 0)
    assert report.arena_bytes is not None and report.agrees is True
    assert report.max_step_difference < 1e-4
    np.testing.assert_allclose(report.tflm_outputs, dm.sine_mlp().predict(x, batch_size=20, verbose=0), atol=1e-5)


def test_tflm_predict_measures_int8_accuracy():
    x, y = dm.digits_data()
    x_test, y_test = x[dm.DIGITS_TRAIN:], y[dm.DIGITS_TRAIN:]
    tflm = tflm_predict(dm.digits_int8(), x_test)
    litert = litert_predict(dm.digits_int8(), x_test)
    assert tflm.shape == (len(x_test), 10) and tflm.dtype == np.int8
    assert np.mean(np.abs(tflm.astype(int) - litert.astype(int)) <= 1) > 0.99
    assert np.array_equal(tflm.argmax(1), litert.argmax(1))
    # LiteRT's built-in kernels (no XNNPACK delegate) compute the int8 ops exactly as TFLM does
    np.testing.assert_array_equal(litert_predict(dm.digits_int8(), x_test, xnnpack=False), tflm)
    keras_accuracy = np.mean(dm.digits_cnn().predict(x_test, verbose=0).argmax(1) == y_test)
    assert np.mean(tflm.argmax(1) == y_test) >= keras_accuracy - 0.03


def test_float_samples_are_quantized_with_the_input_parameters():
    report = dm.digits_report()
    x = dm.digits_data()[0][:3]
    q = np.clip(np.round(x / report.input_scale + report.input_zero_point), -128, 127).astype(np.int8)
    both = tflm_predict(dm.digits_int8(), np.concatenate([x, x[:1]]).astype(np.float32))
    np.testing.assert_array_equal(both[:3], tflm_predict(dm.digits_int8(), q))
    np.testing.assert_array_equal(both[3], tflm_predict(dm.digits_int8(), x[0])[0])  # one unbatched sample
    with pytest.raises(ValueError, match="shape"):
        tflm_predict(dm.digits_int8(), np.zeros((2, 8, 8), np.float32))
    with pytest.raises(ValueError, match="fit"):
        tflm_predict(dm.digits_int8(), np.full((1, 8, 8, 1), 300))


def test_op_macs_is_the_one_rule():
    assert op_macs("CONV_2D", output_elements=6 * 6 * 8, kernel_hw=9, input_channels=3) == 6 * 6 * 8 * 9 * 3
    assert op_macs("DEPTHWISE_CONV_2D", output_elements=4 * 4 * 8, kernel_hw=9, input_channels=8) == 4 * 4 * 8 * 9
    assert op_macs("FULLY_CONNECTED", output_elements=10, kernel_hw=1, input_channels=32) == 320
    assert op_macs("MAX_POOL_2D", output_elements=10, kernel_hw=4, input_channels=8) == 0


@pytest.mark.parametrize("model_bytes", [dm.sine_int8, dm.digits_int8, lambda: convert(dm.sine_mlp(), int8=False)],
                         ids=["sine", "digits", "sine-float"])
def test_report_carries_the_io_tensors_as_litert_sees_them(model_bytes):
    model_bytes = model_bytes()
    report = inspect(model_bytes)
    interpreter = Interpreter(model_content=model_bytes)
    for spec, details in [(report.input_tensor, interpreter.get_input_details()[0]),
                          (report.output_tensor, interpreter.get_output_details()[0])]:
        assert spec.shape == tuple(details["shape"]) and np.dtype(spec.dtype) == details["dtype"]
        assert (spec.scale, spec.zero_point) == pytest.approx(details["quantization"])
    assert (report.output_scale, report.output_zero_point) == (report.output_tensor.scale, report.output_tensor.zero_point)


def test_dequantized_outputs_use_the_reported_output_quantization():
    report = dm.digits_report()
    x = dm.digits_data()[0][:5]
    raw = tflm_predict(dm.digits_int8(), x)
    expected = quantization.dequantize(raw, report.output_scale, report.output_zero_point)
    np.testing.assert_array_equal(tflm_predict(dm.digits_int8(), x, dequantized=True), expected)
    np.testing.assert_array_equal(report.output_tensor.dequantize(raw), expected)
    np.testing.assert_array_equal(litert_predict(dm.digits_int8(), x, xnnpack=False, dequantized=True), expected)
    q = report.input_tensor.quantize(x)
    assert q.dtype == np.int8
    np.testing.assert_array_equal(q, quantization.quantize(x, report.input_scale, report.input_zero_point))


@pytest.mark.parametrize("model_bytes, sample", [(dm.digits_int8, dm.digits_data()[0][:4]),
                                                  (dm.unsupported_float, np.zeros((2, 8), np.float32))],
                         ids=["digits", "missing-ops"])
def test_inspect_parses_the_model_once(monkeypatch, model_bytes, sample):
    parses = []
    read_model = report_module._read_model
    monkeypatch.setattr(report_module, "_read_model", lambda data: parses.append(len(data)) or read_model(data))
    report = inspect(model_bytes(), sample)
    assert parses == [len(model_bytes())]
    assert report.ops == model_ops(model_bytes())  # stand-ins for missing ops did not change the parsed model


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_summary_speaks_the_learners_language(monkeypatch):
    report = ModelReport(flash_bytes=2_048, arena_bytes=None, ops=["FULLY_CONNECTED", "GELU"], unsupported_ops=["GELU"],
                         macs=1_000, input_shape=(1, 4), input_dtype="int8", input_scale=0.5, input_zero_point=-3,
                         output_shape=(1, 2), output_dtype="int8", output_scale=0.25, output_zero_point=0,
                         tflm_error="TFLite Micro has no kernel for GELU")
    english = report.summary().splitlines()
    assert english[0] == "flash (model) 2,048 B | tensor arena n/a | 1,000 MACs"
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = report.summary().splitlines()
    assert len(spanish) == len(english) == 5 and all(es != en for es, en in zip(spanish, english))
    assert spanish[0] == _spanish("flash (model) {flash:,} B | tensor arena {arena} | {macs:,} MACs").format(
        flash=2_048, arena=_spanish("n/a"), macs=1_000)
    with pytest.raises(ValueError, match="se esperaba una entrada"):
        report_module._as_batch(np.zeros(3), report.input_tensor)
