"""Child-process side of course.deploy: run a model on TensorFlow Lite Micro and exit.

Run as a script (never imported by the caller):

    python tflm_child.py MODEL.tflite ARENA_BYTES INPUTS.npy OUTPUTS.npy

It creates a TFLM interpreter with an arena of ARENA_BYTES, runs it once per row of INPUTS.npy
(already in the model's input dtype, shape (n, *input_shape[1:])), saves the stacked outputs to
OUTPUTS.npy and finally calls print_allocations(), which writes the arena report to the C-level
stderr. The exit status tells the caller what happened: 0 ran, 1 a Python-level error (message on
stderr), negative (seen by the parent) a crash such as a segmentation fault on a too-small arena.
Only NumPy and tflite_micro are imported, so the child starts in a fraction of a second.
"""
import sys

import numpy as np
from tflite_micro import runtime


def main(model_path: str, arena_bytes: str, inputs_path: str, outputs_path: str) -> None:
    """Run every input row through one interpreter and save the outputs."""
    with open(model_path, "rb") as f:
        model = f.read()
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=int(arena_bytes))
    inputs = np.load(inputs_path)
    outputs = []
    for row in inputs:
        interpreter.set_input(row[None], 0)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0))[0])
    np.save(outputs_path, np.stack(outputs))
    sys.stderr.flush()
    interpreter.print_allocations()


if __name__ == "__main__":
    main(*sys.argv[1:])
