import re
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from sklearn.datasets import load_digits

import course  # noqa: F401  (quiet TensorFlow before it loads)
from course import models
from course.notebook.seeding import seed_everything

pytestmark = pytest.mark.unit

# Ops TensorFlow Lite Micro has int8 kernels for, among those these models may use.
TFLM_OPS = {"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "RESHAPE", "SOFTMAX"}

BUILDERS = {
    "sine_model": lambda: models.sine_model(),
    "digits_cnn": lambda: models.digits_cnn(),
    "kws_cnn": lambda: models.kws_cnn(),
    "image_cnn": lambda: models.image_cnn(),
    "person_cnn": lambda: models.person_cnn(),
    "wand_cnn": lambda: models.wand_cnn(),
    "dense_autoencoder": lambda: models.dense_autoencoder(40),
}


def documented_count(docstring: str) -> int:
    match = re.search(r"([\d,]+) parameters", docstring)
    return int(match.group(1).replace(",", ""))


def to_int8_tflite(model: keras.Model, samples: np.ndarray) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([s[None].astype(np.float32)] for s in samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def run_int8(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Quantize x, run every sample through the int8 model and dequantize the outputs."""
    interpreter = Interpreter(model_content=model_bytes)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    (in_scale, in_zero), (out_scale, out_zero) = inp["quantization"], out["quantization"]
    results = []
    for sample in x:
        q = np.clip(np.round(sample / in_scale + in_zero), -128, 127).astype(np.int8)
        interpreter.set_tensor(inp["index"], q[None])
        interpreter.invoke()
        results.append((interpreter.get_tensor(out["index"])[0].astype(np.float32) - out_zero) * out_scale)
    return np.array(results)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.images / 16.0)[..., None].astype(np.float32)
    test = np.arange(len(x)) % 4 == 0
    return x[~test], data.target[~test], x[test], data.target[test]


def test_documented_parameter_counts():
    assert models.count_params(models.sine_model()) == documented_count(models.sine_model.__doc__) == 321
    assert models.count_params(models.digits_cnn()) == documented_count(models.digits_cnn.__doc__) == 1898
    assert models.count_params(models.kws_cnn()) == documented_count(models.kws_cnn.__doc__) == 8456
    assert models.count_params(models.image_cnn()) == documented_count(models.image_cnn.__doc__) == 6914
    assert models.count_params(models.person_cnn()) == documented_count(models.person_cnn.__doc__) == 8226
    assert models.count_params(models.wand_cnn()) == documented_count(models.wand_cnn.__doc__) == 2148
    example = re.search(r"65·n_features \+ 584\s+parameters \(([\d,]+) for n_features=(\d+)\)", models.dense_autoencoder.__doc__)
    n = int(example.group(2))
    assert models.count_params(models.dense_autoencoder(n)) == int(example.group(1).replace(",", "")) == 65 * n + 584
    assert models.count_params(models.dense_autoencoder(128)) == 65 * 128 + 584
    for name in ("321", "1,898", "8,456", "6,914", "8,226", "2,148", "65·n + 584"):
        assert name in models.__doc__


def test_shapes_and_fixed_batch_of_one():
    kws = models.kws_cnn(n_classes=12)
    assert kws.input_shape == (1, 49, 40, 1) and kws.output_shape == (1, 12)
    assert models.image_cnn((48, 48, 1), 3).output_shape == (1, 3)
    assert models.person_cnn((96, 96, 1), channels=(8, 16, 32)).output_shape == (1, 2)
    assert models.wand_cnn((64, 1, 6), n_classes=5).output_shape == (1, 5)
    assert models.dense_autoencoder(40, bottleneck=4).output_shape == (1, 40)
    assert models.sine_model().output_shape == (1, 1)
    # A batch-1 model still predicts on bigger batches.
    probs = models.digits_cnn().predict(np.zeros((5, 8, 8, 1), np.float32), verbose=0)
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)


def test_kws_activations_keep_their_scale_at_initialisation():
    seed_everything(0)
    model = models.kws_cnn()
    x = np.random.default_rng(0).normal(-2, 4, (16, 49, 40, 1)).astype(np.float32)
    pooled = keras.Model(model.inputs, model.layers[-2].output).predict(x, verbose=0)
    assert pooled.std() > 0.1  # with Keras' default depthwise initialiser it fades to ~1e-3


def test_model_bytes_estimate():
    assert models.model_bytes_estimate(1000) == 1000
    assert models.model_bytes_estimate(1000, bits=32) == 4000
    assert models.model_bytes_estimate(3, bits=16) == 6
    with pytest.raises(ValueError):
        models.model_bytes_estimate(10, bits=4)


def test_sine_model_learns():
    seed_everything(0)
    x = np.random.default_rng(0).uniform(0, 2 * np.pi, (1000, 1)).astype(np.float32)
    model = models.sine_model(learning_rate=0.02)
    history = model.fit(x, np.sin(x), batch_size=64, epochs=12, verbose=0)
    # predicting the mean scores var(sin x) = 0.5; a few seconds of training gets well below
    assert history.history["loss"][-1] < 0.15
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_autoencoder_learns_low_dimensional_data():
    seed_everything(0)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((1000, 3)) @ rng.standard_normal((3, 20))).astype(np.float32)
    model = models.dense_autoencoder(20)
    history = model.fit(x, x, batch_size=64, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


def test_digits_cnn_learns_and_survives_int8(digits):
    x_train, y_train, x_test, y_test = digits
    seed_everything(0)
    model = models.digits_cnn()
    model.fit(x_train, y_train, batch_size=64, epochs=6, verbose=0)
    float_accuracy = np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test)
    assert float_accuracy > 0.8
    int8_probs = run_int8(to_int8_tflite(model, x_train[:100]), x_test)
    assert np.mean(np.argmax(int8_probs, axis=1) == y_test) > float_accuracy - 0.05


@pytest.mark.parametrize("name", BUILDERS)
def test_converts_to_full_int8_with_tflm_ops_only(name):
    seed_everything(0)
    model = BUILDERS[name]()
    samples = np.random.default_rng(0).uniform(-1, 1, (20,) + model.input_shape[1:]).astype(np.float32)
    model_bytes = to_int8_tflite(model, samples)
    interpreter = Interpreter(model_content=model_bytes)
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert ops <= TFLM_OPS, ops - TFLM_OPS
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    assert list(interpreter.get_input_details()[0]["shape"]) == [1, *model.input_shape[1:]]
    # weights are int8: one byte per parameter plus 2-13 KB of structure (as documented)
    weight_bytes = models.model_bytes_estimate(models.count_params(model))
    assert weight_bytes + 2000 < len(model_bytes) < weight_bytes + 13_000
    # the int8 model tracks the float model
    floats, int8s = model.predict(samples[:5], verbose=0), run_int8(model_bytes, samples[:5])
    assert np.abs(floats - int8s).max() < 0.1 * (np.abs(floats).max() + 1e-3) + 0.02


def test_readme_quotes_the_documented_parameter_counts():
    """The README's `course.models` row quotes the same counts the models really have."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `course.models` |"))
    for name, builder in [("sine_model", models.sine_model), ("digits_cnn", models.digits_cnn),
                          ("kws_cnn", models.kws_cnn), ("image_cnn", models.image_cnn),
                          ("person_cnn", models.person_cnn), ("wand_cnn", models.wand_cnn)]:
        assert f"`{name}` ({models.count_params(builder()):,})" in row, name
