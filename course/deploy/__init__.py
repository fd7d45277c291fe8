"""Deployment toolkit: Keras → int8 .tflite → measured on TensorFlow Lite Micro → C arrays,
Arduino sketches and board fit/latency/energy estimates.

TensorFlow is imported only when `convert` runs, so the rest loads quickly.
"""
from course.deploy.arduino import arduino_sketch, kws_sketch
from course.deploy.boards import (
    BOARDS,
    Board,
    Fit,
    estimate_energy_mj,
    estimate_latency_ms,
    fits,
)
from course.deploy.c_export import c_array
from course.deploy.convert import convert
from course.deploy.report import (
    ModelReport,
    TensorSpec,
    TFLMError,
    inspect,
    litert_predict,
    model_ops,
    op_macs,
    tflm_predict,
)

__all__ = [
    "convert",
    "inspect",
    "ModelReport",
    "TensorSpec",
    "TFLMError",
    "tflm_predict",
    "litert_predict",
    "model_ops",
    "op_macs",
    "c_array",
    "BOARDS",
    "Board",
    "Fit",
    "fits",
    "estimate_latency_ms",
    "estimate_energy_mj",
    "arduino_sketch",
    "kws_sketch",
]
