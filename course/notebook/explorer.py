"""The one explorer shape: controls, a summary and a figure that redraw whenever a control moves.

Every explorer of the course is ``explorer(controls, draw)``: a ``VBox`` of three children, the
controls (an ``HBox``), the summary (``HTML``) and the figure (``Image``, PNG). The picture is a PNG
rather than a live Matplotlib canvas, so it works in any front end (JupyterLab, Colab, the classic
notebook) without an interactive backend, and it can be checked without a kernel: set a control's
``.value``, then read the summary's ``.value`` and the image's ``.value`` (PNG bytes). The image's
``tooltip`` is the figure's text alternative (``fig.alt``).
"""
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from course.notebook.figures import EXPLORER_DPI, NO_ALT, figure_png

Draw = Callable[..., tuple[Figure, str]]


def explorer(controls: Mapping[str, widgets.ValueWidget], draw: Draw) -> widgets.VBox:
    """Lay out ``controls``, then the summary and the figure that ``draw`` returns; redraw on every change.

    ``draw`` is called with each control's value as the keyword of the same name and returns
    ``(figure, summary)``, the summary as HTML (`html_table` makes a two-column table).
    Children: ``HBox(controls), HTML(summary), Image(figure)``.
    """
    summary, image = widgets.HTML(), widgets.Image(format="png")

    def redraw(_: Any = None) -> None:
        fig, summary.value = draw(**{name: control.value for name, control in controls.items()})
        image.value = figure_png(fig, dpi=EXPLORER_DPI)
        image.tooltip = getattr(fig, "alt", "") or NO_ALT  # the image's text alternative

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    return widgets.VBox([row, summary, image])


def html_table(rows: Mapping[str, Any]) -> str:
    """A two-column HTML table: each name, then its value in bold, right-aligned."""
    cells = "".join(f"<tr><td>{name}</td><td style='text-align:right'><b>{value}</b></td></tr>" for name, value in rows.items())
    return f"<table>{cells}</table>"
