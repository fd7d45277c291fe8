"""The person-detection lab's helpers: split by scene, training with augmentation, accuracy per group,
camera frames and their explorer, figures."""
import numpy as np
import polib
import pytest

from course.data import images
from course.data.images import LIGHTING
from course.lessons import vww
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def frames():
    return images(n_per_class=80, seed=0)


def test_split_by_scene_keeps_scenes_and_people_on_one_side(frames):
    train, test = vww.split_by_scene(frames, test_fraction=0.25, seed=0)
    assert len(train) + len(test) == len(frames) and 0.2 <= len(test) / len(frames) <= 0.4
    assert not set(train.meta["scene"]) & set(test.meta["scene"])
    assert not (set(train.meta["person"]) & set(test.meta["person"])) - {""}


def test_as_float_scales_to_unit_range():
    x = vww.as_float(np.array([0, 51, 255], np.uint8))
    assert x.dtype == np.float32 and np.allclose(x, [0, 0.2, 1])


def test_train_person_detector_learns_more_than_chance(frames):
    train, test = vww.split_by_scene(frames, seed=0)
    model = vww.train_person_detector(train, epochs=8, seed=0)
    assert model.output_shape == (1, 2)
    accuracy = np.mean(model.predict(vww.as_float(train.x), verbose=0).argmax(1) == train.y)
    assert accuracy > 0.6  # 128 frames, 8 epochs: well above chance on what it trained on


def test_accuracy_by_group():
    result = vww.accuracy_by(np.array(["dim", "bright", "dim", "dim"]), np.array([True, False, False, True]))
    assert result == {"bright": 0.0, "dim": pytest.approx(2 / 3)}
    with pytest.raises(ValueError):
        vww.accuracy_by(np.array(["a"]), np.array([True, False]))


def test_camera_frame_resolution_exposure_noise_and_saturation():
    scene = np.tile(np.array([[50, 150], [150, 50]], np.uint8), (48, 48))  # a 96×96 checkerboard of pixels
    frame = vww.camera_frame(scene, 32)
    assert frame.shape == (32, 32) and frame.dtype == np.uint8
    assert set(np.unique(frame)) == {94, 106}  # 3×3 blocks: (5·50 + 4·150) / 9 = 94.4 or the reverse, rounded
    assert np.all(vww.camera_frame(scene, 48) == 100)  # 2×2 blocks: the mean of two 50s and two 150s
    bright = vww.camera_frame(np.full((96, 96), 200, np.uint8), 16, exposure=2.0)
    assert np.all(bright == 255) and vww.frame_stats(bright)["saturated"] == 1.0
    dark = vww.camera_frame(np.full((96, 96), 200, np.uint8), 16, exposure=0.25)
    assert np.all(dark == 50) and vww.frame_stats(dark)["black"] == 0.0
    noisy = vww.camera_frame(np.full((96, 96), 128, np.uint8), 96, noise=0.05, seed=3)
    assert 8 < noisy.std() < 18 and np.array_equal(noisy, vww.camera_frame(np.full((96, 96), 128, np.uint8), 96,
                                                                          noise=0.05, seed=3))
    stats = vww.frame_stats(vww.camera_frame(scene, 32, exposure=1.0))
    assert stats["pixels"] == stats["bytes"] == 1024 and stats["mean"] == pytest.approx(100 / 255)
    with pytest.raises(ValueError):
        vww.camera_frame(np.zeros((90, 90), np.uint8), 32)


def test_camera_explorer_redraws_when_a_control_moves():
    scene = images(n_per_class=1, size=96, seed=4).x[1]
    box = vww.camera_explorer(scene)
    controls, summary, image = box.children
    before, picture = summary.value, image.value
    assert "1,024" in before and picture[:4] == b"\x89PNG"
    controls.children[0].value = 96
    assert "9,216" in summary.value and "27,648" in summary.value
    controls.children[1].value = 3.0
    assert summary.value != before and image.value != picture


def test_figures(frames):
    fig = vww.plot_frames_by_lighting(frames, per_condition=4)
    assert len(fig.axes) == 4 * len(LIGHTING) and "lighting" in fig._suptitle.get_text()
    counts = {c: 10 for c in LIGHTING}
    fig = vww.plot_accuracy_by({"float": {c: 0.9 for c in LIGHTING}, "int8": {c: 0.85 for c in LIGHTING}}, counts)
    ax = fig.axes[0]
    assert ax.get_title() == "Accuracy per lighting condition" and ax.get_ylabel() == "accuracy (%)"
    assert len(ax.patches) == 2 * len(LIGHTING)


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figures_and_explorer_speak_the_learners_language(frames, monkeypatch):
    counts = {c: 10 for c in LIGHTING}
    accuracy = {"float": {c: 0.9 for c in LIGHTING}, "int8": {c: 0.85 for c in LIGHTING}}
    english, english_grid = vww.plot_accuracy_by(accuracy, counts), vww.plot_frames_by_lighting(frames)
    assert "int8" in english.alt and "85.0 %" in english.alt and english_grid.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = vww.plot_accuracy_by(accuracy, counts)
    ax = spanish.axes[0]
    assert ax.get_title() == _spanish("Accuracy per lighting condition") != english.axes[0].get_title()
    assert ax.get_ylabel() == _spanish("accuracy (%)")
    assert spanish.alt != english.alt and "85.0 %" in spanish.alt
    spanish_grid = vww.plot_frames_by_lighting(frames)
    assert spanish_grid._suptitle.get_text() != english_grid._suptitle.get_text() and spanish_grid.alt != english_grid.alt
    controls, summary, image = vww.camera_explorer(images(n_per_class=1, size=96, seed=4).x[1]).children
    assert controls.children[0].description == _spanish("resolution") and _spanish("mean brightness") in summary.value
    assert image.tooltip.startswith("La escena")
