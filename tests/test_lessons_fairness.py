"""course.lessons.fairness: per-group accuracy with bootstrap intervals, and disparity."""
import numpy as np
import polib
import pytest

from course.lessons import fairness
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_bootstrap_interval():
    low, high = fairness.bootstrap_interval(np.r_[np.ones(80), np.zeros(20)])
    assert low < 0.8 < high and 0.05 < high - low < 0.25
    small_low, small_high = fairness.bootstrap_interval(np.r_[np.ones(8), np.zeros(2)])
    assert small_high - small_low > high - low  # fewer examples, wider interval
    assert fairness.bootstrap_interval(np.ones(5)) == (1.0, 1.0)
    assert fairness.bootstrap_interval([1, 0, 1], seed=4) == fairness.bootstrap_interval([1, 0, 1], seed=4)
    with pytest.raises(ValueError):
        fairness.bootstrap_interval([])


def test_group_accuracy():
    y_true = np.array([0, 1, 1, 0, 1, 1])
    y_pred = np.array([0, 1, 0, 0, 0, 0])
    groups = np.array(["b", "b", "b", "a", "a", "a"])
    report = fairness.group_accuracy(y_true, y_pred, groups)
    assert list(report) == ["a", "b"]
    assert report["a"]["n"] == 3 and report["a"]["accuracy"] == pytest.approx(1 / 3)
    assert report["b"]["accuracy"] == pytest.approx(2 / 3)
    assert report["b"]["low"] <= report["b"]["accuracy"] <= report["b"]["high"]
    with pytest.raises(ValueError):
        fairness.group_accuracy(y_true, y_pred[:5], groups)


def test_disparity():
    result = fairness.disparity({"a": 0.9, "b": 0.72, "c": 0.8})
    assert result["gap"] == pytest.approx(0.18) and result["ratio"] == pytest.approx(0.8)
    assert (result["best"], result["worst"]) == ("a", "b")
    assert fairness.disparity({"only": 0.5}) == {"gap": 0.0, "ratio": 1.0, "best": "only", "worst": "only"}
    assert fairness.disparity({"x": 0.0, "y": 0.0})["ratio"] == 1.0
    with pytest.raises(ValueError):
        fairness.disparity({})


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_errors_speak_the_learners_language(monkeypatch):
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    with pytest.raises(ValueError) as error:
        fairness.disparity({})
    assert str(error.value) == _spanish("no groups") != "no groups"
