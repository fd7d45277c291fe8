"""The record every dataset function returns, and its dataset card."""
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CARDS = Path(__file__).parent / "cards"


def card(name: str) -> str:
    """The dataset card (Markdown) of the dataset `name`, e.g. `card("keywords")`."""
    path = CARDS / f"{name}.md"
    if not path.is_file():
        known = sorted(p.stem for p in CARDS.glob("*.md"))
        raise KeyError(f"no dataset card {name!r}; known: {known}")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Dataset:
    """Examples `x`, targets `y`, class names and per-example metadata.

    `y[i]` indexes `classes` (for regression, `classes` is empty and `y` holds the targets);
    every array in `meta` has one entry per example. `sample_rate` (Hz) is set for time series.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    classes: list[str]
    meta: dict[str, np.ndarray] = field(default_factory=dict)
    sample_rate: float | None = None

    def __post_init__(self) -> None:
        n = len(self.x)
        if len(self.y) != n or any(len(v) != n for v in self.meta.values()):
            raise ValueError("x, y and every meta array must have one entry per example")

    def __len__(self) -> int:
        return len(self.x)

    @property
    def nbytes(self) -> int:
        """Memory held by x, y and the metadata arrays, in bytes."""
        return self.x.nbytes + self.y.nbytes + sum(v.nbytes for v in self.meta.values())

    def card(self) -> str:
        """This dataset's card (Markdown)."""
        return card(self.name)

    def take(self, index: np.ndarray) -> "Dataset":
        """A new Dataset with only the examples at `index` (integer indices or a boolean mask)."""
        return Dataset(self.name, self.x[index], self.y[index], list(self.classes),
                       {k: v[index] for k, v in self.meta.items()}, self.sample_rate)

    def counts(self) -> dict[str, int]:
        """Number of examples per class name."""
        return {c: int(np.sum(self.y == i)) for i, c in enumerate(self.classes)}
