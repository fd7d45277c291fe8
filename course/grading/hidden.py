"""The grading secret and the randomness derived from it: in the grader's process only, never in a kernel.

`source/` is public courseware, so a hidden test's code is no secret; its *data* is. The instructor
sets the environment variable `COURSE_GRADING_SECRET` when grading (rotate it every term); without it a
fixed default makes local runs and tests repeatable. Every draw is seeded by an HMAC of the secret and
the purpose (e.g. `"cases", assignment, student, grade_id`), so one leaked draw reveals no other, and
the secret never leaves the grader: kernels receive only the cases drawn from it
(`course.grading.verdicts`).
"""
import hashlib
import hmac
import os

import numpy as np

SECRET_VARIABLE = "COURSE_GRADING_SECRET"
DEFAULT_SECRET = "course-default-grading-secret"


def grading_seed(*purpose: str) -> int:
    """A 64-bit seed: the HMAC-SHA256 of `purpose` under the grading secret."""
    secret = os.environ.get(SECRET_VARIABLE) or DEFAULT_SECRET
    digest = hmac.new(secret.encode(), "\x1f".join(purpose).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")


def grading_rng(*purpose: str) -> np.random.Generator:
    """A NumPy generator seeded by the grading secret and `purpose`."""
    return np.random.default_rng(grading_seed(*purpose))
