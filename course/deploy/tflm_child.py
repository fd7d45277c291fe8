"""Child-process side of course.deploy: TensorFlow Lite Micro runs here, never in the caller.

Run as a script (the caller starts it with `sys.executable`); INPUTS.npy holds a batch already in
the model's input dtype, shape (n, *input_shape[1:]):

    python tflm_child.py run MODEL.tflite ARENA_BYTES INPUTS.npy OUTPUTS.npy
        Run every input row with one interpreter, save the stacked outputs to OUTPUTS.npy, then call
        print_allocations() (its arena report goes to the C-level stderr, which the caller reads).
        Exit status 0: ran; 1: a Python-level error (message on stderr); killed by a signal: crash.

    python tflm_child.py search MODEL.tflite START_BYTES INPUTS.npy RESOLUTION_BYTES
        Print the smallest arena (to RESOLUTION_BYTES) with which the model runs on the first
        input, searching from START_BYTES. Every attempt runs in its own forked process, so an
        attempt that crashes (TFLM can segfault on a too-small arena) cannot affect the others.

Only NumPy and tflite_micro are imported, so the child starts in a fraction of a second.
"""
import os
import sys

import numpy as np
from tflite_micro import runtime

FIRST_STEP = 512
MAX_ARENA = 64 * 1024 * 1024


def run(model_path: str, arena_bytes: str, inputs_path: str, outputs_path: str) -> None:
    """Run every input row through one interpreter and save the outputs."""
    with open(model_path, "rb") as f:
        model = f.read()
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=int(arena_bytes))
    outputs = []
    for row in np.load(inputs_path):
        interpreter.set_input(row[None], 0)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0))[0])
    np.save(outputs_path, np.stack(outputs))
    sys.stderr.flush()
    interpreter.print_allocations()


def runs(model: bytes, arena_bytes: int, x: np.ndarray) -> bool:
    """True if TFLM creates, allocates and invokes the model with this arena (in a forked process)."""
    if arena_bytes <= 0:
        return False
    pid = os.fork()
    if pid == 0:  # the fork: silence TFLM's messages, try once, report through the exit status
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            interpreter = runtime.Interpreter.from_bytes(model, arena_size=arena_bytes)
            interpreter.set_input(x, 0)
            interpreter.invoke()
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def search(model_path: str, start_bytes: str, inputs_path: str, resolution_bytes: str) -> None:
    """Print the smallest working arena: bracket it around the start, then bisect."""
    with open(model_path, "rb") as f:
        model = f.read()
    x = np.load(inputs_path)[:1]
    start = int(start_bytes)
    if runs(model, start, x):
        hi, lo = start, start - FIRST_STEP
        while runs(model, lo, x):
            hi, lo = lo, lo - FIRST_STEP
        lo = max(lo, 0)
    else:
        lo, hi = start, start + FIRST_STEP
        while not runs(model, hi, x):
            if hi > MAX_ARENA:
                sys.exit(f"TFLite Micro did not run with arenas up to {hi} bytes")
            lo, hi = hi, hi + 2 * (hi - lo)
    while hi - lo > int(resolution_bytes):
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if runs(model, mid, x) else (mid, hi)
    print(hi)


if __name__ == "__main__":
    {"run": run, "search": search}[sys.argv[1]](*sys.argv[2:])
