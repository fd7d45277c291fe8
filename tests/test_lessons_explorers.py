from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polib  # noqa: E402
import pytest  # noqa: E402

import course  # noqa: E402,F401
from course import quantization  # noqa: E402
from course.lessons import explorers  # noqa: E402
from course.notebook.language import catalog_file  # noqa: E402

pytestmark = pytest.mark.unit

PNG_SIGNATURE = b"\x89PNG"
BOARDS = [
    SimpleNamespace(name="Tiny", flash_bytes=256 * 1024, ram_bytes=96 * 1024),
    SimpleNamespace(name="Roomy", flash_bytes=8192 * 1024, ram_bytes=512 * 1024),
]


@pytest.fixture(autouse=True)
def no_figures_left_open():
    yield
    assert plt.get_fignums() == []  # explorers leave pyplot alone: nothing to close


def test_quantization_stats():
    values = np.linspace(-1, 1, 1001)
    eight, four = explorers.quantization_stats(values, 8), explorers.quantization_stats(values, 4)
    assert eight["scale"] == pytest.approx(2 / 255) and four["scale"] == pytest.approx(2 / 15)
    assert (eight["qmin"], eight["qmax"], four["qmin"], four["qmax"]) == (-128, 127, -8, 7)
    assert eight["levels_used"] == 256 and four["levels_used"] == 16
    assert eight["clipped"] == 0 and eight["max_abs_error"] <= eight["scale"] / 2 + 1e-12
    assert eight["mse"] == pytest.approx(eight["scale"] ** 2 / 12, rel=0.1)  # uniform rounding noise
    assert four["mse"] > 100 * eight["mse"]
    assert eight["sqnr_db"] == pytest.approx(10 * np.log10(np.mean(values**2) / eight["mse"]))
    narrow = explorers.quantization_stats(values, 8, vmin=-0.5, vmax=0.5)
    scale, zero_point = narrow["scale"], narrow["zero_point"]
    error = quantization.dequantize(quantization.quantize(values, scale, zero_point), scale, zero_point) - values
    assert narrow["clipped"] == np.sum(np.abs(error) > scale / 2 + 1e-12) > 0  # only clipping errs more
    assert narrow["max_abs_error"] > 0.49
    assert explorers.quantization_stats([0.0, 1.0], 8)["mse"] == 0  # both ends are exact
    assert explorers.quantization_stats([0.0, 1.0], 8)["sqnr_db"] == float("inf")


def test_threshold_stats():
    scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2]
    labels = [0, 0, 1, 1, 1, 0]
    stats = explorers.threshold_stats(scores, labels, 0.35)
    assert (stats["tp"], stats["fp"], stats["tn"], stats["fn"]) == (3, 1, 2, 0)  # score >= threshold
    assert stats["recall"] == 1.0 and stats["false_alarm_rate"] == pytest.approx(1 / 3)
    assert stats["precision"] == 0.75 and stats["accuracy"] == pytest.approx(5 / 6)
    strict = explorers.threshold_stats(scores, labels, 0.9)
    assert (strict["tp"], strict["fp"], strict["recall"], strict["precision"]) == (0, 0, 0.0, 1.0)


def test_capacity_stats():
    stats = explorers.capacity_stats(128 * 1024, 128 * 1024, BOARDS)
    assert stats["Tiny"] == {"flash_fraction": 0.5, "ram_fraction": pytest.approx(4 / 3), "fits": False}
    assert stats["Roomy"]["fits"] and stats["Roomy"]["ram_fraction"] == 0.25
    assert explorers.capacity_stats(1, 1, {"a": BOARDS[0]}).keys() == {"Tiny"}


def test_quantization_explorer_reacts_to_bits_and_range():
    box = explorers.quantization_explorer(np.linspace(-1, 1, 201))
    controls, html, image = box.children
    bits, value_range = controls.children
    assert isinstance(html, ipywidgets.HTML) and isinstance(image, ipywidgets.Image)
    assert "0.0078431" in html.value  # 8-bit scale 2 / 255
    assert bytes(image.value).startswith(PNG_SIGNATURE)
    first_image = bytes(image.value)
    bits.value = 4
    assert "0.13333" in html.value and "-8 … 7" in html.value  # scale 2 / 15
    assert bytes(image.value) != first_image
    four_bit_image = bytes(image.value)
    value_range.value = (-0.5, 0.5)
    expected_clipped = explorers.quantization_stats(np.linspace(-1, 1, 201), 4, -0.5, 0.5)["clipped"]
    assert f"<td>clipped values</td><td style='text-align:right'><b>{expected_clipped}</b>" in html.value
    assert expected_clipped > 0 and bytes(image.value) != four_bit_image
    default = explorers.quantization_explorer()
    assert "<td>clipped values</td><td style='text-align:right'><b>0</b>" in default.children[1].value


def test_threshold_explorer_moves_with_the_slider():
    rng = np.random.default_rng(0)
    scores = np.concatenate([rng.uniform(0, 0.6, 50), rng.uniform(0.4, 1, 50)])
    labels = np.repeat([0, 1], 50)
    box = explorers.threshold_explorer(scores, labels)
    controls, html, image = box.children
    (slider,) = controls.children
    assert slider.min == scores.min() and slider.max == scores.max()
    first_html, first_image = html.value, bytes(image.value)
    slider.value = 0.9
    stats = explorers.threshold_stats(scores, labels, 0.9)
    assert html.value != first_html and bytes(image.value) != first_image
    assert f"<b>{stats['tp']}</b>" in html.value and f"{stats['recall']:.3f}" in html.value
    assert "false-alarm rate</td><td style='text-align:right'><b>0.000</b>" in html.value


def test_capacity_explorer_reports_fit_per_board():
    box = explorers.capacity_explorer(BOARDS, n_params=10_000, arena_bytes=10 * 1024, reserved_bytes=(0, 0))
    controls, html, image = box.children
    params, bits, arena = controls.children
    assert "Tiny</td><td style='text-align:right'><b>flash 3.8%, RAM 10.4%: fits" in html.value
    bits.value = 32  # 40,000 bytes of weights
    first_image = bytes(image.value)
    params.value = 20_000  # 80,000 bytes of weights
    assert "flash 30.5%" in html.value and bytes(image.value) != first_image
    params.value = 10_000
    assert "flash 15.3%" in html.value
    first_image = bytes(image.value)
    arena.value = 100
    assert "Tiny</td><td style='text-align:right'><b>flash 15.3%, RAM 104.2%: does NOT fit" in html.value
    assert "Roomy</td><td style='text-align:right'><b>flash 0.5%, RAM 19.5%: fits" in html.value
    assert bytes(image.value) != first_image


def test_capacity_explorer_reserves_what_the_boards_reserve():
    import inspect

    from course.deploy import BOARDS as COURSE_BOARDS
    from course.deploy import ModelReport, fits

    reserved = inspect.signature(explorers.capacity_explorer).parameters["reserved_bytes"].default
    for key, board in COURSE_BOARDS.items():
        flash, ram = board.available()
        for extra in (0, 1):
            report = ModelReport(flash_bytes=flash + extra, arena_bytes=ram, ops=[], unsupported_ops=[], macs=0,
                                 input_shape=(1,), input_dtype="int8", input_scale=1.0, input_zero_point=0,
                                 output_shape=(1,), output_dtype="int8", output_scale=1.0, output_zero_point=0)
            stats = explorers.capacity_stats(reserved[0] + flash + extra, reserved[1] + ram, [board])
            assert stats[board.name]["fits"] == fits(report, key).ok == (extra == 0)


def spanish(message: str) -> str:
    """The Spanish catalog's translation of a library message (course/locale/es.po)."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_explorers_speak_spanish_when_the_course_language_is_spanish(monkeypatch):
    values = np.linspace(-1, 1, 201)
    english = explorers.quantization_explorer(values)
    assert "201 float values" in english.children[2].tooltip
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    box = explorers.quantization_explorer(values)
    (bits, value_range), html, image = box.children[0].children, box.children[1], box.children[2]
    assert bits.description == spanish("bits") and value_range.description == spanish("range")
    assert f"<td>{spanish('clipped values')}</td>" in html.value and html.value != english.children[1].value
    assert image.tooltip != english.children[2].tooltip and spanish("int{bits} quantization").format(bits=8) in image.tooltip
    capacity = explorers.capacity_explorer(BOARDS, n_params=10_000, arena_bytes=10 * 1024, reserved_bytes=(0, 0))
    params = capacity.children[0].children[0]
    assert params.description == spanish("parameters") != "parameters"
    assert spanish("flash {flash:.1f}%, RAM {ram:.1f}%: fits").format(flash=3.8, ram=10.4) in capacity.children[1].value
