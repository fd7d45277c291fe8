"""A visual-wake-words proxy: small grayscale scenes with or without a person-like figure.

Scenes are drawn at twice the output size and averaged down (anti-aliasing): a textured or
cluttered background under uneven lighting, distracting shapes (poles, balls, boxes, bars) in both
classes, and in "person" scenes a stick-and-blob figure (head, torso, arms, legs) of random size,
pose, position and contrast, sometimes partly outside the frame.
"""
import numpy as np
from scipy.ndimage import gaussian_filter

from course.data.dataset import Dataset

CLASSES = ["no_person", "person"]
BACKGROUNDS = ["gradient", "texture", "stripes", "clutter"]


def _segment(xx: np.ndarray, yy: np.ndarray, a: tuple, b: tuple, width: float) -> np.ndarray:
    """Mask of a thick line segment from a to b (points as (x, y))."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = np.clip(((xx - ax) * dx + (yy - ay) * dy) / (dx * dx + dy * dy + 1e-9), 0, 1)
    return np.hypot(xx - ax - t * dx, yy - ay - t * dy) <= width / 2


def _ellipse(xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1


def _person(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, cx: float, top: float, h: float) -> np.ndarray:
    """Mask of a standing figure `h` tall whose head top is at (cx, top)."""
    head = h * rng.uniform(0.09, 0.12)
    neck = top + 2 * head
    hip = neck + h * rng.uniform(0.33, 0.4)
    width = h * rng.uniform(0.1, 0.15)
    mask = _ellipse(xx, yy, cx, top + head, head, head * 1.1)
    mask |= _ellipse(xx, yy, cx, (neck + hip) / 2, width, (hip - neck) / 2)
    limb = max(h * rng.uniform(0.06, 0.09), 1.2)
    for side in (-1, 1):
        spread = rng.uniform(0.0, 0.25) * h
        mask |= _segment(xx, yy, (cx + side * width * 0.4, hip), (cx + side * spread, top + h), limb)
        angle = rng.uniform(-0.4, 2.2)  # from hanging down to raised
        reach = h * rng.uniform(0.3, 0.4)
        hand = (cx + side * (width + reach * np.sin(angle)), neck + head * 0.5 + reach * np.cos(angle))
        mask |= _segment(xx, yy, (cx + side * width * 0.8, neck + head * 0.5), hand, limb * 0.9)
    return mask


def _distractor(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, n: int) -> np.ndarray:
    """Mask of one object that is not a person: pole, ball, box, bar or a blob on a stick."""
    kind = rng.integers(5)
    cx, cy, s = rng.uniform(0, n), rng.uniform(0, n), rng.uniform(0.1, 0.6) * n
    if kind == 0:  # pole
        return _segment(xx, yy, (cx, cy - s), (cx + rng.normal(0, 0.1) * s, cy + s), rng.uniform(1, 0.15 * s + 1))
    if kind == 1:  # ball
        return _ellipse(xx, yy, cx, cy, s / 3, s / 3 * rng.uniform(0.8, 1.2))
    if kind == 2:  # box
        return (np.abs(xx - cx) < s / 2) & (np.abs(yy - cy) < s * rng.uniform(0.2, 0.8))
    if kind == 3:  # bar at an angle
        a = rng.uniform(0, np.pi)
        return _segment(xx, yy, (cx - s * np.cos(a), cy - s * np.sin(a)), (cx + s * np.cos(a), cy + s * np.sin(a)),
                        rng.uniform(1, 0.2 * s + 1))
    mask = _ellipse(xx, yy, cx, cy - s / 2, s / 5, s / 5)  # blob on a stick: a lamp or a sign
    return mask | _segment(xx, yy, (cx, cy - s / 2), (cx, cy + s / 2), rng.uniform(1, 0.08 * s + 1.5))


def _background(rng: np.random.Generator, kind: str, xx: np.ndarray, yy: np.ndarray, n: int) -> np.ndarray:
    """A background image with values roughly in [0, 1]."""
    base = rng.uniform(0.25, 0.75)
    if kind == "gradient":
        return base + rng.uniform(-0.3, 0.3) * (xx / n - 0.5) + rng.uniform(-0.3, 0.3) * (yy / n - 0.5)
    if kind == "texture":
        noise = gaussian_filter(rng.standard_normal((n, n)), rng.uniform(1, 4))
        return base + noise / (noise.std() + 1e-9) * rng.uniform(0.05, 0.2)
    if kind == "stripes":
        a, period = rng.uniform(0, np.pi), rng.uniform(4, 16) * n / 32
        phase = (xx * np.cos(a) + yy * np.sin(a)) * 2 * np.pi / period
        return base + rng.uniform(0.05, 0.2) * np.sign(np.sin(phase + rng.uniform(0, 2 * np.pi)))
    image = np.full((n, n), base)
    for _ in range(rng.integers(4, 10)):  # clutter: overlapping boxes and ellipses
        cx, cy, w, h = rng.uniform(0, n, 4)
        shape = (np.abs(xx - cx) < w / 3) & (np.abs(yy - cy) < h / 3) if rng.random() < 0.5 else \
            _ellipse(xx, yy, cx, cy, w / 4 + 1, h / 4 + 1)
        image[shape] = rng.uniform(0.1, 0.9)
    return image


def _scene(rng: np.random.Generator, person: bool, size: int) -> tuple[np.ndarray, dict]:
    """One size×size uint8 image and its metadata."""
    n = 2 * size
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    image = _background(rng, kind, xx, yy, n)
    n_distractors = int(rng.integers(0, 4))
    for _ in range(n_distractors):
        image[_distractor(rng, xx, yy, n)] = rng.uniform(0.05, 0.95)
    info = {"background": kind, "n_distractors": n_distractors, "object_size": 0.0, "contrast": 0.0,
            "x": np.nan, "y": np.nan}
    if person:
        h = rng.uniform(0.35, 0.9) * n
        cx = rng.uniform(0.1, 0.9) * n
        top = rng.uniform(-0.15 * h, n - 0.85 * h)
        mask = _person(rng, xx, yy, cx, top, h)
        contrast = rng.choice([-1, 1]) * rng.uniform(0.2, 0.55)
        image[mask] = np.clip(image[mask].mean() + contrast, 0.02, 0.98) + rng.normal(0, 0.03, mask.sum())
        info.update(object_size=h / 2, contrast=contrast, x=cx / 2, y=(top + h / 2) / 2)
    light = rng.uniform(0.5, 1.3) * (1 + rng.uniform(-0.4, 0.4) * (xx / n - 0.5))  # exposure and vignetting
    image = gaussian_filter(image * light, rng.uniform(0.3, 0.9))
    image = image.reshape(size, 2, size, 2).mean(axis=(1, 3)) + rng.normal(0, rng.uniform(0.01, 0.04), (size, size))
    pixels = np.clip(np.round(image * 255), 0, 255).astype(np.uint8)
    info["brightness"] = pixels.mean() / 255
    return pixels, info


def images(n_per_class: int = 1000, size: int = 32, seed: int = 0) -> Dataset:
    """Grayscale scenes x uint8 (N, size, size, 1); classes no_person, person (balanced).

    Divide by 255 for floats. Metadata: object_size (figure height in pixels, 0 without a person),
    background, brightness, contrast (figure minus surroundings), x, y (figure centre), n_distractors.
    """
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(2), n_per_class)  # interleaved: any prefix is balanced
    x = np.zeros((len(y), size, size, 1), dtype=np.uint8)
    rows = []
    for i, label in enumerate(y):
        x[i, :, :, 0], info = _scene(rng, bool(label), size)
        rows.append(info)
    meta = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    meta = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in meta.items()}
    return Dataset("images", x, y.astype(np.int64), list(CLASSES), meta)
