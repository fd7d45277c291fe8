/* course.features.spectrum_features on the device (see spectrum.h). emlearn's radix-2 FFT does the transform. */
#include <math.h>
#include <string.h>

#include "eml_fft.h"
#include "spectrum.h"

#define LOG_OFFSET 1e-6f /* course.features.LOG_OFFSET */

int spectrum_features(const float *window, int length, int axes, int n_bands, float *work, float *out) {
  float *real = work, *imag = work + length, *cos_table = work + 2 * length, *sin_table = cos_table + length / 2;
  EmlFFT fft = {length / 2, sin_table, cos_table};
  if (length < 2 || (length & (length - 1)) != 0 || eml_fft_fill(fft, (size_t)length) != EmlOk) return -1;
  const float two_pi = 6.28318530717958647692f;
  for (int a = 0; a < axes; a++) {
    double sum = 0.0;
    for (int t = 0; t < length; t++) sum += window[t * axes + a];
    const float mean = (float)(sum / length);
    for (int t = 0; t < length; t++) {
      const float hann = 0.5f - 0.5f * cosf(two_pi * (float)t / (float)length); /* periodic Hann */
      real[t] = (window[t * axes + a] - mean) * hann;
      imag[t] = 0.0f;
    }
    if (eml_fft_forward(fft, real, imag, (size_t)length) != EmlOk) return -1;
    for (int b = 0; b < n_bands; b++) {
      /* bins k in band b: k * (sample_rate / length) in [b, b + 1) band widths of (sample_rate / 2) / n_bands,
       * i.e. floor(2 * n_bands * k / length) == b, and the Nyquist bin (k = length / 2) in the last band */
      double power = 0.0;
      int count = 0;
      for (int k = 0; k <= length / 2; k++) {
        int band = (int)((2L * n_bands * k) / length);
        if (band >= n_bands) band = n_bands - 1;
        if (band != b) continue;
        power += ((double)real[k] * real[k] + (double)imag[k] * imag[k]) / length;
        count++;
      }
      if (count == 0) return -1;
      out[a * n_bands + b] = logf((float)(power / count) + LOG_OFFSET);
    }
  }
  return 0;
}
