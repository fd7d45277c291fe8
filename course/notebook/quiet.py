"""Silence TensorFlow's chatter: its converter, LiteRT and Keras write to stdout/stderr, some of it
from C++ straight to the file descriptors. In a notebook that is noise; in an nbgrader test cell ANY
stderr output scores the cell zero. `course.deploy` uses `quiet()` around every such call.

`TF_ENVIRONMENT` is the one definition of the environment variables that keep TensorFlow quiet and
deterministic; importing `course` sets them, and every process the course starts inherits or gets them.
"""
import contextlib
import io
import logging
import os
import sys
import warnings
from collections.abc import Iterator

_LOGGERS = ("tensorflow", "absl")
TF_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}  # read when TensorFlow is imported


def with_tf_environment(env: dict[str, str]) -> dict[str, str]:
    """`env` plus every TF_ENVIRONMENT variable it does not set itself."""
    return {**TF_ENVIRONMENT, **env}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run a block with Python warnings, TensorFlow/absl logging and all stdout/stderr silenced.

    Output written by C/C++ code is silenced too (file descriptors 1 and 2 point to /dev/null
    inside the block). Exceptions still propagate, with their messages.
    """
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved_fds = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        for fd in (*saved_fds, devnull):
            os.close(fd)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
