"""An Arduino sketch folder that runs a .tflite model with TensorFlow Lite Micro.

The sketch uses TFLite Micro's C++ API as shipped by its Arduino port (library header
`TensorFlowLite.h`): `tflite::GetModel`, a `tflite::MicroMutableOpResolver<N>` holding exactly the
model's ops, `tflite::MicroInterpreter` and `AllocateTensors()`. Write every returned file into one
folder named like the .ino file, open it in the Arduino IDE, fill in your input and build.

`kws_sketch` writes a complete keyword spotter for the Nano 33 BLE Sense: microphone, the course's C
front end, the model and streaming decisions (post-processing) — nothing left to fill in.
"""
from __future__ import annotations

import hashlib
import math

from course.deploy.c_export import c_array, check_identifier
from course.deploy.firmware import RUNTIME_DIR
from course.deploy.report import ModelReport, inspect
from course.deploy.streaming import StreamingDecisions
from course.units import KIB

# Builtin op → MicroMutableOpResolver method (without "Add"). Ops missing here have no resolver method.
RESOLVER_METHODS = {
    "ABS": "Abs", "ADD": "Add", "ADD_N": "AddN", "ARG_MAX": "ArgMax", "ARG_MIN": "ArgMin",
    "AVERAGE_POOL_2D": "AveragePool2D", "BATCH_MATMUL": "BatchMatMul",
    "BATCH_TO_SPACE_ND": "BatchToSpaceNd", "CAST": "Cast", "CEIL": "Ceil",
    "CONCATENATION": "Concatenation", "CONV_2D": "Conv2D", "COS": "Cos", "CUMSUM": "CumSum",
    "DEPTH_TO_SPACE": "DepthToSpace", "DEPTHWISE_CONV_2D": "DepthwiseConv2D",
    "DEQUANTIZE": "Dequantize", "ELU": "Elu", "EQUAL": "Equal", "EXP": "Exp",
    "EXPAND_DIMS": "ExpandDims", "FILL": "Fill", "FLOOR": "Floor", "FLOOR_DIV": "FloorDiv",
    "FLOOR_MOD": "FloorMod", "FULLY_CONNECTED": "FullyConnected", "GATHER": "Gather",
    "GATHER_ND": "GatherNd", "GREATER": "Greater", "GREATER_EQUAL": "GreaterEqual",
    "HARD_SWISH": "HardSwish", "L2_NORMALIZATION": "L2Normalization", "L2_POOL_2D": "L2Pool2D",
    "LEAKY_RELU": "LeakyRelu", "LESS": "Less", "LESS_EQUAL": "LessEqual", "LOG": "Log",
    "LOG_SOFTMAX": "LogSoftmax", "LOGICAL_AND": "LogicalAnd", "LOGICAL_NOT": "LogicalNot",
    "LOGICAL_OR": "LogicalOr", "LOGISTIC": "Logistic", "MAX_POOL_2D": "MaxPool2D",
    "MAXIMUM": "Maximum", "MEAN": "Mean", "MINIMUM": "Minimum", "MIRROR_PAD": "MirrorPad",
    "MUL": "Mul", "NEG": "Neg", "NOT_EQUAL": "NotEqual", "PACK": "Pack", "PAD": "Pad",
    "PADV2": "PadV2", "PRELU": "Prelu", "QUANTIZE": "Quantize", "REDUCE_MAX": "ReduceMax",
    "RELU": "Relu", "RELU6": "Relu6", "RESHAPE": "Reshape", "RESIZE_BILINEAR": "ResizeBilinear",
    "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighbor", "ROUND": "Round", "RSQRT": "Rsqrt",
    "SELECT_V2": "SelectV2", "SHAPE": "Shape", "SIN": "Sin", "SLICE": "Slice",
    "SOFTMAX": "Softmax", "SPACE_TO_BATCH_ND": "SpaceToBatchNd", "SPACE_TO_DEPTH": "SpaceToDepth",
    "SPLIT": "Split", "SPLIT_V": "SplitV", "SQRT": "Sqrt", "SQUARE": "Square",
    "SQUARED_DIFFERENCE": "SquaredDifference", "SQUEEZE": "Squeeze",
    "STRIDED_SLICE": "StridedSlice", "SUB": "Sub", "SUM": "Sum", "SVDF": "Svdf", "TANH": "Tanh",
    "TRANSPOSE": "Transpose", "TRANSPOSE_CONV": "TransposeConv",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTM", "UNPACK": "Unpack",
    "ZEROS_LIKE": "ZerosLike",
}
# The generated arena: the arena measured on the host plus this margin (optimized kernels such as
# CMSIS-NN may need scratch buffers that the host's reference kernels do not), rounded up to 16.
ARENA_MARGIN_BYTES = 1 * KIB
ARENA_MARGIN_FRACTION = 0.25


def resolver_calls(ops: list[str]) -> list[str]:
    """The `Add...()` method names for the distinct ops, in first-use order."""
    unknown = sorted({op for op in ops if op not in RESOLVER_METHODS})
    if unknown:
        raise ValueError(f"TFLite Micro's MicroMutableOpResolver has no method for {', '.join(unknown)}")
    return ["Add" + RESOLVER_METHODS[op] for op in dict.fromkeys(ops)]


def sketch_arena_bytes(arena_bytes: int) -> int:
    """Arena size for the sketch: measured + max(1 KiB, 25 %), rounded up to a multiple of 16."""
    size = arena_bytes + max(ARENA_MARGIN_BYTES, int(arena_bytes * ARENA_MARGIN_FRACTION))
    return -(-size // 16) * 16


def _interpreter_setup(name: str, ops: list[str]) -> str:
    """The lines of setup() that load the model `name`, register its kernels and allocate the tensor arena."""
    calls = resolver_calls(ops)
    resolver = "\n".join(f"  resolver.{call}();" for call in calls)
    return f"""  tflite::InitializeTarget();

  model = tflite::GetModel({name});
  if (model->version() != TFLITE_SCHEMA_VERSION) {{
    Serial.println("Model schema version does not match the library.");
    while (true) {{}}
  }}

  // Only the kernels this model uses ({len(calls)} distinct op types): less code in flash.
  static tflite::MicroMutableOpResolver<{len(calls)}> resolver;
{resolver}

  static tflite::MicroInterpreter static_interpreter(model, resolver, tensor_arena, kTensorArenaSize);
  interpreter = &static_interpreter;
  if (interpreter->AllocateTensors() != kTfLiteOk) {{
    Serial.println("AllocateTensors() failed: increase kTensorArenaSize.");
    while (true) {{}}
  }}
"""


def _ino(name: str, report: ModelReport) -> str:
    if {report.input_dtype, report.output_dtype} - {"int8", "float32"}:
        raise ValueError("the sketch template handles int8 and float32 inputs and outputs")
    elements = math.prod(report.input_shape)
    if report.input_dtype == "int8":
        set_input = (
            f"  // Quantize: q = round(x / {report.input_scale:.9g}) + ({report.input_zero_point}),\n"
            "  // clamped to [-128, 127].\n"
            "  for (int i = 0; i < kInputElements; ++i) {\n"
            "    const float x = features[i];\n"
            "    int q = (int)lroundf(x / kInputScale) + kInputZeroPoint;\n"
            "    input->data.int8[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));\n"
            "  }\n"
        )
    else:
        set_input = "  for (int i = 0; i < kInputElements; ++i) input->data.f[i] = features[i];\n"
    if report.output_dtype == "int8":
        read_output = (
            "  // Dequantize: y = (q - zero_point) * scale.\n"
            "  const float y = (output->data.int8[0] - kOutputZeroPoint) * kOutputScale;\n"
        )
    else:
        read_output = "  const float y = output->data.f[0];\n"
    return f"""// Runs {name} with TensorFlow Lite Micro. Generated by course.deploy.arduino_sketch.
// Model: {report.flash_bytes} bytes in flash; ops: {', '.join(report.ops)}.
// Needs the TensorFlow Lite Micro Arduino library (header TensorFlowLite.h).
#include <TensorFlowLite.h>
#include <math.h>

#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

#include "{name}.h"

namespace {{
// The arena measured on the host was {report.arena_bytes} bytes; this adds a margin for optimized
// kernels. After AllocateTensors(), arena_used_bytes() (printed in setup) tells the real need.
constexpr int kTensorArenaSize = {sketch_arena_bytes(report.arena_bytes)};
alignas(16) uint8_t tensor_arena[kTensorArenaSize];

constexpr int kInputElements = {elements};  // input shape {report.input_shape}, {report.input_dtype}
constexpr float kInputScale = {report.input_scale:.9g}f;
constexpr int kInputZeroPoint = {report.input_zero_point};
constexpr float kOutputScale = {report.output_scale:.9g}f;  // output shape {report.output_shape}, {report.output_dtype}
constexpr int kOutputZeroPoint = {report.output_zero_point};

const tflite::Model* model = nullptr;
tflite::MicroInterpreter* interpreter = nullptr;
TfLiteTensor* input = nullptr;
TfLiteTensor* output = nullptr;
float features[kInputElements];  // fill these with real (float) inputs in loop()
}}  // namespace

void setup() {{
  Serial.begin(115200);
{_interpreter_setup(name, report.ops)}  input = interpreter->input(0);
  output = interpreter->output(0);
  Serial.print("Arena used: ");
  Serial.println((unsigned long)interpreter->arena_used_bytes());
}}

void loop() {{
  // TODO: put your input (floats, preprocessed as in training) into features[].
{set_input}
  if (interpreter->Invoke() != kTfLiteOk) {{
    Serial.println("Invoke() failed.");
    return;
  }}
{read_output}  Serial.println(y);
  delay(1000);
}}
"""


def _checked_report(model_bytes: bytes, report: ModelReport | None) -> ModelReport:
    """`report` (or `inspect` of the bytes), checked to describe these bytes and to run on TFLite Micro."""
    report = inspect(model_bytes) if report is None else report
    if report.sha256 != hashlib.sha256(model_bytes).hexdigest():
        raise ValueError("the report does not describe these model bytes")
    if report.arena_bytes is None:
        raise ValueError(f"TFLite Micro cannot run this model: {report.tflm_error}")
    return report


def arduino_sketch(model_bytes: bytes, name: str = "g_model", report: ModelReport | None = None,
                   sketch_name: str = "tinyml_model") -> dict[str, str]:
    """Files (name → text) of an Arduino sketch folder `sketch_name` running the model.

    `<sketch_name>.ino` plus `<name>.h`/`<name>.cpp` from c_array. `report` (from inspect) supplies
    ops, quantization and the arena size; it is computed if not given. The model bytes are not
    parsed again, only checked against the report's SHA-256 and copied into the C array. The .ino
    quantizes float inputs with the input's scale and zero point and prints the first output, dequantized.
    """
    check_identifier(sketch_name)
    model_bytes = bytes(model_bytes)
    report = _checked_report(model_bytes, report)
    header, source = c_array(model_bytes, name)
    return {f"{sketch_name}.ino": _ino(name, report), f"{name}.h": header, f"{name}.cpp": source}


KWS_SKETCH_SOURCES = ("kws_frontend.c", "kws_frontend.h", "postprocess.c", "postprocess.h")
KWS_LIBRARIES = "Arduino_TensorFlowLite (header TensorFlowLite.h) and emlearn (eml_fft.h), from the Library Manager"


def _kws_ino(name: str, report: ModelReport, classes: list[str], decisions: StreamingDecisions,
             frames_per_inference: int) -> str:
    if report.input_dtype != "int8" or report.output_dtype != "int8":
        raise ValueError("the keyword spotter sketch needs a full-int8 model (int8 input and output)")
    names = ", ".join(f'"{c}"' for c in classes)
    return f"""// A complete keyword spotter for the Arduino Nano 33 BLE Sense. Generated by course.deploy.kws_sketch.
// Microphone (PDM, 16 kHz) -> log-mel front end (kws_frontend.c, the same C the course runs on the emulated
// Cortex-M4) -> int8 model on TensorFlow Lite Micro ({report.flash_bytes} bytes; ops: {', '.join(report.ops)})
// -> streaming decisions (postprocess.c: average of {decisions.average} inferences, threshold {decisions.threshold:g},
// {decisions.suppress} inferences suppressed after a detection) -> Serial and the built-in LED.
// Needs the Arduino libraries {KWS_LIBRARIES}.
#include <PDM.h>
#include <TensorFlowLite.h>
#include <string.h>

#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

#include "kws_frontend.h"
#include "postprocess.h"
#include "{name}.h"

namespace {{
constexpr int kTensorArenaSize = {sketch_arena_bytes(report.arena_bytes)};  // measured {report.arena_bytes} + margin
alignas(16) uint8_t tensor_arena[kTensorArenaSize];
constexpr float kInputScale = {report.input_scale:.9g}f;
constexpr int kInputZeroPoint = {report.input_zero_point};
constexpr float kOutputScale = {report.output_scale:.9g}f;
constexpr int kOutputZeroPoint = {report.output_zero_point};
constexpr int kClasses = {len(classes)};
const char* const kClassNames[kClasses] = {{{names}}};
constexpr int kFramesPerInference = {frames_per_inference};  // a new inference every {frames_per_inference} hops

// Audio: a ring of 1 s filled by the microphone's interrupt; `written` counts every sample ever received.
constexpr uint32_t kRing = KWS_SAMPLE_RATE;
volatile int16_t ring[kRing];
volatile uint32_t written = 0;
int16_t pdm_chunk[512];

float features[KWS_N_FRAMES][KWS_N_MELS];  // the last second of features, oldest frame first
int16_t frame[KWS_FRAME_LENGTH];
uint32_t frames_done = 0;  // frame f starts at sample f * KWS_HOP
int frames_since_inference = 0;

const tflite::Model* model = nullptr;
tflite::MicroInterpreter* interpreter = nullptr;
Postprocess decisions;
}}  // namespace

void onPDMdata() {{
  int bytes = PDM.available();
  if (bytes > (int)sizeof(pdm_chunk)) bytes = sizeof(pdm_chunk);
  PDM.read(pdm_chunk, bytes);
  for (int i = 0; i < bytes / 2; i++) ring[(written + i) % kRing] = pdm_chunk[i];
  written += bytes / 2;
}}

void setup() {{
  Serial.begin(115200);
  pinMode(LED_BUILTIN, OUTPUT);
{_interpreter_setup(name, report.ops)}  postprocess_init(&decisions, kClasses, {decisions.first_keyword}, {decisions.average}, {decisions.threshold:.9g}f,
                   {decisions.suppress});
  PDM.onReceive(onPDMdata);
  if (!PDM.begin(1, KWS_SAMPLE_RATE)) {{
    Serial.println("Could not start the microphone.");
    while (true) {{}}
  }}
}}

void loop() {{
  // 1. Features of every whole frame the microphone delivered (one new row per hop).
  while (written >= frames_done * KWS_HOP + KWS_FRAME_LENGTH) {{
    if (written - frames_done * KWS_HOP > kRing - KWS_HOP) {{  // fell behind: skip to the newest audio
      frames_done = (written - KWS_FRAME_LENGTH) / KWS_HOP;
      frames_since_inference = 0;
    }}
    noInterrupts();
    for (int t = 0; t < KWS_FRAME_LENGTH; t++) frame[t] = ring[(frames_done * KWS_HOP + t) % kRing];
    interrupts();
    memmove(features[0], features[1], sizeof(features) - sizeof(features[0]));
    kws_frame_features(frame, features[KWS_N_FRAMES - 1]);
    frames_done++;
    frames_since_inference++;
  }}
  if (frames_done < KWS_N_FRAMES || frames_since_inference < kFramesPerInference) return;
  frames_since_inference = 0;

  // 2. The model on the last second: quantize the features, invoke, dequantize the class scores.
  TfLiteTensor* input = interpreter->input(0);
  const float* x = &features[0][0];
  for (int i = 0; i < KWS_N_FRAMES * KWS_N_MELS; i++) {{
    int q = (int)lroundf(x[i] / kInputScale) + kInputZeroPoint;
    input->data.int8[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
  }}
  if (interpreter->Invoke() != kTfLiteOk) {{
    Serial.println("Invoke() failed.");
    return;
  }}
  float scores[kClasses];
  TfLiteTensor* output = interpreter->output(0);
  for (int c = 0; c < kClasses; c++) scores[c] = (output->data.int8[c] - kOutputZeroPoint) * kOutputScale;

  // 3. Streaming decisions: one detection per spoken word.
  int heard = postprocess_update(&decisions, scores);
  digitalWrite(LED_BUILTIN, heard >= 0 ? HIGH : LOW);
  if (heard >= 0) {{
    Serial.print("Heard: ");
    Serial.println(kClassNames[heard]);
  }}
}}
"""


def kws_sketch(model_bytes: bytes, classes: list[str], feature_mean: float, feature_std: float,
               report: ModelReport | None = None, name: str = "g_kws_model", sketch_name: str = "keyword_spotter",
               decisions: StreamingDecisions | None = None, frames_per_inference: int = 5) -> dict[str, str]:
    """Files (name → text) of a complete keyword-spotting sketch for the Nano 33 BLE Sense.

    The model takes `(log-mels - feature_mean) / feature_std` of 1 s at 16 kHz (e.g. `kws.FEATURE_MEAN`,
    `kws.FEATURE_STD`); the front end and the post-processing are the course's C (`cortex_m/`), the same
    files the tests run on the emulated Cortex-M4. `decisions` sets the streaming rule (default: average 3
    inferences, threshold 0.6, 10 suppressed, silence and unknown never fire).
    """
    from course.deploy.frontend import frontend_sources
    from course.features import LogMel

    check_identifier(sketch_name)
    model_bytes = bytes(model_bytes)
    report = _checked_report(model_bytes, report)
    clip = LogMel().sample_rate  # one second
    frames, mels = LogMel().shape(clip)
    if math.prod(report.input_shape[1:]) != frames * mels or report.output_shape[-1] != len(classes):
        raise ValueError(f"the model must take {frames} x {mels} features and give {len(classes)} class scores")
    decisions = decisions or StreamingDecisions(len(classes))
    files = frontend_sources(feature_mean, feature_std, clip)
    files.update({f: (RUNTIME_DIR / f).read_text(encoding="utf-8") for f in KWS_SKETCH_SOURCES if f not in files})
    header, source = c_array(model_bytes, name)
    files.update({f"{sketch_name}.ino": _kws_ino(name, report, classes, decisions, frames_per_inference),
                  f"{name}.h": header, f"{name}.cpp": source})
    return files
