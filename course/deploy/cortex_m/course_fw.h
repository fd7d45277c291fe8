/* The course's bare-metal runtime for an emulated Cortex-M (course/deploy/firmware.py builds it in).
 *
 * The startup code (startup.c) copies .data, zeroes .bss, enables the FPU, opens semihosting stdio and
 * starts SysTick as an instruction counter before main() runs. Files opened with fopen() are the host's
 * files in the folder course.deploy.firmware.run() ran the emulator in: read inputs, write outputs.
 */
#ifndef COURSE_FW_H
#define COURSE_FW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Instructions executed since reset, counted by SysTick under QEMU's -icount shift=0 (one tick per
 * COURSE_FW_INSTRUCTIONS_PER_TICK instructions, so the resolution is that many instructions).
 * An instruction count, not a cycle-exact time: a real core spends more cycles on loads, branches and
 * multi-cycle instructions. Without -icount the counter does not advance. */
uint64_t course_fw_instructions(void);

/* Read exactly n bytes of the host file `name` into buf (0 on success, -1 if missing or short). */
int course_fw_read(const char *name, void *buf, size_t n);

/* Write n bytes from buf to the host file `name` (0 on success, -1 on failure). */
int course_fw_write(const char *name, const void *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* COURSE_FW_H */
