"""Sine and digits: determinism, shapes, ranges; dataset cards and the Dataset record."""
import numpy as np
import pytest

from course.data import Dataset, card, digits, sine

pytestmark = pytest.mark.unit


def test_sine_is_deterministic_and_shaped():
    a, b, c = sine(seed=0), sine(seed=0), sine(seed=1)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert a.x.shape == (1000, 1) and a.x.dtype == np.float32 and a.y.shape == (1000,)
    assert a.x.min() >= 0 and a.x.max() <= 2 * np.pi and a.classes == []
    assert np.allclose(a.meta["clean"], np.sin(a.x[:, 0]), atol=1e-6)
    assert 0.08 < np.std(a.y - a.meta["clean"]) < 0.12
    assert np.array_equal(sine(n=50, noise=0.0).y, sine(n=50, noise=0.0).meta["clean"])


def test_digits_shape_range_and_seeded_order():
    a, b, c = digits(0), digits(0), digits(1)
    assert a.x.shape == (1797, 8, 8) and a.x.dtype == np.float32
    assert a.x.min() == 0.0 and a.x.max() == 1.0
    assert a.classes == [str(d) for d in range(10)] and set(a.y) == set(range(10))
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    assert np.array_equal(np.sort(a.meta["index"]), np.arange(1797))
    assert np.array_equal(a.x[np.argsort(a.meta["index"])], c.x[np.argsort(c.meta["index"])])
    assert a.nbytes < 1_000_000


def test_dataset_record_validates_and_takes_subsets():
    data = sine(n=10)
    part = data.take(np.array([1, 3]))
    assert len(part) == 2 and np.array_equal(part.x, data.x[[1, 3]])
    assert np.array_equal(part.meta["clean"], data.meta["clean"][[1, 3]])
    with pytest.raises(ValueError):
        Dataset("sine", np.zeros(3), np.zeros(2), [])
    with pytest.raises(ValueError):
        Dataset("sine", np.zeros(3), np.zeros(3), [], {"bad": np.zeros(4)})


def test_every_card_exists_and_names_its_function():
    for name in ["sine", "digits", "keywords", "speech_commands", "gestures", "vibration", "images"]:
        text = card(name)
        assert text.startswith("# Dataset card") and "Known limits" in text
    with pytest.raises(KeyError):
        card("no-such-dataset")
    assert sine(n=3).card() == card("sine")
