"""One call to make a notebook's randomness repeatable."""
import os
import random

import numpy as np

DEFAULT_SEED = 0


def seed_everything(seed: int = DEFAULT_SEED) -> np.random.Generator:
    """Seed Python, NumPy and (if already imported or importable) TensorFlow/Keras.

    Returns a NumPy Generator seeded with `seed`, for code that prefers explicit generators.
    """
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import keras

        keras.utils.set_random_seed(seed)
    except ImportError:  # pragma: no cover - TensorFlow is part of the course environment
        pass
    return np.random.default_rng(seed)
