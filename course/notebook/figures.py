"""The one figure helper: Matplotlib figures that pyplot does not track, shown and rendered the same way everywhere.

Accessible by construction: every axes gets the colour-blind-safe `PALETTE` (Okabe and Ito's eight
colours, told apart with every common colour-vision deficiency), and a figure carries its text alternative
in ``fig.alt`` (what it shows, in the learner's language), shown to screen readers as the image's alt text.
"""
import base64
import io

import matplotlib
from matplotlib.figure import Figure

SCREEN_DPI = 100  # a figure shown as a cell's output
EXPLORER_DPI = 80  # a figure redrawn by an explorer: smaller, so it redraws fast
# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, reddish purple,
# sky blue, yellow, black. Lines and bars take them in this order; name them as PALETTE[i] elsewhere.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
STYLE = {"axes.prop_cycle": matplotlib.cycler(color=PALETTE), "image.cmap": "viridis"}
NO_ALT = "A figure without a text alternative."


class NotebookFigure(Figure):
    """A Figure that shows itself under any backend (a cell ending with it, or ``display(fig)``).

    Its output carries the PNG and, as plain text and as the PNG's ``alt`` metadata, ``fig.alt``.
    """

    alt: str = ""

    def add_subplot(self, *args, **kwargs):
        """`Figure.add_subplot` (also behind ``fig.subplots``) with the course's colour-blind-safe style."""
        with matplotlib.rc_context(STYLE):
            return super().add_subplot(*args, **kwargs)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        png = base64.b64encode(figure_png(self, dpi=SCREEN_DPI)).decode("ascii")
        alt = self.alt or NO_ALT
        return {"image/png": png, "text/plain": alt}, {"image/png": {"alt": alt}}


def new_figure(figsize: tuple[float, float]) -> NotebookFigure:
    """A figure of ``figsize`` inches, constrained layout, not tracked by pyplot.

    Not tracked: no second copy is shown at the end of a cell, nothing to close, and it is freed
    like any object. Self-displaying (JupyterLab, Colab, nbclient, nbgrader): see `NotebookFigure`.
    Add axes with ``fig.subplots(...)``; say what it shows with ``fig.alt = ...``.
    """
    return NotebookFigure(figsize=figsize, layout="constrained")


def figure_png(fig: Figure, dpi: int = SCREEN_DPI) -> bytes:
    """The figure rendered to PNG bytes at ``dpi``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
