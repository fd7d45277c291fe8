"""Tests of course.lessons.power_budget: the week-0x00 battery and power arithmetic and its widget."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import polib
import pytest

from course import energy
from course.deploy.boards import BOARDS
from course.lessons import power_budget as pb
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_worked_example_by_hand():
    # 5 mA for 5 % of the time, 5 µA otherwise: 0.25 + 0.00475 = 0.25475 mA; 225 mAh / that / 24 h
    days = pb.battery_life_days(225, 5.0, 0.005, 0.05)
    assert days == pytest.approx(225 / 0.25475 / 24)
    assert pb.battery_life_days(2500, 5.0, 0.005, 0.05) == pytest.approx(days * 2500 / 225)


def test_battery_life_matches_course_energy_on_random_cases():
    rng = np.random.default_rng(7)
    for _ in range(50):
        cap, act, slp, d = rng.uniform(10, 5000), rng.uniform(0.1, 50), rng.uniform(1e-4, 0.1), rng.uniform(0, 1)
        expected = energy.battery_life_hours(cap, energy.average_current_ma(act, slp, d)) / 24
        assert pb.battery_life_days(cap, act, slp, d) == pytest.approx(expected)


def test_life_falls_as_duty_cycle_rises():
    days = pb.life_vs_duty_cycle(225, 5.0, 0.005, np.logspace(-4, 0, 20))
    assert np.all(np.diff(days) < 0)
    assert days[-1] == pytest.approx(225 / 5.0 / 24)  # always awake


def test_duty_cycle_and_validation():
    assert pb.duty_cycle(50, 1000) == pytest.approx(0.05)
    with pytest.raises(ValueError):
        pb.duty_cycle(2000, 1000)
    with pytest.raises(ValueError):
        pb.duty_cycle(10, 0)
    with pytest.raises(ValueError):
        pb.battery_life_days(225, 5.0, 0.005, 1.5)


def test_device_and_battery_tables():
    mcu, gpu = pb.device("microcontroller"), pb.device("desktop GPU")
    assert gpu.power_w / mcu.power_w > 1000
    assert pb.battery("2 × AA alkaline").energy_wh == pytest.approx(7.5)
    with pytest.raises(KeyError):
        pb.device("abacus")
    # a 15 W laptop processor empties 7.5 Wh in half an hour
    assert pb.hours_on_battery(15.0, pb.battery("2 × AA alkaline")) == pytest.approx(0.5)


def test_streaming_bytes_per_day():
    # 16 kHz × 16 bit mono = 32,000 B/s
    assert pb.streaming_bytes_per_day(16_000, 16) == pytest.approx(32_000 * 86_400)


def test_figures_have_log_axes_and_labels():
    fig = pb.plot_power_and_price()
    for ax in fig.axes:
        assert ax.get_yscale() == "log" and ax.get_title() and "(" in ax.get_ylabel()
    fig = pb.plot_battery_life(5.0, 0.005, mark=0.05)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and "days" in ax.get_ylabel() and "%" in ax.get_xlabel()


def test_battery_summary():
    coin = pb.battery("CR2032 coin cell")
    summary = pb.battery_summary(5.0, 0.005, 0.05, coin)
    days = pb.battery_life_days(225, 5.0, 0.005, 0.05)
    assert "<b>0.2547 mA</b>" in summary and f"a CR2032 coin cell lasts <b>{days:,.1f} days</b>" in summary
    assert f"({days / 365:.2f} years)" in summary


def test_battery_explorer_redraws_with_the_duty_cycle_and_the_battery():
    controls, summary, image = pb.battery_explorer(active_ma=5.0, sleep_ma=0.005, duty_percent=5.0).children
    duty, battery = controls.children
    coin, aa = pb.battery("CR2032 coin cell"), pb.battery("2 × AA alkaline")
    assert summary.value == pb.battery_summary(5.0, 0.005, 0.05, coin)
    before = bytes(image.value)
    duty.value = 0.5
    assert summary.value == pb.battery_summary(5.0, 0.005, 0.005, coin) and bytes(image.value) != before
    battery.value = aa.name
    assert summary.value == pb.battery_summary(5.0, 0.005, 0.005, aa)
    duty.value = 100  # the slider's top end: always awake
    assert summary.value == pb.battery_summary(5.0, 0.005, 1.0, aa)


def test_the_microcontroller_is_the_course_board():
    """Week 0x00's microcontroller draws what week 0x03's Nano 33 BLE Sense draws (one definition)."""
    nano = BOARDS["nano33_ble_sense"]
    mcu = pb.device("microcontroller")
    assert mcu.power_w == pytest.approx(nano.voltage_v * nano.active_current_ma / 1000)
    assert f"{nano.active_current_ma:g} mA · {nano.voltage_v:g} V" in mcu.example


def spanish(message: str) -> str:
    """The Spanish catalog's translation of a library message (course/locale/es.po)."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figure_and_summary_speak_spanish_when_the_course_language_is_spanish(monkeypatch):
    coin = pb.battery("CR2032 coin cell")
    english, english_summary = pb.plot_battery_life(5.0, 0.005, mark=0.05), pb.battery_summary(5.0, 0.005, 0.05, coin)
    assert "The dots mark 5% awake" in english.alt and "CR2032 coin cell" in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    figure = pb.plot_battery_life(5.0, 0.005, mark=0.05)
    ax, english_ax = figure.axes[0], english.axes[0]
    assert ax.get_xlabel() == spanish("duty cycle (% of the time awake)") != english_ax.get_xlabel()
    assert ax.get_ylabel() == spanish("battery life (days)") != english_ax.get_ylabel()
    assert ax.get_title() != english_ax.get_title()
    assert figure.alt != english.alt and spanish("CR2032 coin cell") in figure.alt
    summary = pb.battery_summary(5.0, 0.005, 0.05, coin)
    assert summary != english_summary and spanish("CR2032 coin cell") in summary
