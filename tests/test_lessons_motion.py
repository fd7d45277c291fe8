"""Magic-wand gestures with a 1-D CNN: model input, rotation and gain augmentation, training, stroke strength."""
import numpy as np
import pytest

import course  # noqa: F401  (quiet TensorFlow before it loads)
from course.data import gestures
from course.lessons import motion

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def small():
    return gestures(n_per_class=12, n_people=4, seed=3)


def test_model_input_centres_every_window_and_adds_the_width_axis(small):
    x = motion.model_input(small)
    assert x.shape == (len(small), 128, 1, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-5)
    # centring removes gravity: the raw windows average about 1 g in magnitude, the input far less
    assert np.linalg.norm(small.x.mean(axis=1), axis=1).min() > 0.8 > np.abs(x).mean()


def test_rotate_keeps_lengths_turns_directions_and_repeats_with_the_seed(small):
    turned = motion.rotate(small.x, 20.0, np.random.default_rng(0))
    assert turned.shape == small.x.shape and turned.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(turned, axis=2), np.linalg.norm(small.x, axis=2), rtol=1e-4)
    assert not np.allclose(turned, small.x, atol=1e-3)
    np.testing.assert_array_equal(turned, motion.rotate(small.x, 20.0, np.random.default_rng(0)))
    np.testing.assert_allclose(motion.rotate(small.x, 0.0, np.random.default_rng(0)), small.x, atol=1e-6)


def test_scale_motion_scales_the_movement_and_keeps_the_mean(small):
    gain = np.full(len(small), 0.5)
    scaled = motion.scale_motion(small.x, gain)
    np.testing.assert_allclose(scaled.mean(axis=1), small.x.mean(axis=1), atol=1e-5)
    np.testing.assert_allclose(motion.model_input(scaled), 0.5 * motion.model_input(small), atol=1e-5)


def test_augment_appends_rotated_and_scaled_copies_with_their_labels(small):
    x, y = motion.augment(small.x, small.y, copies=2, seed=0)
    assert x.shape == (3 * len(small), 128, 3) and np.array_equal(y, np.tile(small.y, 3))
    np.testing.assert_array_equal(x[:len(small)], small.x)
    copy = x[len(small):2 * len(small)]
    assert not np.allclose(copy, small.x, atol=1e-3)
    # gains are at most 1: no copy moves more than its original (rotation keeps lengths)
    moving = small.y != small.classes.index("idle")
    movement = lambda w: np.linalg.norm(motion.model_input(w), axis=3).std(axis=(1, 2))  # noqa: E731
    assert np.all(movement(copy)[moving] <= movement(small.x)[moving] * 1.01)


def test_training_learns_the_gestures(small):
    model, history = motion.train_wand(small.x, small.y, epochs=25, batch_size=16, copies=1, seed=0)
    assert model.input_shape == (1, 128, 1, 3) and model.output_shape == (1, len(small.classes))
    assert history.history["accuracy"][-1] > 0.8
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_stroke_strength_is_size_over_duration_squared_and_zero_when_idle(small):
    strength = motion.stroke_strength(small)
    idle = small.y == small.classes.index("idle")
    assert np.all(strength[idle] == 0)
    np.testing.assert_allclose(strength[~idle], small.meta["size"][~idle] / small.meta["duration"][~idle] ** 2, rtol=1e-5)
