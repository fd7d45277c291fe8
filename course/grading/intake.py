"""What a submission may hold before nbgrader touches it: regular files only, within caps, readable notebooks.

nbgrader copies a submission's folder into `autograded/` as the grader, following symbolic links, and
later sets permissions and builds feedback from what is there. A submission holding a link (to the
gradebook, an instructor file, a peer's notebook), a hard link, a device or FIFO, thousands of files,
or a notebook nbgrader cannot read is therefore refused here, with a reason, and never graded. The
folder is walked without following links; nothing in it is opened except the notebooks, and those
without following links.
"""
import os
import stat
from pathlib import Path

import nbformat
from nbgrader.nbgraderformat import MetadataValidator

MAX_FILES = 100
MAX_BYTES = 64 * 2**20


def _special(mode: int) -> str | None:
    for test, kind in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return None


def unsafe_entry(folder: Path) -> str | None:
    """Why the tree at `folder` may not be graded (links, special files, too many or too large), or None."""
    files = total = 0
    pending = [Path(folder)]
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                name = os.path.relpath(entry.path, folder)
                kind = _special(info.st_mode)
                if kind:
                    return f"refused: {name} is {kind}"
                if stat.S_ISDIR(info.st_mode):
                    pending.append(Path(entry.path))
                    continue
                if info.st_nlink > 1:
                    return f"refused: {name} is a hard link"
                files, total = files + 1, total + info.st_size
                if files > MAX_FILES or total > MAX_BYTES:
                    return f"refused: more than {MAX_FILES} files or {MAX_BYTES // 2**20} MiB"
    return None


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path`, opened without following links."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, encoding="utf-8") as handle:
        return nbformat.read(handle, as_version=4)


def invalid_notebook(path: Path) -> str | None:
    """Why nbgrader could not grade the notebook at `path` (unreadable, malformed nbgrader metadata), or None."""
    try:
        notebook = read_notebook(path)
    except Exception as error:  # nbformat raises many kinds of errors for a broken file
        return f"invalid notebook: {path.name} is not a readable notebook ({type(error).__name__})"
    validator = MetadataValidator()
    for index, cell in enumerate(notebook.cells, start=1):
        metadata = cell.get("metadata", {}).get("nbgrader")
        if metadata is None:
            continue
        try:
            if not isinstance(metadata, dict):
                raise TypeError("not a mapping")
            validator.validate_cell(cell)
        except Exception as error:  # jsonschema, nbgrader and type errors alike
            return f"invalid notebook: cell {index} of {path.name} has malformed nbgrader metadata ({error})"[:300]
    return None


def refusal(folder: Path, notebooks: list[str]) -> str | None:
    """Why the submission in `folder` is refused before grading, or None if nbgrader may grade it."""
    reason = unsafe_entry(folder)
    if reason:
        return reason
    for name in notebooks:
        path = Path(folder) / name
        if path.exists():
            reason = invalid_notebook(path)
            if reason:
                return reason
    return None
