/* Decisions from a stream of class scores (course.deploy.streaming.StreamingDecisions in C): the scores of
 * the last `average` inferences are averaged; a keyword is detected when its average is the highest and
 * reaches `threshold`; the `suppress` inferences after a detection detect nothing (one word, one detection). */
#ifndef COURSE_POSTPROCESS_H
#define COURSE_POSTPROCESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSTPROCESS_MAX_CLASSES 16
#define POSTPROCESS_MAX_AVERAGE 16

typedef struct {
  int n_classes, average, suppress, first_keyword; /* classes below first_keyword (silence, unknown) never fire */
  float threshold;
  float history[POSTPROCESS_MAX_AVERAGE][POSTPROCESS_MAX_CLASSES];
  int count, next, holdoff;
} Postprocess;

/* 0, or -1 if a size is out of range. */
int postprocess_init(Postprocess *p, int n_classes, int first_keyword, int average, float threshold, int suppress);

/* Feed one inference's class scores (probabilities); returns the detected class, or -1. */
int postprocess_update(Postprocess *p, const float *scores);

#ifdef __cplusplus
}
#endif

#endif /* COURSE_POSTPROCESS_H */
