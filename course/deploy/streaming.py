"""Decisions from a stream of class scores: what a keyword spotter on a device does with its outputs.

A spotter runs many times a second on overlapping windows, so one spoken word gives several similar
outputs in a row, and single noisy outputs must not fire. `StreamingDecisions` averages the scores of
the last `average` inferences, detects a keyword when its average is the highest and reaches
`threshold`, and then suppresses detections for the next `suppress` inferences. The device runs the
same rule in C (`cortex_m/postprocess.c`, tested against this class on the emulated Cortex-M4).
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np


@dataclasses.dataclass
class StreamingDecisions:
    """Averaging over `average` inferences, a `threshold` on the averaged score, and `suppress` inferences
    without detection after each one. Classes below `first_keyword` (e.g. silence, unknown) never fire."""

    n_classes: int
    first_keyword: int = 2
    average: int = 3
    threshold: float = 0.6
    suppress: int = 10

    def __post_init__(self) -> None:
        if not 0 <= self.first_keyword < self.n_classes or self.average < 1 or self.suppress < 0:
            raise ValueError("need 0 <= first_keyword < n_classes, average >= 1 and suppress >= 0")
        self._history: collections.deque = collections.deque(maxlen=self.average)
        self._holdoff = 0

    def update(self, scores: np.ndarray) -> int | None:
        """Feed one inference's class scores; return the detected class or None."""
        self._history.append(np.asarray(scores, dtype=np.float32))
        suppressed = self._holdoff > 0
        if suppressed:
            self._holdoff -= 1
        if len(self._history) < self.average:
            return None
        mean = np.mean(np.stack(self._history), axis=0, dtype=np.float32)
        best = int(np.argmax(mean))
        if suppressed or best < self.first_keyword or mean[best] < self.threshold:
            return None
        self._holdoff = self.suppress
        return best

    def run(self, stream: np.ndarray) -> list[int]:
        """The decision (class, or -1 for none) after each row of `stream` (inferences × classes)."""
        return [-1 if (d := self.update(row)) is None else d for row in stream]
