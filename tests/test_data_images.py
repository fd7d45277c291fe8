"""Visual-wake-words proxy images: determinism, shapes, balance, metadata, visible figures."""
import numpy as np
import pytest

from course.data import images

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def data():
    return images(n_per_class=60, seed=0)


def test_deterministic_and_seed_dependent(data):
    again = images(n_per_class=60, seed=0)
    assert np.array_equal(data.x, again.x) and np.array_equal(data.meta["object_size"], again.meta["object_size"])
    assert not np.array_equal(data.x, images(n_per_class=60, seed=1).x)


def test_shapes_classes_balance_and_metadata(data):
    assert data.classes == ["no_person", "person"]
    assert data.x.shape == (120, 32, 32, 1) and data.x.dtype == np.uint8
    assert data.counts() == {"no_person": 60, "person": 60}
    assert np.array_equal(data.y[:4], [0, 1, 0, 1])  # interleaved: every prefix is balanced
    person = data.y == 1
    assert np.all(data.meta["object_size"][~person] == 0) and np.all(np.isnan(data.meta["x"][~person]))
    assert np.all((data.meta["object_size"][person] >= 11) & (data.meta["object_size"][person] <= 29))
    assert np.all(np.abs(data.meta["contrast"][person]) >= 0.2)
    assert set(data.meta["background"]) == {"gradient", "texture", "stripes", "clutter"}
    assert np.allclose(data.meta["brightness"], data.x.mean(axis=(1, 2, 3)) / 255, atol=1e-6)
    assert data.x.std() > 20 and np.unique(data.x).size > 200


def test_figures_are_where_the_metadata_says():
    # A figure changes the pixels near its recorded centre: compare with the same scene's statistics
    # in a ring around the image (a cheap check that the label means something).
    data = images(n_per_class=40, seed=2)
    person = np.flatnonzero(data.y == 1)
    local_spread = []
    for i in person:
        cx, cy = int(round(float(data.meta["x"][i]))), int(round(float(data.meta["y"][i])))
        patch = data.x[i, max(cy - 4, 0):cy + 4, max(cx - 3, 0):cx + 3, 0].astype(float)
        local_spread.append(abs(patch.mean() - np.median(data.x[i])))
    assert np.median(local_spread) > 10


def test_other_sizes_and_memory():
    small = images(n_per_class=3, size=16, seed=0)
    assert small.x.shape == (6, 16, 16, 1)
    per_image = images(n_per_class=5).nbytes / 10
    assert per_image < 1200 and 2000 * per_image < 20_000_000  # the default set: 2,000 images
