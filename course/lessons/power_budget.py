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
from course.notebook.figures import PALETTE, new_figure
from course.notebook.language import N_, _

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Device:
    """A compute device with a typical power draw while working and a typical price."""

    name: str
    power_w: float  # typical power while computing, watts
    price_usd: float  # typical price of the part/board, US dollars (rounded)
    example: str  # what it stands for, in English; shown as `device_example`


# Typical, rounded values (2020s). The microcontroller is the course's Nano 33 BLE Sense board
# (course.deploy.BOARDS, one definition): its nRF52840's active current at its supply voltage.
_NANO = BOARDS["nano33_ble_sense"]
DEVICES: tuple[Device, ...] = (
    Device("microcontroller", power_w=_NANO.voltage_v * _NANO.active_current_ma / 1000.0, price_usd=5.0,
           example=(f"{_NANO.core}, {_NANO.clock_mhz:g} MHz ({_NANO.mcu}): "
                    f"{_NANO.active_current_ma:g} mA · {_NANO.voltage_v:g} V")),
    Device("laptop CPU", power_w=15.0, price_usd=700.0,
           example=N_("a thin-and-light laptop's processor under load (the laptop's price)")),
    Device("desktop GPU", power_w=300.0, price_usd=1500.0,
           example=N_("a gaming/ML graphics card under load (the card's price)")),
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
    raise KeyError(_("no device {name!r}; known: {known}").format(name=name, known=[d.name for d in DEVICES]))


def battery(name: str) -> Battery:
    """The entry of :data:`BATTERIES` called `name`."""
    for b in BATTERIES:
        if b.name == name:
            return b
    raise KeyError(_("no battery {name!r}; known: {known}").format(name=name, known=[b.name for b in BATTERIES]))


def device_label(name: str) -> str:
    """The learner-facing name of a device of :data:`DEVICES` (its ``name`` stays the English key)."""
    labels = {"microcontroller": _("microcontroller"), "laptop CPU": _("laptop CPU"), "desktop GPU": _("desktop GPU")}
    return labels.get(name, name)


def device_example(device: Device) -> str:
    """What a device of :data:`DEVICES` stands for, in the learner's language."""
    return _(device.example)


def battery_label(name: str) -> str:
    """The learner-facing name of a battery of :data:`BATTERIES` (its ``name`` stays the English key)."""
    labels = {"CR2032 coin cell": _("CR2032 coin cell"), "2 × AA alkaline": _("2 × AA alkaline")}
    return labels.get(name, name)


def duty_cycle(active_ms: float, period_ms: float) -> float:
    """Fraction of the time a device is awake: `active_ms` of work every `period_ms`."""
    if period_ms <= 0:
        raise ValueError(_("period_ms must be positive, got {period_ms}").format(period_ms=period_ms))
    if not 0 <= active_ms <= period_ms:
        raise ValueError(_("active_ms must be between 0 and period_ms, got {active_ms}").format(active_ms=active_ms))
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
        raise ValueError(_("power_w must be positive, got {power_w}").format(power_w=power_w))
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
    names = [device_label(d.name) for d in devices]
    colors = [PALETTE[2], PALETTE[0], PALETTE[3]][: len(devices)]
    for ax, values, title, label, fmt in (
            (ax_power, [d.power_w for d in devices], _("Power while computing"), _("power (W, log scale)"),
             "{:g} W"),
            (ax_price, [d.price_usd for d in devices], _("Price"), _("price (US$, log scale)"), "${:,.0f}")):
        bars = ax.bar(names, values, color=colors)
        ax.set_yscale("log")
        ax.set(title=title, ylabel=label, xlabel=_("device"))
        ax.set_ylim(min(values) / 5, max(values) * 8)
        ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2, fontsize=9)
        ax.grid(True, axis="y", which="major", alpha=0.3)
    least, most = min(devices, key=lambda d: d.power_w), max(devices, key=lambda d: d.power_w)
    fig.alt = " ".join([
        _("Two bar charts on log scales, the power each device draws while computing and its price: {devices}.").format(
            devices="; ".join(_("{device} {power:g} W, ${price:,.0f}").format(
                device=device_label(d.name), power=d.power_w, price=d.price_usd) for d in devices)),
        _("The most power-hungry device ({most}) draws {ratio:,.0f} times the power of the least ({least}).").format(
            most=device_label(most.name), least=device_label(least.name), ratio=most.power_w / least.power_w),
    ])
    return fig


def plot_battery_life(active_ma: float, sleep_ma: float, batteries=BATTERIES,
                      duty_cycles=None, mark: float | None = None) -> Figure:
    """Battery life (days, log scale) against duty cycle (%, log scale) for each battery;
    ``mark`` (a duty cycle) is dotted on each curve."""
    if duty_cycles is None:
        duty_cycles = np.logspace(-4, 0, 81)
    fig = new_figure((6.5, 3.8))
    ax = fig.subplots()
    title = _("Battery life: {active:g} mA awake, {sleep:g} µA asleep").format(active=active_ma, sleep=sleep_ma * 1000)
    lives, marks = [], []
    for bat, style in zip(batteries, ("-", "--", "-.", ":") * len(batteries)):
        days = life_vs_duty_cycle(bat.capacity_mah, active_ma, sleep_ma, duty_cycles)
        ax.plot(np.asarray(duty_cycles) * 100, days, lw=2, ls=style, label=battery_label(bat.name))
        lives.append(_("a {battery} lasts from {long:,.0f} down to {short:,.1f} days").format(
            battery=battery_label(bat.name), long=days[0], short=days[-1]))
        if mark is not None:
            marked = battery_life_days(bat.capacity_mah, active_ma, sleep_ma, mark)
            ax.plot([mark * 100], [marked], "o", color=PALETTE[7], ms=5)
            marks.append(_("{battery} {days:,.1f} days").format(battery=battery_label(bat.name), days=marked))
    for days, label in ((1, _("1 day")), (365, _("1 year"))):
        ax.axhline(days, color="gray", ls=":", lw=1)
        ax.text(duty_cycles[0] * 100, days * 1.15, label, color="gray", fontsize=8)
    ax.set(xscale="log", yscale="log", xlabel=_("duty cycle (% of the time awake)"),
           ylabel=_("battery life (days)"), title=title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    sentences = [
        _("{title}: battery life in days against the duty cycle, both on log scales; the less the device is awake, "
          "the longer the battery lasts.").format(title=title),
        _("From {low:.3g}% to {high:.3g}% of the time awake, {lives}.").format(
            low=duty_cycles[0] * 100, high=duty_cycles[-1] * 100, lives="; ".join(lives)),
    ]
    if mark is not None:
        sentences.append(_("The dots mark {duty:.3g}% awake: {marks}.").format(duty=mark * 100, marks="; ".join(marks)))
    fig.alt = " ".join(sentences)
    return fig


# --------------------------------------------------------------------------------------------
# A small widget: duty cycle → average current → days
# --------------------------------------------------------------------------------------------

def battery_summary(active_ma: float, sleep_ma: float, duty: float, bat: Battery) -> str:
    """One line of HTML: the average current at this duty cycle and how many days ``bat`` lasts."""
    days = battery_life_days(bat.capacity_mah, active_ma, sleep_ma, duty)
    return _("average current <b>{current:.4g} mA</b> → a {battery} lasts <b>{days:,.1f} days</b> ({years:.2f} "
             "years)").format(current=average_current_ma(active_ma, sleep_ma, duty), battery=battery_label(bat.name),
                              days=days, years=days / 365)


def battery_explorer(active_ma: float = 5.0, sleep_ma: float = 0.005, duty_percent: float = 5.0) -> widgets.VBox:
    """A duty-cycle slider (% of the time awake) and a battery menu → :func:`battery_summary` and
    the battery's life against duty cycle, with the chosen duty cycle marked."""
    duty_slider = widgets.FloatLogSlider(
        value=duty_percent, base=10, min=-3, max=2, step=0.05, readout_format=".3g",
        description=_("awake (% of time)"), continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="460px"))
    battery_menu = widgets.ToggleButtons(options=[(battery_label(b.name), b.name) for b in BATTERIES],
                                    value=BATTERIES[0].name, description=_("battery"))

    def draw(duty_percent: float, battery_name: str) -> tuple[Figure, str]:
        duty, bat = min(duty_percent, 100.0) / 100, battery(battery_name)
        fig = plot_battery_life(active_ma, sleep_ma, batteries=(bat,), mark=duty)
        return fig, battery_summary(active_ma, sleep_ma, duty, bat)

    return explorer({"duty_percent": duty_slider, "battery_name": battery_menu}, draw)
