"""Design tasks under a budget: how much a learner's model stores, and how long its training takes.

A detector or a spotter designed by a learner can be anything that their own code understands — a dict
of NumPy arrays, a Keras model, a scikit-learn estimator, a tuple of those. `stored_numbers` counts the
numbers the device would have to keep of it (weights, means, scales, thresholds), whatever its form, so
that a test can hold every design to the same budget; `timed` measures a training call's wall time.
"""
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def stored_numbers(thing: Any) -> int:
    """How many numbers `thing` stores: array elements, Keras weights, scikit-learn fitted attributes and
    single numbers, found in any nesting of dicts, lists and tuples. Text, None and functions store none."""
    if isinstance(thing, (bool, int, float, complex, np.number, np.bool_)):
        return 1
    if isinstance(thing, np.ndarray):
        return int(thing.size) if thing.dtype.kind in "biufc" else sum(stored_numbers(v) for v in thing.ravel())
    if isinstance(thing, dict):
        return sum(stored_numbers(v) for v in thing.values())
    if isinstance(thing, (list, tuple, set, frozenset)):
        return sum(stored_numbers(v) for v in thing)
    if callable(getattr(thing, "count_params", None)) and hasattr(thing, "weights"):  # a Keras model or layer
        return int(thing.count_params())
    if callable(getattr(thing, "get_params", None)):  # a scikit-learn estimator: its fitted attributes (name_)
        return sum(stored_numbers(value) for name, value in vars(thing).items()
                   if name.endswith("_") and not name.startswith("_"))
    return 0


def timed(function: Callable, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """`function(*args, **kwargs)` and the seconds it took (wall time)."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start
