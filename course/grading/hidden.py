"""Randomness for hidden tests that stays hidden in spirit.

`source/` is public courseware, so a hidden test's code is no secret. Its *data* is: hidden tests
draw evaluation data from `grading_rng(...)`, which an instructor seeds at grading time by setting
the environment variable `COURSE_GRADING_SECRET` (e.g. `COURSE_GRADING_SECRET=... nbgrader autograde 0x01-...`).
Without it a fixed default is used, so local runs and tests are repeatable.
"""
import hashlib
import os

import numpy as np

SECRET_VARIABLE = "COURSE_GRADING_SECRET"
_DEFAULT_SECRET = "course-default-grading-secret"


def grading_seed(salt: str) -> int:
    """A 64-bit seed derived from the grading secret and `salt` (name the test that uses it)."""
    secret = os.environ.get(SECRET_VARIABLE) or _DEFAULT_SECRET
    digest = hashlib.sha256(f"{secret}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def grading_rng(salt: str) -> np.random.Generator:
    """A NumPy generator for hidden-test data, seeded by the grading secret and `salt`."""
    return np.random.default_rng(grading_seed(salt))
