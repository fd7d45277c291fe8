"""course.deploy.arduino_sketch: resolver = the model's ops, consistent files, C++ that compiles.

The Arduino core and the TFLite Micro library are not installed here, so the .ino is compiled
against small stand-in headers that declare exactly the TFLite Micro API the sketch relies on.
"""
import re
import subprocess

import deploy_models as dm
import pytest

from course.deploy import arduino_sketch, model_ops
from course.deploy.arduino import RESOLVER_METHODS, resolver_calls, sketch_arena_bytes

pytestmark = pytest.mark.unit

STUBS = {
    "Arduino.h": """
#pragma once
#include <stdint.h>
#include <math.h>
struct SerialStub { void begin(long) {} template <class T> void print(T) {} template <class T> void println(T) {} };
static SerialStub Serial;
inline void delay(unsigned long) {}
""",
    "TensorFlowLite.h": "#pragma once\n",
    "tensorflow/lite/micro/system_setup.h": "#pragma once\nnamespace tflite { inline void InitializeTarget() {} }\n",
    "tensorflow/lite/schema/schema_generated.h": """
#pragma once
#define TFLITE_SCHEMA_VERSION 3
namespace tflite {
struct Model { unsigned version() const { return 3; } };
inline const Model* GetModel(const void*) { static Model m; return &m; }
}
""",
    "tensorflow/lite/micro/micro_interpreter.h": """
#pragma once
#include <stddef.h>
#include <stdint.h>
enum TfLiteStatus { kTfLiteOk = 0, kTfLiteError = 1 };
struct TfLiteTensor { union { int8_t* int8; float* f; } data; };
namespace tflite {
struct Model;
struct MicroOpResolver {};
class MicroInterpreter {
 public:
  MicroInterpreter(const Model*, const MicroOpResolver&, uint8_t*, size_t) {}
  TfLiteStatus AllocateTensors() { return kTfLiteOk; }
  TfLiteStatus Invoke() { return kTfLiteOk; }
  TfLiteTensor* input(size_t) { return &t_; }
  TfLiteTensor* output(size_t) { return &t_; }
  size_t arena_used_bytes() const { return 0; }
 private:
  TfLiteTensor t_;
};
}
""",
}


def _resolver_header() -> str:
    methods = "\n".join(f"  TfLiteStatus Add{m}() {{ return kTfLiteOk; }}" for m in RESOLVER_METHODS.values())
    return f"""
#pragma once
#include "tensorflow/lite/micro/micro_interpreter.h"
namespace tflite {{
template <unsigned int tOpCount>
class MicroMutableOpResolver : public MicroOpResolver {{
 public:
{methods}
}};
}}
"""


def _sketch():
    return arduino_sketch(dm.digits_int8(), report=dm.digits_report())


def test_files_and_their_consistency():
    files = _sketch()
    assert set(files) == {"tinyml_model.ino", "g_model.h", "g_model.cpp"}
    ino = files["tinyml_model.ino"]
    assert '#include "g_model.h"' in ino and "tflite::GetModel(g_model)" in ino
    assert "extern const unsigned char g_model[];" in files["g_model.h"]
    array = files["g_model.cpp"][files["g_model.cpp"].index("{"):]
    assert bytes(int(h, 16) for h in re.findall(r"0x([0-9a-f]{2})", array)) == dm.digits_int8()


def test_resolver_registers_exactly_the_models_ops():
    ino = _sketch()["tinyml_model.ino"]
    method_to_op = {method: op for op, method in RESOLVER_METHODS.items()}
    registered = [method_to_op[m] for m in re.findall(r"resolver\.Add(\w+)\(\);", ino)]
    ops = model_ops(dm.digits_int8())
    assert sorted(registered) == sorted(set(ops)) and len(registered) == len(set(registered))
    assert f"MicroMutableOpResolver<{len(set(ops))}> resolver;" in ino
    assert "AddConv2D" in ino and "AddDepthwiseConv2D" in ino and "AddSoftmax" in ino


def test_arena_and_quantization_come_from_the_report():
    report = dm.digits_report()
    ino = _sketch()["tinyml_model.ino"]
    arena = int(re.search(r"constexpr int kTensorArenaSize = (\d+);", ino).group(1))
    assert arena == sketch_arena_bytes(report.arena_bytes)
    assert arena >= report.arena_bytes + 1024 and arena % 16 == 0
    assert "alignas(16) uint8_t tensor_arena[kTensorArenaSize];" in ino
    assert float(re.search(r"kInputScale = ([0-9.e-]+)f;", ino).group(1)) == pytest.approx(report.input_scale)
    assert int(re.search(r"kInputZeroPoint = (-?\d+);", ino).group(1)) == report.input_zero_point
    assert int(re.search(r"kOutputZeroPoint = (-?\d+);", ino).group(1)) == report.output_zero_point
    assert "constexpr int kInputElements = 64;" in ino
    assert "AllocateTensors()" in ino and "Invoke()" in ino


def test_sketch_compiles_against_the_api_it_uses(tmp_path):
    files = arduino_sketch(dm.sine_int8(), name="sine_model", report=dm.sine_report(), sketch_name="sine")
    for path, text in {**STUBS, "tensorflow/lite/micro/micro_mutable_op_resolver.h": _resolver_header()}.items():
        (tmp_path / "stubs" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "stubs" / path).write_text(text)
    for path, text in files.items():
        (tmp_path / path).write_text(text)
    (tmp_path / "sketch.cpp").write_text('#include <Arduino.h>\n#include "sine.ino"\n')
    result = subprocess.run(["g++", "-std=c++17", "-Wall", "-Werror", "-c", "-I", str(tmp_path / "stubs"),
                             "-I", str(tmp_path), str(tmp_path / "sketch.cpp"), str(tmp_path / "sine_model.cpp")],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_report_is_computed_when_not_given():
    files = arduino_sketch(dm.sine_int8())
    arena = int(re.search(r"kTensorArenaSize = (\d+);", files["tinyml_model.ino"]).group(1))
    assert arena == sketch_arena_bytes(dm.sine_report().arena_bytes)


def test_refuses_models_tflm_cannot_run_and_mismatched_reports():
    with pytest.raises(ValueError, match="cannot run"):
        arduino_sketch(dm.unsupported_float(), report=dm.unsupported_report())
    with pytest.raises(ValueError, match="no method for TOPK_V2"):
        resolver_calls(["FULLY_CONNECTED", "TOPK_V2"])
    with pytest.raises(ValueError, match="does not describe"):
        arduino_sketch(dm.sine_int8(), report=dm.digits_report())


def test_the_sketch_comes_from_the_report_without_parsing_the_model_again(monkeypatch):
    from course.deploy import report as report_module

    report = dm.digits_report()
    monkeypatch.setattr(report_module, "_read_model", lambda data: pytest.fail("the model was parsed again"))
    files = arduino_sketch(dm.digits_int8(), report=report)
    assert f"kInputZeroPoint = {report.input_zero_point};" in files["tinyml_model.ino"]
    tampered = bytearray(dm.digits_int8())
    tampered[-1] ^= 1  # same length, same ops: only the digest tells
    with pytest.raises(ValueError, match="does not describe"):
        arduino_sketch(bytes(tampered), report=report)
