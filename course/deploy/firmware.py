"""Bare-metal firmware for the course's boards: built by the GNU Arm toolchain, run on an emulated board.

`build(sources, board)` compiles C sources with the course's startup code (`cortex_m/`: vector table,
reset handler, SysTick instruction counter) and a linker script sized to the board's flash and RAM, and
reads the image's sizes from `arm-none-eabi-size`, the map file and the symbol table.
`run(firmware, inputs)` runs it in QEMU on the machine that stands in for the board (boards.yml), in a
child process with a timeout: inputs are files the firmware reads through semihosting, outputs the files
it writes. The cost reported is an INSTRUCTION COUNT (QEMU's `-icount shift=0` makes SysTick tick once
per fixed number of executed instructions), not a cycle-exact time on the real chip.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from course.deploy.boards import BOARDS, Board
from course.units import KIB, MIB

RUNTIME_DIR = Path(__file__).with_name("cortex_m")  # startup.c, course_fw.h, link.ld.in
RUNTIME_SOURCES = ("startup.c", "course_fw.h")
INSTRUCTIONS_FILE = "course_fw_instructions.bin"  # written by startup.c after main() returns
INSTALL_HINT = "sudo apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
# Compiler flags of each emulated core (hard-float ABI where the core has an FPU).
CPU_FLAGS = {"cortex-m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]}
COMMON_FLAGS = ["-std=c11", "-Wall", "-ffunction-sections", "-fdata-sections", "-fno-diagnostics-show-caret",
                "-fdiagnostics-color=never"]
LINK_FLAGS = ["--specs=rdimon.specs", "-nostartfiles", "-Wl,--gc-sections", "-lm"]
MIN_STACK_HEAP_BYTES = 16 * KIB  # RAM the linker keeps free above .bss for the stack and newlib's heap
ICOUNT_NS_PER_INSTRUCTION = 1  # -icount shift=0: the virtual clock advances 2**0 ns per instruction
NOT_LOADED = re.compile(r"\.(debug|comment|ARM\.attributes|stab)")  # map sections that take no memory
BUILD_TIMEOUT_S = 120
RUN_TIMEOUT_S = 10
MAX_CONSOLE_BYTES = 64 * KIB  # the end of the console output kept (a firmware may print forever)
MAX_FILE_BYTES = 64 * MIB  # the largest file a tool or a firmware may write (a runaway printf fills no disk)

Wrap = Callable[[list[str], Path], list[str]]
"""Wraps a tool's command that must run in (and may write only) a folder, e.g. in the grading sandbox."""


class FirmwareToolMissing(RuntimeError):
    """The GNU Arm toolchain, newlib or QEMU is not installed."""


class FirmwareError(RuntimeError):
    """The firmware did not build, or did not run to a successful exit."""


class FirmwareTimeout(FirmwareError):
    """The firmware did not finish within the time allowed (the emulator was killed)."""


@dataclasses.dataclass(frozen=True)
class Firmware:
    """A linked firmware image and its sizes in bytes.

    `text`, `data`, `bss` are `arm-none-eabi-size`'s columns (`text` includes .rodata and the vector
    table); `sections` are the output sections of the linker's map file; `symbols` maps each sized
    symbol to (size, nm's type letter: t code, r read-only data, d initialized data, b zeroed data).
    """

    board: str
    elf: bytes
    map_text: str
    text: int
    data: int
    bss: int
    sections: dict[str, int]
    symbols: dict[str, tuple[int, str]]

    @property
    def flash_bytes(self) -> int:
        """Flash used: code and constants, plus the initial values of .data (copied to RAM at reset)."""
        return self.text + self.data

    @property
    def ram_bytes(self) -> int:
        """Static RAM used: .data and .bss (the stack and the heap come on top)."""
        return self.data + self.bss


@dataclasses.dataclass(frozen=True)
class Run:
    """What a firmware run produced: files written (name → bytes), console text, exit status, and the
    instructions main() executed (an instruction count, not a cycle count)."""

    outputs: dict[str, bytes]
    console: str
    exit_code: int
    instructions: int


def _board(board: Board | str) -> Board:
    board = BOARDS[board] if isinstance(board, str) else board
    if board.emulator is None:
        raise FirmwareError(f"{board.name} has no emulated stand-in: {board.emulation}")
    return board


def require_tools(*tools: str) -> None:
    """Raise FirmwareToolMissing naming the install command if a tool (or newlib) is missing."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise FirmwareToolMissing(f"{', '.join(missing)} not found: install the GNU Arm toolchain, newlib and "
                                  f"QEMU with `{INSTALL_HINT}` (Colab: `!apt-get install -y ...` the same packages)")
    if "arm-none-eabi-gcc" in tools:
        specs = subprocess.run(["arm-none-eabi-gcc", "-print-file-name=rdimon.specs"], capture_output=True,
                               text=True).stdout.strip()
        if not os.path.isabs(specs):
            raise FirmwareToolMissing(f"newlib for arm-none-eabi (rdimon.specs) not found: `{INSTALL_HINT}`")


def linker_script(board: Board | str, min_stack_heap: int = MIN_STACK_HEAP_BYTES) -> str:
    """The linker script for `board`: its flash and RAM sizes at the emulated machine's addresses."""
    board = _board(board)
    values = {"BOARD": board.name, "FLASH_ORIGIN": hex(board.emulator.flash_origin), "FLASH_BYTES": board.flash_bytes,
              "RAM_ORIGIN": hex(board.emulator.ram_origin), "RAM_BYTES": board.ram_bytes,
              "MIN_STACK_HEAP": min_stack_heap}
    text = (RUNTIME_DIR / "link.ld.in").read_text(encoding="utf-8")
    return re.sub(r"@(\w+)@", lambda m: str(values[m.group(1)]), text)


def instructions_per_tick(board: Board | str) -> int:
    """Instructions per SysTick tick under -icount shift=0: 1 ns per instruction at the tick's clock."""
    hz = _board(board).emulator.systick_hz
    return round(1e9 / (hz * ICOUNT_NS_PER_INSTRUCTION))


def _run_tool(command: list[str], folder: Path, timeout_s: float, wrap: Wrap | None,
              console: Path | None = None) -> tuple[int, str]:
    """Run `command` in `folder` in its own process group; kill the whole group on timeout."""
    tool = Path(command[0]).name
    if shutil.which("prlimit"):  # util-linux: no file the tool writes may pass MAX_FILE_BYTES (then it execs it)
        command = ["prlimit", f"--fsize={MAX_FILE_BYTES}", "--", *command]
    if wrap:  # e.g. the grading sandbox, whose unprivileged user writes the tool's outputs here
        for path in [folder, *folder.iterdir()]:
            os.chmod(path, 0o777 if path.is_dir() else 0o666)
        command = wrap(command, folder)
    log = console or folder / "tool.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise FirmwareTimeout(f"{tool} did not finish within {timeout_s:g} s (killed)\n"
                                  f"{_tail(log)}") from None
    return status, _tail(log)


def _tail(log: Path) -> str:
    with open(log, "rb") as f:
        f.seek(max(0, log.stat().st_size - MAX_CONSOLE_BYTES))
        return f.read().decode(errors="replace")


def map_sections(map_text: str) -> dict[str, int]:
    """Sizes of the output sections a GNU ld map file places in memory (name → bytes), non-empty ones
    only; debugging and attribute sections, which are never loaded, are left out."""
    sections = {}
    pattern = re.compile(r"^(\.[\w.]+)(?:\s+|\n\s+)0x([0-9a-f]+)\s+0x([0-9a-f]+)", re.M)
    for name, _, size in pattern.findall(map_text.split("Linker script and memory map", 1)[-1]):
        if int(size, 16) and not NOT_LOADED.match(name):
            sections.setdefault(name, int(size, 16))
    return sections


def _symbols(elf: Path, wrap: Wrap | None) -> dict[str, tuple[int, str]]:
    status, listing = _run_tool(["arm-none-eabi-nm", "-S", "--size-sort", elf.name], elf.parent, 30, wrap)
    symbols = {}
    for line in listing.splitlines():
        parts = line.split()
        if status == 0 and len(parts) == 4:
            symbols[parts[3]] = (int(parts[1], 16), parts[2].lower())
    return symbols


def build(sources: Mapping[str, str] | list[str | Path], board: Board | str = "nano33_ble_sense", *,
          include_dirs: tuple[str | Path, ...] = (), defines: Mapping[str, str | int] | None = None,
          optimize: str = "-O2", timeout_s: float = BUILD_TIMEOUT_S, wrap: Wrap | None = None) -> Firmware:
    """Compile and link C `sources` (file name → text, or paths of .c files) into firmware for `board`.

    The course's startup code is linked in: write `int main(void)`, read inputs and write outputs with
    `course_fw_read`/`course_fw_write` (course_fw.h) or stdio. Raises FirmwareError with the compiler's
    messages if the build fails, FirmwareToolMissing if the toolchain is not installed.
    """
    board = _board(board)
    require_tools("arm-none-eabi-gcc", "arm-none-eabi-size", "arm-none-eabi-nm")
    with tempfile.TemporaryDirectory(prefix="course-firmware-") as tmp:
        folder = Path(tmp)
        for name in RUNTIME_SOURCES:
            shutil.copy(RUNTIME_DIR / name, folder / name)
        if isinstance(sources, Mapping):
            names = []
            for name, text in sources.items():
                if Path(name).name != name or name in RUNTIME_SOURCES:
                    raise ValueError(f"source names are plain file names, not {name!r} (or a runtime file)")
                (folder / name).write_text(text, encoding="utf-8")
                names.append(name)
        else:
            names = [str(Path(path).resolve()) for path in sources]
        (folder / "link.ld").write_text(linker_script(board), encoding="utf-8")
        macros = {"COURSE_FW_INSTRUCTIONS_PER_TICK": f"{instructions_per_tick(board)}u", **(defines or {})}
        command = ["arm-none-eabi-gcc", *CPU_FLAGS[board.emulator.cpu], *COMMON_FLAGS, optimize, "-I.",
                   *[f"-I{Path(d).resolve()}" for d in include_dirs], *[f"-D{k}={v}" for k, v in macros.items()],
                   "-T", "link.ld", "-Wl,-Map=firmware.map", "-o", "firmware.elf", "startup.c",
                   *[n for n in names if not n.endswith(".h")], *LINK_FLAGS]  # libraries after the objects
        status, messages = _run_tool(command, folder, timeout_s, wrap)
        if status != 0 or not (folder / "firmware.elf").is_file():
            raise FirmwareError(f"the firmware did not build:\n{messages[-4000:]}")
        status, size = _run_tool(["arm-none-eabi-size", "firmware.elf"], folder, 30, wrap)
        text, data, bss = _berkeley(size)
        map_text = (folder / "firmware.map").read_text(encoding="utf-8", errors="replace")
        return Firmware(board=board.key, elf=(folder / "firmware.elf").read_bytes(), map_text=map_text,
                        text=text, data=data, bss=bss, sections=map_sections(map_text),
                        symbols=_symbols(folder / "firmware.elf", wrap))


def _berkeley(size: str) -> tuple[int, int, int]:
    """(text, data, bss) from `arm-none-eabi-size`'s Berkeley output (its second line)."""
    text, data, bss = size.splitlines()[1].split()[:3]
    return int(text), int(data), int(bss)


def _to_bytes(value: bytes | np.ndarray) -> bytes:
    return value.tobytes() if isinstance(value, np.ndarray) else bytes(value)


def run(firmware: Firmware, inputs: Mapping[str, bytes | np.ndarray] | None = None, *,
        timeout_s: float = RUN_TIMEOUT_S, check: bool = True, wrap: Wrap | None = None) -> Run:
    """Run `firmware` on its board's emulated stand-in, with `inputs` as files (name → bytes or array).

    QEMU runs in a child process group with `-icount shift=0`; past `timeout_s` the whole group is killed
    and FirmwareTimeout raised. Returns the files the firmware wrote, its console text, exit status and
    the instructions main() executed. With `check`, a non-zero exit (or a fault) raises FirmwareError.
    """
    board = _board(firmware.board)
    require_tools("qemu-system-arm")
    with tempfile.TemporaryDirectory(prefix="course-qemu-") as tmp:
        folder = Path(tmp)
        (folder / "firmware.elf").write_bytes(firmware.elf)
        for name, value in (inputs or {}).items():
            if Path(name).name != name or name in ("firmware.elf", "console.log", INSTRUCTIONS_FILE):
                raise ValueError(f"input names are plain file names, not {name!r}")
            (folder / name).write_bytes(_to_bytes(value))
        before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
        command = ["qemu-system-arm", "-M", board.emulator.machine, "-cpu", board.emulator.cpu, "-nographic",
                   "-monitor", "none", "-serial", "null", "-semihosting-config", "enable=on,target=native",
                   "-icount", "shift=0", "-kernel", "firmware.elf"]
        status, console = _run_tool(command, folder, timeout_s, wrap, console=Path(tmp, "console.log"))
        counter = folder / INSTRUCTIONS_FILE
        instructions = int(np.frombuffer(counter.read_bytes(), "<u8")[0]) if counter.is_file() else 0
        outputs = {path.name: path.read_bytes() for path in sorted(folder.iterdir())
                   if path.is_file() and before.get(path.name) != path.stat().st_mtime_ns
                   and path.name not in ("console.log", INSTRUCTIONS_FILE, "tool.log")}
    if check and status != 0:
        raise FirmwareError(f"the firmware exited with status {status}:\n{console[-4000:]}")
    return Run(outputs=outputs, console=console, exit_code=status, instructions=instructions)
