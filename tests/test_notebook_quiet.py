"""course.notebook.quiet: silencing Python and C-level output without hiding exceptions."""
import logging
import os
import sys
import warnings

import pytest

from course.notebook.quiet import quiet

pytestmark = pytest.mark.unit


def test_quiet_silences_python_and_file_descriptor_output(capfd):
    with quiet():
        print("python stdout")
        print("python stderr", file=sys.stderr)
        os.write(1, b"C-level stdout\n")
        os.write(2, b"C-level stderr\n")
        warnings.warn("a warning")
        logging.getLogger("tensorflow").warning("a TensorFlow log line")
    print("after")
    os.write(2, b"stderr after\n")
    out, err = capfd.readouterr()
    assert out == "after\n"
    assert err == "stderr after\n"


def test_quiet_lets_exceptions_through_and_restores_everything(capfd):
    logger = logging.getLogger("tensorflow")
    level = logger.level
    with pytest.raises(ValueError, match="boom"):
        with quiet():
            raise ValueError("boom")
    assert logger.level == level
    os.write(2, b"visible\n")
    assert capfd.readouterr().err == "visible\n"


def test_tf_environment_fills_only_what_is_not_set():
    from course.notebook.quiet import TF_ENVIRONMENT, with_tf_environment

    assert with_tf_environment({}) == TF_ENVIRONMENT
    assert with_tf_environment({"TF_CPP_MIN_LOG_LEVEL": "0", "OTHER": "x"}) == {
        **TF_ENVIRONMENT, "TF_CPP_MIN_LOG_LEVEL": "0", "OTHER": "x"}


def test_every_place_that_sets_the_tf_environment_uses_the_one_definition():
    import re
    import subprocess
    from pathlib import Path

    from course.grading.nbgrader import nbgrader_env
    from course.notebook.quiet import TF_ENVIRONMENT

    root = Path(__file__).resolve().parents[1]
    makefile = dict(re.findall(r"^export (TF_\w+) := (\S+)$", (root / "Makefile").read_text(), re.M))
    assert makefile == TF_ENVIRONMENT
    env = {k: v for k, v in os.environ.items() if k not in TF_ENVIRONMENT}
    shown = subprocess.run([sys.executable, "-c", "import os, course; print(sorted((k, os.environ[k]) for k in "
                            f"{sorted(TF_ENVIRONMENT)!r}))"], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == str(sorted(TF_ENVIRONMENT.items()))
    assert {k: nbgrader_env({})[k] for k in TF_ENVIRONMENT} == {k: os.environ.get(k, v) for k, v in TF_ENVIRONMENT.items()}
