"""What a submission may hold before nbgrader touches it (links, special files, caps, readable notebooks)."""
import os

import nbformat
import pytest

from course.grading.intake import MAX_FILES, read_notebook, refusal

pytestmark = pytest.mark.unit

NOTEBOOK = "tiny.ipynb"


def _submission(tmp_path, cells=None):
    folder = tmp_path / "submitted" / "ada" / "tiny"
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells or [nbformat.v4.new_code_cell("x = 1")]), folder / NOTEBOOK)
    return folder


def test_a_plain_submission_is_accepted(tmp_path):
    folder = _submission(tmp_path)
    (folder / "notes.txt").write_text("my notes")
    assert refusal(folder, [NOTEBOOK]) is None


@pytest.mark.parametrize("make, why", [
    (lambda f, outside: os.symlink(outside, f / "data.csv"), "data.csv is a symbolic link"),
    (lambda f, outside: os.link(outside, f / "copy.txt"), "copy.txt is a hard link"),
    (lambda f, outside: os.mkfifo(f / "pipe"), "pipe is a FIFO"),
    (lambda f, outside: (f / "sub").mkdir() or os.symlink("/etc", f / "sub" / "etc"), "sub/etc is a symbolic link"),
])
def test_links_and_special_files_are_refused(tmp_path, make, why):
    folder = _submission(tmp_path)
    outside = tmp_path / "gradebook.db"
    outside.write_text("instructor only")
    make(folder, outside)
    assert refusal(folder, [NOTEBOOK]) == f"refused: {why}"


def test_a_notebook_that_is_a_link_to_a_peers_is_refused_and_never_read(tmp_path):
    folder = _submission(tmp_path)
    peer = tmp_path / "peer.ipynb"
    (folder / NOTEBOOK).rename(peer)
    os.symlink(peer, folder / NOTEBOOK)
    assert refusal(folder, [NOTEBOOK]) == "refused: tiny.ipynb is a symbolic link"
    with pytest.raises(OSError):
        read_notebook(folder / NOTEBOOK)


def test_too_many_files_are_refused(tmp_path):
    folder = _submission(tmp_path)
    for index in range(MAX_FILES):
        (folder / f"f{index}").write_bytes(b"")
    assert refusal(folder, [NOTEBOOK]).startswith("refused: more than")


def test_an_unreadable_notebook_is_invalid(tmp_path):
    folder = _submission(tmp_path)
    (folder / NOTEBOOK).write_text('{"cells": [')
    assert refusal(folder, [NOTEBOOK]).startswith("invalid notebook: tiny.ipynb is not a readable notebook")


@pytest.mark.parametrize("metadata", [[], {"grade": True}, "x"])
def test_malformed_nbgrader_metadata_makes_the_notebook_invalid(tmp_path, metadata):
    cell = nbformat.v4.new_code_cell("x = 1")
    folder = _submission(tmp_path, [nbformat.v4.new_code_cell("y = 2"), cell])
    notebook = nbformat.read(folder / NOTEBOOK, as_version=4)
    notebook.cells[1].metadata["nbgrader"] = metadata
    nbformat.write(notebook, folder / NOTEBOOK, version=nbformat.NO_CONVERT)
    assert refusal(folder, [NOTEBOOK]).startswith("invalid notebook: cell 2 of tiny.ipynb has malformed nbgrader")
