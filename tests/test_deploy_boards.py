"""course.deploy.boards: specifications, fit checks and latency/energy estimates (pure arithmetic)."""
import dataclasses

import pytest

from course.deploy import (
    BOARDS,
    ModelReport,
    estimate_energy_mj,
    estimate_latency_ms,
    fits,
)
from course.deploy.boards import (
    DEFAULT_FLASH_RESERVED_BYTES,
    DEFAULT_RAM_RESERVED_BYTES,
    OP_OVERHEAD_CYCLES,
    learner_texts,
)

pytestmark = pytest.mark.unit

KIB, MIB = 1024, 1024 * 1024


def _report(flash_bytes: int = 20_000, arena_bytes: int | None = 30_000, macs: int = 1_000_000,
            ops: tuple[str, ...] = ("CONV_2D", "FULLY_CONNECTED", "SOFTMAX")) -> ModelReport:
    return ModelReport(flash_bytes=flash_bytes, arena_bytes=arena_bytes, ops=list(ops), unsupported_ops=[],
                       macs=macs, input_shape=(1, 8), input_dtype="int8", input_scale=0.1, input_zero_point=0,
                       output_shape=(1, 2), output_dtype="int8", output_scale=0.1, output_zero_point=0)


def test_board_specifications():
    nano, pico, s3 = BOARDS["nano33_ble_sense"], BOARDS["pico"], BOARDS["esp32s3"]
    assert (nano.mcu, nano.core, nano.clock_mhz, nano.flash_bytes, nano.ram_bytes) == (
        "Nordic nRF52840", "Arm Cortex-M4F", 64, 1 * MIB, 256 * KIB)
    assert (pico.mcu, pico.clock_mhz, pico.flash_bytes, pico.ram_bytes) == ("Raspberry Pi RP2040", 133, 2 * MIB, 264 * KIB)
    assert "Cortex-M0+" in pico.core
    assert (s3.clock_mhz, s3.flash_bytes, s3.ram_bytes) == (240, 8 * MIB, 512 * KIB)
    for key, board in BOARDS.items():
        assert board.key == key and board.notes
        assert board.active_current_ma > board.sleep_current_ma > 0
        assert 0 < board.int8_macs_per_cycle <= 2 and 1.8 <= board.voltage_v <= 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        nano.clock_mhz = 128


def test_small_model_fits_every_board():
    for key, board in BOARDS.items():
        fit = fits(_report(), key)
        assert fit.ok and fit.flash_ok and fit.ram_ok and fit.board == key
        assert fit.flash_available == board.flash_bytes - DEFAULT_FLASH_RESERVED_BYTES
        assert fit.ram_available == board.ram_bytes - DEFAULT_RAM_RESERVED_BYTES
        assert fit.flash_headroom == fit.flash_available - 20_000
        assert fit.ram_headroom == fit.ram_available - 30_000


def test_too_big_arena_or_model_does_not_fit():
    big_arena = fits(_report(arena_bytes=250 * KIB), BOARDS["nano33_ble_sense"])
    assert big_arena.flash_ok and not big_arena.ram_ok and not big_arena.ok
    assert big_arena.ram_headroom < 0
    assert fits(_report(arena_bytes=250 * KIB), "esp32s3").ok
    big_model = fits(_report(flash_bytes=1 * MIB), "nano33_ble_sense")
    assert not big_model.flash_ok and big_model.ram_ok and not big_model.ok
    assert fits(_report(flash_bytes=1 * MIB), "pico").ok


def test_reserved_amounts_are_parameters():
    fit = fits(_report(arena_bytes=200 * KIB), "nano33_ble_sense", flash_reserved=0, ram_reserved=0)
    assert fit.ok and fit.ram_available == 256 * KIB and fit.flash_available == 1 * MIB
    assert not fits(_report(arena_bytes=200 * KIB), "nano33_ble_sense", ram_reserved=100 * KIB).ram_ok


def test_fit_needs_an_arena():
    with pytest.raises(ValueError, match="cannot run"):
        fits(_report(arena_bytes=None), "pico")


def test_latency_formula_and_ordering():
    report = _report(macs=2_000_000)
    nano = BOARDS["nano33_ble_sense"]
    expected_cycles = 2_000_000 / nano.int8_macs_per_cycle + 3 * OP_OVERHEAD_CYCLES
    assert estimate_latency_ms(report, nano) == pytest.approx(expected_cycles / 64e3)
    latencies = {key: estimate_latency_ms(report, key) for key in BOARDS}
    assert latencies["esp32s3"] < latencies["nano33_ble_sense"] < latencies["pico"]
    assert estimate_latency_ms(_report(macs=4_000_000), nano) > 1.9 * estimate_latency_ms(_report(macs=2_000_000), nano)


def test_energy_is_active_power_times_latency():
    report = _report()
    for key, board in BOARDS.items():
        seconds = estimate_latency_ms(report, key) / 1000
        assert estimate_energy_mj(report, key) == pytest.approx(board.voltage_v * board.active_current_ma * seconds)
    assert estimate_energy_mj(_report(macs=2_000_000), "pico") > estimate_energy_mj(_report(macs=1_000_000), "pico")


def test_available_memory_is_what_fits_compares_against():
    for key, board in BOARDS.items():
        flash, ram = board.available()
        assert (flash, ram) == (board.flash_bytes - DEFAULT_FLASH_RESERVED_BYTES, board.ram_bytes - DEFAULT_RAM_RESERVED_BYTES)
        assert fits(_report(flash_bytes=flash, arena_bytes=ram), key).ok
        assert not fits(_report(flash_bytes=flash + 1, arena_bytes=ram), key).flash_ok
        assert not fits(_report(flash_bytes=flash, arena_bytes=ram + 1), key).ram_ok
    assert BOARDS["pico"].available(0, 10 * KIB) == (2 * MIB, 254 * KIB)


def test_what_stands_in_for_each_board_speaks_the_learners_language(monkeypatch):
    """The firmware lab prints each board's `stand_in()`: boards.yml's English, or its translation in the library's
    catalog (`course translate extract` puts `learner_texts` there)."""
    assert set(learner_texts()) == set(BOARDS)
    assert all(board.stand_in() == board.emulation for board in BOARDS.values())
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = {key: board.stand_in() for key, board in BOARDS.items()}
    assert all(spanish[key] != board.emulation for key, board in BOARDS.items())
    assert "no compila para la Pico" in spanish["pico"]
