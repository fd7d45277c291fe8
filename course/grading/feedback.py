"""An nbgrader preprocessor that keeps hidden tests hidden in students' feedback.

nbgrader's `ClearHiddenTests` removes hidden test code from the cells shown in feedback, but the
error *traceback* saved when such a cell failed still quotes the lines around the failure — hidden
test code included. `HideHiddenTestTracebacks` (configured before `ClearHiddenTests` in
`nbgrader_config.py`) shortens every error of a cell holding hidden tests to its last line, e.g.
`AssertionError: fit_line is off by 0.3 on a line it never saw`, so the message still teaches.
"""
from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool, Unicode


class HideHiddenTestTracebacks(Preprocessor):
    """Replace the traceback of errors in hidden-test cells with the bare `Error: message` line."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)
    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS", help="Marker that opens a hidden-test region").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        """Shorten the error outputs of `cell` if its source holds hidden tests."""
        if cell.cell_type == "code" and self.begin_test_delimeter in cell.source:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
