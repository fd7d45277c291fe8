"""Keras model → .tflite bytes for TensorFlow Lite Micro (full-integer int8 or float32)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from course.notebook.quiet import quiet

MAX_REPRESENTATIVE_SAMPLES = 200


def _representative_dataset(samples: np.ndarray):
    """A generator function yielding at most MAX_REPRESENTATIVE_SAMPLES samples, one at a time.

    The samples are spread evenly over the whole array (not its first rows), so data sorted by class
    still calibrates every class; the choice is deterministic.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) > MAX_REPRESENTATIVE_SAMPLES:
        samples = samples[np.linspace(0, len(samples) - 1, MAX_REPRESENTATIVE_SAMPLES).round().astype(int)]

    def generate():
        for sample in samples:
            yield [sample[None]]

    return generate


def _strip_and_align(model_bytes: bytes) -> bytes:
    """Drop tensor/subgraph names and signatures (TFLM ignores them), then 16-byte-align buffers.

    Re-serializing with the Python flatbuffers builder loses the schema's `force_align: 16` on
    weight buffers; TFLM's own `tflite_flatbuffer_align` tool (C++) restores it.
    """
    from tensorflow.lite.tools import flatbuffer_utils
    from tflite_micro.tensorflow.lite.micro.tools import tflite_flatbuffer_align_wrapper

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(model_bytes))
    flatbuffer_utils.strip_strings(model)
    with tempfile.TemporaryDirectory(prefix="course-convert-") as tmp:
        stripped, aligned = Path(tmp) / "stripped.tflite", Path(tmp) / "aligned.tflite"
        stripped.write_bytes(flatbuffer_utils.convert_object_to_bytearray(model))
        tflite_flatbuffer_align_wrapper.align_tflite_model(str(stripped), str(aligned))
        return aligned.read_bytes()


def convert(model, representative_data: np.ndarray | None = None, int8: bool = True) -> bytes:
    """Convert a Keras model (built with `keras.Input(shape, batch_size=1)`) to .tflite bytes.

    int8=True: full-integer quantization (int8 weights, activations, input and output; only
    TFLITE_BUILTINS_INT8 ops), calibrated on up to 200 samples spread evenly over
    `representative_data` (model inputs, shape (n, *input_shape[1:])); ValueError if it is missing.
    int8=False: float32. Names are stripped to keep the file small; the output is byte-identical
    from run to run for the same model. Nothing reaches stdout or stderr, not even TensorFlow's C++ logs.
    """
    if int8:
        if representative_data is None:
            raise ValueError("int8 conversion needs representative_data: an array of typical model inputs")
        data = np.asarray(representative_data)
        expected = tuple(model.input_shape[1:])
        if data.shape[1:] != expected or len(data) == 0:
            raise ValueError(f"representative_data must have shape (n, *{expected}), got {data.shape}")
    # The converter prints progress and warnings from Python, absl and C++ (file descriptor 2).
    with quiet():
        import tensorflow as tf  # imported here so that `course.deploy` loads fast without TensorFlow

        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        if int8:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = _representative_dataset(data)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        return _strip_and_align(converter.convert())
