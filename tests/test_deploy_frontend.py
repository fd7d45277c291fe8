"""course.deploy.frontend and course.deploy.streaming on the emulated Cortex-M4: the keyword spotter's
front end in C equals course.lessons.kws.features, and the C post-processing decides as the Python one."""
import numpy as np
import pytest

from course import data
from course.deploy import firmware, frontend
from course.deploy.device import emlearn_include_dir
from course.deploy.streaming import StreamingDecisions
from course.lessons import kws

pytestmark = pytest.mark.unit

MAIN = r"""
#include <stdio.h>
#include <stdint.h>
#include "course_fw.h"
#include "kws_frontend.h"
#include "postprocess.h"

static int16_t clip[KWS_CLIP_SAMPLES];
static float features[KWS_N_FRAMES * KWS_N_MELS];

int main(void) {
  int32_t head[6]; /* clips, inferences, classes, first keyword, average, suppress */
  float threshold;
  if (course_fw_read("head.bin", head, sizeof head) != 0 || course_fw_read("threshold.bin", &threshold, 4) != 0)
    return 2;
  FILE *in = fopen("clips.bin", "rb"), *out = fopen("features.bin", "wb");
  for (int i = 0; i < head[0]; i++) {
    if (!in || fread(clip, sizeof clip, 1, in) != 1 || kws_clip_features(clip, features) != 0) return 4;
    fwrite(features, sizeof features, 1, out);
  }
  fclose(in);
  fclose(out);
  Postprocess p;
  if (postprocess_init(&p, head[2], head[3], head[4], threshold, head[5]) != 0) return 5;
  FILE *scores = fopen("scores.bin", "rb");
  int32_t decisions[256];
  float row[POSTPROCESS_MAX_CLASSES];
  for (int i = 0; i < head[1]; i++) {
    if (fread(row, sizeof(float), (size_t)head[2], scores) != (size_t)head[2]) return 6;
    decisions[i] = postprocess_update(&p, row);
  }
  fclose(scores);
  return course_fw_write("decisions.bin", decisions, sizeof(int32_t) * (size_t)head[1]) == 0 ? 0 : 3;
}
"""


@pytest.fixture(scope="module")
def image() -> firmware.Firmware:
    sources = frontend.frontend_sources(kws.FEATURE_MEAN, kws.FEATURE_STD, kws.SAMPLE_RATE)
    for name in ("postprocess.c", "postprocess.h"):
        sources[name] = (firmware.RUNTIME_DIR / name).read_text(encoding="utf-8")
    return firmware.build({**sources, "main.c": MAIN}, include_dirs=(emlearn_include_dir(),))


def _scores(rng: np.random.Generator, n: int, classes: int) -> np.ndarray:
    """A stream of softmax outputs with bursts of confident keywords, like a spotter hearing words."""
    logits = rng.normal(0, 1, (n, classes))
    for start in rng.integers(0, n - 6, 8):
        logits[start:start + int(rng.integers(2, 7)), int(rng.integers(0, classes))] += rng.uniform(2, 6)
    scores = np.exp(logits)
    return (scores / scores.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("average, threshold, suppress", [(3, 0.6, 10), (1, 0.5, 0), (5, 0.4, 4)])
def test_front_end_and_decisions_equal_python(image, average, threshold, suppress):
    keywords = data.keywords(n_per_class=1, n_speakers=2, seed=5)
    clips = keywords.x[:3]  # silence, unknown and a keyword
    stream = _scores(np.random.default_rng(average), 200, 8)
    head = np.array([len(clips), len(stream), 8, 2, average, suppress], "<i4")
    result = firmware.run(image, {"head.bin": head, "threshold.bin": np.array([threshold], "<f4"),
                                  "clips.bin": clips.astype("<i2"), "scores.bin": stream}, timeout_s=30)
    device_features = np.frombuffer(result.outputs["features.bin"], "<f4").reshape(len(clips), *kws.INPUT_SHAPE[:2])
    assert np.max(np.abs(device_features - kws.features(clips)[..., 0])) < frontend.FRONTEND_TOLERANCE
    expected = StreamingDecisions(8, first_keyword=2, average=average, threshold=threshold, suppress=suppress)
    decisions = np.frombuffer(result.outputs["decisions.bin"], "<i4").tolist()
    assert decisions == expected.run(stream) and any(d >= 2 for d in decisions)


def test_streaming_rules():
    decide = StreamingDecisions(3, first_keyword=1, average=2, threshold=0.5, suppress=2)
    word, quiet = [0.1, 0.1, 0.8], [0.9, 0.05, 0.05]
    # needs `average` inferences; then fires once; the next `suppress` inferences are quiet whatever they hold
    assert decide.run(np.array([word, word, word, word, word, quiet, quiet, word, word])) == \
        [-1, 2, -1, -1, 2, -1, -1, -1, 2]
    with pytest.raises(ValueError):
        StreamingDecisions(3, first_keyword=3)
