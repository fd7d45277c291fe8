"""Design tasks under a budget: how much a learner's model stores, and how long its training takes.

A detector or a spotter designed by a learner can be anything that their own code understands — a dict
of NumPy arrays, a Keras model, a scikit-learn estimator, a tuple of those. `stored_numbers` counts the
numbers the device would have to keep of it (weights, means, scales, thresholds), whatever its form, so
that a test can hold every design to the same budget; `timed` measures a training call's time in a way a busy
grading machine cannot stretch; `design_problem` says whether the written-down design (a `DESIGN` dict of texts)
follows the tasks' rule.
"""
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from course.notebook.language import _

MIN_WORDS = 3  # the least each part of a written-down design says (features, architecture, training, ...)
MIN_TRADE_OFF_WORDS = 20  # the least its trade-off says: what was given up, for what, and what decided it


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


def _processor_seconds() -> float:
    """Processor time spent so far by this process (all its threads) and by its finished child processes."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


def timed(function: Callable, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """`function(*args, **kwargs)` and the seconds it took: the smaller of its wall time and the processor time it
    spent (all threads of this process, and child processes it started and waited for). A machine busy with other
    work (a grader running many notebooks at once) stretches the wall time but not the processor time; a machine
    with many cores stretches the processor time of multi-threaded training but not the wall time. Either way a
    design is not charged for the machine it runs on."""
    wall, processor = time.perf_counter(), _processor_seconds()
    result = function(*args, **kwargs)
    return result, min(time.perf_counter() - wall, _processor_seconds() - processor)


def design_problem(design: Any, keys: tuple[str, ...]) -> str | None:
    """Why a design task's `DESIGN` is not a written-down design, or None: a dict with a text for each of `keys`
    (at least MIN_WORDS words each), the last of them, `trade_off`, of at least MIN_TRADE_OFF_WORDS words."""
    if not isinstance(design, dict) or not set(keys) <= set(design):
        return _("DESIGN must be a dict with the texts {keys}").format(keys=", ".join(keys))
    short = [key for key in keys[:-1] if not isinstance(design[key], str) or len(design[key].split()) < MIN_WORDS]
    if short:
        return _("describe your {parts} in DESIGN (a few words each)").format(parts=", ".join(short))
    trade_off = design[keys[-1]]
    if not isinstance(trade_off, str) or len(trade_off.split()) < MIN_TRADE_OFF_WORDS:
        return _("DESIGN['{key}']: at least {words} words on what you gave up, for what, and which measurements "
                 "decided it").format(key=keys[-1], words=MIN_TRADE_OFF_WORDS)
    return None


def training_time_problem(seconds: Any, budget: float) -> str | None:
    """Why a training time handed in breaks the `budget` (seconds), or None."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= budget:
        return _("training took {seconds!r} s: the budget is {budget:g} s").format(seconds=seconds, budget=budget)
    return None
