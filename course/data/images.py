"""A visual-wake-words proxy: small grayscale scenes with or without a person-like figure.

Scenes are drawn at twice the output size and averaged down (anti-aliasing). Each image comes from one
**scene** (a camera's view: a textured or cluttered background and distracting shapes — poles, balls,
boxes, bars — in both classes) and, in "person" images, shows one of that scene's **people** (a
stick-and-blob figure — head, torso, arms, legs — whose build and tone stay the same from image to image
while pose, size and position change). People belong to one scene, like the household a doorbell camera
sees, so a split by scene (`group_split(meta["scene"])`) tests new people in new scenes. Every image is
taken under one **lighting** condition (dim, indoor or bright: exposure, uneven light and sensor noise).
"""
import numpy as np
from scipy.ndimage import gaussian_filter

from course.data.dataset import Dataset

CLASSES = ["no_person", "person"]
BACKGROUNDS = ["gradient", "texture", "stripes", "clutter"]
# Lighting condition → (exposure range, sensor noise range as a fraction of full scale). A dim scene
# needs more gain, so its noise is larger; a bright one saturates (clips at 255) more often.
LIGHTING = {"dim": ((0.35, 0.6), (0.02, 0.045)), "indoor": ((0.7, 1.0), (0.01, 0.03)),
            "bright": ((1.1, 1.35), (0.01, 0.02))}
IMAGES_PER_SCENE = 20
PEOPLE_PER_SCENE = 2


def _segment(xx: np.ndarray, yy: np.ndarray, a: tuple, b: tuple, width: float) -> np.ndarray:
    """Mask of a thick line segment from a to b (points as (x, y))."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = np.clip(((xx - ax) * dx + (yy - ay) * dy) / (dx * dx + dy * dy + 1e-9), 0, 1)
    return np.hypot(xx - ax - t * dx, yy - ay - t * dy) <= width / 2


def _ellipse(xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1


def _build(rng: np.random.Generator) -> dict[str, float]:
    """One person's build and tone, kept in every image of them (fractions of their height)."""
    return {"head": rng.uniform(0.1, 0.13), "torso": rng.uniform(0.33, 0.4), "width": rng.uniform(0.12, 0.17),
            "limb": rng.uniform(0.08, 0.11), "tone": rng.choice([-1, 1]) * rng.uniform(0.35, 0.55)}


def _person(rng: np.random.Generator, build: dict[str, float], xx: np.ndarray, yy: np.ndarray, cx: float,
            top: float, h: float) -> np.ndarray:
    """Mask of a standing figure of `build`, `h` tall, whose head top is at (cx, top), in a random pose."""
    head = h * build["head"]
    neck = top + 2 * head
    hip = neck + h * build["torso"]
    width = h * build["width"]
    mask = _ellipse(xx, yy, cx, top + head, head, head * 1.1)
    mask |= _ellipse(xx, yy, cx, (neck + hip) / 2, width, (hip - neck) / 2)
    limb = max(h * build["limb"], 1.2)
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
        return base + noise / (noise.std() + 1e-9) * rng.uniform(0.04, 0.12)
    if kind == "stripes":
        a, period = rng.uniform(0, np.pi), rng.uniform(4, 16) * n / 32
        phase = (xx * np.cos(a) + yy * np.sin(a)) * 2 * np.pi / period
        return base + rng.uniform(0.04, 0.12) * np.sign(np.sin(phase + rng.uniform(0, 2 * np.pi)))
    image = np.full((n, n), base)
    for _ in range(rng.integers(3, 7)):  # clutter: overlapping boxes (furniture, shelves, frames)
        cx, cy, w, h = rng.uniform(0, n, 4)
        image[(np.abs(xx - cx) < w / 3) & (np.abs(yy - cy) < h / 3)] = base + rng.uniform(-0.25, 0.25)
    return image


def _view(rng: np.random.Generator, size: int) -> tuple[np.ndarray, dict]:
    """A scene's fixed view at 2× resolution (background and distractors) and its metadata."""
    n = 2 * size
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    image = _background(rng, kind, xx, yy, n)
    n_distractors = int(rng.integers(0, 3))
    for _ in range(n_distractors):
        image[_distractor(rng, xx, yy, n)] = rng.uniform(0.05, 0.95)
    return image, {"background": kind, "n_distractors": n_distractors}


def _photo(rng: np.random.Generator, view: np.ndarray, build: dict[str, float] | None,
           lighting: str) -> tuple[np.ndarray, dict]:
    """One uint8 image of `view` (with a person of `build`, if any) under `lighting`, and its metadata."""
    n = len(view)
    size = n // 2
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    image = view.copy()
    info = {"object_size": 0.0, "contrast": 0.0, "x": np.nan, "y": np.nan}
    if build is not None:
        h = rng.uniform(0.6, 0.95) * n
        cx = rng.uniform(0.1, 0.9) * n
        top = rng.uniform(-0.15 * h, n - 0.85 * h)
        mask = _person(rng, build, xx, yy, cx, top, h)
        contrast = build["tone"] * rng.uniform(0.85, 1.15)
        behind = image[mask].mean()
        if not 0.05 < behind + contrast < 0.95:  # against a very dark or bright wall, the clothes contrast the other way
            contrast = -contrast
        image[mask] = np.clip(behind + contrast, 0.02, 0.98) + rng.normal(0, 0.03, mask.sum())
        info.update(object_size=h / 2, contrast=contrast, x=cx / 2, y=(top + h / 2) / 2)
    (low, high), (noise_low, noise_high) = LIGHTING[lighting]
    exposure = rng.uniform(low, high)
    light = exposure * (1 + rng.uniform(-0.4, 0.4) * (xx / n - 0.5))  # uneven light and vignetting
    image = gaussian_filter(image * light, rng.uniform(0.3, 0.9))
    image = image.reshape(size, 2, size, 2).mean(axis=(1, 3)) + rng.normal(0, rng.uniform(noise_low, noise_high),
                                                                            (size, size))
    pixels = np.clip(np.round(image * 255), 0, 255).astype(np.uint8)
    info.update(lighting=lighting, exposure=exposure, brightness=pixels.mean() / 255)
    return pixels, info


def images(n_per_class: int = 1000, size: int = 32, seed: int = 0) -> Dataset:
    """Grayscale scenes x uint8 (N, size, size, 1); classes no_person, person (balanced).

    Images come in scenes of `IMAGES_PER_SCENE` (the last one may be smaller), half with a person, each
    person one of the scene's `PEOPLE_PER_SCENE` residents. Divide by 255 for floats. Metadata: scene
    ("s000"...), person ("s000-p0"..., "" without a person), lighting (dim, indoor, bright), exposure,
    object_size (figure height in pixels, 0 without a person), background, brightness (mean pixel / 255),
    contrast (figure minus surroundings), x, y (figure centre), n_distractors.
    """
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(2), n_per_class)  # interleaved: any prefix is balanced
    x = np.zeros((len(y), size, size, 1), dtype=np.uint8)
    rows = []
    conditions = list(LIGHTING)
    for start in range(0, len(y), IMAGES_PER_SCENE):
        scene = f"s{start // IMAGES_PER_SCENE:03d}"
        view, layout = _view(rng, size)
        builds = [_build(rng) for _ in range(PEOPLE_PER_SCENE)]
        for i in range(start, min(start + IMAGES_PER_SCENE, len(y))):
            who = int(rng.integers(PEOPLE_PER_SCENE)) if y[i] else None
            lighting = conditions[rng.integers(len(conditions))]
            x[i, :, :, 0], info = _photo(rng, view, None if who is None else builds[who], lighting)
            rows.append({"scene": scene, "person": "" if who is None else f"{scene}-p{who}", **layout, **info})
    meta = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    meta = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in meta.items()}
    return Dataset("images", x, y.astype(np.int64), list(CLASSES), meta)


def augment(x: np.ndarray, rng: np.random.Generator, flip: bool = True, max_shift: int = 2,
            brightness: tuple[float, float] = (0.6, 1.4)) -> np.ndarray:
    """Randomly changed copies of uint8 images x (N, H, W, C), as a camera might have seen them.

    Each image is mirrored left-right with probability 1/2 (if `flip`), cropped at a random offset of up
    to `max_shift` pixels from an edge-padded copy (the same size again: a small camera move), and
    multiplied by a random brightness factor in `brightness` (clipped to 0-255). Returns uint8, same shape.
    """
    x = np.asarray(x)
    if x.ndim != 4 or x.dtype != np.uint8:
        raise ValueError("augment expects uint8 images of shape (N, H, W, C)")
    n, h, w, _ = x.shape
    out = x.copy()
    if flip:
        mirrored = rng.random(n) < 0.5
        out[mirrored] = out[mirrored, :, ::-1]
    if max_shift:
        padded = np.pad(out, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)), mode="edge")
        dy, dx = rng.integers(0, 2 * max_shift + 1, (2, n))
        out = np.stack([padded[i, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    factor = rng.uniform(*brightness, (n, 1, 1, 1))
    return np.clip(np.round(out * factor), 0, 255).astype(np.uint8)
