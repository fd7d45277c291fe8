"""The `course` library: the tested code behind the TinyML course notebooks.

Importing it first makes TensorFlow quiet and deterministic (it sets the environment variables
TensorFlow reads at import time, unless they are already set).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"
