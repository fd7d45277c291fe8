"""Tests of course.lessons.streaming: voting over recent windows and debouncing events."""
import numpy as np
import polib
import pytest

from course.lessons import streaming
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_vote_needs_k_of_the_last_n():
    flags = np.array([1, 0, 0, 1, 1, 0, 1, 0, 0, 0], bool)
    assert streaming.vote(flags, 2, 3).tolist() == [False, False, False, False, True, True, True, False, False, False]
    assert streaming.vote(flags, 1, 1).tolist() == flags.tolist()          # k = n = 1: the raw flags
    with pytest.raises(ValueError):
        streaming.vote(flags, 4, 3)


def test_debounce_keeps_one_event_per_refractory_period():
    triggers = np.zeros(30, bool)
    triggers[[2, 3, 4, 10, 12, 25]] = True
    assert streaming.debounce(triggers, 10).tolist() == [2, 12, 25]
    assert streaming.debounce(triggers, 0).tolist() == [2, 3, 4, 10, 12, 25]
    assert streaming.debounce(np.zeros(5, bool), 3).tolist() == []


def test_events_ignore_an_isolated_window_and_fire_once_for_a_lasting_change():
    scores = np.zeros(60)
    scores[7] = 5.0                   # one noisy window
    scores[30:] = 5.0                 # a lasting fault
    raw = np.flatnonzero(scores >= 1.0)
    assert len(raw) == 31
    assert streaming.events(scores, 1.0, k=3, n=5, refractory=100).tolist() == [32]


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_errors_speak_the_learners_language(monkeypatch):
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    with pytest.raises(ValueError) as error:
        streaming.debounce([True], -1)
    assert str(error.value) == _spanish("refractory must not be negative") != "refractory must not be negative"
