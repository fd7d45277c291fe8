"""Deployment toolkit: Keras → int8 .tflite → measured for TensorFlow Lite Micro → C arrays,
board fit/latency/energy estimates and Arduino sketches.

TensorFlow is imported only by `convert`, so the rest loads quickly.
"""
from course.deploy.convert import convert
from course.deploy.report import ModelReport, TFLMError, inspect, litert_predict, model_ops, tflm_predict

__all__ = ["convert", "inspect", "ModelReport", "TFLMError", "tflm_predict", "litert_predict", "model_ops"]
