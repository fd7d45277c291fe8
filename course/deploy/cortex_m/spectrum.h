/* The vibration front end on the device: course.features.spectrum_features in C (float32, emlearn's FFT). */
#ifndef COURSE_SPECTRUM_H
#define COURSE_SPECTRUM_H

#include <stddef.h>

/* Log band energies of one window of `length` samples (a power of two) on `axes` interleaved axes
 * (window[t * axes + a]): per axis remove the mean, apply a periodic Hann window, power = |rfft|^2 / length,
 * average the bins of each of `n_bands` equal bands from 0 Hz to Nyquist (the Nyquist bin in the last
 * band), then log(power + 1e-6). out[a * n_bands + b]. `work` holds 3 * length floats (FFT and tables).
 * Returns 0, or -1 if length is not a power of two or a band has no bin. */
int spectrum_features(const float *window, int length, int axes, int n_bands, float *work, float *out);

#endif /* COURSE_SPECTRUM_H */
