"""course.deploy.arduino_sketch: resolver = the model's ops, consistent files, C++ that compiles.

The Arduino core and the TFLite Micro library are not installed here, so the .ino is compiled
against small stand-in headers that declare exactly the TFLite Micro API the sketch relies on.
"""
import re
import subprocess

import deploy_models as dm
import pytest

from course.deploy import arduino_sketch, kws_sketch, model_ops
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
enum { LOW = 0, HIGH = 1, OUTPUT = 1, LED_BUILTIN = 13 };
inline void pinMode(int, int) {}
inline void digitalWrite(int, int) {}
inline void noInterrupts() {}
inline void interrupts() {}
""",
    "PDM.h": """
#pragma once
struct PDMStub {
  void onReceive(void (*)()) {}
  int begin(int, long) { return 1; }
  int available() { return 0; }
  int read(void*, int) { return 0; }
};
static PDMStub PDM;
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


# ---------------------------------------------------------------- the complete keyword spotter sketch

KWS_MAIN = r"""
#include <stdio.h>
#include <stdint.h>
#include "course_fw.h"
#include "kws_frontend.h"
#include "postprocess.h"
#include "g_kws_model.h"

static int16_t clip[KWS_CLIP_SAMPLES];
static float features[KWS_N_FRAMES * KWS_N_MELS];

int main(void) {
  float stream[40][8];
  int32_t decisions[40];
  if (course_fw_read("clip.bin", clip, sizeof clip) != 0 || course_fw_read("stream.bin", stream, sizeof stream) != 0)
    return 2;
  if (kws_clip_features(clip, features) != 0) return 4;
  Postprocess p;
  if (postprocess_init(&p, 8, 2, 3, 0.6f, 10) != 0) return 5;
  for (int i = 0; i < 40; i++) decisions[i] = postprocess_update(&p, stream[i]);
  if (course_fw_write("model.bin", g_kws_model, g_kws_model_len) != 0) return 3;
  if (course_fw_write("decisions.bin", decisions, sizeof decisions) != 0) return 3;
  return course_fw_write("features.bin", features, sizeof features) == 0 ? 0 : 3;
}
"""


@pytest.fixture(scope="module")
def spotter():
    """(int8 bytes, report) of a small untrained spotter: the sketch needs its shapes, ops and quantization."""
    import numpy as np

    from course.deploy import convert, inspect
    from course.lessons import kws

    representative = np.random.default_rng(0).normal(0, 1, (32, *kws.INPUT_SHAPE)).astype(np.float32)
    model = convert(kws.spotter_model(channels=8), representative_data=representative)
    return model, inspect(model)


def _kws_files(spotter):
    from course.data.keywords import keyword_classes
    from course.lessons import kws

    model, report = spotter
    return kws_sketch(model, keyword_classes(["yes", "no", "up", "down", "go", "stop"]), kws.FEATURE_MEAN,
                      kws.FEATURE_STD, report=report)


def test_kws_sketch_is_complete(spotter):
    files = _kws_files(spotter)
    assert set(files) == {"keyword_spotter.ino", "g_kws_model.h", "g_kws_model.cpp", "kws_frontend.c",
                          "kws_frontend.h", "kws_frontend_config.h", "postprocess.c", "postprocess.h"}
    ino = files["keyword_spotter.ino"]
    assert "TODO" not in ino and "PDM.begin(1, KWS_SAMPLE_RATE)" in ino and "kws_frame_features(" in ino
    assert "postprocess_update(&decisions, scores)" in ino and '"silence", "unknown", "yes"' in ino
    assert "postprocess_init(&decisions, kClasses, 2, 3, 0.6f,\n                   10);" in ino
    with pytest.raises(ValueError, match="class scores"):
        kws_sketch(spotter[0], ["a", "b"], 0.0, 1.0, report=spotter[1])


def test_kws_sketch_compiles_against_the_api_it_uses(tmp_path, spotter):
    from course.deploy.device import emlearn_include_dir

    for path, text in {**STUBS, "tensorflow/lite/micro/micro_mutable_op_resolver.h": _resolver_header()}.items():
        (tmp_path / "stubs" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "stubs" / path).write_text(text)
    for path, text in _kws_files(spotter).items():
        (tmp_path / path).write_text(text)
    (tmp_path / "sketch.cpp").write_text('#include <Arduino.h>\n#include "keyword_spotter.ino"\n')
    includes = ["-I", str(tmp_path / "stubs"), "-I", str(tmp_path), "-I", str(emlearn_include_dir())]
    for compiler, standard, source in (("g++", "-std=c++17", "sketch.cpp"), ("g++", "-std=c++17", "g_kws_model.cpp"),
                                       ("gcc", "-std=c11", "kws_frontend.c"), ("gcc", "-std=c11", "postprocess.c")):
        result = subprocess.run([compiler, standard, "-Wall", "-c", *includes, source], cwd=tmp_path,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_kws_sketch_c_parts_run_on_the_cortex_m4(spotter):
    import numpy as np

    from course import data
    from course.deploy import firmware
    from course.deploy.device import emlearn_include_dir
    from course.deploy.streaming import StreamingDecisions
    from course.lessons import kws

    files = _kws_files(spotter)
    sources = {name: text for name, text in files.items() if not name.endswith((".ino", ".cpp"))}
    sources["g_kws_model.c"] = files["g_kws_model.cpp"]  # plain C too (c_array's source is C11 and C++)
    image = firmware.build({**sources, "main.c": KWS_MAIN}, include_dirs=(emlearn_include_dir(),))
    clip = data.keywords(n_per_class=1, n_speakers=2, seed=2).x[2]
    rng = np.random.default_rng(1)
    stream = rng.dirichlet(np.full(8, 0.3), 40).astype(np.float32)
    stream[10:16] = np.eye(8, dtype=np.float32)[4] * 0.9 + 0.1 / 8  # a confident keyword for six inferences
    result = firmware.run(image, {"clip.bin": clip.astype("<i2"), "stream.bin": stream}, timeout_s=30)
    assert result.outputs["model.bin"] == spotter[0]
    features = np.frombuffer(result.outputs["features.bin"], "<f4").reshape(kws.INPUT_SHAPE[:2])
    assert np.max(np.abs(features - kws.features(clip[None])[0, ..., 0])) < 1e-4
    decisions = np.frombuffer(result.outputs["decisions.bin"], "<i4").tolist()
    assert decisions == StreamingDecisions(8).run(stream) and 4 in decisions
    assert image.symbols["g_kws_model"][0] == len(spotter[0])
