import nbformat
import pytest
from nbclient import NotebookClient

from course.notebook.metrics import MIME_TYPE, read_metrics

pytestmark = pytest.mark.unit


def test_recorded_values_are_shown_and_read_back_from_an_executed_notebook():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from course.notebook.metrics import record\nrecord(accuracy=0.9251, flash_bytes=18900)"),
        nbformat.v4.new_code_cell("record(model='kws')"),
    ])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    shown = notebook.cells[0].outputs[0].data
    assert "| accuracy | 0.9251 |" in shown["text/markdown"]
    assert "| flash bytes | 18,900 |" in shown["text/markdown"]
    assert shown[MIME_TYPE] == {"accuracy": 0.9251, "flash_bytes": 18900}
    assert read_metrics(notebook) == {"accuracy": 0.9251, "flash_bytes": 18900, "model": "kws"}
