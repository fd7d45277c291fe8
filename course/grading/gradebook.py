"""The course's gradebook: where it is (SQLite by default, or any server nbgrader's `db_url` names), and
keeping it safe around a grading run.

SQLite (`gradebook.db` in the course directory) suits one grader on one machine. Several graders, the
formgrader and a grading cluster at once need a database server: set `c.CourseDirectory.db_url =
"postgresql+psycopg2://user@host/dbname"` in `nbgrader_config.py` and every nbgrader command and `course grade`
use it. A SQLite gradebook is backed up before each run and restored after a fault of the grader; a server's
backups are the server's job (`pg_dump`).
"""
import sqlite3
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin
from sqlalchemy.exc import SQLAlchemyError
from traitlets.config.loader import PyFileConfigLoader

from course.grading.nbgrader import CONFIG_FILE

GRADEBOOK = "gradebook.db"  # nbgrader's default SQLite file, in the course directory


def _course_directory(root: Path) -> CourseDirectory:
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(Path(root).resolve())
    return coursedir


def gradebook_url(root: Path) -> str:
    """The SQLAlchemy URL of the gradebook of the course at `root`, as nbgrader resolves it from the course's
    configuration: its `CourseDirectory.db_url`, else the SQLite file `gradebook.db` in the course directory."""
    return _course_directory(root).db_url


def export_grades(root: Path, dest: Path) -> None:
    """Write the gradebook of the course at `root` as nbgrader's CSV export (what `nbgrader export --to dest`
    writes), in this process."""
    coursedir = _course_directory(root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        CsvExportPlugin(to=str(dest)).export(gradebook)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite gradebook URL, or None for a database server."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def backup_gradebook(url: str, backup: Path) -> bool:
    """A consistent copy of a SQLite gradebook (SQLite's online backup) at `backup`; False for a server."""
    path = sqlite_path(url)
    if path is None:
        return False
    backup.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    return True


def restore_gradebook(url: str, backup: Path) -> None:
    """Put the copy `backup_gradebook` made back in place of the SQLite gradebook at `url`."""
    path = sqlite_path(url)
    path.unlink(missing_ok=True)
    path.write_bytes(backup.read_bytes())


def gradebook_damage(url: str, assignment: str) -> str | None:
    """What is wrong with the gradebook after a run (replaced by a link, corrupt, unreachable, assignment gone),
    or None."""
    path = sqlite_path(url)
    if path is not None:
        if path.is_symlink() or not path.is_file():
            return f"{path} is no longer a regular file"
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                (status,), = db.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.Error as error:
            return f"{path} cannot be read ({error})"
        if status != "ok":
            return f"{path} failed its integrity check ({status})"
    try:
        with Gradebook(url) as gradebook:
            gradebook.find_assignment(assignment)
    except MissingEntry:
        return f"the gradebook lost assignment {assignment!r}"
    except (SQLAlchemyError, OSError) as error:  # the server is unreachable, the schema is broken…
        return f"the gradebook cannot be read ({type(error).__name__}: {error})"
    return None
