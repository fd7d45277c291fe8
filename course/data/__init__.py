"""Offline, deterministic datasets for the course (same seed → identical arrays; no downloads).

Each function returns a `Dataset` (x, y, classes, per-example meta); `card(name)` gives its card.
"""
from course.data.dataset import Dataset, card
from course.data.digits import digits
from course.data.gestures import gestures
from course.data.images import images
from course.data.keywords import keywords
from course.data.sine import sine
from course.data.speech_commands import load_speech_commands
from course.data.splits import group_split, holdout_split
from course.data.vibration import vibration, vibration_timeline
from course.data.visual_wake_words import load_visual_wake_words

__all__ = [
    "Dataset", "card", "digits", "gestures", "group_split", "holdout_split", "images", "keywords",
    "load_speech_commands", "load_visual_wake_words", "sine", "vibration", "vibration_timeline",
]
