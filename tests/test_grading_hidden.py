import numpy as np
import pytest

from course.grading.hidden import SECRET_VARIABLE, grading_rng, grading_seed

pytestmark = pytest.mark.unit


def test_same_secret_and_salt_give_the_same_data(monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, "spring-2027")
    assert np.array_equal(grading_rng("task-1").normal(size=5), grading_rng("task-1").normal(size=5))


def test_salt_and_secret_change_the_data(monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, "spring-2027")
    first = grading_seed("task-1")
    assert grading_seed("task-2") != first
    monkeypatch.setenv(SECRET_VARIABLE, "autumn-2027")
    assert grading_seed("task-1") != first


def test_without_a_secret_the_default_is_repeatable(monkeypatch):
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    default = grading_seed("x")
    assert grading_seed("x") == default
    monkeypatch.setenv(SECRET_VARIABLE, "set")
    assert grading_seed("x") != default
