"""Week 0x04: the CO₂ footprint of a fleet of TinyML devices, against streaming the data to the cloud.

Embodied CO₂ (making, shipping the devices) plus operational CO₂ (the electricity they, the network and a
data centre use), in kg of CO₂-equivalent (CO₂e). Every factor is stated with its source in
`FACTORS`; the ones marked ASSUMPTION are round numbers for teaching, to be replaced by measurements.

Sources:
- Embodied, per component: Pirson & Bol, *Assessing the embodied carbon footprint of IoT edge devices with
  a bottom-up life-cycle approach*, J. Cleaner Production 322 (2021), as tabulated in the TinyML Footprint
  calculator of Prakash et al., *Is TinyML Sustainable?*, Communications of the ACM 66(11), 2023
  (github.com/harvard-edge/TinyML-Footprint).
- Electricity: Ember, *Global Electricity Review 2024* — the world's electricity emitted 481 g CO₂e per kWh
  generated in 2023 (countries range from tens to over 700 g).
- Network: Aslan et al., *Electricity Intensity of Internet Data Transmission*, J. Industrial Ecology 22(4),
  2018 — 0.06 kWh per GB in 2015, halving about every two years (we take 0.02 kWh/GB for the 2020s).
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course.notebook.explorer import explorer, html_table
from course.notebook.figures import new_figure
from course.notebook.language import N_, _

HOURS_PER_YEAR = 365 * 24
GB = 1e9


@dataclass(frozen=True)
class Factor:
    """One emission or energy factor: its value, its unit and what it stands for (both shown in the learner's
    language: `factor_unit`, `factor_source`) and the published source it comes from (a citation, shown as
    published; empty for an ASSUMPTION of the course)."""

    value: float
    unit: str
    what: str
    source: str = ""


PER_DEVICE = N_("kg CO₂e per device")
PIRSON_BOL = "Pirson & Bol 2021, via the TinyML Footprint calculator (Prakash et al. 2023)"
FACTORS: dict[str, Factor] = {
    "processor": Factor(0.17, PER_DEVICE, N_("MCU of 10 mm²"), PIRSON_BOL),
    "PCB": Factor(0.16, PER_DEVICE, N_("small board, typical"), PIRSON_BOL),
    "casing": Factor(0.04, PER_DEVICE, N_("ABS plastic 200 g / steel 20 g"), PIRSON_BOL),
    "sensor": Factor(0.04, PER_DEVICE,
                     N_("electret microphone; ASSUMPTION: a MEMS accelerometer costs about the same"), PIRSON_BOL),
    "battery": Factor(1.36, PER_DEVICE, N_("Li-ion battery, typical"), PIRSON_BOL),
    "other parts": Factor(0.11, PER_DEVICE, N_("resistors, capacitors… typical"), PIRSON_BOL),
    "indicator LEDs": Factor(0.06, PER_DEVICE, N_("2 LEDs"), PIRSON_BOL),
    "transport": Factor(0.40, PER_DEVICE, N_("typical"), PIRSON_BOL),
    "grid": Factor(0.481, N_("kg CO₂e per kWh"), N_("world average 2023"), "Ember, Global Electricity Review 2024"),
    "network": Factor(0.02, N_("kWh per GB"),
                      N_("0.06 kWh/GB in 2015, halving every ~2 years (ASSUMPTION: 0.02 today)"), "Aslan et al. 2018"),
    "data centre": Factor(1.0, N_("J per window scored"),
                          N_("ASSUMPTION: a shared server's energy per small inference, cooling included")),
}
EMBODIED_PARTS = ("processor", "PCB", "casing", "sensor", "battery", "other parts", "indicator LEDs", "transport")


def embodied_kg(parts: tuple[str, ...] = EMBODIED_PARTS, factors: dict[str, Factor] = FACTORS) -> float:
    """Embodied kg CO₂e of one device: the sum of its parts' factors."""
    return float(sum(factors[part].value for part in parts))


def kwh_to_kg(kwh: float, grid_kg_per_kwh: float = FACTORS["grid"].value) -> float:
    """kg CO₂e of `kwh` kilowatt-hours of electricity on a grid of `grid_kg_per_kwh`."""
    if kwh < 0 or grid_kg_per_kwh < 0:
        raise ValueError(_("energy and grid intensity must not be negative"))
    return kwh * grid_kg_per_kwh


def fleet_footprint(n_devices: int, years: float, device_power_w: float, *, bytes_per_day: float = 0.0,
                    cloud_windows_per_day: float = 0.0, training_kwh: float = 0.0,
                    grid_kg_per_kwh: float = FACTORS["grid"].value,
                    network_kwh_per_gb: float = FACTORS["network"].value,
                    cloud_j_per_window: float = FACTORS["data centre"].value,
                    embodied_per_device_kg: float | None = None) -> dict[str, float]:
    """kg CO₂e of a fleet over `years`, by part: embodied (devices), training, devices' electricity
    (average power `device_power_w` each, recharged from the grid), network (`bytes_per_day` uploaded per
    device) and data centre (`cloud_windows_per_day` scored in the cloud per device).

    The TinyML fleet uploads a few alarms and scores every window on the device; the cloud alternative
    uploads every window and scores it in a data centre. Servers' and routers' embodied CO₂ is left out
    (it would only add to the cloud's side).
    """
    if n_devices < 0 or years < 0 or device_power_w < 0 or bytes_per_day < 0 or cloud_windows_per_day < 0:
        raise ValueError(_("counts, durations, powers and rates must not be negative"))
    per_device = embodied_kg() if embodied_per_device_kg is None else embodied_per_device_kg
    days = years * 365
    device_kwh = n_devices * device_power_w * years * HOURS_PER_YEAR / 1000
    network_kwh = n_devices * bytes_per_day * days / GB * network_kwh_per_gb
    cloud_kwh = n_devices * cloud_windows_per_day * days * cloud_j_per_window / 3.6e6
    return {
        "embodied (devices)": n_devices * per_device,
        "training": kwh_to_kg(training_kwh, grid_kg_per_kwh),
        "devices' electricity": kwh_to_kg(device_kwh, grid_kg_per_kwh),
        "network": kwh_to_kg(network_kwh, grid_kg_per_kwh),
        "data centre": kwh_to_kg(cloud_kwh, grid_kg_per_kwh),
    }


def footprint_label(key: str) -> str:
    """The learner-facing name of a factor of `FACTORS`, a part of `fleet_footprint` or a scenario of
    `compare_fleets` (the keys stay English); any other key is returned as it is."""
    labels = {"embodied (devices)": _("embodied (devices)"), "training": _("training"),
              "processor": _("processor"), "PCB": _("PCB"), "casing": _("casing"), "sensor": _("sensor"),
              "battery": _("battery"), "other parts": _("other parts"), "indicator LEDs": _("indicator LEDs"),
              "transport": _("transport"), "grid": _("grid"),
              "devices' electricity": _("devices' electricity"), "network": _("network"),
              "data centre": _("data centre"), "TinyML fleet": _("TinyML fleet"),
              "cloud alternative": _("cloud alternative")}
    return labels.get(key, key)


def factor_unit(factor: Factor) -> str:
    """A factor's unit in the learner's language."""
    return _(factor.unit)


def factor_source(factor: Factor) -> str:
    """What a factor stands for, in the learner's language, followed by its citation if it has one."""
    what = _(factor.what)
    return f"{what} ({factor.source})" if factor.source else what


def plot_footprints(footprints: dict[str, dict[str, float]], title: str | None = None) -> Figure:
    """Stacked horizontal bars: one per scenario, one colour per part (tonnes of CO₂e).

    ``title`` defaults to "CO₂ footprint of the fleet".
    """
    title = _("CO₂ footprint of the fleet") if title is None else title
    fig = new_figure(figsize=(9, 1.1 + 0.7 * len(footprints)))
    ax = fig.add_subplot()
    names = list(footprints)
    parts = list(next(iter(footprints.values())))
    left = np.zeros(len(names))
    for part in parts:
        tonnes = np.array([footprints[name][part] / 1000 for name in names])
        ax.barh([footprint_label(name) for name in names], tonnes, left=left, label=footprint_label(part))
        left += tonnes
    ax.set_xlabel(_("tonnes of CO₂e over the fleet's life"))
    ax.set_title(title)
    ax.legend(fontsize="small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    totals = []
    for name, parts_kg in footprints.items():
        total = sum(parts_kg.values())
        largest = max(parts_kg, key=parts_kg.get)
        totals.append(_("{scenario} {tonnes:,.2f} t, the largest part {part} ({share:.0%})").format(
            scenario=footprint_label(name), tonnes=total / 1000, part=footprint_label(largest),
            share=parts_kg[largest] / total if total else 0.0))
    fig.alt = " ".join([
        _("{title}: one stacked bar per scenario, tonnes of CO₂e split into {parts}.").format(
            title=title, parts=", ".join(footprint_label(part) for part in parts)),
        _("In all: {totals}.").format(totals="; ".join(totals)),
    ])
    return fig


def footprint_explorer(device_power_w: float, radio_j_per_window: float, window_bytes: int,
                       alarm_bytes: int, windows_per_day: float, n_devices: int = 1000, years: float = 5) -> widgets.VBox:
    """Sliders for the fleet (devices, years), the grid's intensity and the data centre's energy per window;
    stacked bars of the TinyML fleet against the cloud alternative, and a summary.

    The cloud devices sleep like the TinyML ones but send every window: their extra power is the radio's
    energy per window × windows per day.
    """
    style, layout = {"description_width": "initial"}, widgets.Layout(width="330px")
    controls = {
        "n_devices": widgets.IntSlider(value=n_devices, min=100, max=100_000, step=100, description=_("devices"),
                                       continuous_update=False, style=style, layout=layout),
        "years": widgets.IntSlider(value=int(years), min=1, max=10, description=_("years in the field"),
                                   continuous_update=False, style=style, layout=layout),
        "grid_g_per_kwh": widgets.IntSlider(value=round(FACTORS["grid"].value * 1000), min=20, max=900, step=10,
                                            description=_("grid (g CO₂e/kWh)"), continuous_update=False,
                                            style=style, layout=layout),
        "cloud_j_per_window": widgets.FloatLogSlider(value=FACTORS["data centre"].value, base=10, min=-2, max=2,
                                                     step=0.1, description=_("data centre (J/window)"),
                                                     continuous_update=False, style=style, layout=layout),
    }

    def draw(n_devices: int, years: int, grid_g_per_kwh: int, cloud_j_per_window: float) -> tuple[Figure, str]:
        footprints = compare_fleets(n_devices, years, device_power_w, radio_j_per_window, window_bytes,
                                    alarm_bytes, windows_per_day, grid_kg_per_kwh=grid_g_per_kwh / 1000,
                                    cloud_j_per_window=cloud_j_per_window)
        tiny, cloud = (sum(f.values()) for f in footprints.values())
        per_device = _("{tonnes:,.2f} t CO₂e ({kg:.2f} kg per device)")
        summary = html_table({
            footprint_label("TinyML fleet"): per_device.format(tonnes=tiny / 1000, kg=tiny / n_devices),
            footprint_label("cloud alternative"): per_device.format(tonnes=cloud / 1000, kg=cloud / n_devices),
            _("embodied share of the TinyML fleet"): f"{footprints['TinyML fleet']['embodied (devices)'] / tiny:.0%}",
        })
        return plot_footprints(footprints), summary

    return explorer(controls, draw)


def compare_fleets(n_devices: int, years: float, device_power_w: float, radio_j_per_window: float,
                   window_bytes: int, alarm_bytes: int, windows_per_day: float, alarms_per_day: float = 1.0,
                   **factors: float) -> dict[str, dict[str, float]]:
    """Footprints (kg CO₂e by part) of a TinyML fleet and of the same fleet streaming every window to the cloud.

    Both fleets have the same devices (the cloud one still needs a board, a sensor and a radio). The TinyML
    devices draw `device_power_w` on average and send `alarms_per_day` alarms of `alarm_bytes`; the cloud
    devices draw the same (skipping the inference saves a negligible share of it) plus the radio's
    `radio_j_per_window` for every window they send, and a data centre scores each window. `factors` are passed on to `fleet_footprint` (e.g. grid_kg_per_kwh).
    """
    streaming_w = windows_per_day * radio_j_per_window / 86_400
    return {
        "TinyML fleet": fleet_footprint(n_devices, years, device_power_w,
                                        bytes_per_day=alarms_per_day * alarm_bytes, **factors),
        "cloud alternative": fleet_footprint(n_devices, years, device_power_w + streaming_w,
                                             bytes_per_day=windows_per_day * window_bytes,
                                             cloud_windows_per_day=windows_per_day, **factors),
    }
