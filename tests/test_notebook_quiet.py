"""course.notebook.quiet: silencing Python and C-level output without hiding exceptions."""
import logging
import os
import sys
import warnings

import pytest

from course.notebook.quiet import quiet


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
