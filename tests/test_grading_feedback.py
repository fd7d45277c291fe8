import nbformat
import pytest

from course.grading.feedback import HideHiddenTestTracebacks

pytestmark = pytest.mark.unit


def _cell(source, traceback):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="too far off",
                                           traceback=traceback)]
    return cell


def test_errors_of_hidden_test_cells_keep_only_their_message():
    hidden = _cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(SECRET) == 3\n### END HIDDEN TESTS",
                   ["Traceback", "----> 3 assert f(SECRET) == 3", "AssertionError: too far off"])
    visible = _cell("assert f(1) == 2", ["Traceback", "----> 1 assert f(1) == 2", "AssertionError: too far off"])
    notebook = nbformat.v4.new_notebook(cells=[hidden, visible])
    notebook, _ = HideHiddenTestTracebacks()(notebook, {})  # as nbgrader calls it
    assert notebook.cells[0].outputs[0].traceback == ["AssertionError: too far off"]
    assert "----> 1 assert f(1) == 2" in notebook.cells[1].outputs[0].traceback
