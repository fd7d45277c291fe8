"""Loader for Visual Wake Words (a folder you already have), in the same shape as `images`.

Expected layout, as MLPerf Tiny's visual-wake-words benchmark ships it (`vw_coco2014_96.tar.gz`, unpacked
to `vw_coco2014_96/`): a `person/` and a `non_person/` folder of 96×96 RGB JPEG images cut from COCO 2014,
named as in COCO (`COCO_train2014_000000000036.jpg`). An image is `person` when COCO marks a person in it
whose box covers at least 0.5 % of the image (the rule of the Visual Wake Words paper, Chowdhery et al.
2019). Other files and folders are ignored; PNG files are read too.
"""
from pathlib import Path

import numpy as np
from PIL import Image

from course.data.dataset import Dataset
from course.data.images import CLASSES

FOLDERS = ("non_person", "person")  # label 0, label 1: the order of images.CLASSES
SUFFIXES = (".jpg", ".jpeg", ".png")


def read_image(path: Path, size: int) -> np.ndarray:
    """One image file as uint8 grayscale (size, size): ITU-R 601 luma, averaged down (box filter)."""
    with Image.open(path) as image:
        gray = image.convert("L")
        if gray.size != (size, size):
            gray = gray.resize((size, size), Image.Resampling.BOX)
        return np.asarray(gray, dtype=np.uint8)


def load_visual_wake_words(root: str | Path, size: int = 32, max_per_class: int | None = None,
                           seed: int = 0) -> Dataset:
    """Load a Visual Wake Words folder as a `Dataset` like `images()` (uint8 (N, size, size, 1)).

    `max_per_class` draws that many files of each class (with `seed`) to save memory and time. The
    metadata has the keys of `images()`; what COCO photos do not record is empty ("") or NaN: each photo
    is its own `scene` (its file stem), `person` and `lighting` are unknown, `brightness` is measured.
    Plus `file` (relative path). Classes are interleaved where both have images, as in `images()`.
    """
    root = Path(root)
    files = []
    for folder in FOLDERS:
        if not (root / folder).is_dir():
            raise FileNotFoundError(f"{root / folder} is missing: expected {' and '.join(FOLDERS)} folders")
        found = sorted(p for p in (root / folder).iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        if max_per_class is not None and len(found) > max_per_class:
            chosen = np.random.default_rng(seed).choice(len(found), max_per_class, replace=False)
            found = [found[i] for i in sorted(chosen)]
        files.append(found)
    order = [(label, k) for k in range(max(map(len, files))) for label in (0, 1) if k < len(files[label])]
    x = np.zeros((len(order), size, size, 1), dtype=np.uint8)
    for i, (label, k) in enumerate(order):
        x[i, :, :, 0] = read_image(files[label][k], size)
    n = len(order)
    unknown, text = np.full(n, np.nan, np.float32), np.full(n, "")
    meta = {"scene": np.array([files[label][k].stem for label, k in order]), "person": text,
            "background": text, "n_distractors": np.full(n, -1), "object_size": unknown,
            "contrast": unknown, "x": unknown, "y": unknown, "lighting": text, "exposure": unknown,
            "brightness": (x.reshape(n, -1).mean(axis=1) / 255).astype(np.float32),
            "file": np.array([f"{FOLDERS[label]}/{files[label][k].name}" for label, k in order])}
    y = np.array([label for label, _ in order], dtype=np.int64)
    return Dataset("visual_wake_words", x, y, list(CLASSES), meta)
