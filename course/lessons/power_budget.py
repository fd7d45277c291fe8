"""Week 0x00: power, cost and battery life of always-on devices.

Builds on :mod:`course.energy` (average current from a duty cycle, ideal battery life) with
the *typical, rounded* numbers the lecture compares, the figures that show them, and a small
duty-cycle explorer widget (:func:`battery_explorer`).

The device and battery figures are orders of magnitude for teaching, not a spec sheet: look up
your own part's datasheet before you promise anyone a battery life.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course.deploy.boards import BOARDS
from course.energy import average_current_ma, battery_life_hours
from course.notebook.explorer import explorer
from course.notebook.figures import new_figure

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Device:
    """A compute device with a typical power draw while working and a typical price."""

    name: str
    power_w: float  # typical power while computing, watts
    price_usd: float  # typical price of the part/board, US dollars (rounded)
    example: str


# Typical, rounded values (2020s). The microcontroller is the course's Nano 33 BLE Sense board
# (course.deploy.BOARDS, one definition): its nRF52840's active current at its supply voltage.
_NANO = BOARDS["nano33_ble_sense"]
DEVICES: tuple[Device, ...] = (
    Device("microcontroller", power_w=_NANO.voltage_v * _NANO.active_current_ma / 1000.0, price_usd=5.0,
           example=(f"{_NANO.core} at {_NANO.clock_mhz:g} MHz ({_NANO.mcu}), "
                    f"{_NANO.active_current_ma:g} mA at {_NANO.voltage_v:g} V")),
    Device("laptop CPU", power_w=15.0, price_usd=700.0,
           example="a thin-and-light laptop's processor under load (the laptop's price)"),
    Device("desktop GPU", power_w=300.0, price_usd=1500.0,
           example="a gaming/ML graphics card under load (the card's price)"),
)


@dataclass(frozen=True)
class Battery:
    name: str
    capacity_mah: float  # nominal capacity at a light load
    volts: float  # nominal voltage of the pack

    @property
    def energy_wh(self) -> float:
        """Stored energy in watt-hours (capacity × voltage)."""
        return self.capacity_mah / 1000.0 * self.volts


# Nominal capacities; real ones are lower at high pulse currents and in the cold.
BATTERIES: tuple[Battery, ...] = (
    Battery("CR2032 coin cell", capacity_mah=225.0, volts=3.0),
    Battery("2 × AA alkaline", capacity_mah=2500.0, volts=3.0),
)


def device(name: str) -> Device:
    """The entry of :data:`DEVICES` called `name`."""
    for d in DEVICES:
        if d.name == name:
            return d
    raise KeyError(f"no device {name!r}; known: {[d.name for d in DEVICES]}")


def battery(name: str) -> Battery:
    """The entry of :data:`BATTERIES` called `name`."""
    for b in BATTERIES:
        if b.name == name:
            return b
    raise KeyError(f"no battery {name!r}; known: {[b.name for b in BATTERIES]}")


def duty_cycle(active_ms: float, period_ms: float) -> float:
    """Fraction of the time a device is awake: `active_ms` of work every `period_ms`."""
    if period_ms <= 0:
        raise ValueError(f"period_ms must be positive, got {period_ms}")
    if not 0 <= active_ms <= period_ms:
        raise ValueError(f"active_ms must be between 0 and period_ms, got {active_ms}")
    return active_ms / period_ms


def battery_life_days(capacity_mah: float, active_ma: float, sleep_ma: float,
                      duty: float) -> float:
    """Days an (ideal) battery lasts for a device awake a fraction `duty` of the time."""
    return battery_life_hours(capacity_mah, average_current_ma(active_ma, sleep_ma, duty)) / HOURS_PER_DAY


def life_vs_duty_cycle(capacity_mah: float, active_ma: float, sleep_ma: float,
                       duty_cycles) -> np.ndarray:
    """:func:`battery_life_days` for each duty cycle in `duty_cycles` (an array of days)."""
    return np.array([battery_life_days(capacity_mah, active_ma, sleep_ma, float(d))
                     for d in np.ravel(duty_cycles)])


def hours_on_battery(power_w: float, bat: Battery) -> float:
    """Hours a battery's stored energy lasts at a constant `power_w` (ideal, no conversion losses)."""
    if power_w <= 0:
        raise ValueError(f"power_w must be positive, got {power_w}")
    return bat.energy_wh / power_w


def streaming_bytes_per_day(sample_rate_hz: float, bits_per_sample: int, channels: int = 1) -> float:
    """Bytes per day to send raw samples continuously (e.g. a microphone to the cloud)."""
    return sample_rate_hz * bits_per_sample / 8 * channels * 3600 * HOURS_PER_DAY


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def plot_power_and_price(devices=DEVICES) -> Figure:
    """Log-scale bars: power while computing (W) and price (US$) of each device."""
    fig = new_figure((10, 3.4))
    ax_power, ax_price = fig.subplots(1, 2)
    names = [d.name for d in devices]
    colors = ["tab:green", "tab:blue", "tab:red"][: len(devices)]
    for ax, values, title, label, fmt in (
            (ax_power, [d.power_w for d in devices], "Power while computing", "power (W, log scale)",
             "{:g} W"),
            (ax_price, [d.price_usd for d in devices], "Price", "price (US$, log scale)", "${:,.0f}")):
        bars = ax.bar(names, values, color=colors)
        ax.set_yscale("log")
        ax.set(title=title, ylabel=label, xlabel="device")
        ax.set_ylim(min(values) / 5, max(values) * 8)
        ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2, fontsize=9)
        ax.grid(True, axis="y", which="major", alpha=0.3)
    return fig


def plot_battery_life(active_ma: float, sleep_ma: float, batteries=BATTERIES,
                      duty_cycles=None, mark: float | None = None) -> Figure:
    """Battery life (days, log scale) against duty cycle (%, log scale) for each battery;
    ``mark`` (a duty cycle) is dotted on each curve."""
    if duty_cycles is None:
        duty_cycles = np.logspace(-4, 0, 81)
    fig = new_figure((6.5, 3.8))
    ax = fig.subplots()
    for bat in batteries:
        days = life_vs_duty_cycle(bat.capacity_mah, active_ma, sleep_ma, duty_cycles)
        ax.plot(np.asarray(duty_cycles) * 100, days, lw=2, label=bat.name)
        if mark is not None:
            ax.plot([mark * 100], [battery_life_days(bat.capacity_mah, active_ma, sleep_ma, mark)],
                    "o", color="k", ms=5)
    for days, label in ((1, "1 day"), (365, "1 year")):
        ax.axhline(days, color="gray", ls=":", lw=1)
        ax.text(duty_cycles[0] * 100, days * 1.15, label, color="gray", fontsize=8)
    ax.set(xscale="log", yscale="log", xlabel="duty cycle (% of the time awake)",
           ylabel="battery life (days)",
           title=f"Battery life: {active_ma:g} mA awake, {sleep_ma * 1000:g} µA asleep")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


# --------------------------------------------------------------------------------------------
# A small widget: duty cycle → average current → days
# --------------------------------------------------------------------------------------------

def battery_summary(active_ma: float, sleep_ma: float, duty: float, bat: Battery) -> str:
    """One line of HTML: the average current at this duty cycle and how many days ``bat`` lasts."""
    days = battery_life_days(bat.capacity_mah, active_ma, sleep_ma, duty)
    return (f"average current <b>{average_current_ma(active_ma, sleep_ma, duty):.4g} mA</b> → a {bat.name} "
            f"lasts <b>{days:,.1f} days</b> ({days / 365:.2f} years)")


def battery_explorer(active_ma: float = 5.0, sleep_ma: float = 0.005, duty_percent: float = 5.0) -> widgets.VBox:
    """A duty-cycle slider (% of the time awake) and a battery menu → :func:`battery_summary` and
    the battery's life against duty cycle, with the chosen duty cycle marked."""
    duty_slider = widgets.FloatLogSlider(
        value=duty_percent, base=10, min=-3, max=2, step=0.05, readout_format=".3g",
        description="awake (% of time)", continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="460px"))
    battery_menu = widgets.Dropdown(options=[b.name for b in BATTERIES], value=BATTERIES[0].name,
                                    description="battery")

    def draw(duty_percent: float, battery_name: str) -> tuple[Figure, str]:
        duty, bat = min(duty_percent, 100.0) / 100, battery(battery_name)
        fig = plot_battery_life(active_ma, sleep_ma, batteries=(bat,), mark=duty)
        return fig, battery_summary(active_ma, sleep_ma, duty, bat)

    return explorer({"duty_percent": duty_slider, "battery_name": battery_menu}, draw)
