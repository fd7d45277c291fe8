"""course.lessons.optimize: timing per inference, magnitude pruning and compressed sizes."""
import time

import keras
import numpy as np
import pytest

import course  # noqa: F401  (quiet TensorFlow before it is imported)
from course.lessons.optimize import (
    compressed_bytes,
    kernel_sparsity,
    ms_per_inference,
    prune_by_magnitude,
    unit_variance_init,
)


def test_ms_per_inference_cancels_the_fixed_cost():
    def run(_model, batch):
        time.sleep(0.05 + 0.01 * len(batch))  # 50 ms start-up, then 10 ms per input

    ms = ms_per_inference(run, b"", np.zeros((11, 3)))
    assert 8 <= ms <= 14
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
    assert kernel_sparsity(model) == 0.0
    assert kernel_sparsity(pruned) == pytest.approx(0.5, abs=0.03)
    for before, after in zip(model.get_weights(), pruned.get_weights()):
        if before.ndim == 1:
            np.testing.assert_array_equal(before, after)  # biases untouched
            continue
        kept = after != 0
        np.testing.assert_array_equal(after[kept], before[kept])  # survivors unchanged
        assert np.abs(before[~kept]).max() <= np.abs(before[kept]).min()  # the smallest went
    np.testing.assert_array_equal(model.get_weights()[0], _model().get_weights()[0])  # original intact


def test_prune_by_magnitude_extremes_and_range():
    model = _model()
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 1)).astype(np.float32)
    np.testing.assert_allclose(prune_by_magnitude(model, 0.0).predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert kernel_sparsity(prune_by_magnitude(model, 1.0)) == 1.0
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
