"""Small, quickly trained Keras models (and their conversions) shared by the course.deploy tests.

Everything is cached per test session: each model is trained, converted and inspected once.
"""
import functools

import keras
import numpy as np
from sklearn.datasets import load_digits

import course  # noqa: F401  (quiet, deterministic TensorFlow before it is imported)
from course.deploy import ModelReport, convert, inspect


def sine_data(n: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x in [0, 2π) with shape (n, 1) and noisy sin(x), float32."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2 * np.pi, size=(n, 1)).astype(np.float32)
    y = (np.sin(x) + 0.05 * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


@functools.cache
def sine_mlp() -> keras.Model:
    """The hello_world model: 1 → 16 → 16 → 1, trained for a few seconds."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((1,), batch_size=1),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ])
    x, y = sine_data()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, batch_size=64, epochs=15, verbose=0)
    return model


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 digits as (n, 8, 8, 1) float32 in [0, 1] and int labels."""
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]
    return x, digits.target.astype(np.int64)


DIGITS_TRAIN = 1400  # the first 1,400 digits train, the remaining 397 test


@functools.cache
def digits_cnn() -> keras.Model:
    """A tiny CNN (conv → depthwise conv → max pool → dense → softmax) on the 8×8 digits."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1), batch_size=1),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.DepthwiseConv2D(3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    x, y = digits_data()
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:DIGITS_TRAIN], y[:DIGITS_TRAIN], batch_size=64, epochs=15, verbose=0)
    return model


@functools.cache
def unsupported_ops_model() -> keras.Model:
    """An untrained model using SIGN and TOPK_V2, which LiteRT runs but TFLite Micro lacks."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,), batch_size=1)
    x = keras.layers.Dense(8)(inputs)
    x = keras.layers.Lambda(lambda t: keras.ops.sign(t))(x)
    x = keras.layers.Lambda(lambda t: keras.ops.top_k(t, 4)[0])(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x))


@functools.cache
def sine_int8() -> bytes:
    return convert(sine_mlp(), sine_data()[0])


@functools.cache
def digits_int8() -> bytes:
    return convert(digits_cnn(), digits_data()[0])


@functools.cache
def sine_report() -> ModelReport:
    """inspect() of the int8 sine model with 50 float samples."""
    return inspect(sine_int8(), sine_data()[0][:50])


@functools.cache
def digits_report() -> ModelReport:
    """inspect() of the int8 digits CNN with the 397 held-out float digits."""
    return inspect(digits_int8(), digits_data()[0][DIGITS_TRAIN:])


@functools.cache
def unsupported_float() -> bytes:
    return convert(unsupported_ops_model(), int8=False)


@functools.cache
def unsupported_report() -> ModelReport:
    """inspect() of the float SIGN/TOPK_V2 model with 5 random samples."""
    return inspect(unsupported_float(), np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32))
