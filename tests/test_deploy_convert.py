"""course.deploy.convert: real TFLiteConverter conversions of the small test models."""
import deploy_models as dm
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from course.deploy import convert, litert_predict
from course.deploy.convert import MAX_REPRESENTATIVE_SAMPLES, _representative_dataset

pytestmark = pytest.mark.unit


def _tensor_types(model_bytes: bytes) -> set[int]:
    model = schema.Model.GetRootAsModel(model_bytes, 0)
    subgraph = model.Subgraphs(0)
    return {subgraph.Tensors(i).Type() for i in range(subgraph.TensorsLength())}


def test_int8_model_is_full_integer():
    model_bytes = dm.digits_int8()
    types = _tensor_types(model_bytes)
    assert schema.TensorType.FLOAT32 not in types
    assert schema.TensorType.INT8 in types
    interpreter = Interpreter(model_content=model_bytes)
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8


def test_conversion_is_byte_identical_run_to_run():
    again = convert(dm.digits_cnn(), dm.digits_data()[0])
    assert again == dm.digits_int8()


def test_names_are_stripped_and_the_file_shrinks():
    raw = tf.lite.TFLiteConverter.from_keras_model(dm.sine_mlp()).convert()
    stripped = convert(dm.sine_mlp(), int8=False)
    assert b"serving_default" in raw and b"keras_tensor" in raw
    assert b"serving_default" not in stripped and b"keras_tensor" not in stripped
    assert len(stripped) < len(raw)
    assert len(dm.sine_int8()) < 3000  # the stack notes 3,464 B unstripped for this model


def test_weight_buffers_are_16_byte_aligned():
    for model_bytes in (dm.sine_int8(), dm.digits_int8()):
        model = schema.Model.GetRootAsModel(model_bytes, 0)
        start = np.frombuffer(model_bytes, np.uint8).ctypes.data
        offsets = [model.Buffers(i).DataAsNumpy().ctypes.data - start
                   for i in range(model.BuffersLength()) if model.Buffers(i).DataLength()]
        assert offsets, "expected weight buffers"
        assert all(offset % 16 == 0 for offset in offsets), offsets


def test_int8_needs_representative_data_of_the_right_shape():
    with pytest.raises(ValueError, match="representative_data"):
        convert(dm.sine_mlp())
    with pytest.raises(ValueError, match="shape"):
        convert(dm.sine_mlp(), np.zeros((10, 2), np.float32))


def test_representative_dataset_is_bounded_and_spans_the_whole_array():
    samples = np.arange(500, dtype=np.float32).reshape(500, 1)  # think: examples sorted by class
    yielded = [float(batch[0][0, 0]) for batch in _representative_dataset(samples)()]
    assert len(yielded) == MAX_REPRESENTATIVE_SAMPLES == 200
    assert yielded[0] == 0 and yielded[-1] == 499 and yielded == sorted(set(yielded))
    assert all(b[0].shape == (1, 1) and b[0].dtype == np.float32 for b in _representative_dataset(samples)())
    few = [float(b[0][0, 0]) for b in _representative_dataset(samples[:50])()]
    assert few == list(range(50))


def test_conversion_and_litert_print_nothing(capfd):
    capfd.readouterr()
    model_bytes = convert(dm.sine_mlp(), dm.sine_data()[0])
    litert_predict(model_bytes, np.zeros((2, 1), np.float32))
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_float_model_matches_keras():
    model_bytes = convert(dm.sine_mlp(), int8=False)
    x = np.linspace(0, 2 * np.pi, 20, dtype=np.float32).reshape(-1, 1)
    expected = dm.sine_mlp().predict(x, batch_size=1, verbose=0)
    assert _tensor_types(model_bytes) == {schema.TensorType.FLOAT32}
    np.testing.assert_allclose(litert_predict(model_bytes, x), expected, atol=1e-5)


def test_int8_models_stay_close_to_keras():
    x, y = dm.digits_data()
    x_test, y_test = x[dm.DIGITS_TRAIN:], y[dm.DIGITS_TRAIN:]
    keras_accuracy = np.mean(dm.digits_cnn().predict(x_test, verbose=0).argmax(1) == y_test)
    int8_accuracy = np.mean(litert_predict(dm.digits_int8(), x_test).argmax(1) == y_test)
    assert keras_accuracy > 0.8
    assert int8_accuracy >= keras_accuracy - 0.03

    xs = np.linspace(0, 2 * np.pi, 50, dtype=np.float32).reshape(-1, 1)
    interpreter = Interpreter(model_content=dm.sine_int8())
    scale, zero_point = interpreter.get_output_details()[0]["quantization"]
    y_int8 = (litert_predict(dm.sine_int8(), xs).astype(np.float32) - zero_point) * scale
    y_keras = dm.sine_mlp().predict(xs, batch_size=50, verbose=0)
    assert np.abs(y_int8 - y_keras).mean() < 0.05


def test_convert_writes_nothing_to_file_descriptor_2_even_with_tensorflow_logging_on(tmp_path):
    """In a fresh process with TensorFlow's C++ logging switched on (TF_CPP_MIN_LOG_LEVEL=0), the
    converter logs on file descriptor 2 (checked first, without convert); inside convert nothing does."""
    import os
    import subprocess
    import sys

    script = tmp_path / "convert.py"
    script.write_text(
        "import os, sys\n"
        "import numpy as np\n"
        "import course, keras, tensorflow as tf\n"
        "from course.deploy import convert\n"
        "model = keras.Sequential([keras.Input((4, 4, 1), batch_size=1), keras.layers.Conv2D(2, 3),\n"
        "                          keras.layers.Flatten(), keras.layers.Dense(3, activation='softmax')])\n"
        "if sys.argv[1] == 'plain':\n"
        "    tf.lite.TFLiteConverter.from_keras_model(model).convert()\n"
        "else:\n"
        "    sys.stderr.flush()\n"
        "    os.write(2, b'MARK\\n')\n"
        "    convert(model, np.random.default_rng(0).random((8, 4, 4, 1)).astype(np.float32))\n"
        "    convert(model, int8=False)\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    runs = {how: subprocess.run([sys.executable, str(script), how], env=env, capture_output=True, text=True, timeout=300)
            for how in ("plain", "course")}
    assert runs["plain"].returncode == 0 and "tf_tfl_flatbuffer_helpers" in runs["plain"].stderr
    assert runs["course"].returncode == 0, runs["course"].stderr
    assert runs["course"].stderr.split("MARK\n", 1)[1] == "" and runs["course"].stdout == ""
