"""course.notebook.figures: figures pyplot does not track, that show themselves, rendered to PNG."""
import base64
import struct

import matplotlib.pyplot as plt
import pytest
import matplotlib
from IPython.core.formatters import DisplayFormatter

from course.notebook.figures import EXPLORER_DPI, NO_ALT, PALETTE, SCREEN_DPI, figure_png, new_figure

pytestmark = pytest.mark.unit


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def test_new_figure_is_not_tracked_by_pyplot():
    before = plt.get_fignums()
    fig = new_figure((4, 3))
    fig.subplots().plot([0, 1], [1, 0])
    assert plt.get_fignums() == before  # nothing to close, no second copy at the end of a cell
    assert tuple(fig.get_size_inches()) == (4, 3)
    assert fig.get_layout_engine() is not None  # constrained: titles and labels are not cut off


def test_figure_png_renders_at_the_asked_resolution():
    fig = new_figure((4, 3))
    fig.subplots().plot([0, 1], [1, 0])
    assert png_size(figure_png(fig)) == (4 * SCREEN_DPI, 3 * SCREEN_DPI)
    assert png_size(figure_png(fig, dpi=EXPLORER_DPI)) == (4 * EXPLORER_DPI, 3 * EXPLORER_DPI)


def _shown(fig) -> tuple[dict, dict]:
    return DisplayFormatter().format(fig)  # what IPython displays for a cell's last value, whatever the backend


def test_a_cell_ending_with_the_figure_shows_it_with_its_text_alternative():
    fig = new_figure((2, 2))
    line = fig.subplots().plot([0, 1], [0, 1])[0]
    fig.alt = "A line rising from 0 to 1."
    data, metadata = _shown(fig)
    assert png_size(base64.b64decode(data["image/png"])) == (2 * SCREEN_DPI, 2 * SCREEN_DPI)
    assert data["text/plain"] == metadata["image/png"]["alt"] == "A line rising from 0 to 1."
    line.set_ydata([1, 0])
    assert _shown(fig)[0]["image/png"] != data["image/png"]  # rendered afresh, not cached


def test_a_figure_without_a_text_alternative_says_so():
    fig = new_figure((2, 2))
    fig.subplots()
    data, metadata = _shown(fig)
    assert data["text/plain"] == metadata["image/png"]["alt"] == NO_ALT


def test_every_axes_draws_in_the_colour_blind_safe_palette():
    fig = new_figure((3, 2))
    left, right = fig.subplots(1, 2)
    colours = [left.plot([0, 1])[0].get_color() for _ in range(3)] + [right.bar([0], [1])[0].get_facecolor()]
    assert colours[:3] == list(PALETTE[:3])
    assert matplotlib.colors.to_hex(colours[3]) == PALETTE[0].lower()
