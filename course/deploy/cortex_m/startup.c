/* Startup code for the course's Cortex-M firmware: vector table, reset handler, instruction counter.
 *
 * Three traps, each of which makes a firmware hang silently in the emulator, are handled here:
 * the FPU is enabled before any float code (printf included), semihosting stdio is opened before
 * main(), and empty _init/_fini let newlib's __libc_init_array run without the C runtime's crt files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "course_fw.h"

/* Symbols of the linker script (link.ld). */
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

void _init(void) {}
void _fini(void) {}

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYSTICK_RELOAD 0x00FFFFFFu /* the 24-bit counter's full range */

#ifndef COURSE_FW_INSTRUCTIONS_PER_TICK
#error "firmware.py defines COURSE_FW_INSTRUCTIONS_PER_TICK for the emulated board"
#endif

static volatile uint32_t systick_wraps;

void SysTick_Handler(void) { systick_wraps++; }

uint64_t course_fw_instructions(void) {
  uint32_t wraps, value;
  do { /* re-read if the counter wrapped between the two reads */
    wraps = systick_wraps;
    value = SYST_CVR;
  } while (wraps != systick_wraps);
  uint64_t ticks = (uint64_t)wraps * (SYSTICK_RELOAD + 1u) + (SYSTICK_RELOAD - value);
  return ticks * COURSE_FW_INSTRUCTIONS_PER_TICK;
}

int course_fw_read(const char *name, void *buf, size_t n) {
  FILE *f = fopen(name, "rb");
  if (!f) return -1;
  size_t got = fread(buf, 1, n, f);
  fclose(f);
  return got == n ? 0 : -1;
}

int course_fw_write(const char *name, const void *buf, size_t n) {
  FILE *f = fopen(name, "wb");
  if (!f) return -1;
  size_t put = fwrite(buf, 1, n, f);
  return (fclose(f) == 0 && put == n) ? 0 : -1;
}

/* Semihosting call (BKPT 0xAB): used directly by the fault handler, which must not rely on newlib. */
static void semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}

/* Any fault: say so on the console and stop the emulator with a failure status, instead of spinning. */
void Fault_Handler(void) {
  semihost(0x04u, "course firmware: fault (hard fault, memory, bus or usage fault)\n"); /* SYS_WRITE0 */
  semihost(0x18u, (const void *)0x20023u); /* SYS_EXIT, ADP_Stopped_RunTimeErrorUnknown */
  for (;;) {
  }
}

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++; /* .data: initial values from flash to RAM */
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0; /* .bss: zeroes */
#if defined(__ARM_FP)
  SCB_CPACR |= 0xFu << 20; /* full access to coprocessors 10 and 11 (the FPU) */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  initialise_monitor_handles();
  SYST_RVR = SYSTICK_RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 0x7u; /* enable, interrupt on wrap, processor clock */
  while (SYST_CVR == 0) { /* the first tick loads the reload value (no wrap): count from there */
  }
  __libc_init_array();
  int status = main();
  uint64_t instructions = course_fw_instructions();
  course_fw_write("course_fw_instructions.bin", &instructions, sizeof instructions);
  exit(status);
}

typedef void (*Handler)(void);

/* The vector table: initial stack pointer, then the exception handlers (ARMv7-M numbering). */
__attribute__((section(".vectors"), used)) const Handler vector_table[16] = {
    (Handler)&_estack, Reset_Handler, Fault_Handler, Fault_Handler, /* SP, reset, NMI, hard fault */
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0,          /* mem, bus, usage, reserved */
    Fault_Handler, Fault_Handler, 0, Fault_Handler, SysTick_Handler,  /* SVC, debug, reserved, PendSV, SysTick */
};
