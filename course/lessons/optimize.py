"""Week 0x03 helpers: timing per inference, int8-friendly initialisation and magnitude pruning."""
from __future__ import annotations

import time
import zlib
from collections.abc import Callable

import numpy as np

from course.notebook.language import _


def ms_per_inference(run: Callable[[bytes, np.ndarray], np.ndarray], model_bytes: bytes, x: np.ndarray) -> float:
    """Milliseconds per input of `run(model_bytes, batch)` (e.g. `course.deploy.litert_predict`).

    Times a run on all of `x` and a run on `x[:1]`; their difference divided by `len(x) - 1`
    cancels what every run pays once (starting a process, loading the model, allocating).
    """
    x = np.asarray(x)
    if len(x) < 2:
        raise ValueError(_("need at least two inputs"))
    timings = []
    for batch in (x[:1], x):
        start = time.perf_counter()
        run(model_bytes, batch)
        timings.append(time.perf_counter() - start)
    return max(timings[1] - timings[0], 0.0) * 1000 / (len(x) - 1)


def unit_variance_init(model, x: np.ndarray):
    """Rescale a freshly built Keras model so that every hidden layer's output has unit std on `x`.

    Layer by layer, in order, each kernel and bias (except the last layer's) is divided by the
    standard deviation of that layer's output on the sample inputs `x` — a data-dependent
    initialisation ("LSUV", Mishkin & Matas 2016). Deep ReLU stacks without normalisation otherwise
    let activation ranges grow layer after layer; int8 then spends its 256 steps on rare large
    values. Returns the model (changed in place), ready to `fit`.
    """
    import keras  # imported here so that the module loads without TensorFlow

    x = np.asarray(x, dtype=np.float32)
    layers = [layer for layer in model.layers if layer.get_weights()][:-1]
    for layer in layers:
        std = float(np.std(keras.Model(model.input, layer.output)(x, training=False)))  # no predict(): no retracing
        if std > 0:
            layer.set_weights([w / std for w in layer.get_weights()])
    return model


def prune_by_magnitude(model, sparsity: float):
    """A copy of a Keras `model` whose kernels each have a fraction `sparsity` of weights set to 0.

    In every weight array with two or more dimensions (dense, convolution and depthwise kernels),
    the `round(sparsity * size)` weights of smallest magnitude become exactly 0. Biases (1-D) are
    kept. The copy is not compiled: use it for `predict` or `course.deploy.convert`.
    """
    import keras  # imported here so that the module loads without TensorFlow

    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(_("sparsity must be between 0 and 1, got {sparsity}").format(sparsity=sparsity))
    pruned = keras.models.clone_model(model)
    weights = []
    for w in model.get_weights():
        w = np.array(w)
        if w.ndim >= 2:
            n_zero = int(round(sparsity * w.size))
            flat = w.reshape(-1)
            flat[np.argsort(np.abs(flat), kind="stable")[:n_zero]] = 0.0
        weights.append(w)
    pruned.set_weights(weights)
    return pruned


def compressed_bytes(data: bytes) -> int:
    """Size of `data` after zlib compression at the highest level (a stand-in for any compressor)."""
    return len(zlib.compress(bytes(data), 9))
