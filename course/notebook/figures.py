"""The one figure helper: Matplotlib figures that pyplot does not track, shown and rendered the same way everywhere."""
import io

from matplotlib.figure import Figure

SCREEN_DPI = 100  # a figure shown as a cell's output
EXPLORER_DPI = 80  # a figure redrawn by an explorer: smaller, so it redraws fast


class NotebookFigure(Figure):
    """A Figure with a ``_repr_png_``: a cell ending with it (or ``display(fig)``) shows it under any backend."""

    def _repr_png_(self) -> bytes:
        return figure_png(self, dpi=SCREEN_DPI)


def new_figure(figsize: tuple[float, float]) -> NotebookFigure:
    """A figure of ``figsize`` inches, constrained layout, not tracked by pyplot.

    Not tracked: no second copy is shown at the end of a cell, nothing to close, and it is freed
    like any object. Self-displaying (JupyterLab, Colab, nbclient, nbgrader): see `NotebookFigure`.
    Add axes with ``fig.subplots(...)``.
    """
    return NotebookFigure(figsize=figsize, layout="constrained")


def figure_png(fig: Figure, dpi: int = SCREEN_DPI) -> bytes:
    """The figure rendered to PNG bytes at ``dpi``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
