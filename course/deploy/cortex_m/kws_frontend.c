/* The keyword spotter's front end on the device (see kws_frontend.h); emlearn's FFT does the transform. */
#include <math.h>

#include "eml_fft.h"
#include "kws_frontend.h"

#define LOG_OFFSET 1e-6f /* course.features.LOG_OFFSET */

static float real[KWS_N_FFT], imag[KWS_N_FFT], fft_cos[KWS_N_FFT / 2], fft_sin[KWS_N_FFT / 2];
static float hann[KWS_FRAME_LENGTH];
static int ready;

static int setup(void) {
  EmlFFT fft = {KWS_N_FFT / 2, fft_sin, fft_cos};
  if (eml_fft_fill(fft, KWS_N_FFT) != EmlOk) return -1;
  for (int t = 0; t < KWS_FRAME_LENGTH; t++) /* periodic Hann, computed once */
    hann[t] = 0.5f - 0.5f * cosf(6.28318530717958647692f * (float)t / (float)KWS_FRAME_LENGTH);
  ready = 1;
  return 0;
}

int kws_frame_features(const int16_t *frame, float *out) {
  if (!ready && setup() != 0) return -1;
  EmlFFT fft = {KWS_N_FFT / 2, fft_sin, fft_cos};
  for (int t = 0; t < KWS_N_FFT; t++) {
    real[t] = t < KWS_FRAME_LENGTH ? (float)frame[t] / 32768.0f * hann[t] : 0.0f; /* zero-padded */
    imag[t] = 0.0f;
  }
  if (eml_fft_forward(fft, real, imag, KWS_N_FFT) != EmlOk) return -1;
  for (int k = 0; k <= KWS_N_FFT / 2; k++) real[k] = real[k] * real[k] + imag[k] * imag[k]; /* power */
  for (int m = 0; m < KWS_N_MELS; m++) { /* each triangle covers bins [first, first + count) */
    float energy = 0.0f;
    const float *weights = kws_mel_weights + kws_mel_offset[m];
    for (int j = 0; j < kws_mel_count[m]; j++) energy += weights[j] * real[kws_mel_first[m] + j];
    out[m] = (logf(energy + LOG_OFFSET) - KWS_FEATURE_MEAN) / KWS_FEATURE_STD;
  }
  return 0;
}

int kws_clip_features(const int16_t *clip, float *out) {
  for (int i = 0; i < KWS_N_FRAMES; i++)
    if (kws_frame_features(clip + i * KWS_HOP, out + i * KWS_N_MELS) != 0) return -1;
  return 0;
}
