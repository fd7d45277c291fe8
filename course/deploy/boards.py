"""Microcontroller boards of the course and back-of-the-envelope fit, latency and energy estimates.

Memory sizes and clocks are the boards' published specifications. Currents are rough,
MCU-level figures for a core busy running inference (no radio, LEDs or sensors); the whole board
draws more. MACs per cycle are ASSUMPTIONS about sustained int8 throughput with TFLite Micro's
optimized kernels, not measurements: treat every estimate as ±2× and measure on the real board.
"""
from __future__ import annotations

import dataclasses

from course.deploy.report import ModelReport
from course.energy import energy_mj
from course.units import KIB, MIB

# Flash and RAM that the model cannot use (assumptions): the TFLite Micro runtime with a handful of
# kernels is ~30-60 KB of code; the board core/RTOS (the Nano 33 BLE's Arduino mbed core alone is
# over 100 KB) and the application add more. RAM: stack, heap, globals, audio/feature buffers.
DEFAULT_FLASH_RESERVED_BYTES = 128 * KIB
DEFAULT_RAM_RESERVED_BYTES = 64 * KIB
# Assumed per-operator cost (cycles) of the interpreter and kernel setup, on top of the MACs.
OP_OVERHEAD_CYCLES = 1000


@dataclasses.dataclass(frozen=True)
class Board:
    """A development board: memory, clock, power figures and an assumed int8 throughput.

    `int8_macs_per_cycle` is the sustained int8 multiply-accumulates per clock cycle assumed for
    TFLite Micro with the vendor's optimized kernels (CMSIS-NN on Arm, ESP-NN on ESP32-S3).
    """

    key: str
    name: str
    mcu: str
    core: str
    clock_mhz: float
    flash_bytes: int
    ram_bytes: int
    active_current_ma: float
    sleep_current_ma: float
    voltage_v: float
    int8_macs_per_cycle: float
    notes: str

    def available(self, flash_reserved: int = DEFAULT_FLASH_RESERVED_BYTES,
                  ram_reserved: int = DEFAULT_RAM_RESERVED_BYTES) -> tuple[int, int]:
        """(flash, RAM) bytes left for the model and its tensor arena once `flash_reserved` and
        `ram_reserved` are set aside for the runtime, the board core and the application."""
        return self.flash_bytes - flash_reserved, self.ram_bytes - ram_reserved


BOARDS: dict[str, Board] = {
    board.key: board
    for board in [
        Board(
            key="nano33_ble_sense",
            name="Arduino Nano 33 BLE Sense",
            mcu="Nordic nRF52840",
            core="Arm Cortex-M4F",
            clock_mhz=64,
            flash_bytes=1 * MIB,
            ram_bytes=256 * KIB,
            active_current_ma=3.3,
            sleep_current_ma=0.003,
            voltage_v=3.3,
            int8_macs_per_cycle=0.5,
            notes="Active ≈ nRF52840 datasheet CPU-from-flash figure with the DC/DC regulator; sleep ≈ "
                  "System ON with RAM retention (µA range). 0.5 MAC/cycle: CMSIS-NN's SMLAD does 2 MACs "
                  "per instruction at best, loads and requantization cost the rest (assumption).",
        ),
        Board(
            key="pico",
            name="Raspberry Pi Pico",
            mcu="Raspberry Pi RP2040",
            core="Arm Cortex-M0+ (dual core, one used)",
            clock_mhz=133,
            flash_bytes=2 * MIB,
            ram_bytes=264 * KIB,
            active_current_ma=25.0,
            sleep_current_ma=0.8,
            voltage_v=3.3,
            int8_macs_per_cycle=0.1,
            notes="Currents are the order of magnitude of the Pico datasheet's busy and DORMANT "
                  "figures (approximate). 0.1 MAC/cycle: the M0+ has no DSP/SIMD instructions, so each "
                  "MAC costs loads, a multiply and an add (assumption).",
        ),
        Board(
            key="esp32s3",
            name="ESP32-S3 DevKit (8 MB flash module)",
            mcu="Espressif ESP32-S3",
            core="Xtensa LX7 (dual core, one used)",
            clock_mhz=240,
            flash_bytes=8 * MIB,
            ram_bytes=512 * KIB,
            active_current_ma=40.0,
            sleep_current_ma=0.008,
            voltage_v=3.3,
            int8_macs_per_cycle=1.0,
            notes="Flash depends on the module (8 MB is typical). Active ≈ CPU at 240 MHz with Wi-Fi/BLE "
                  "off, sleep ≈ deep sleep with RTC timer (approximate). 1 MAC/cycle: ESP-NN uses the "
                  "S3's 128-bit SIMD instructions (assumption).",
        ),
    ]
}


@dataclasses.dataclass(frozen=True)
class Fit:
    """Whether a model fits a board. Headroom = available - used (negative: does not fit)."""

    board: str
    flash_used: int
    flash_available: int
    ram_used: int
    ram_available: int
    flash_ok: bool
    ram_ok: bool
    ok: bool
    flash_headroom: int
    ram_headroom: int


def _board(board: Board | str) -> Board:
    return BOARDS[board] if isinstance(board, str) else board


def fits(report: ModelReport, board: Board | str, flash_reserved: int = DEFAULT_FLASH_RESERVED_BYTES,
         ram_reserved: int = DEFAULT_RAM_RESERVED_BYTES) -> Fit:
    """Does the model (in flash) and its tensor arena (in RAM) fit next to the reserved amounts?

    Defaults reserve 128 KiB of flash (TFLite Micro runtime, board core, application) and 64 KiB of
    RAM (stack, heap, globals, input buffers); pass other values when you know your application.
    """
    board = _board(board)
    if report.arena_bytes is None:
        raise ValueError(f"no arena size: TFLite Micro cannot run this model ({report.tflm_error})")
    flash_available, ram_available = board.available(flash_reserved, ram_reserved)
    flash_ok = report.flash_bytes <= flash_available
    ram_ok = report.arena_bytes <= ram_available
    return Fit(
        board=board.key,
        flash_used=report.flash_bytes,
        flash_available=flash_available,
        ram_used=report.arena_bytes,
        ram_available=ram_available,
        flash_ok=flash_ok,
        ram_ok=ram_ok,
        ok=flash_ok and ram_ok,
        flash_headroom=flash_available - report.flash_bytes,
        ram_headroom=ram_available - report.arena_bytes,
    )


def estimate_latency_ms(report: ModelReport, board: Board | str) -> float:
    """Rough time of one inference: MACs at the board's assumed MACs/cycle, plus
    OP_OVERHEAD_CYCLES per operator, at the board's clock. Ops without MACs (pooling, softmax)
    only count their overhead, so models dominated by them are underestimated."""
    board = _board(board)
    cycles = report.macs / board.int8_macs_per_cycle + OP_OVERHEAD_CYCLES * len(report.ops)
    return cycles / (board.clock_mhz * 1e3)


def estimate_energy_mj(report: ModelReport, board: Board | str) -> float:
    """Rough energy (mJ) of one inference: active power (voltage × active current) × latency."""
    board = _board(board)
    power_mw = board.voltage_v * board.active_current_ma
    return energy_mj(power_mw, estimate_latency_ms(report, board) / 1000.0)
