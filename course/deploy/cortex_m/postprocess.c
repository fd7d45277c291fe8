/* Streaming decisions (see postprocess.h). */
#include "postprocess.h"

int postprocess_init(Postprocess *p, int n_classes, int first_keyword, int average, float threshold, int suppress) {
  if (n_classes < 1 || n_classes > POSTPROCESS_MAX_CLASSES || average < 1 || average > POSTPROCESS_MAX_AVERAGE ||
      first_keyword < 0 || first_keyword >= n_classes || suppress < 0)
    return -1;
  p->n_classes = n_classes;
  p->first_keyword = first_keyword;
  p->average = average;
  p->threshold = threshold;
  p->suppress = suppress;
  p->count = p->next = 0;
  p->holdoff = 0;
  return 0;
}

int postprocess_update(Postprocess *p, const float *scores) {
  for (int c = 0; c < p->n_classes; c++) p->history[p->next][c] = scores[c];
  p->next = (p->next + 1) % p->average;
  if (p->count < p->average) p->count++;
  const int suppressed = p->holdoff > 0;
  if (suppressed) p->holdoff--;
  if (p->count < p->average) return -1; /* not enough inferences to average yet */
  int best = 0;
  float best_mean = -1.0f;
  for (int c = 0; c < p->n_classes; c++) {
    float sum = 0.0f;
    for (int i = 0; i < p->average; i++) sum += p->history[i][c];
    const float mean = sum / (float)p->average;
    if (mean > best_mean) best_mean = mean, best = c;
  }
  if (suppressed || best < p->first_keyword || best_mean < p->threshold) return -1;
  p->holdoff = p->suppress;
  return best;
}
