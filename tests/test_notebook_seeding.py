import keras
import numpy as np
import pytest

from course.notebook.seeding import seed_everything

pytestmark = pytest.mark.unit


def test_seed_everything_repeats_numpy_and_keras_randomness():
    first = seed_everything(7).normal(size=3), np.random.rand(3), keras.random.normal((3,)).numpy()
    second = seed_everything(7).normal(size=3), np.random.rand(3), keras.random.normal((3,)).numpy()
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    other = seed_everything(8).normal(size=3)
    assert not np.array_equal(first[0], other)
