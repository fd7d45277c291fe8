"""Group-aware splits: no group (speaker, person, machine, accent...) on both sides."""
import numpy as np


def group_split(groups: np.ndarray, test_fraction: float = 0.2,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split example indices into (train, test) so that no group appears in both.

    Whole groups, in a seeded random order, go to the test side until it holds at least
    `test_fraction` of the examples; both sides keep at least one group. Indices are sorted.
    """
    groups = np.asarray(groups)
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if len(names) < 2:
        raise ValueError("a group split needs at least two groups")
    order = np.random.default_rng(seed).permutation(len(names))
    filled = np.cumsum(counts[order])
    n_test = int(np.searchsorted(filled, test_fraction * len(groups))) + 1
    test_groups = order[:min(n_test, len(names) - 1)]
    is_test = np.isin(inverse, test_groups)
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def holdout_split(groups: np.ndarray, test_groups: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Split example indices into (train, test): test holds exactly the examples of `test_groups`.

    Use it to hold out whole accents (`meta["accent"]`), machines or people.
    """
    groups = np.asarray(groups)
    unknown = set(test_groups) - set(groups.tolist())
    if unknown:
        raise ValueError(f"groups not in the data: {sorted(unknown)}")
    is_test = np.isin(groups, list(test_groups))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)
