"""Tests of course.lessons.footprint: embodied and operational CO₂ of a fleet, by hand."""
import matplotlib

matplotlib.use("Agg")

import polib
import pytest

from course.lessons import footprint as fp
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_every_factor_names_its_source_and_the_embodied_sum():
    assert all(f.unit and (f.source or "ASSUMPTION" in f.what) for f in fp.FACTORS.values())
    assert fp.embodied_kg() == pytest.approx(0.17 + 0.16 + 0.04 + 0.04 + 1.36 + 0.11 + 0.06 + 0.40)
    assert fp.embodied_kg(("processor", "PCB")) == pytest.approx(0.33)


def test_operational_footprint_by_hand():
    # 1,000 devices at 1 mW for 2 years: 1e3 × 1e-3 W × 17,520 h = 17.52 kWh; at 0.5 kg/kWh, 8.76 kg
    parts = fp.fleet_footprint(1000, 2, 1e-3, grid_kg_per_kwh=0.5, embodied_per_device_kg=2.0)
    assert parts["devices' electricity"] == pytest.approx(8.76)
    assert parts["embodied (devices)"] == pytest.approx(2000.0)
    assert parts["network"] == parts["data centre"] == parts["training"] == 0.0
    # 1 GB a day per device for a year at 0.02 kWh/GB and 0.5 kg/kWh: 10 devices × 365 GB × 0.01 kg = 36.5 kg
    streamed = fp.fleet_footprint(10, 1, 0.0, bytes_per_day=1e9, grid_kg_per_kwh=0.5, network_kwh_per_gb=0.02)
    assert streamed["network"] == pytest.approx(36.5)
    # 3,600 windows a day at 1 J each for one day-long year: 3,600 J = 1 Wh per day
    scored = fp.fleet_footprint(1, 1, 0.0, cloud_windows_per_day=3600, cloud_j_per_window=1.0, grid_kg_per_kwh=1.0)
    assert scored["data centre"] == pytest.approx(365 * 0.001)
    with pytest.raises(ValueError):
        fp.fleet_footprint(-1, 1, 0.0)


def test_the_cloud_alternative_costs_more_and_the_explorer_redraws():
    fleets = fp.compare_fleets(1000, 5, 1e-4, radio_j_per_window=0.001, window_bytes=6144, alarm_bytes=16,
                               windows_per_day=1440)
    tiny, cloud = (sum(f.values()) for f in fleets.values())
    assert cloud > tiny
    assert fleets["TinyML fleet"]["embodied (devices)"] == fleets["cloud alternative"]["embodied (devices)"]
    box = fp.footprint_explorer(1e-4, 0.001, 6144, 16, 1440)
    controls, summary, image = box.children
    before = summary.value
    controls.children[2].value = 100                     # a cleaner grid: less operational CO₂
    assert summary.value != before and image.value[:4] == b"\x89PNG"


def spanish(message: str) -> str:
    """The Spanish catalog's translation of a library message (course/locale/es.po)."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figure_and_summary_speak_spanish_when_the_course_language_is_spanish(monkeypatch):
    fleets = fp.compare_fleets(1000, 5, 1e-4, radio_j_per_window=0.001, window_bytes=6144, alarm_bytes=16,
                               windows_per_day=1440)
    english = fp.plot_footprints(fleets)
    assert "TinyML fleet 2.34 t" in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    figure = fp.plot_footprints(fleets)
    ax, english_ax = figure.axes[0], english.axes[0]
    assert ax.get_title() == spanish("CO₂ footprint of the fleet") != english_ax.get_title()
    assert ax.get_xlabel() == spanish("tonnes of CO₂e over the fleet's life") != english_ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == [spanish("TinyML fleet"), spanish("cloud alternative")]
    assert figure.alt != english.alt and spanish("TinyML fleet") in figure.alt
    summary = fp.footprint_explorer(1e-4, 0.001, 6144, 16, 1440).children[1].value
    assert f"<td>{spanish('embodied share of the TinyML fleet')}</td>" in summary


def test_a_factor_says_what_it_stands_for_in_the_learners_language_and_keeps_its_citation(monkeypatch):
    grid = fp.FACTORS["grid"]
    assert fp.factor_source(grid) == "world average 2023 (Ember, Global Electricity Review 2024)"
    assert fp.factor_source(fp.FACTORS["data centre"]) == fp.FACTORS["data centre"].what  # an assumption: no citation
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    assert fp.factor_source(grid) == f"{spanish('world average 2023')} (Ember, Global Electricity Review 2024)"
    assert all(fp.factor_source(f).startswith(spanish(f.what)) and spanish(f.what) != f.what
               for f in fp.FACTORS.values())
