"""Week 0x04: post-processing a stream of per-window decisions into events a person or a machine acts on.

A detector scores every window; acting on every single window above the threshold would fire the same
alarm again and again, and an isolated noisy window would fire it too. Two classic steps fix both, and
they run on the device with a few bytes of state:

- **vote** — act only when at least `k` of the last `n` windows are above the threshold (one outlier is
  ignored; a real, lasting change is not);
- **debounce** — after an event, ignore new triggers for a `refractory` number of windows (one event, one
  alarm). TensorFlow Lite Micro's micro_speech example does the same for keywords: it averages scores
  over recent windows and suppresses repeats for a while.
"""
from __future__ import annotations

import numpy as np

from course.notebook.language import _


def vote(flags: np.ndarray, k: int, n: int) -> np.ndarray:
    """Per window, whether at least `k` of the last `n` flags (this window's included) are set.

    The first windows see fewer than `n` flags: they need `k` of those they have.
    """
    flags = np.asarray(flags, dtype=bool)
    if not 1 <= k <= n:
        raise ValueError(_("need 1 <= k <= n, got k={k}, n={n}").format(k=k, n=n))
    counts = np.convolve(flags.astype(int), np.ones(n, dtype=int))[: len(flags)]
    return counts >= k


def debounce(triggers: np.ndarray, refractory: int) -> np.ndarray:
    """Indices of the events: each trigger that comes at least `refractory` windows after the last event."""
    if refractory < 0:
        raise ValueError(_("refractory must not be negative"))
    events, last = [], None
    for index in np.flatnonzero(np.asarray(triggers, dtype=bool)):
        if last is None or index - last >= refractory:
            events.append(int(index))
            last = index
    return np.array(events, dtype=int)


def events(scores: np.ndarray, threshold: float, k: int = 3, n: int = 5, refractory: int = 20) -> np.ndarray:
    """Indices of the windows where an alarm is raised: scores ≥ `threshold`, voted (`k` of `n`), debounced."""
    return debounce(vote(np.asarray(scores) >= threshold, k, n), refractory)
