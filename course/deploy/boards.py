"""Microcontroller boards of the course and back-of-the-envelope fit, latency and energy estimates.

The boards are described in `boards.yml`. Memory sizes and clocks are the boards' published
specifications. Currents are rough, MCU-level figures for a core busy running inference (no radio,
LEDs or sensors); the whole board draws more. MACs per cycle are ASSUMPTIONS about sustained int8
throughput with TFLite Micro's optimized kernels, not measurements: treat every estimate as ±2× and
measure on the real board.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from course.deploy.report import ModelReport
from course.energy import energy_mj
from course.notebook.language import _
from course.units import KIB

BOARDS_FILE = Path(__file__).with_name("boards.yml")  # the specifications and assumptions, one board each

# Flash and RAM that the model cannot use (assumptions): the TFLite Micro runtime with a handful of
# kernels is ~30-60 KB of code; the board core/RTOS (the Nano 33 BLE's Arduino mbed core alone is
# over 100 KB) and the application add more. RAM: stack, heap, globals, audio/feature buffers.
DEFAULT_FLASH_RESERVED_BYTES = 128 * KIB
DEFAULT_RAM_RESERVED_BYTES = 64 * KIB
# Assumed per-operator cost (cycles) of the interpreter and kernel setup, on top of the MACs.
OP_OVERHEAD_CYCLES = 1000


@dataclasses.dataclass(frozen=True)
class Emulator:
    """The upstream QEMU machine standing in for a board (course.deploy.firmware): its name, CPU, the
    addresses of its flash and SRAM, and the clock SysTick counts."""

    machine: str
    cpu: str
    flash_origin: int
    ram_origin: int
    systick_hz: int


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
    emulator: Emulator | None = None  # None: no upstream emulator stands in for this board
    emulation: str = ""  # what stands in for the board in the emulator, and what does not

    def stand_in(self) -> str:
        """`emulation` in the learner's language (the library's catalog holds boards.yml's texts: `learner_texts`)."""
        return _(self.emulation)

    def available(self, flash_reserved: int = DEFAULT_FLASH_RESERVED_BYTES,
                  ram_reserved: int = DEFAULT_RAM_RESERVED_BYTES) -> tuple[int, int]:
        """(flash, RAM) bytes left for the model and its tensor arena once `flash_reserved` and
        `ram_reserved` are set aside for the runtime, the board core and the application."""
        return self.flash_bytes - flash_reserved, self.ram_bytes - ram_reserved


def _load_boards(path: Path) -> dict[str, Board]:
    """The boards described in `path` (boards.yml: memory in KiB there, in bytes on a Board)."""
    boards = {}
    for key, spec in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        spec = dict(spec)
        flash, ram = spec.pop("flash_kib") * KIB, spec.pop("ram_kib") * KIB
        emulator = spec.pop("emulator", None)
        boards[key] = Board(key=key, flash_bytes=flash, ram_bytes=ram, **spec,
                            emulator=Emulator(**emulator) if emulator else None)
    return boards


BOARDS: dict[str, Board] = _load_boards(BOARDS_FILE)


def learner_texts() -> dict[str, str]:
    """The texts of boards.yml a learner reads, translated through the library's catalog: {board key: its
    `emulation`} (`Board.stand_in` shows them)."""
    return {key: board.emulation for key, board in BOARDS.items() if board.emulation}


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
