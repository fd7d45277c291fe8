"""The TinyML "hello world": learn y = sin(x) from noisy samples."""
import numpy as np

from course.data.dataset import Dataset


def sine(n: int = 1000, noise: float = 0.1, seed: int = 0) -> Dataset:
    """`n` points with x uniform in [0, 2π] (shape (n, 1), float32) and y = sin(x) + N(0, noise²).

    A regression set: `classes` is empty; `meta["clean"]` holds sin(x) without noise.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2 * np.pi, size=(n, 1)).astype(np.float32)
    clean = np.sin(x[:, 0]).astype(np.float32)
    y = (clean + noise * rng.standard_normal(n)).astype(np.float32)
    return Dataset("sine", x, y, [], {"clean": clean})
