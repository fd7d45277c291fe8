/* The device side of the vibration anomaly detector: raw windows in, anomaly scores out.
 *
 * windows.bin: n windows of LENGTH x AXES float32 samples (interleaved axes). For each window: the spectrum
 * front end (spectrum.c), standardization with the training scaler, the autoencoder (emlearn's eml_net.h,
 * generated into model.h with the scaler), and the score: the mean squared reconstruction error.
 * Writes features.bin (n x FEATURES float32, before scaling), scores.bin (n float32) and cost.bin
 * (uint64 instructions of the first window: front end, model). Built by course.deploy.device. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "course_fw.h"
#include "model.h" /* emlearn network `anomaly_model`, scaler_mean[], scaler_std[], LENGTH, AXES, N_BANDS */
#include "spectrum.h"

#define FEATURES (AXES * N_BANDS)

static float window[LENGTH * AXES], work[3 * LENGTH], features[FEATURES], scaled[FEATURES], output[FEATURES];

int main(void) {
  int32_t n;
  if (course_fw_read("count.bin", &n, sizeof n) != 0) return 2;
  float *all_features = malloc(sizeof(float) * FEATURES * (size_t)n), *scores = malloc(sizeof(float) * (size_t)n);
  FILE *in = fopen("windows.bin", "rb");
  if (!in || !all_features || !scores) return 2;
  uint64_t cost[2] = {0, 0};
  for (int32_t w = 0; w < n; w++) {
    if (fread(window, sizeof window, 1, in) != 1) return 2;
    uint64_t start = course_fw_instructions();
    if (spectrum_features(window, LENGTH, AXES, N_BANDS, work, features) != 0) return 4;
    uint64_t middle = course_fw_instructions();
    for (int i = 0; i < FEATURES; i++) scaled[i] = (features[i] - scaler_mean[i]) / scaler_std[i];
    if (eml_net_regress(&anomaly_model, scaled, FEATURES, output, FEATURES) != EmlOk) return 5;
    float error = 0.0f;
    for (int i = 0; i < FEATURES; i++) error += (scaled[i] - output[i]) * (scaled[i] - output[i]);
    scores[w] = error / FEATURES;
    if (w == 0) {
      cost[0] = middle - start;
      cost[1] = course_fw_instructions() - middle;
    }
    for (int i = 0; i < FEATURES; i++) all_features[w * FEATURES + i] = features[i];
  }
  fclose(in);
  if (course_fw_write("features.bin", all_features, sizeof(float) * FEATURES * (size_t)n) != 0) return 3;
  if (course_fw_write("scores.bin", scores, sizeof(float) * (size_t)n) != 0) return 3;
  return course_fw_write("cost.bin", cost, sizeof cost) == 0 ? 0 : 3;
}
