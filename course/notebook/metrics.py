"""Numbers a notebook reports: shown to the learner, and collected by the benchmark script.

`record(accuracy=0.93, flash_bytes=18_900)` displays a small table in the notebook (its names are the
benchmark's keys, so they stay as written; the header follows the learner's language) and attaches the
same values under a private MIME type, which `benchmarks/run.py` reads back from the executed
notebook to write `benchmarks/RESULTS.md`. Front-ends that do not know the MIME type show the table.
"""
from IPython.display import display

from course.notebook.language import _

MIME_TYPE = "application/vnd.tinyml-course.notebook.metrics+json"


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def record(**values: float | int | str) -> None:
    """Display named results as a table and tag them for the benchmark."""
    rows = "\n".join(f"| {name.replace('_', ' ')} | {_format(value)} |" for name, value in values.items())
    header = "| " + _("result") + " | " + _("value") + " |"
    display({"text/markdown": f"{header}\n|---|---|\n{rows}", MIME_TYPE: values}, raw=True)


def read_metrics(notebook) -> dict[str, float | int | str]:
    """All values `record` displayed in an executed notebook (nbformat NotebookNode)."""
    found: dict[str, float | int | str] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            found.update(output.get("data", {}).get(MIME_TYPE, {}))
    return found
