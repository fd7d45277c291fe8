"""The Visual Wake Words loader, on a tiny fixture in MLPerf Tiny's layout (tests/fixtures/vw_coco2014_96)."""
import shutil

import numpy as np
import pytest
from PIL import Image

from course.data import group_split, images, load_visual_wake_words
from course.data.visual_wake_words import read_image

pytestmark = pytest.mark.unit

ROOT = __import__("pathlib").Path(__file__).parent / "fixtures" / "vw_coco2014_96"


def test_classes_labels_shapes_and_order():
    data = load_visual_wake_words(ROOT, size=32)
    assert data.classes == ["no_person", "person"] and data.name == "visual_wake_words"
    assert data.x.shape == (5, 32, 32, 1) and data.x.dtype == np.uint8
    assert data.counts() == {"no_person": 2, "person": 3}
    assert np.array_equal(data.y, [0, 1, 0, 1, 1])  # interleaved while both classes last
    assert list(data.meta["file"]) == ["non_person/COCO_train2014_000000000009.jpg",
                                       "person/COCO_train2014_000000000036.jpg",
                                       "non_person/COCO_train2014_000000000025.jpg",
                                       "person/COCO_train2014_000000000049.jpg",
                                       "person/COCO_train2014_000000000061.jpg"]
    assert "README.txt" not in " ".join(data.meta["file"])


def test_pixels_are_the_gray_image_averaged_down():
    data = load_visual_wake_words(ROOT, size=32)
    with Image.open(ROOT / "person" / "COCO_train2014_000000000036.jpg") as image:
        assert image.size == (96, 96) and image.mode == "RGB"
        gray = np.asarray(image.convert("L"), dtype=float)
    expected = gray.reshape(32, 3, 32, 3).mean(axis=(1, 3))
    assert np.abs(data.x[1, :, :, 0].astype(float) - expected).max() <= 1
    full = load_visual_wake_words(ROOT, size=96)
    assert np.array_equal(full.x[1, :, :, 0], gray.astype(np.uint8))
    assert np.array_equal(read_image(ROOT / "person" / "COCO_train2014_000000000036.jpg", 96), full.x[1, :, :, 0])
    assert np.allclose(data.meta["brightness"], data.x.mean(axis=(1, 2, 3)) / 255, atol=1e-6)


def test_same_metadata_keys_as_the_proxy_and_a_split_by_photo():
    real, proxy = load_visual_wake_words(ROOT), images(n_per_class=2)
    assert set(real.meta) - {"file"} == set(proxy.meta)
    assert all(real.meta[k].dtype.kind == proxy.meta[k].dtype.kind for k in proxy.meta)
    assert list(real.meta["scene"][:2]) == ["COCO_train2014_000000000009", "COCO_train2014_000000000036"]
    assert np.all(real.meta["person"] == "") and np.all(np.isnan(real.meta["object_size"]))
    train, test = group_split(real.meta["scene"], 0.4, seed=0)
    assert len(train) + len(test) == len(real) and not set(real.meta["scene"][train]) & set(real.meta["scene"][test])


def test_max_per_class_draws_with_the_seed(tmp_path):
    root = tmp_path / "vww"
    shutil.copytree(ROOT, root)
    for k in range(6):  # more non-person images, in PNG
        Image.fromarray(np.full((96, 96, 3), 40 * k, np.uint8)).save(root / "non_person" / f"extra_{k}.png")
    every = load_visual_wake_words(root, size=16)
    assert every.counts() == {"no_person": 8, "person": 3}
    a, b, c = (load_visual_wake_words(root, size=16, max_per_class=2, seed=s) for s in (0, 0, 5))
    assert a.counts() == {"no_person": 2, "person": 2} and np.array_equal(a.x, b.x)
    assert any(not np.array_equal(a.meta["file"], load_visual_wake_words(root, 16, 2, seed=s).meta["file"])
               for s in range(1, 6)) and len(c) == 4


def test_a_missing_class_folder_is_an_error(tmp_path):
    (tmp_path / "person").mkdir()
    with pytest.raises(FileNotFoundError, match="non_person"):
        load_visual_wake_words(tmp_path)
