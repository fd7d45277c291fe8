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
import traitlets
from matplotlib.figure import Figure

from course.notebook.figures import EXPLORER_DPI, NO_ALT, figure_png

Draw = Callable[..., tuple[Figure, str]]
# The controls a keyboard user can operate in JupyterLab (Tab to reach, arrows or Space to change), as the browser
# tests check. Not a Dropdown: closed, it hands arrow and letter keys to JupyterLab's notebook shortcuts, which
# select, cut or delete cells (jupyter-widgets/ipywidgets#3912); ToggleButtons serve a few choices instead.
KEYBOARD_OPERABLE = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntRangeSlider,
                     widgets.FloatRangeSlider, widgets.SelectionSlider, widgets.ToggleButtons)


class DescribedImage(widgets.Image):
    """An Image whose ``tooltip`` (its text alternative, shown as the picture's title) renders in JupyterLab.

    ipywidgets 8.1 applies a tooltip by reading the widget's ``description``, which Image lacks, and the view
    then fails to render (jupyter-widgets/ipywidgets#3860); an empty synced description avoids it."""

    description = traitlets.Unicode("").tag(sync=True)


def explorer(controls: Mapping[str, widgets.ValueWidget], draw: Draw) -> widgets.VBox:
    """Lay out ``controls``, then the summary and the figure that ``draw`` returns; redraw on every change.

    Every control is one of `KEYBOARD_OPERABLE` (`TypeError` otherwise).
    ``draw`` is called with each control's value as the keyword of the same name and returns
    ``(figure, summary)``, the summary as HTML (`html_table` makes a two-column table).
    Children: ``HBox(controls), HTML(summary), Image(figure)``.
    """
    refused = [name for name, control in controls.items() if not isinstance(control, KEYBOARD_OPERABLE)]
    if refused:
        raise TypeError(f"explorer controls {refused} are not keyboard operable in JupyterLab; use one of "
                        f"{', '.join(kind.__name__ for kind in KEYBOARD_OPERABLE)}")
    summary, image = widgets.HTML(), DescribedImage(format="png")

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
