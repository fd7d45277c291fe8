"""What a .tflite model needs on a microcontroller: flash, tensor arena, ops, MACs, and whether
TensorFlow Lite Micro (TFLM) computes the same outputs as LiteRT (the desktop TFLite runtime).

Every TFLM run happens in a child process (`tflm_child.py`, started with `sys.executable`): an arena
that is slightly too small can make TFLM crash with a segmentation fault, and that must never take
the caller (a learner's or grader's Jupyter kernel) down with it.

Sizes are measured with the `tflite-micro` Python package on this 64-bit host. On a 32-bit
microcontroller TFLM's bookkeeping structures are smaller (4-byte pointers), so the arena measured
here is normally an upper bound there; optimized kernels (e.g. CMSIS-NN) may ask for extra scratch
memory, which is why generated sketches add a margin.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert.interpreter import Interpreter as LiteRTInterpreter
from ai_edge_litert.interpreter import OpResolverType
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from course.notebook.language import _
from course.notebook.quiet import quiet
from course.quantization import dequantize, quantize
from course.units import MIB

CHILD_SCRIPT = Path(__file__).with_name("tflm_child.py")
GENEROUS_ARENA_BYTES = 8 * MIB  # far more than any course model needs (person detection: 136 KB)
ARENA_RESOLUTION_BYTES = 16  # the arena search stops when the failing and working sizes are this close
FLOAT_TOLERANCE = 1e-4  # float models "agree" if outputs differ by at most this × max(1, |output|)
CHILD_TIMEOUT_S = 600

_OP_NAMES = {code: name for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
_DTYPES = {
    schema.TensorType.FLOAT32: "float32",
    schema.TensorType.INT8: "int8",
    schema.TensorType.UINT8: "uint8",
    schema.TensorType.INT16: "int16",
    schema.TensorType.INT32: "int32",
    schema.TensorType.INT64: "int64",
    schema.TensorType.BOOL: "bool",
}
_MISSING_OP = re.compile(r"Didn't find op for (?:builtin|custom) opcode '([^']+)'")
_ARENA_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")


class TFLMError(RuntimeError):
    """TensorFlow Lite Micro failed or crashed (in its child process; the caller is unharmed)."""


@dataclasses.dataclass(frozen=True, eq=False)
class ModelReport:
    """What `inspect` found out about a .tflite model.

    `input_scale`/`input_zero_point` (and the output ones) are 0.0/0 for float tensors, as in TFLite;
    `input_tensor`/`output_tensor` bundle them with shape and dtype (quantize/dequantize with them).
    `sha256` identifies the model bytes the report describes.
    `arena_bytes` is None (and `tflm_error` says why) when TFLite Micro cannot run the model.
    The comparison fields are None unless `inspect` was given a sample (then `agrees` is False if
    TFLM cannot run the model). `max_step_difference` is in quantization steps for integer outputs
    and an absolute difference for float outputs.
    """

    flash_bytes: int
    arena_bytes: int | None
    ops: list[str]
    unsupported_ops: list[str]
    macs: int
    input_shape: tuple[int, ...]
    input_dtype: str
    input_scale: float
    input_zero_point: int
    output_shape: tuple[int, ...]
    output_dtype: str
    output_scale: float
    output_zero_point: int
    sha256: str = ""
    tflm_error: str | None = None
    tflm_outputs: np.ndarray | None = dataclasses.field(default=None, repr=False)
    litert_outputs: np.ndarray | None = dataclasses.field(default=None, repr=False)
    max_step_difference: float | None = None
    argmax_agreement: float | None = None
    agrees: bool | None = None

    @property
    def input_tensor(self) -> TensorSpec:
        """The input's shape, dtype and quantization."""
        return TensorSpec(self.input_shape, self.input_dtype, self.input_scale, self.input_zero_point)

    @property
    def output_tensor(self) -> TensorSpec:
        """The output's shape, dtype and quantization."""
        return TensorSpec(self.output_shape, self.output_dtype, self.output_scale, self.output_zero_point)

    def summary(self) -> str:
        """A few human-readable lines for notebooks."""
        arena = f"{self.arena_bytes:,} B" if self.arena_bytes is not None else _("n/a")
        lines = [
            _("flash (model) {flash:,} B | tensor arena {arena} | {macs:,} MACs").format(
                flash=self.flash_bytes, arena=arena, macs=self.macs),
            _("ops: {ops}").format(ops=", ".join(self.ops)),
            _("input  {dtype} {shape} scale {scale:.6g} zero point {zero_point}").format(
                dtype=self.input_dtype, shape=self.input_shape, scale=self.input_scale,
                zero_point=self.input_zero_point),
            _("output {dtype} {shape} scale {scale:.6g} zero point {zero_point}").format(
                dtype=self.output_dtype, shape=self.output_shape, scale=self.output_scale,
                zero_point=self.output_zero_point),
        ]
        if self.tflm_error:
            lines.append(_("TFLite Micro cannot run it: {error}").format(error=self.tflm_error))
        if self.max_step_difference is not None:
            if self.agrees:
                comparison = _("TFLM vs LiteRT: max difference {difference:g}, argmax agreement {agreement:.1%} "
                               "-> agree")
            else:
                comparison = _("TFLM vs LiteRT: max difference {difference:g}, argmax agreement {agreement:.1%} "
                               "-> DISAGREE")
            lines.append(comparison.format(difference=self.max_step_difference, agreement=self.argmax_agreement))
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """A model input or output: shape, dtype and affine quantization (scale 0.0 for float tensors)."""

    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int

    @property
    def quantized(self) -> bool:
        """Whether the tensor holds integers with a scale and zero point."""
        return np.dtype(self.dtype).kind != "f"

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Float values in this tensor's dtype (`course.quantization.quantize` with its scale and zero point)."""
        dtype = np.dtype(self.dtype)
        if not self.quantized:
            return np.asarray(x).astype(dtype)
        if self.scale == 0.0 or dtype.kind != "i":
            raise ValueError(_("the model's {dtype} tensor has no signed affine quantization").format(dtype=self.dtype))
        return quantize(x, self.scale, self.zero_point, bits=8 * dtype.itemsize).astype(dtype)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        """Values of this tensor as floats (`course.quantization.dequantize`; float tensors as they are)."""
        return dequantize(q, self.scale, self.zero_point) if self.quantized else np.asarray(q, np.float64)


@dataclasses.dataclass(frozen=True)
class _ChildRun:
    returncode: int
    stderr: str
    outputs: np.ndarray | None


def _read_model(model_bytes: bytes) -> schema.ModelT:
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))


def _op_name(opcode: schema.OperatorCodeT) -> str:
    code = max(opcode.builtinCode, opcode.deprecatedBuiltinCode)
    if code == schema.BuiltinOperator.CUSTOM:
        return opcode.customCode.decode()
    return _OP_NAMES.get(code, f"BUILTIN_{code}")


def _operators(model: schema.ModelT):
    """(op name, operator, subgraph) for every operator, main subgraph first, in execution order."""
    for subgraph in model.subgraphs:
        for op in subgraph.operators or []:
            yield _op_name(model.operatorCodes[op.opcodeIndex]), op, subgraph


def _op_names(model: schema.ModelT) -> list[str]:
    return [name for name, _op, _subgraph in _operators(model)]


def model_ops(model_bytes: bytes) -> list[str]:
    """Names of the model's operators in execution order (e.g. ["FULLY_CONNECTED", ...])."""
    return _op_names(_read_model(model_bytes))


def op_macs(op: str, output_elements: int, kernel_hw: int, input_channels: int) -> int:
    """The course's one definition of a MAC count: the multiply-accumulates of one layer.

    Each of the `output_elements` sums `kernel_hw` (kernel height × width; 1 for FULLY_CONNECTED)
    × `input_channels` products; DEPTHWISE_CONV_2D reads one input channel per output. Other ops count 0.
    """
    if op == "DEPTHWISE_CONV_2D":
        return output_elements * kernel_hw
    if op in ("CONV_2D", "FULLY_CONNECTED"):
        return output_elements * kernel_hw * input_channels
    return 0


def _macs(model: schema.ModelT) -> int:
    """`op_macs` summed over the model's operators (weights: CONV_2D [out, kh, kw, in],
    DEPTHWISE_CONV_2D [1, kh, kw, out], FULLY_CONNECTED [units, inputs])."""
    total = 0
    for name, op, subgraph in _operators(model):
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        outputs = int(np.prod(subgraph.tensors[op.outputs[0]].shape))
        weights = [int(d) for d in subgraph.tensors[op.inputs[1]].shape]
        kernel_hw = 1 if name == "FULLY_CONNECTED" else weights[1] * weights[2]
        total += op_macs(name, outputs, kernel_hw, weights[-1])
    return total


def _tensor(subgraph: schema.SubGraphT, index: int) -> TensorSpec:
    tensor = subgraph.tensors[index]
    q = tensor.quantization
    quantized = q is not None and q.scale is not None and len(q.scale) > 0
    return TensorSpec(
        shape=tuple(int(d) for d in tensor.shape),
        dtype=_DTYPES.get(tensor.type, f"type{tensor.type}"),
        scale=float(q.scale[0]) if quantized else 0.0,
        zero_point=int(q.zeroPoint[0]) if quantized else 0,
    )


def _io(model: schema.ModelT) -> tuple[TensorSpec, TensorSpec]:
    subgraph = model.subgraphs[0]
    if len(subgraph.inputs) != 1 or len(subgraph.outputs) != 1:
        raise ValueError(_("course.deploy handles models with exactly one input and one output"))
    return _tensor(subgraph, subgraph.inputs[0]), _tensor(subgraph, subgraph.outputs[0])


def _as_batch(x: np.ndarray, tensor: TensorSpec) -> np.ndarray:
    """`x` (one input or a batch) as a batch in the tensor's dtype; float → int8 uses scale/zero point."""
    x = np.asarray(x)
    features = tensor.shape[1:]
    if x.shape == features:
        x = x[None]
    if x.shape[1:] != features:
        raise ValueError(_("expected one input of shape {features} or a batch (n, *{features}), got {shape}").format(
            features=features, shape=x.shape))
    dtype = np.dtype(tensor.dtype)
    if dtype.kind == "f" or x.dtype.kind == "f":
        return tensor.quantize(x)
    info = np.iinfo(dtype)
    if x.min() < info.min or x.max() > info.max:
        raise ValueError(_("integer input values must fit {dtype}").format(dtype=dtype))
    return x.astype(dtype)


def _child(args: list[str]) -> subprocess.CompletedProcess:
    """Run tflm_child.py with `args` in a fresh Python process, capturing its output."""
    try:
        return subprocess.run([sys.executable, str(CHILD_SCRIPT), *args], capture_output=True,
                              timeout=CHILD_TIMEOUT_S, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    except subprocess.TimeoutExpired as e:
        raise TFLMError(_("TFLite Micro did not finish within {seconds} s").format(seconds=CHILD_TIMEOUT_S)) from e


def _run_tflm(model_bytes: bytes, arena_bytes: int, batch: np.ndarray) -> _ChildRun:
    """Run TFLM in a child process on `batch` (already in the input dtype)."""
    with tempfile.TemporaryDirectory(prefix="course-tflm-") as tmp:
        model_path, inputs_path, outputs_path = (Path(tmp) / n for n in ("model.tflite", "in.npy", "out.npy"))
        model_path.write_bytes(model_bytes)
        np.save(inputs_path, batch)
        proc = _child(["run", str(model_path), str(arena_bytes), str(inputs_path), str(outputs_path)])
        outputs = np.load(outputs_path) if proc.returncode == 0 else None
    return _ChildRun(proc.returncode, proc.stderr.decode(errors="replace"), outputs)


def _failure(run: _ChildRun, arena_bytes: int) -> str:
    """One line saying how a child run failed."""
    if run.returncode < 0:
        name = signal.Signals(-run.returncode).name
        return _("TFLite Micro crashed ({signal}) with a {arena:,}-byte arena").format(signal=name, arena=arena_bytes)
    messages = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith((" ", "Traceback"))]
    return _("TFLite Micro failed with a {arena:,}-byte arena: {messages}").format(
        arena=arena_bytes, messages=" | ".join(messages[-4:]))


def tflm_predict(model_bytes: bytes, x: np.ndarray, arena_bytes: int | None = None,
                 dequantized: bool = False) -> np.ndarray:
    """Outputs of TensorFlow Lite Micro for one input or a batch, all run in ONE child process.

    Float `x` is quantized with the input's scale/zero point for integer models. Returns the raw
    outputs, shape (n, *output_shape[1:]) in the output dtype (int8 for int8 models), or with
    `dequantized=True` as floats (the output's scale and zero point applied). `arena_bytes`
    defaults to a generous 8 MiB. Raises TFLMError (the caller survives) if TFLM fails or crashes.
    """
    input_tensor, output_tensor = _io(_read_model(model_bytes))
    arena = GENEROUS_ARENA_BYTES if arena_bytes is None else arena_bytes
    run = _run_tflm(model_bytes, arena, _as_batch(x, input_tensor))
    if run.returncode != 0:
        raise TFLMError(_failure(run, arena))
    return output_tensor.dequantize(run.outputs) if dequantized else run.outputs


def _with_ops_replaced(model: schema.ModelT, names: list[str]) -> bytes:
    """The model's bytes with operator codes `names` swapped for RESHAPE (which TFLM has).

    Only used to make TFLM's op lookup carry on past an op it lacks, to find the next missing one.
    `model` is left as it was.
    """
    replaced = [opcode for opcode in model.operatorCodes if _op_name(opcode) in names]
    saved = [(opcode.builtinCode, opcode.deprecatedBuiltinCode, opcode.customCode) for opcode in replaced]
    try:
        for opcode in replaced:
            opcode.builtinCode = opcode.deprecatedBuiltinCode = schema.BuiltinOperator.RESHAPE
            opcode.customCode = None
        builder = flatbuffers.Builder(0)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())
    finally:
        for opcode, (builtin, deprecated, custom) in zip(replaced, saved):
            opcode.builtinCode, opcode.deprecatedBuiltinCode, opcode.customCode = builtin, deprecated, custom


def _probe(model_bytes: bytes, model: schema.ModelT, batch: np.ndarray) -> tuple[_ChildRun, list[str]]:
    """Run TFLM with a generous arena; return the run and the ops TFLM reported it has no kernel for.

    TFLM stops at the first op it lacks, so after each such report that op is stood in for and TFLM
    is asked again (one child per missing op). `model` is `model_bytes` parsed.
    """
    missing: list[str] = []
    probe_bytes = model_bytes
    while True:
        run = _run_tflm(probe_bytes, GENEROUS_ARENA_BYTES, batch)
        new = [op for op in _MISSING_OP.findall(run.stderr) if op not in missing]
        if not new:
            return run, missing
        missing += new
        probe_bytes = _with_ops_replaced(model, missing)


def _smallest_arena(model_bytes: bytes, start: int, batch: np.ndarray) -> int:
    """The smallest arena (to ARENA_RESOLUTION_BYTES) with which TFLM runs, searched from `start`.

    `start` is print_allocations()' "Arena allocation total": the smallest working arena is usually
    a few hundred bytes above it (temporary memory during AllocateTensors), occasionally just below.
    The search runs in one child process that tries each arena in a forked process of its own.
    """
    with tempfile.TemporaryDirectory(prefix="course-tflm-") as tmp:
        model_path, inputs_path = Path(tmp) / "model.tflite", Path(tmp) / "in.npy"
        model_path.write_bytes(model_bytes)
        np.save(inputs_path, batch[:1])
        proc = _child(["search", str(model_path), str(start), str(inputs_path), str(ARENA_RESOLUTION_BYTES)])
    if proc.returncode != 0:
        raise TFLMError("arena search failed: " + proc.stderr.decode(errors="replace").strip()[-500:])
    return int(proc.stdout.split()[-1])


def _compare(tflm: np.ndarray, litert: np.ndarray) -> tuple[float, float, bool]:
    """(max difference, argmax agreement, agrees) between TFLM and LiteRT outputs."""
    if tflm.dtype.kind == "f":
        difference = float(np.abs(tflm - litert).max())
        tolerance = FLOAT_TOLERANCE * max(1.0, float(np.abs(litert).max()))
    else:
        difference = int(np.abs(tflm.astype(np.int64) - litert.astype(np.int64)).max())
        tolerance = 1
    n = len(tflm)
    agreement = float(np.mean(tflm.reshape(n, -1).argmax(1) == litert.reshape(n, -1).argmax(1)))
    return difference, agreement, bool(difference <= tolerance and agreement == 1.0)


def litert_predict(model_bytes: bytes, x: np.ndarray, xnnpack: bool = True, dequantized: bool = False) -> np.ndarray:
    """Outputs of LiteRT (`ai_edge_litert`) for one input or a batch; same conventions as tflm_predict.

    By default LiteRT runs most ops through its XNNPACK delegate, as it does on a desktop or phone;
    `xnnpack=False` uses LiteRT's built-in kernels only (on the course's int8 models they give exactly
    TFLM's outputs).
    """
    input_tensor, output_tensor = _io(_read_model(model_bytes))
    outputs = _litert_run(model_bytes, _as_batch(x, input_tensor), xnnpack)
    return output_tensor.dequantize(outputs) if dequantized else outputs


def _litert_run(model_bytes: bytes, batch: np.ndarray, xnnpack: bool) -> np.ndarray:
    """LiteRT's outputs for `batch` (already in the input dtype), one row at a time."""
    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    with quiet():  # LiteRT announces its XNNPACK delegate on stderr
        interpreter = LiteRTInterpreter(model_content=model_bytes, experimental_op_resolver_type=resolver)
        interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    outputs = []
    for row in batch:
        interpreter.set_tensor(input_index, row[None])
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(output_index)[0])
    return np.stack(outputs)


def inspect(model_bytes: bytes, sample: np.ndarray | None = None) -> ModelReport:
    """Measure a .tflite model for deployment with TensorFlow Lite Micro.

    `arena_bytes` is the smallest tensor arena (within 16 bytes) with which TFLM actually runs the
    model, found by trying arenas in child processes (about a second). With `sample` (one input or a
    batch; float samples are quantized with the input's scale and zero point for int8 models), TFLM
    and LiteRT are both run on it and compared: they agree if no output differs by more than one
    quantization step and every argmax matches.
    """
    model_bytes = bytes(model_bytes)
    model = _read_model(model_bytes)  # the one parse: everything below reads `model`
    input_tensor, output_tensor = _io(model)
    if sample is None:
        batch = np.zeros((1, *input_tensor.shape[1:]), np.dtype(input_tensor.dtype))
    else:
        batch = _as_batch(sample, input_tensor)

    probe, unsupported = _probe(model_bytes, model, batch)
    arena, error = None, None
    if unsupported:
        error = _("TFLite Micro has no kernel for {ops}").format(ops=", ".join(unsupported))
    elif probe.returncode != 0:
        error = _failure(probe, GENEROUS_ARENA_BYTES)
    else:
        total = _ARENA_TOTAL.search(probe.stderr)
        if total is None:
            raise TFLMError("TFLite Micro printed no 'Arena allocation total'")
        arena = _smallest_arena(model_bytes, int(total.group(1)), batch[:1])

    comparison = {}
    if sample is not None:
        litert = _litert_run(model_bytes, batch, xnnpack=True)
        comparison = {"litert_outputs": litert, "agrees": False}
        if arena is not None:
            difference, agreement, agrees = _compare(probe.outputs, litert)
            comparison.update(tflm_outputs=probe.outputs, max_step_difference=difference,
                              argmax_agreement=agreement, agrees=agrees)
    return ModelReport(
        flash_bytes=len(model_bytes),
        arena_bytes=arena,
        ops=_op_names(model),
        unsupported_ops=unsupported,
        macs=_macs(model),
        input_shape=input_tensor.shape,
        input_dtype=input_tensor.dtype,
        input_scale=input_tensor.scale,
        input_zero_point=input_tensor.zero_point,
        output_shape=output_tensor.shape,
        output_dtype=output_tensor.dtype,
        output_scale=output_tensor.scale,
        output_zero_point=output_tensor.zero_point,
        sha256=hashlib.sha256(model_bytes).hexdigest(),
        tflm_error=error,
        **comparison,
    )
