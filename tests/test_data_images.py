"""Visual-wake-words proxy images: determinism, shapes, balance, metadata, visible figures, scenes and
people, lighting, augmentation."""
import numpy as np
import pytest

from course.data import group_split, images
from course.data.images import IMAGES_PER_SCENE, LIGHTING, augment

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
    assert np.all((data.meta["object_size"][person] >= 19) & (data.meta["object_size"][person] <= 31))
    assert np.all(np.abs(data.meta["contrast"][person]) >= 0.2)
    assert np.all(data.meta["person"][~person] == "") and np.all(data.meta["person"][person] != "")
    assert set(data.meta["background"]) <= {"gradient", "texture", "stripes", "clutter"}
    assert len(set(data.meta["background"])) >= 2  # one per scene: 6 scenes here
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


def test_scenes_hold_their_people_so_a_scene_split_tests_new_people_in_new_scenes(data):
    scenes, people = data.meta["scene"], data.meta["person"]
    assert len(np.unique(scenes)) == len(data) // IMAGES_PER_SCENE
    for person in np.unique(people[people != ""]):
        assert len(set(scenes[people == person])) == 1 and person.startswith(scenes[people == person][0] + "-")
    train, test = group_split(scenes, 0.25, seed=0)
    assert not set(scenes[train]) & set(scenes[test])
    assert not (set(people[train]) & set(people[test])) - {""}
    # A scene's view is fixed: its no-person images differ far less from each other than from another scene's.
    empty = data.y == 0
    first, second = (data.x[empty & (scenes == s)].astype(float) for s in ("s000", "s001"))
    first, second = (a / a.mean(axis=(1, 2, 3), keepdims=True) for a in (first, second))  # lighting aside
    assert np.abs(first[0] - first[1]).mean() < 0.5 * np.abs(first[0] - second[0]).mean()


def test_lighting_conditions_set_exposure_and_brightness(data):
    assert set(data.meta["lighting"]) == set(LIGHTING)
    for condition, ((low, high), _) in LIGHTING.items():
        exposure = data.meta["exposure"][data.meta["lighting"] == condition]
        assert np.all((exposure >= low) & (exposure <= high))
    mean = {c: data.x[data.meta["lighting"] == c].mean() for c in LIGHTING}
    assert mean["dim"] < mean["indoor"] < mean["bright"]


def test_augment_flips_crops_and_brightens():
    x = np.zeros((200, 8, 8, 1), np.uint8)
    x[:, :, :4] = 100  # left half grey, right half black
    rng = np.random.default_rng(0)
    flipped = augment(x, rng, max_shift=0, brightness=(1, 1))
    assert flipped.shape == x.shape and flipped.dtype == np.uint8
    mirrored = flipped[:, 0, 0, 0] == 0
    assert 0.35 < mirrored.mean() < 0.65 and np.all(flipped[mirrored, :, 4:] == 100)
    assert np.array_equal(flipped[~mirrored], x[~mirrored])
    shifted = augment(x, rng, flip=False, max_shift=2, brightness=(1, 1))
    edges = (shifted[:, 0, :, 0] == 100).sum(axis=1)  # grey columns: 4 ± 2
    assert set(edges.tolist()) == {2, 3, 4, 5, 6}
    brighter = augment(x, rng, flip=False, max_shift=0, brightness=(3, 4))
    assert np.all(brighter[:, :, :4] == 255) and np.all(brighter[:, :, 4:] == 0)  # clipped, not wrapped
    darker = augment(x, np.random.default_rng(1), flip=False, max_shift=0, brightness=(0.5, 0.5))
    assert np.all(darker[:, :, :4] == 50)
    again = augment(x, np.random.default_rng(1), flip=False, max_shift=0, brightness=(0.5, 0.5))
    assert np.array_equal(darker, again)
    with pytest.raises(ValueError):
        augment(x.astype(np.float32), rng)
