"""Magic-wand gestures: 3-axis accelerometer windows of a wand drawing W ("wing"), O ("ring") and
a slope, or held idle, simulated from pen-tip trajectories by people with their own style.

Physics: the tip follows the shape in a vertical plane with a minimum-jerk speed profile per
stroke; the accelerometer (in g) measures that acceleration plus gravity, both rotated into the
wand's own tilted frame, plus hand sway, sensor noise and bias, averaged down to `sample_rate`.
"""
import numpy as np

from course.data.dataset import Dataset

CLASSES = ["wing", "ring", "slope", "idle"]
_SIM_RATE = 400  # Hz, simulation rate before averaging down
_G = 9.81
# Corner points (x right, z up, unit box) of the stroke shapes.
_SHAPES = {
    "wing": [(0.0, 1.0), (0.25, 0.0), (0.5, 0.65), (0.75, 0.0), (1.0, 1.0)],
    "slope": [(0.8, 1.0), (0.0, 0.0), (1.0, 0.0)],
}


def _min_jerk(n: int) -> np.ndarray:
    """Fraction of a stroke done at n evenly spaced times (starts and ends at rest)."""
    t = np.linspace(0.0, 1.0, n)
    return 10 * t ** 3 - 15 * t ** 4 + 6 * t ** 5


def _path(name: str, n: int) -> np.ndarray:
    """(n, 2) positions in the unit box tracing `name`; one minimum-jerk stroke per segment."""
    if name == "ring":
        angle = np.pi / 2 - 2 * np.pi * _min_jerk(n)  # clockwise from the top
        return 0.5 + 0.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    corners = np.array(_SHAPES[name])
    lengths = np.linalg.norm(np.diff(corners, axis=0), axis=1)
    counts = np.diff(np.round(np.concatenate([[0], np.cumsum(lengths)]) / lengths.sum() * n).astype(int))
    parts = [a + _min_jerk(k)[:, None] * (b - a) for a, b, k in zip(corners[:-1], corners[1:], counts)]
    return np.concatenate(parts)


def _rotation(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """World-from-sensor rotation matrix for angles in radians."""
    cr, sr, cp, sp, cy, sy = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def _person(rng: np.random.Generator) -> dict:
    """One person's style: size, speed, how they hold the wand, how unsteady and noisy."""
    return {"size": rng.uniform(0.15, 0.45), "duration": rng.uniform(0.9, 2.0),
            "roll": rng.normal(0, 0.35), "pitch": rng.normal(0, 0.35), "yaw": rng.uniform(-0.6, 0.6),
            "sway": rng.uniform(0.01, 0.05), "noise": rng.uniform(0.01, 0.04),
            "bias": rng.normal(0, 0.03, size=3)}


def _window(rng: np.random.Generator, name: str, person: dict, length: int, rate: float) -> tuple[np.ndarray, dict]:
    """One (length, 3) window in g, and the per-example values actually used."""
    step = int(_SIM_RATE / rate)
    sim_n = length * step
    size = person["size"] * rng.uniform(0.8, 1.2)
    duration = min(person["duration"] * rng.uniform(0.8, 1.25), 0.8 * length / rate)
    roll, pitch, yaw = (person[k] + rng.normal(0, 0.1) for k in ("roll", "pitch", "yaw"))
    position = np.zeros((sim_n, 3))
    onset = 0.0
    if name != "idle":
        n = int(duration * _SIM_RATE)
        start = int(rng.integers(0, sim_n - n))
        onset = start / _SIM_RATE
        stroke = _path(name, n) * size
        aspect = rng.uniform(0.85, 1.15)
        position[start:start + n, 0] = stroke[:, 0] * aspect
        position[start:start + n, 2] = stroke[:, 1]
        position[:start] = position[start]
        position[start + n:] = position[start + n - 1]
    else:  # idle: slow wandering of the hand
        duration, size = 0.0, 0.0
        for axis in range(3):
            position[:, axis] = np.cumsum(np.cumsum(rng.normal(0, 2e-6, sim_n)))
    turn = _rotation(0.0, 0.0, yaw)  # the drawing plane faces a direction of the person's choosing
    accel = np.gradient(np.gradient(position @ turn.T, axis=0), axis=0) * _SIM_RATE ** 2 / _G
    sway = np.cumsum(rng.normal(0, 1, (sim_n, 3)), axis=0)  # slow unsteadiness of the hand, in g
    sway = (sway - sway.mean(axis=0)) / (sway.std(axis=0) + 1e-9) * person["sway"]
    wand = _rotation(roll, pitch, 0.0)  # how the wand is held, relative to the drawing plane
    world = accel + np.array([0.0, 0.0, 1.0]) + sway
    sensor = world @ (turn @ wand)  # world → sensor frame (row vectors times the rotation)
    sensor = sensor.reshape(length, step, 3).mean(axis=1)
    sensor += person["bias"] + rng.normal(0, person["noise"], sensor.shape)
    return sensor.astype(np.float32), {"size": size, "duration": duration, "onset": onset,
                                       "tilt": np.degrees(np.hypot(roll, pitch))}


def gestures(n_per_class: int = 150, n_people: int = 12, sample_rate: float = 25.0, length: int = 128,
             seed: int = 0) -> Dataset:
    """Accelerometer windows x float32 (N, length, 3) in g; classes wing, ring, slope, idle.

    `n_people` people (each with their own size, speed, grip/tilt, sway, noise and sensor bias)
    share every class about equally. `sample_rate` must divide 400 Hz (e.g. 25, 50, 100).
    """
    if _SIM_RATE % sample_rate:
        raise ValueError("sample_rate must divide 400 Hz")
    rng = np.random.default_rng(seed)
    people = [_person(rng) for _ in range(n_people)]
    n = n_per_class * len(CLASSES)
    x = np.zeros((n, length, 3), dtype=np.float32)
    y = np.repeat(np.arange(len(CLASSES)), n_per_class)
    who = np.concatenate([np.resize(rng.permutation(n_people), n_per_class) for _ in CLASSES])
    values = []
    for i in range(n):
        x[i], used = _window(rng, CLASSES[y[i]], people[who[i]], length, sample_rate)
        values.append(used)
    meta = {"person": np.array([f"p{p:02d}" for p in who])}
    for k in ("size", "duration", "onset", "tilt"):
        meta[k] = np.array([v[k] for v in values], dtype=np.float32)
    return Dataset("gestures", x, y, list(CLASSES), meta, float(sample_rate))
