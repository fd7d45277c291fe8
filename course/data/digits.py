"""Handwritten digits 8×8: the copy bundled with scikit-learn (no download)."""
import numpy as np
from sklearn.datasets import load_digits

from course.data.dataset import Dataset


def digits(seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 digits as float32 images in [0, 1], shape (N, 8, 8), shuffled by `seed`.

    `meta["index"]` is each image's position in scikit-learn's original order.
    """
    bunch = load_digits()
    order = np.random.default_rng(seed).permutation(len(bunch.target))
    x = (bunch.images[order] / 16.0).astype(np.float32)
    y = bunch.target[order].astype(np.int64)
    return Dataset("digits", x, y, [str(d) for d in range(10)], {"index": order.astype(np.int64)})
