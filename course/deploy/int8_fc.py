"""One int8 fully-connected layer, as TensorFlow Lite (Micro) computes it, run in C on the emulated board.

`dense_model(kernel, bias, inputs)` converts a single Keras Dense layer to a full-int8 .tflite model (a
real FULLY_CONNECTED op, quantized by the TFLite converter); `fc_parameters(model)` reads its int8
weights, int32 bias, scales and zero points from the interpreter's tensor details and derives what an
integer-only kernel needs: the fixed-point multiplier and shift of each output channel (TFLite's
QuantizeMultiplier) and the activation range. `run_fc(source, params, inputs)` compiles a C file that
defines `fc_int8` (its prototype: FC_PROTOTYPE) with the course's driver for the Cortex-M4, runs it in
QEMU and returns its int8 outputs and the instructions one call took.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from course.deploy import firmware

FC_PROTOTYPE = """\
void fc_int8(const int8_t *input, int in_features, const int8_t *weights, const int32_t *bias,
             int out_features, int32_t input_zero_point, int32_t output_zero_point,
             const int32_t *multiplier, const int32_t *shift, int32_t act_min, int32_t act_max,
             int8_t *output);"""
"""The learner's function: `weights` is row-major (out_features, in_features); `multiplier` and `shift`
hold one value per output channel; the weights' zero point is 0 (TFLite's int8 weights are symmetric)."""

DRIVER = f"""\
/* The course's driver for fc_int8: reads the layer (fc.bin) and the input rows (x.bin), writes the
 * output rows (y.bin) and the instructions of the first call (instructions.bin). */
#include <stdint.h>
#include <stdlib.h>
#include "course_fw.h"

{FC_PROTOTYPE}

static void *load(const char *name, size_t n) {{
  void *buf = malloc(n ? n : 1);
  if (!buf || course_fw_read(name, buf, n) != 0) exit(2);
  return buf;
}}

int main(void) {{
  int32_t *h = load("fc.bin", 6 * sizeof(int32_t)); /* in, out, rows, input zp, output zp, act min */
  int in = h[0], out = h[1], rows = h[2];
  int32_t zin = h[3], zout = h[4], act_min = h[5];
  int32_t *rest = load("fc_params.bin", (size_t)(out * 3 + 1) * 4 + (size_t)in * out);
  const int32_t *bias = rest, *multiplier = rest + out, *shift = rest + 2 * out;
  int32_t act_max = rest[3 * out];
  const int8_t *weights = (const int8_t *)(rest + 3 * out + 1);
  int8_t *x = load("x.bin", (size_t)rows * in), *y = malloc((size_t)rows * out);
  uint64_t first = 0;
  for (int r = 0; r < rows; r++) {{
    uint64_t before = course_fw_instructions();
    fc_int8(x + r * in, in, weights, bias, out, zin, zout, multiplier, shift, act_min, act_max, y + r * out);
    if (r == 0) first = course_fw_instructions() - before;
  }}
  course_fw_write("instructions.bin", &first, sizeof first);
  return course_fw_write("y.bin", y, (size_t)rows * out) == 0 ? 0 : 3;
}}
"""


@dataclasses.dataclass(frozen=True)
class FCParameters:
    """An int8 FULLY_CONNECTED layer: weights (out, in) int8, bias int32, the quantization of its input,
    weights (one scale per output channel, repeated if per-tensor) and output, and the integer-only
    requantization: real multiplier input_scale·weight_scale/output_scale as (multiplier, shift) pairs."""

    weights: np.ndarray
    bias: np.ndarray
    input_scale: float
    input_zero_point: int
    weight_scales: np.ndarray
    output_scale: float
    output_zero_point: int
    multiplier: np.ndarray
    shift: np.ndarray
    act_min: int
    act_max: int


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier: real = multiplier·2^(shift-31), multiplier a Q31 in [2^30, 2^31)."""
    if real == 0:
        return 0, 0
    fraction, shift = math.frexp(real)
    multiplier = round(fraction * (1 << 31))
    if multiplier == 1 << 31:
        multiplier, shift = multiplier // 2, shift + 1
    if shift < -31:
        return 0, 0
    return int(multiplier), int(shift)


def dense_model(kernel: np.ndarray, bias: np.ndarray, inputs: np.ndarray, activation: str | None = None) -> bytes:
    """A full-int8 .tflite model of one Dense layer (kernel (in, out), bias (out,)), quantized by the
    TFLite converter with `inputs` (n, in) as representative data."""
    import keras

    from course.deploy.convert import convert

    layer = keras.layers.Dense(kernel.shape[1], activation=activation)
    model = keras.Sequential([keras.Input((kernel.shape[0],), batch_size=1), layer])
    layer.set_weights([np.asarray(kernel, np.float32), np.asarray(bias, np.float32)])
    return convert(model, representative_data=np.asarray(inputs, np.float32))


def fc_parameters(model: bytes) -> FCParameters:
    """The parameters of the one FULLY_CONNECTED op of `model`, read from the .tflite flatbuffer."""
    from course.deploy.report import _operators, _read_model, schema

    flat = _read_model(bytes(model))
    ops = [(op, subgraph) for name, op, subgraph in _operators(flat) if name == "FULLY_CONNECTED"]
    if len(ops) != 1:
        raise ValueError(f"expected one FULLY_CONNECTED op, found {len(ops)}")
    op, subgraph = ops[0]
    x, w = (subgraph.tensors[i] for i in op.inputs[:2])
    b = subgraph.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None  # none if all zero
    y = subgraph.tensors[op.outputs[0]]
    if {x.type, w.type, y.type} != {schema.TensorType.INT8} or (b is not None and b.type != schema.TensorType.INT32):
        raise ValueError("the layer is not int8 with an int32 bias")

    def data(tensor, dtype) -> np.ndarray:
        return np.frombuffer(bytes(flat.buffers[tensor.buffer].data), dtype).reshape(tensor.shape)

    weights = data(w, np.int8)
    out = weights.shape[0]
    bias = np.zeros(out, np.int32) if b is None else data(b, "<i4").astype(np.int32)
    weight_scales = np.broadcast_to(np.asarray(w.quantization.scale, np.float32), (out,))
    input_scale, output_scale = float(x.quantization.scale[0]), float(y.quantization.scale[0])
    input_zero_point, output_zero_point = int(x.quantization.zeroPoint[0]), int(y.quantization.zeroPoint[0])
    # As TensorFlow Lite Micro computes it: the float32 scales multiplied and divided in double precision.
    pairs = [quantize_multiplier(input_scale * float(s) / output_scale) for s in weight_scales]
    activation = op.builtinOptions.fusedActivationFunction
    act_min = {schema.ActivationFunctionType.NONE: -128, schema.ActivationFunctionType.RELU: output_zero_point}
    if activation not in act_min:
        raise ValueError(f"fused activation {activation} is not handled (NONE or RELU)")
    return FCParameters(
        weights=weights.copy(), bias=bias, input_scale=input_scale, input_zero_point=input_zero_point,
        weight_scales=np.array(weight_scales, np.float32), output_scale=output_scale,
        output_zero_point=output_zero_point, multiplier=np.array([m for m, _ in pairs], np.int32),
        shift=np.array([s for _, s in pairs], np.int32), act_min=max(-128, act_min[activation]), act_max=127)


def layer_files(params: FCParameters, inputs: np.ndarray) -> dict[str, bytes]:
    """The driver's input files for `params` and int8 input rows (n, in)."""
    inputs = np.asarray(inputs, np.int8).reshape(-1, params.weights.shape[1])
    out, n_in = params.weights.shape
    header = np.array([n_in, out, len(inputs), params.input_zero_point, params.output_zero_point, params.act_min],
                      "<i4")
    rest = np.concatenate([params.bias, params.multiplier, params.shift, [params.act_max]]).astype("<i4")
    return {"fc.bin": header.tobytes(), "fc_params.bin": rest.tobytes() + params.weights.tobytes(),
            "x.bin": inputs.tobytes()}


def run_fc(source: str | firmware.Firmware, params: FCParameters, inputs: np.ndarray, *,
           timeout_s: float = firmware.RUN_TIMEOUT_S, wrap: firmware.Wrap | None = None) -> tuple[np.ndarray, int]:
    """Run `source` (C defining fc_int8, or a firmware build_fc made) with the driver on the Cortex-M4 on
    `inputs` (n, in) int8; return the int8 outputs (n, out) and the instructions the first call executed."""
    image = build_fc(source, wrap=wrap) if isinstance(source, str) else source
    result = firmware.run(image, layer_files(params, inputs), timeout_s=timeout_s, wrap=wrap)
    if "y.bin" not in result.outputs or "instructions.bin" not in result.outputs:
        raise firmware.FirmwareError("the driver wrote no outputs")
    outputs = np.frombuffer(result.outputs["y.bin"], np.int8).reshape(-1, params.weights.shape[0])
    return outputs, int(np.frombuffer(result.outputs["instructions.bin"], "<u8")[0])


def build_fc(source: str, *, wrap: firmware.Wrap | None = None) -> firmware.Firmware:
    """Firmware for the Cortex-M4 of `source` (C defining fc_int8, `<stdint.h>` included) with the driver."""
    return firmware.build({"fc.c": "#include <stdint.h>\n" + source, "driver.c": DRIVER}, wrap=wrap)
