"""course.deploy.firmware: bare-metal Cortex-M4 firmware built by the GNU Arm toolchain and run in QEMU.

Every test builds and runs real firmware (arm-none-eabi-gcc, newlib, qemu-system-arm: installed by
`make test`); sizes are checked against the firmware's own map file and symbol table.
"""
import os
import time
from pathlib import Path

import numpy as np
import pytest

from course.deploy import BOARDS, firmware
from course.deploy.firmware import FirmwareError, FirmwareTimeout, FirmwareToolMissing

pytestmark = pytest.mark.unit

SUM = r"""
#include <stdint.h>
#include "course_fw.h"

#define N 64
#define LOOPS 50000

int main(void) {
  int32_t x[N], out[3];
  if (course_fw_read("x.bin", x, sizeof x) != 0) return 2;
  int64_t sum = 0;
  for (int i = 0; i < N; i++) sum += (int64_t)x[i] * x[i];
  uint64_t before = course_fw_instructions();
  __asm__ volatile("ldr r0, =%c0\n1: subs r0, #1\n bne 1b" : : "i"(LOOPS) : "r0", "cc"); /* 2 per loop */
  uint64_t after = course_fw_instructions();
  out[0] = (int32_t)(sum >> 32);
  out[1] = (int32_t)sum;
  out[2] = (int32_t)(after - before);
  return course_fw_write("y.bin", out, sizeof out) == 0 ? 0 : 3;
}
"""

SECTIONS = r"""
#include <stdint.h>
#include "course_fw.h"

const uint8_t g_model[5000] = {[7] = 3};   /* flash (.rodata) */
uint8_t g_arena[ARENA];                     /* RAM, zeroed (.bss) */
int32_t g_table[100] = {7};                 /* RAM, initial values copied from flash (.data) */

int main(void) {
  g_arena[ARENA - 1] = g_model[g_table[0]];  /* an index known only at run time */
  g_table[1] = g_arena[ARENA - 1];
  return g_table[1] == 3 && g_table[0] == 7 ? 0 : 1;
}
"""


@pytest.fixture(scope="module")
def sum_firmware() -> firmware.Firmware:
    return firmware.build({"main.c": SUM})


def test_build_and_run_compares_with_numpy(sum_firmware):
    x = np.random.default_rng(0).integers(-30_000, 30_000, 64).astype("<i4")
    result = firmware.run(sum_firmware, {"x.bin": x})
    assert result.exit_code == 0 and set(result.outputs) == {"y.bin"}
    high, low, counted = np.frombuffer(result.outputs["y.bin"], "<i4")
    assert (int(high) << 32) | (int(low) & 0xFFFFFFFF) == int(np.sum(x.astype(np.int64) ** 2))
    # The loop executes 2 instructions 50,000 times; SysTick resolves 40 instructions (plus the reads).
    step = firmware.instructions_per_tick("nano33_ble_sense")
    assert step == 40 and 100_000 <= counted <= 100_000 + 2 * step
    assert result.instructions >= counted
    assert firmware.run(sum_firmware, {"x.bin": x}).instructions == result.instructions  # deterministic


def test_missing_input_is_the_firmware_exit_status(sum_firmware):
    with pytest.raises(FirmwareError, match="status 2"):
        firmware.run(sum_firmware)
    assert firmware.run(sum_firmware, check=False).exit_code == 2


def test_sizes_come_from_size_and_the_map():
    built = firmware.build({"main.c": SECTIONS}, defines={"ARENA": 20_000})
    assert firmware.run(built).exit_code == 0
    assert built.symbols["g_model"] == (5000, "r")
    assert built.symbols["g_arena"] == (20_000, "b")
    assert built.symbols["g_table"] == (400, "d")
    sections = built.sections
    assert sections[".rodata"] >= 5000 and sections[".bss"] >= 20_000 and sections[".data"] >= 400
    assert built.bss == sections[".bss"] and built.ram_bytes == built.data + built.bss
    # size's text + data = everything the map places in flash (.data's initial values included)
    assert built.flash_bytes == built.text + built.data == sum(v for k, v in sections.items() if k != ".bss")
    assert "g_arena" in built.map_text and "mps2" not in built.map_text


def test_linker_script_is_sized_to_the_board():
    nano = BOARDS["nano33_ble_sense"]
    script = firmware.linker_script(nano)
    assert f"LENGTH = {nano.flash_bytes}" in script and f"LENGTH = {nano.ram_bytes}" in script
    with pytest.raises(FirmwareError, match="RAM"):  # a 300 KB arena does not fit the Nano's 256 KB
        firmware.build({"main.c": SECTIONS}, defines={"ARENA": 300_000})


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is (or was) `folder`."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd").startswith(str(folder)):
                pids.append(int(entry.name))
        except OSError:
            pass
    return pids


def test_hung_firmware_times_out_and_leaves_no_emulator():
    hung = firmware.build({"main.c": "int main(void) { for (;;) { } }\n"})
    folders = []

    def remember(command, folder):
        folders.append(folder)
        return command

    start = time.monotonic()
    with pytest.raises(FirmwareTimeout, match="did not finish within 1 s"):
        firmware.run(hung, timeout_s=1, wrap=remember)
    assert time.monotonic() - start < 10
    assert folders and _processes_in(folders[0]) == []


def test_a_fault_stops_the_emulator_with_a_message():
    crash = firmware.build({"main.c": "int main(void) { return *(volatile int *)0xF0000000u; }\n"})
    with pytest.raises(FirmwareError, match="fault"):
        firmware.run(crash, timeout_s=5)


def test_compiler_errors_are_reported():
    with pytest.raises(FirmwareError, match="did not build(.|\n)*undeclared"):
        firmware.build({"main.c": "int main(void) { return missing; }\n"})


def test_missing_toolchain_says_how_to_install(monkeypatch, tmp_path, sum_firmware):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FirmwareToolMissing, match="arm-none-eabi-gcc.*apt-get install -y gcc-arm-none-eabi"):
        firmware.build({"main.c": SUM})
    with pytest.raises(FirmwareToolMissing, match="qemu-system-arm"):
        firmware.run(sum_firmware)


def test_boards_say_what_stands_in_for_them():
    assert BOARDS["nano33_ble_sense"].emulator.machine == "mps2-an386"
    assert BOARDS["nano33_ble_sense"].emulator.cpu == "cortex-m4"
    assert "microbit" in BOARDS["pico"].emulation and BOARDS["pico"].emulator is None
    assert "no upstream QEMU machine" in BOARDS["esp32s3"].emulation and BOARDS["esp32s3"].emulator is None
    with pytest.raises(FirmwareError, match="no emulated stand-in"):
        firmware.build({"main.c": SUM}, "esp32s3")


def test_a_firmware_printing_forever_fills_no_disk():
    chatty = firmware.build({"main.c": '#include <stdio.h>\nint main(void) { for (;;) printf("spam spam spam\\n"); }\n'})
    start = time.monotonic()
    with pytest.raises(FirmwareError) as raised:  # stopped by the file-size limit, or else by the timeout
        firmware.run(chatty, timeout_s=3)
    assert time.monotonic() - start < 10 and len(str(raised.value)) < 2 * firmware.MAX_CONSOLE_BYTES
