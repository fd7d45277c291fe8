"""How week 0x03's test cells are judged, outside the learner's kernel (course/grading/verdicts.py).

Never released to learners and never visible inside the grading sandbox. Tasks 1, 2 and 4: the learner's
functions run in the kernel on cases drawn here (per learner, from the grading secret) and the results are
judged here. Task 3: the kernel hands in the spotter's .tflite bytes (int8, and a float conversion of the
same Keras model); the grader measures them with TensorFlow Lite Micro (in child processes) on clips it
synthesizes itself. Task 4: the C sources to_c_array returned are compiled and linked with the test program
inside the grading sandbox (no network, none of the grader's files), and the linked program is read, never run.
Task 6: the learner's C (an int8 fully-connected layer) is compiled for the Cortex-M4 and run in QEMU, both inside
the sandbox with time limits, on layers and inputs drawn here; TensorFlow Lite Micro gives the expected outputs.
"""
import ast
import functools
import json
import math
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from course import data, deploy
from course.grading.answers import Call
from course.grading.verdicts import Answers, Check, Verdict, case_failure, failed, passed
from course.lessons import kws
from course.lessons.budget import design_problem, training_time_problem
from course.quantization import dequantize, quantize
from course.units import KIB

INT8_BAR = 0.90  # int8 accuracy on unseen speakers, and at most 1 point (plus chance) below float
MAX_TRAIN_SECONDS = 40.0  # train_my_spotter on the notebook's training clips
DESIGN_KEYS = ("architecture", "training", "trade_off")
FLOAT_MARGIN = 0.01


def _parameters() -> dict[str, Any]:
    """The literal assignments of the notebook's locked parameters cell (the budget of task 3)."""
    for path in sorted(Path(__file__).parent.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "parameters":
                values = {}
                for node in ast.parse("".join(cell["source"])).body:
                    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                        values.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
                return values
    raise RuntimeError(f"no notebook with a 'parameters' cell next to {__file__}")


PARAMETERS = _parameters()
FLASH_BUDGET_KB, ARENA_BUDGET_KB = int(PARAMETERS["FLASH_BUDGET_KB"]), int(PARAMETERS["ARENA_BUDGET_KB"])


def _number(value: Any) -> float | None:
    """`value` as a finite float if it is a real number (or a 0-d numeric array), else None."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, int, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    return None


def _allclose(value: Any, want: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """np.allclose(value, want) as the old tests called it (broadcasting), False for anything odd."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return False
    try:
        return bool(np.allclose(np.asarray(value, dtype=float), np.asarray(want, dtype=float), rtol=rtol, atol=atol))
    except (TypeError, ValueError, OverflowError):
        return False


def _tolist(value: Any) -> Any:
    """What `.tolist()` gave in the old tests: arrays as lists; NumPy scalars arrive as plain numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None  # a list, a string…: the old `.tolist()` raised


# ---------------------------------------------------------------- task 1: quantization_params

QP = "quantization_params"
QP_INT_CASE = "[-1, 3] (visible)"


def _qp_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call(QP, (-1.0, 3.0), label=QP_INT_CASE),
             Call(QP, (2.0, 5.0), label="[2, 5] (visible)"),
             Call(QP, (0.0, 0.0), label="the empty range [0, 0] (visible)")]
    for case in range(200):  # ranges of every size: mixed, positive only, negative only
        kind = case % 4
        a, b = np.sort(rng.normal(0, 10 ** rng.uniform(-3, 3), 2))
        if kind == 1:
            a, b = abs(a), abs(a) + abs(b) + 1e-3
        elif kind == 2:
            a, b = -abs(a) - abs(b) - 1e-3, -abs(a)
        lo, hi = min(a, 0.0), max(b, 0.0)
        z_real = -128 - lo / ((hi - lo) / 255)
        if abs(z_real - np.floor(z_real) - 0.5) < 1e-6:
            continue  # skip exact ties
        calls.append(Call(QP, (float(a), float(b))))
    return calls + [Call(QP, (-4.0, -1.0), label="the negative-only range [-4, -1]"),
                    Call(QP, (0.0, 7.0), label="the range [0, 7], which starts at 0"),
                    Call(QP, (1.0, -1.0), label="x_min > x_max ([1, -1])")]


def _qp_verdict(answers: Answers) -> Verdict:
    for index, case in enumerate(answers.calls):
        (a, b), where = case.args, answers.where(index)
        if a > b:
            problem = case_failure(index, answers, ValueError)
            if problem:
                return failed(problem)
            continue
        result = answers.results[index]
        if "error" in result:
            return failed(f"{QP} raised {result['error']} on {where}: {result.get('message', '')}")
        value = result["value"]
        if not isinstance(value, list) or len(value) != 2:
            return failed(f"{QP} must return (scale, zero_point); on {where} it did not return a pair")
        scale, zero_point = value
        lo, hi = min(a, 0.0), max(b, 0.0)
        if hi == lo:  # the visible [0, 0]
            if _number(scale) != 1.0 or _number(zero_point) != 0.0:
                return failed(f"an empty range gives (1.0, 0): wrong on {where}")
            continue
        s = (hi - lo) / 255
        z = int(round(-128 - lo / s))
        if case.label == QP_INT_CASE and not (isinstance(zero_point, int) and not isinstance(zero_point, bool)):
            return failed(f"the zero point must be an integer (int or np.integer); on {where} it is not")
        if not case.label:  # the old hidden loop: a tight scale, an integral zero point
            if not _allclose(scale, s, rtol=1e-9):
                return failed(f"the scale is wrong on {where}")
        elif "visible" in case.label and not _allclose(scale, s):
            return failed(f"the scale is wrong on {where}: (x_max - x_min) / 255 after widening the range to contain 0")
        if _number(zero_point) != z:  # the labelled hidden ranges check only the zero point, as before
            return failed(f"the zero point is wrong on {where}: round(-128 - x_min / scale), with the range widened "
                          "to contain 0")
    return passed(f"passed ({len(answers.calls)} cases)")


# ---------------------------------------------------------------- task 2: quantize and dequantize

QUANTIZE_FIXED = [  # (x, scale, zero point, codes, label): the old hidden asserts, whose values the feedback named
    ([0.26, 0.24, -0.26, -0.24], 0.5, 0, [1, 0, -1, 0], "rounding on both sides of zero ([0.26, 0.24, -0.26, -0.24])"),
    (0.0, 0.02, -7, -7, "a scalar 0.0, which must quantize to the zero point"),
    ([1e9, -1e9, 12.7, -12.8], 0.1, 0, [127, -128, 127, -128], "clipping at both ends ([1e9, -1e9, 12.7, -12.8])"),
]


def _quantize_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("quantize", (np.array([0.0, 0.5, -1.04]), 0.1, 3), label="[0.0, 0.5, -1.04], scale 0.1, zero point 3 "
                                                                            "(visible)"),
             Call("quantize", ([100.0, -100.0], 0.1, 3), label="[100, -100], which must clip (visible)")]
    for _ in range(50):
        scale, zero_point = float(10 ** rng.uniform(-4, 1)), int(rng.integers(-128, 128))
        x = rng.normal(0, 100 * scale, size=tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3)))))
        steps = x / scale
        x = np.where(np.abs(steps - np.floor(steps) - 0.5) < 1e-3, x + 0.01 * scale, x)  # no exact ties
        calls.append(Call("quantize", (x, scale, zero_point)))
    return calls + [Call("quantize", (x, s, z), label=label) for x, s, z, _, label in QUANTIZE_FIXED]


def _quantize_verdict(answers: Answers) -> Verdict:
    fixed = {label: codes for *_, codes, label in QUANTIZE_FIXED}
    for index, case in enumerate(answers.calls):
        result, where = answers.results[index], answers.where(index)
        if "error" in result:
            return failed(f"quantize raised {result['error']} on {where}: {result.get('message', '')}")
        q = result["value"]
        x, scale, zero_point = case.args
        if case.label in fixed:
            if _tolist(q) != fixed[case.label]:
                return failed(f"quantize is wrong on {where}")
            continue
        expected = quantize(x, scale, zero_point).astype(np.int8)
        if case.label.startswith("[100"):
            if _tolist(q) != expected.tolist():
                return failed("values beyond the range must clip to 127 and -128 (the visible [100, -100])")
            continue
        if not isinstance(q, np.ndarray) or q.dtype != np.int8 or q.shape != expected.shape:
            return failed(f"quantize must return an np.int8 array of the shape of x; wrong on {where}")
        if not np.array_equal(q, expected):
            return failed(f"{int(np.sum(q != expected))} of {q.size} codes are wrong on {where} "
                          "(round to nearest, add the zero point, clip, then convert to int8)")
    return passed(f"passed ({len(answers.calls)} cases)")


def _dequantize_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("dequantize", (np.array([3, 8, -7], dtype=np.int8), 0.1, 3), label="[3, 8, -7], scale 0.1, zero "
                                                                                       "point 3 (visible)"),
             Call("dequantize", (np.array([-128, 127], dtype=np.int8), 0.5, 100),
                  label="int8 codes [-128, 127] with zero point 100, where int8 arithmetic overflows")]
    for _ in range(30):
        scale, zero_point = float(10 ** rng.uniform(-4, 1)), int(rng.integers(-128, 128))
        calls.append(Call("dequantize", (rng.integers(-128, 128, size=int(rng.integers(1, 50))).astype(np.int8),
                                         scale, zero_point)))
    return calls


def _dequantize_verdict(answers: Answers) -> Verdict:
    for index, case in enumerate(answers.calls):
        result, where = answers.results[index], answers.where(index)
        if "error" in result:
            return failed(f"dequantize raised {result['error']} on {where}: {result.get('message', '')}")
        x = result["value"]
        q, scale, zero_point = case.args
        expected = dequantize(q, scale, zero_point)
        if index == 0 and (not isinstance(x, np.ndarray) or x.dtype != np.float32):
            return failed(f"dequantize must return an np.float32 array ({where})")
        if not _allclose(x, expected, rtol=1e-5):
            overflow = " (convert q to a wider integer type before subtracting)" if index == 1 else ""
            return failed(f"dequantize is wrong on {where}{overflow}")
    return passed(f"passed ({len(answers.calls)} cases)")


# ---------------------------------------------------------------- task 3: the deployed keyword spotter


def _model_bytes(answers: Answers, name: str) -> bytes | None:
    value = answers.values.get(name)
    return value if isinstance(value, bytes) and value else None


def _budget_verdict(answers: Answers) -> Verdict:
    problem = (design_problem(answers.values.get("design"), DESIGN_KEYS)
               or training_time_problem(answers.values.get("train_seconds"), MAX_TRAIN_SECONDS))
    if problem:
        return failed(problem)
    model = _model_bytes(answers, "spotter_int8")
    if model is None:
        return failed("spotter_int8 must hold the .tflite bytes returned by deploy.convert")
    flash, arena_budget = FLASH_BUDGET_KB * KIB, ARENA_BUDGET_KB * KIB
    if len(model) > flash:  # measured first: a large blob is not worth running
        return failed(f"flash {len(model):,} B is over the {FLASH_BUDGET_KB} KB budget ({flash:,} B)")
    try:
        report = deploy.inspect(model)
    except Exception as error:  # bytes from anyone: whatever TFLite's parser or TFLM make of them
        return failed(f"spotter_int8 is not a model TensorFlow Lite Micro can read ({type(error).__name__}: "
                      f"{str(error)[:200]})")
    if report.unsupported_ops:
        return failed(f"TensorFlow Lite Micro has no kernel for {report.unsupported_ops}")
    if report.input_dtype != "int8" or report.output_dtype != "int8":
        return failed(f"the model must be full-int8 (input {report.input_dtype}, output {report.output_dtype}): "
                      "convert with int8=True")
    if tuple(report.input_shape[1:]) != tuple(kws.INPUT_SHAPE):
        return failed(f"the model's input must be {tuple(kws.INPUT_SHAPE)}, got {tuple(report.input_shape[1:])}")
    if report.arena_bytes is None:
        return failed(f"TensorFlow Lite Micro cannot run the model: {report.tflm_error}")
    if report.arena_bytes > arena_budget:
        return failed(f"tensor arena {report.arena_bytes:,} B is over the {ARENA_BUDGET_KB} KB budget "
                      f"({arena_budget:,} B)")
    probe = answers.data_rng("kws-arena").normal(0, 1, size=(3, *kws.INPUT_SHAPE)).astype(np.float32)
    try:
        deploy.tflm_predict(model, probe, arena_bytes=arena_budget)
    except Exception as error:
        return failed(f"the model does not run on TensorFlow Lite Micro within the {ARENA_BUDGET_KB} KB arena "
                      f"({type(error).__name__}: {str(error)[:200]})")
    return passed(f"within the budget: flash {report.flash_bytes:,} B of {flash:,}, "
                  f"arena {report.arena_bytes:,} B of {arena_budget:,}")


@functools.cache
def _notebook_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notebook's data (task3_data): its speakers (none is new) and its validation clips (the visible test)."""
    keywords = data.keywords(n_per_class=300, n_speakers=200, seed=3)
    _, val_idx = data.group_split(keywords.meta["speaker"], test_fraction=0.2, seed=0)
    return np.unique(keywords.meta["speaker"]), kws.features(keywords.x[val_idx]), keywords.y[val_idx]


@functools.cache
def _new_speaker_clips(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clips of speakers in neither the training nor the validation data (the same for every learner)."""
    new = kws.unseen_speakers(data.keywords(n_per_class=400, n_speakers=400, seed=seed), _notebook_data()[0])
    return kws.features(new), new.y


def _is_float_model(model: bytes) -> bool:
    from course.deploy.report import _io, _read_model
    try:
        tensors = _io(_read_model(model))
    except Exception:
        return False
    return all(t.dtype == "float32" for t in tensors)


def _right(model: bytes, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which clips the model classifies right on TensorFlow Lite Micro (raises on any failure)."""
    outputs = np.asarray(deploy.tflm_predict(model, x))
    if outputs.ndim != 2 or len(outputs) != len(y):
        raise ValueError(f"expected class scores of shape ({len(y)}, classes), got {outputs.shape}")
    return outputs.argmax(axis=1) == y


def _accuracy_verdict(answers: Answers) -> Verdict:
    int8_model, float_model = _model_bytes(answers, "spotter_int8"), _model_bytes(answers, "spotter_float")
    if int8_model is None:
        return failed("spotter_int8 must hold the .tflite bytes returned by deploy.convert")
    if float_model is None or not _is_float_model(float_model):
        return failed("the hidden test converts spotter to a float .tflite model (deploy.convert(spotter, int8=False)) "
                      "and got no float model")
    seed = int(answers.data_rng("kws-speakers").integers(1_000, 2**31))
    lines = []
    for where, (x, y) in (("validation speakers", _notebook_data()[1:]), ("new speakers", _new_speaker_clips(seed))):
        try:
            float_right, int8_right = _right(float_model, x, y), _right(int8_model, x, y)
        except Exception as error:
            return failed(f"{where}: TensorFlow Lite Micro could not run your models ({type(error).__name__}: "
                          f"{str(error)[:200]})")
        float_accuracy, int8_accuracy = float(np.mean(float_right)), float(np.mean(int8_right))
        chance = 2 * np.sqrt(np.sum(float_right != int8_right)) / len(y)
        lines.append(f"{where}: float {float_accuracy:.1%}, int8 on TFLite Micro {int8_accuracy:.1%} ({len(y):,} "
                     f"clips); int8 may lose 1 + {100 * chance:.1f} points")
        if int8_accuracy < INT8_BAR:
            return failed(f"{lines[-1]}. The int8 accuracy {int8_accuracy:.1%} is below {INT8_BAR:.0%}: train longer or a "
                          "little larger")
        if float_accuracy - int8_accuracy > FLOAT_MARGIN + chance:
            return failed(f"{lines[-1]}. int8 loses {100 * (float_accuracy - int8_accuracy):.1f} points (allowed: 1 "
                          f"plus {100 * chance:.1f} for chance): check the representative data (model inputs from the "
                          "training set, enough of them?)")
    return passed("\n".join(lines))


# ---------------------------------------------------------------- task 4: the model as C source

CHECKER = r"""
#include <stdint.h>
#include <stdio.h>
extern const unsigned char NAME[];
extern const unsigned int NAME_len;
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb");
  unsigned int n = 0;
  int c, ok = ((uintptr_t)NAME % 16 == 0);
  if (!ok) printf("the array is not 16-byte aligned\n");
  while ((c = fgetc(f)) != EOF) {
    if (n < NAME_len && NAME[n] != (unsigned char)c) { printf("byte %u differs\n", n); ok = 0; break; }
    n++;
  }
  if (n != NAME_len) { printf("NAME_len is %u, the model has %u bytes\n", NAME_len, n); ok = 0; }
  return ok ? 0 : 1;
}
"""  # the notebook's test program: linked with the learner's source as there, but never run here
GCC_TIMEOUT_S = 60
MAX_PROGRAM_BYTES = 64 * 2**20
BUILD_SCRIPT = """\
for case in "$@"; do
  cd "$case" || exit 3
  timeout {timeout} gcc -std=c11 -fno-diagnostics-show-caret -fdiagnostics-color=never -o check model.c checker.c \
    > gcc.log 2>&1
  echo $? > gcc.rc
done
"""


def _sandboxed(command: list[str], io: Path, work: Path) -> list[str]:
    """`command` inside the grading sandbox, seeing the system, `io` (read-write) and an empty `work`."""
    from course.grading import sandbox

    if sandbox.sandbox_disabled():
        return command
    bwrap = shutil.which("bwrap") or "bwrap"
    sandbox.check_sandbox(bwrap)
    return sandbox.bwrap_command(command, work, [io], bwrap=bwrap, user="nobody" if os.geteuid() == 0 else None,
                                 memory_mb=2048, cpu_seconds=4 * GCC_TIMEOUT_S, processes=64, file_mb=64, tmp_mb=256,
                                 workdir_mb=16)


def _build(sources: list[tuple[str, str]]) -> list[tuple[str, bytes | None]]:
    """(gcc's messages, the linked program or None) for each (C source, array name), built in the sandbox."""
    if shutil.which("gcc") is None:
        raise RuntimeError("gcc is needed to grade task 4 (apt-get install gcc)")
    with tempfile.TemporaryDirectory(prefix="course-c-array-") as tmp:
        io, work = Path(tmp, "io"), Path(tmp, "work")
        io.mkdir()
        work.mkdir()
        folders = []
        for index, (source, name) in enumerate(sources):
            folder = io / str(index)
            folder.mkdir()
            (folder / "model.c").write_text(source, encoding="utf-8")
            (folder / "checker.c").write_text(CHECKER.replace("NAME", name))
            folders.append(str(folder))
        (io / "build.sh").write_text(BUILD_SCRIPT.format(timeout=GCC_TIMEOUT_S))
        for path in [io, *io.rglob("*")]:
            os.chmod(path, 0o777 if path.is_dir() else 0o666)  # the sandbox's unprivileged user writes here
        environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C", "HOME": "/tmp", "TMPDIR": "/tmp"}
        try:
            subprocess.run(_sandboxed(["/bin/sh", str(io / "build.sh"), *folders], io, work), env=environment,
                           capture_output=True, timeout=GCC_TIMEOUT_S * len(sources) + 60)
        except subprocess.TimeoutExpired:
            pass  # the cases not built say so below
        built = []
        for folder in map(Path, folders):
            log = folder / "gcc.log"
            messages = log.read_bytes()[-1500:].decode(errors="replace") if log.is_file() else ""
            rc, program = folder / "gcc.rc", folder / "check"
            ok = rc.is_file() and rc.read_text().strip() == "0" and program.is_file() and not program.is_symlink()
            if ok and program.stat().st_size <= MAX_PROGRAM_BYTES:
                built.append((messages, program.read_bytes()))
            else:
                built.append((messages or "gcc did not finish", None))
        return built


def _elf_symbols(program: bytes) -> tuple[dict[str, tuple[int, int]], list[tuple]]:
    """The defined global symbols (name -> (address, section index)) and the sections of a 64-bit ELF file."""
    if program[:6] != b"\x7fELF\x02\x01":  # the linker's format, not the learner's: a grader fault
        raise RuntimeError("task 4's check reads little-endian 64-bit ELF programs (Linux on x86-64 or arm64)")
    header = struct.unpack_from("<16sHHIQQQIHHHHHH", program)
    shoff, shentsize, shnum = header[6], header[11], header[12]
    sections = [struct.unpack_from("<IIQQQQIIQQ", program, shoff + i * shentsize) for i in range(shnum)]
    symbols = {}
    for section in sections:
        if section[1] != 2:  # SHT_SYMTAB
            continue
        strings = sections[section[6]]
        for offset in range(section[4], section[4] + section[5], 24):
            name_at, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", program, offset)
            if info >> 4 not in (1, 2) or shndx == 0 or shndx >= len(sections):  # global or weak, defined
                continue
            start = strings[4] + name_at
            symbols[program[start:program.index(b"\0", start)].decode(errors="replace")] = (value, shndx)
    return symbols, sections


def _read(program: bytes, sections: list[tuple], symbol: tuple[int, int], size: int) -> bytes | None:
    """`size` bytes at a symbol's address, as the program would see them when loaded (None: not in its section)."""
    address, index = symbol
    _, kind, _, start, offset, length = sections[index][:6]
    if not start <= address <= address + size <= start + length:
        return None
    if kind == 8:  # SHT_NOBITS (.bss): zeros
        return bytes(size)
    return program[offset + address - start:offset + address - start + size]


def _linked_array_problem(program: bytes, name: str, model: bytes) -> str | None:
    """What the test program would have printed about the array `name` in the linked `program`, or None."""
    symbols, sections = _elf_symbols(program)
    if name not in symbols or f"{name}_len" not in symbols:
        return f"the program defines no {name} or {name}_len"
    length_bytes = _read(program, sections, symbols[f"{name}_len"], 4)
    if length_bytes is None:
        return f"{name}_len is not an unsigned int"
    length = struct.unpack("<I", length_bytes)[0]
    problems = [] if symbols[name][0] % 16 == 0 else ["the array is not 16-byte aligned"]
    array = _read(program, sections, symbols[name], min(length, len(model)))
    if array is None:
        problems.append(f"{name} does not hold {min(length, len(model))} bytes")
    elif array != model[:len(array)]:
        problems.append(f"byte {next(i for i, (a, b) in enumerate(zip(array, model)) if a != b)} differs")
    elif length != len(model):
        problems.append(f"{name}_len is {length}, the model has {len(model)} bytes")
    return "; ".join(problems) or None


C_CASES = {"visible": 0, "random": 1, "zeros": 2, "fallback": 3, "spotter": 4}


def _c_array_cases(rng: np.random.Generator) -> list[Call]:
    tiny = bytes([0x1C, 0x00, 0xFF, 0x80, 0x7F])
    return [Call("to_c_array", (tiny, "g_tiny"), label="the visible 5 bytes as g_tiny"),
            Call("to_c_array", (rng.integers(0, 256, size=int(rng.integers(3000, 9000)), dtype=np.uint8).tobytes(),
                                "g_model_data")),
            Call("to_c_array", (bytes([0]) * 17 + bytes([255]) * 3, "zeros_and_ones")),
            Call("to_c_array", (rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes(), "g_kws_model")),
            Call("spotter_c_array", ("g_kws_model",), label="your spotter_int8 as g_kws_model")]


def _c_array_verdict(answers: Answers) -> Verdict:
    spotter = answers.values.get("spotter_int8")
    spotter = bytes(spotter) if isinstance(spotter, bytes) else None
    # The old test used the learner's spotter when spotter_int8 held bytes, else 20,000 random bytes.
    chosen = [C_CASES["visible"], C_CASES["random"], C_CASES["zeros"],
              C_CASES["spotter"] if spotter is not None else C_CASES["fallback"]]
    sources = []
    for index in chosen:
        result, where = answers.results[index], answers.where(index)
        if "error" in result:
            return failed(f"to_c_array raised {result['error']} on {where}: {result.get('message', '')}")
        if not isinstance(result["value"], str):
            return failed("to_c_array must return the C source as a string")
        try:
            result["value"].encode("utf-8")
        except UnicodeEncodeError:
            return failed(f"the source to_c_array returned for {where} is not valid text (UTF-8)")
        call = answers.calls[index]
        name = call.args[1] if call.function == "to_c_array" else call.args[0]
        model = spotter if call.function == "spotter_c_array" else call.args[0]
        sources.append((result["value"], name, model, where))
    for (messages, program), (_, name, model, where) in zip(_build([(s, n) for s, n, _, _ in sources]), sources):
        if program is None:
            return failed(f"gcc could not build your source for {where}:\n{messages}")
        try:
            problem = _linked_array_problem(program, name, model)
        except (ValueError, IndexError, struct.error) as error:
            problem = f"the linked program could not be read ({error})"
        if problem:
            return failed(f"the compiled array is wrong for {where}: {problem}")
    return passed(f"passed ({len(sources)} sources compiled with gcc -std=c11 and linked with the test program)")


# ---------------------------------------------------------------- task 6: an int8 fully-connected layer in C

FC_ROWS = 48  # input rows per layer: random int8 rows, then the extremes
FC_RUN_TIMEOUT_S = 20


def _fc_layers(rng: np.random.Generator) -> list[tuple[str, bytes]]:
    """(label, int8 .tflite of one Dense layer) drawn by the grader: a spotter-sized layer, one with a fused
    ReLU, and a wide one (large accumulators, many negative products)."""
    from course.deploy import int8_fc

    layers = []
    for label, n_in, n_out, weight_std, activation in (
            ("a spotter-sized layer", int(rng.integers(16, 65)), 8, 0.3, None),
            ("a layer with a fused ReLU", int(rng.integers(24, 49)), int(rng.integers(4, 13)), 0.3, "relu"),
            ("a wide layer", 256, int(rng.integers(6, 11)), 0.1, None)):
        kernel = rng.normal(0, weight_std, (n_in, n_out))
        bias = rng.normal(0, 0.5, n_out)
        representative = rng.normal(rng.uniform(-0.5, 0.5), 1.0, (200, n_in))
        layers.append((f"{label} ({n_in} inputs, {n_out} outputs)",
                       int8_fc.dense_model(kernel, bias, representative, activation)))
    return layers


def _fc_inputs(rng: np.random.Generator, n_in: int) -> np.ndarray:
    rows = rng.integers(-128, 128, (FC_ROWS - 2, n_in))
    return np.vstack([rows, np.full(n_in, -128), np.full(n_in, 127)]).astype(np.int8)


def _firmware_wrap(work: Path):
    """A course.deploy.firmware wrap running each tool in the grading sandbox, in the folder it works in."""
    def wrap(command: list[str], folder: Path) -> list[str]:
        return _sandboxed(["/bin/sh", "-c", 'cd "$0" && exec "$@"', str(folder), *command], folder, work)
    return wrap


def _fc_verdict(answers: Answers) -> Verdict:
    from course.deploy import firmware, int8_fc

    source = answers.values.get("fc_source")
    if not isinstance(source, str) or "fc_int8" not in source:
        return failed("FC_SOURCE must hold C source defining fc_int8")
    rng = answers.data_rng("fc-layers")
    layers = _fc_layers(rng)
    spotter_layer = answers.values.get("fc_model")
    if isinstance(spotter_layer, bytes):  # the visible test's layer (the learner's spotter), with the grader's inputs
        try:
            int8_fc.fc_parameters(spotter_layer)
            layers.insert(0, ("your spotter's last layer", spotter_layer))
        except Exception:  # not one int8 FULLY_CONNECTED op: the grader's own layers still decide
            pass
    with tempfile.TemporaryDirectory(prefix="course-fc-") as tmp:
        wrap = _firmware_wrap(Path(tmp))
        try:
            image = int8_fc.build_fc(source, wrap=wrap)
        except firmware.FirmwareToolMissing:
            raise
        except firmware.FirmwareError as error:
            return failed(f"arm-none-eabi-gcc could not build your source:\n{str(error)[-1500:]}")
        for label, model in layers:
            params = int8_fc.fc_parameters(model)
            x = _fc_inputs(rng, params.weights.shape[1])
            expected = np.asarray(deploy.tflm_predict(model, x)).reshape(len(x), -1)
            try:
                y, _ = int8_fc.run_fc(image, params, x, timeout_s=FC_RUN_TIMEOUT_S, wrap=wrap)
            except firmware.FirmwareTimeout:
                return failed(f"on {label}, your fc_int8 did not finish within {FC_RUN_TIMEOUT_S} s (an endless loop?)")
            except firmware.FirmwareError as error:
                return failed(f"on {label}, the firmware stopped: {str(error)[-600:]}")
            wrong = np.argwhere(y != expected)
            if len(wrong):
                row, channel = wrong[0]
                return failed(f"on {label}, {len(wrong)} of {y.size} outputs differ from TensorFlow Lite Micro; "
                              f"the first: yours {y[row, channel]}, TFLM {expected[row, channel]} (check the rounding "
                              "of both requantization steps, the zero points and the clamping)")
    return passed(f"bit-exact with TensorFlow Lite Micro on {len(layers)} layers ({', '.join(l for l, _ in layers)}) "
                  "and inputs the grader drew, compiled for the Cortex-M4 and run on the emulated board")


CHECKS = {
    "task1_tests": Check(cases=_qp_cases, verdict=_qp_verdict,
                         scope=("task1_solution",),
                         references=("course.quantization.quantization_params",)),
    "task2_quantize_tests": Check(cases=_quantize_cases, verdict=_quantize_verdict,
                                  scope=("task2_solution",),
                                  references=("course.quantization.quantize", "course.lessons.plots.quantize")),
    "task2_dequantize_tests": Check(cases=_dequantize_cases, verdict=_dequantize_verdict,
                                    scope=("task2_solution",),
                                    references=("course.quantization.dequantize", "course.lessons.plots.dequantize")),
    "task3_budget_tests": Check(verdict=_budget_verdict),
    "task3_accuracy_tests": Check(verdict=_accuracy_verdict),
    "task4_tests": Check(cases=_c_array_cases, verdict=_c_array_verdict,
                         scope=("task4_solution",),
                         references=("course.deploy.c_array", "course.deploy.c_export",
                                     "course.deploy.arduino_sketch")),
    "task6_tests": Check(verdict=_fc_verdict),
}
