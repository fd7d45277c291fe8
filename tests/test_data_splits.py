"""group_split and holdout_split on hand-made groups."""
import numpy as np
import pytest

from course.data import group_split, holdout_split

pytestmark = pytest.mark.unit


def test_group_split_keeps_groups_whole_and_covers_everything():
    groups = np.array(["a"] * 10 + ["b"] * 5 + ["c"] * 5 + ["d"] * 30 + ["e"] * 50)
    for seed in range(5):
        train, test = group_split(groups, test_fraction=0.2, seed=seed)
        assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(100))
        assert not set(groups[train]) & set(groups[test])
        assert len(test) >= 20 and len(train) > 0
    assert not all(np.array_equal(group_split(groups, 0.2, 0)[1], group_split(groups, 0.2, s)[1])
                   for s in range(1, 5))
    assert np.array_equal(group_split(groups, 0.2, 3)[1], group_split(groups, 0.2, 3)[1])


def test_group_split_never_empties_a_side_and_checks_arguments():
    train, test = group_split(np.array(["x", "y"]), test_fraction=0.99)
    assert len(train) == 1 and len(test) == 1
    with pytest.raises(ValueError):
        group_split(np.array(["x", "x"]))
    with pytest.raises(ValueError):
        group_split(np.array(["x", "y"]), test_fraction=1.0)


def test_holdout_split_takes_exactly_the_named_groups():
    groups = np.array(["en-us", "en", "en-029", "en-us", "en"])
    train, test = holdout_split(groups, ["en", "en-029"])
    assert test.tolist() == [1, 2, 4] and train.tolist() == [0, 3]
    with pytest.raises(ValueError):
        holdout_split(groups, ["en-gb-scotland"])
