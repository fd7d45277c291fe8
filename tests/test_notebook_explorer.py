"""course.notebook.explorer: the one explorer shape — controls, summary and figure, redrawn on change."""
import ipywidgets as widgets
import pytest

from course.notebook.explorer import explorer, html_table
from course.notebook.figures import new_figure

pytestmark = pytest.mark.unit


def line_explorer(calls: list):
    """An explorer of the line y = slope · x, recording each call of its draw function."""
    slope = widgets.FloatSlider(value=1.0, min=-2, max=2, description="slope")
    label = widgets.ToggleButtons(options=["a", "b"], value="a", description="label")

    def draw(slope: float, label: str):
        calls.append((slope, label))
        fig = new_figure((3, 2))
        fig.subplots().plot([0, 1], [0, slope])
        return fig, f"{label}: slope <b>{slope:g}</b>"

    return explorer({"slope": slope, "label": label}, draw), slope, label


def test_shape_is_controls_summary_figure():
    box, slope, label = line_explorer([])
    row, summary, image = box.children
    assert isinstance(row, widgets.HBox) and list(row.children) == [slope, label]
    assert isinstance(summary, widgets.HTML) and summary.value == "a: slope <b>1</b>"
    assert isinstance(image, widgets.Image) and image.format == "png" and bytes(image.value).startswith(b"\x89PNG")


def test_moving_a_control_redraws_with_every_value_by_name():
    calls = []
    box, slope, label = line_explorer(calls)
    _, summary, image = box.children
    first = bytes(image.value)
    slope.value = -1.5
    assert calls == [(1.0, "a"), (-1.5, "a")]
    assert summary.value == "a: slope <b>-1.5</b>" and bytes(image.value) != first
    label.value = "b"
    assert calls[-1] == (-1.5, "b") and summary.value == "b: slope <b>-1.5</b>"


def test_a_draw_that_does_not_match_the_controls_fails_at_once():
    slider = widgets.IntSlider()
    with pytest.raises(TypeError):
        explorer({"bits": slider}, lambda width: (new_figure((1, 1)), ""))


def test_a_control_a_keyboard_cannot_operate_is_refused_by_name():
    menu = widgets.Dropdown(options=["a", "b"], value="a")
    with pytest.raises(TypeError, match=r"controls \['label'\] are not keyboard operable.*ToggleButtons"):
        explorer({"label": menu}, lambda label: (new_figure((1, 1)), ""))


def test_the_picture_carries_the_figure_text_alternative_as_its_tooltip():
    def draw(slope: float):
        fig = new_figure((2, 2))
        fig.alt = f"A line of slope {slope:g}."
        return fig, ""

    slope = widgets.FloatSlider(value=1.0)
    _, _, image = explorer({"slope": slope}, draw).children
    assert image.tooltip == "A line of slope 1." and image.description == ""
    slope.value = 0.5
    assert image.tooltip == "A line of slope 0.5."


def test_html_table():
    table = html_table({"scale": 0.5, "levels": 256})
    assert table == ("<table><tr><td>scale</td><td style='text-align:right'><b>0.5</b></td></tr>"
                     "<tr><td>levels</td><td style='text-align:right'><b>256</b></td></tr></table>")
    assert html_table({}) == "<table></table>"
