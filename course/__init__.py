"""The `course` library: the tested code behind the TinyML course notebooks.

Importing it first makes TensorFlow quiet and deterministic (it sets the environment variables
TensorFlow reads at import time, unless they are already set).
"""
import os

from course.notebook.quiet import with_tf_environment

os.environ.update(with_tf_environment(dict(os.environ)))

__version__ = "0.1.0"
