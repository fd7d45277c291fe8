"""Magic-wand accelerometer gestures: determinism, shapes, physics sanity, person splits."""
import numpy as np
import pytest

from course.data import gestures, group_split

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def data():
    return gestures(n_per_class=40, n_people=8, seed=0)


def test_deterministic_and_seed_dependent(data):
    again = gestures(n_per_class=40, n_people=8, seed=0)
    assert np.array_equal(data.x, again.x) and np.array_equal(data.meta["person"], again.meta["person"])
    assert not np.array_equal(data.x, gestures(n_per_class=40, n_people=8, seed=1).x)


def test_shapes_classes_balance_and_metadata(data):
    assert data.classes == ["wing", "ring", "slope", "idle"]
    assert data.x.shape == (160, 128, 3) and data.x.dtype == np.float32 and data.sample_rate == 25.0
    assert set(data.counts().values()) == {40}
    assert set(data.meta) >= {"person", "size", "duration", "onset", "tilt"}
    assert len(set(data.meta["person"])) == 8
    for i in range(4):  # every person performs every class
        assert len(set(data.meta["person"][data.y == i])) == 8
    idle = data.y == 3
    assert np.all(data.meta["size"][idle] == 0) and np.all(data.meta["size"][~idle] > 0.1)


def test_physics_gravity_and_motion(data):
    # At rest the accelerometer reads about 1 g; strokes add a few g at most; idle barely moves.
    magnitude = np.linalg.norm(data.x, axis=2)
    assert 0.9 < np.median(magnitude) < 1.1
    assert np.abs(data.x).max() < 16  # a ±16 g sensor range is enough
    motion = (data.x - data.x.mean(axis=1, keepdims=True)).std(axis=(1, 2))
    idle = data.y == 3
    assert motion[~idle].min() > motion[idle].max()


def test_person_split_and_other_rates():
    fast = gestures(n_per_class=2, n_people=2, sample_rate=100, length=200, seed=0)
    assert fast.x.shape == (8, 200, 3) and fast.sample_rate == 100
    with pytest.raises(ValueError):
        gestures(n_per_class=1, sample_rate=30)
    data = gestures(n_per_class=10, n_people=6, seed=0)
    train, test = group_split(data.meta["person"], 0.3, seed=0)
    assert not set(data.meta["person"][train]) & set(data.meta["person"][test])
    assert len(train) + len(test) == len(data) and gestures().nbytes < 20_000_000
