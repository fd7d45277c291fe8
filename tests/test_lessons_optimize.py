"""course.lessons.optimize: timing per inference, magnitude pruning and compressed sizes."""
import types

import keras
import numpy as np
import polib
import pytest

import course  # noqa: F401  (quiet TensorFlow before it is imported)
from course.lessons import optimize
from course.lessons.optimize import (
    compressed_bytes,
    ms_per_inference,
    prune_by_magnitude,
    unit_variance_init,
)
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_ms_per_inference_cancels_the_fixed_cost(monkeypatch):
    now = [0.0]  # a fake clock: only `run` moves it, so the result is exact (real timings are in benchmarks/)
    monkeypatch.setattr(optimize, "time", types.SimpleNamespace(perf_counter=lambda: now[0]))
    calls = []

    def run(model, batch):
        calls.append((model, len(batch)))
        now[0] += 0.05 + 0.01 * len(batch)  # 50 ms start-up, then 10 ms per input

    assert ms_per_inference(run, b"model", np.zeros((11, 3))) == pytest.approx(10.0)
    assert calls == [(b"model", 1), (b"model", 11)]
    durations = iter([1.0, 0.1])  # the one-input run slower than the whole batch (noise): 0, not negative

    def noisy(model, batch):
        now[0] += next(durations)

    assert ms_per_inference(noisy, b"", np.zeros((3, 1))) == 0.0
    with pytest.raises(ValueError):
        ms_per_inference(run, b"", np.zeros((1, 3)))


def _model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 6, 1), batch_size=1)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.DepthwiseConv2D(3, activation="relu")(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def test_prune_by_magnitude_zeroes_the_smallest_kernel_weights_only():
    model = _model()
    model.set_weights([w + 0.5 if w.ndim == 1 else w for w in model.get_weights()])  # nonzero biases
    pruned = prune_by_magnitude(model, 0.5)
    for before, after in zip(model.get_weights(), pruned.get_weights()):
        if before.ndim == 1:
            np.testing.assert_array_equal(before, after)  # biases untouched
            continue
        assert np.all(before != 0) and np.sum(after == 0) == round(0.5 * after.size)  # half of each kernel
        kept = after != 0
        np.testing.assert_array_equal(after[kept], before[kept])  # survivors unchanged
        assert np.abs(before[~kept]).max() <= np.abs(before[kept]).min()  # the smallest went
    np.testing.assert_array_equal(model.get_weights()[0], _model().get_weights()[0])  # original intact


def test_prune_by_magnitude_extremes_and_range():
    model = _model()
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 1)).astype(np.float32)
    np.testing.assert_allclose(prune_by_magnitude(model, 0.0).predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert not any(w.any() for w in prune_by_magnitude(model, 1.0).get_weights() if w.ndim >= 2)
    with pytest.raises(ValueError):
        prune_by_magnitude(model, 1.5)


def test_compressed_bytes_sees_zeros_but_not_noise():
    noise = np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    sparse = np.where(np.arange(4000) % 10 == 0, np.frombuffer(noise, np.uint8), 0).astype(np.uint8).tobytes()
    assert compressed_bytes(noise) > 3900
    assert compressed_bytes(sparse) < 1000


def test_unit_variance_init_gives_hidden_layers_unit_std_and_keeps_the_last_layer():
    model = _model()
    x = np.random.default_rng(1).normal(0, 5, size=(32, 6, 6, 1)).astype(np.float32)
    last = [w.copy() for w in model.layers[-1].get_weights()]
    assert unit_variance_init(model, x) is model
    for layer in model.layers[1:3]:  # the two convolutions
        std = np.std(keras.Model(model.inputs, layer.output).predict(x, verbose=0))
        assert std == pytest.approx(1.0, rel=1e-3)
    for before, after in zip(last, model.layers[-1].get_weights()):
        np.testing.assert_array_equal(before, after)


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_errors_speak_the_learners_language(monkeypatch):
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    with pytest.raises(ValueError) as error:
        ms_per_inference(lambda model_bytes, batch: batch, b"", np.zeros((1, 2)))
    assert str(error.value) == _spanish("need at least two inputs") != "need at least two inputs"
