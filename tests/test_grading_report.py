"""The grading report's pieces (the whole `course grade` run is tested in test_hostile_submissions.py)."""
import csv

import nbformat
import pytest
from fixtures.tiny_course import cell, source_notebook

from course.grading.report import (
    StudentReport,
    cell_status,
    log_failures,
    tampered_cells,
    write_report,
)

pytestmark = pytest.mark.unit


def _error(ename, evalue=""):
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
    return code


def test_edited_and_deleted_protected_cells_are_tampering():
    released = source_notebook()
    assert tampered_cells(released, source_notebook()) == []
    edited = source_notebook()
    cell(edited, "test_double").source = "pass"
    cell(edited, "given").source = "GIVEN = 2"
    assert sorted(tampered_cells(released, edited)) == ["given", "test_double"]
    answered = source_notebook()
    cell(answered, "double").source = "def double(x):\n    return x + x"  # an answer cell is the learner's
    assert tampered_cells(released, answered) == []


def test_a_test_cell_status_names_the_cause():
    assert cell_status(nbformat.v4.new_code_cell("pass")) == "passed"
    assert cell_status(_error("CellTimeoutError")) == "timeout"
    assert cell_status(_error("MemoryError")) == "memory limit"
    assert cell_status(_error("AssertionError", "double(2) should be 4\nmore")) == "failed: AssertionError: double(2) should be 4"


def test_the_log_tells_which_submission_crashed_or_timed_out():
    log = "\n".join([
        "[AutogradeApp | INFO] Sanitizing /c/submitted/ann/tiny/tiny.ipynb",
        "[AutogradeApp | ERROR] Kernel died while waiting for execute reply.",
        "[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/ann/tiny",
        "[AutogradeApp | INFO] Sanitizing /c/submitted/ben/tiny/tiny.ipynb",
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (5s).",
        "[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/ben/tiny",
        "[AutogradeApp | INFO] Sanitizing /c/submitted/cat/tiny/tiny.ipynb",
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (5s).",  # cat's notebook went on after it
    ])
    assert log_failures(log, "tiny") == {"ann": "kernel crash", "ben": "timeout"}


def test_the_report_is_written_as_csv_and_markdown(tmp_path):
    reports = [StudentReport("ann", 2, 2, {"test_double": "passed"}),
               StudentReport("ben", 0, 2, {"test_double": "timeout"}, ["failed test", "timeout", "tampered"]),
               StudentReport("cy", 0, 2, {}, ["refused"], "refused: tiny.ipynb is a symbolic link")]
    path = write_report(reports, tmp_path / "reports" / "tiny.csv")
    rows = list(csv.DictReader(path.open()))
    assert [(r["student"], r["reason"], r["detail"], r["test_double"]) for r in rows] == [
        ("ann", "ok", "", "passed"), ("ben", "timeout, tampered, failed test", "", "timeout"),
        ("cy", "refused", "refused: tiny.ipynb is a symbolic link", "not run")]
    markdown = path.with_suffix(".md").read_text()
    assert "| ben | 0 | 2 | timeout, tampered, failed test |  | 0.0 | timeout |" in markdown
