"""course.notebook.figures: figures pyplot does not track, that show themselves, rendered to PNG."""
import struct

import matplotlib.pyplot as plt
import pytest
from IPython.core.formatters import PNGFormatter

from course.notebook.figures import EXPLORER_DPI, SCREEN_DPI, figure_png, new_figure

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


def test_a_cell_ending_with_the_figure_shows_it():
    fig = new_figure((2, 2))
    line = fig.subplots().plot([0, 1], [0, 1])[0]
    shown = PNGFormatter()(fig)  # what IPython displays for a cell's last value, whatever the backend
    assert png_size(shown) == (2 * SCREEN_DPI, 2 * SCREEN_DPI)
    line.set_ydata([1, 0])
    assert PNGFormatter()(fig) != shown  # rendered afresh, not cached
