"""Magic-wand gestures with a 1-D CNN: accelerometer windows → centred windows → `course.models.wand_cnn`,
trained with augmented copies — randomly rotated (each person holds the wand their own way) and with their
movement scaled down (some people draw small or slow) — and checked on people it never saw.
Week 0x02 trains it beside the feature-based baseline and deploys it as int8 on TFLite Micro.

The model's input is each window minus its own mean per axis: the mean is mostly gravity and the sensor's
bias, which say how the wand is *held*, not what it *drew*. A device computes it in a few additions per
sample before calling the model, as it computes log-mels for the keyword spotter.
"""
import numpy as np
from scipy.spatial.transform import Rotation

from course.data import Dataset

ROTATION_DEGREES = 20.0  # spread (standard deviation) of the random rotations of training windows
GAIN_RANGE = (0.4, 1.0)  # random gains of the copies' movement: smaller or slower strokes, as some people draw
COPIES = 1  # augmented copies of every training window
EPOCHS, BATCH_SIZE = 15, 32


def model_input(x: np.ndarray | Dataset) -> np.ndarray:
    """Windows (N, time, axes) in g (or a Dataset) → model input (N, time, 1, axes) float32, each window
    minus its mean per axis."""
    x = np.asarray(x.x if isinstance(x, Dataset) else x, dtype=np.float32)
    return (x - x.mean(axis=1, keepdims=True))[:, :, None, :]


def rotate(x: np.ndarray, degrees: float, rng: np.random.Generator) -> np.ndarray:
    """Every window (N, time, 3) turned by its own random rotation: an axis-angle vector with
    independent normal components of standard deviation `degrees` (as if the sensor were held differently)."""
    turns = Rotation.from_rotvec(rng.normal(0.0, np.radians(degrees), (len(x), 3))).as_matrix()
    return np.einsum("nij,ntj->nti", turns, x).astype(np.float32)


def scale_motion(x: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Every window's movement (what differs from its mean) multiplied by its own `gain`: smaller or bigger
    strokes, same grip. `gain` has one value per window."""
    mean = x.mean(axis=1, keepdims=True)
    return (mean + np.asarray(gain, dtype=np.float32)[:, None, None] * (x - mean)).astype(np.float32)


def augment(x: np.ndarray, y: np.ndarray, copies: int = COPIES, degrees: float = ROTATION_DEGREES,
            gain_range: tuple[float, float] = GAIN_RANGE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`x`, `y` followed by `copies` copies of every window, each randomly rotated (`rotate`) and its movement
    scaled by a random gain drawn uniformly from `gain_range` (`scale_motion`)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float32)
    copied = [scale_motion(rotate(x, degrees, rng), rng.uniform(*gain_range, len(x))) for _ in range(copies)]
    return np.concatenate([x, *copied]), np.tile(y, copies + 1)


def train_wand(x: np.ndarray, y: np.ndarray, epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
               copies: int = COPIES, degrees: float = ROTATION_DEGREES, gain_range: tuple[float, float] = GAIN_RANGE,
               seed: int = 0):
    """Train a new `course.models.wand_cnn` on windows `x` (N, time, 3) and labels `y` with `copies` augmented
    copies of every window (`augment`); return (model, history). Seeds everything with `seed` first."""
    from course.models import wand_cnn
    from course.notebook.seeding import seed_everything

    seed_everything(seed)
    x_all, y_all = augment(x, y, copies, degrees, gain_range, seed)
    inputs = model_input(x_all)
    model = wand_cnn(input_shape=inputs.shape[1:], n_classes=int(np.max(y)) + 1)
    history = model.fit(inputs, y_all, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True)
    return model, history


def stroke_strength(data: Dataset) -> np.ndarray:
    """Per window: the size of the stroke over its duration squared (m/s², 0 for idle), which the
    acceleration a stroke makes grows with; small, slow strokes barely rise above the hand's sway."""
    duration = data.meta["duration"]
    return np.where(duration > 0, data.meta["size"] / np.maximum(duration, 1e-9) ** 2, 0.0)
