"""Where the gradebook is (the config's db_url, else SQLite beside it), and keeping a SQLite one safe."""
import sqlite3

import pytest

from course.grading.gradebook import (
    GRADEBOOK,
    backup_gradebook,
    gradebook_damage,
    gradebook_url,
    restore_gradebook,
    sqlite_path,
)
from course.grading.nbgrader import CONFIG_FILE

pytestmark = pytest.mark.unit


def test_the_gradebook_is_sqlite_beside_the_config_unless_the_config_names_a_server(tmp_path):
    (tmp_path / CONFIG_FILE).write_text("c = get_config()\n")
    assert gradebook_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / GRADEBOOK}"
    assert sqlite_path(gradebook_url(tmp_path)) == tmp_path.resolve() / GRADEBOOK
    url = "postgresql+psycopg2://grader@db.example/tinyml"
    (tmp_path / CONFIG_FILE).write_text(f"c = get_config()\nc.CourseDirectory.db_url = {url!r}\n")
    assert gradebook_url(tmp_path) == url and sqlite_path(url) is None
    assert backup_gradebook(url, tmp_path / "backup") is False, "a server's backups are the server's job"


def test_a_sqlite_gradebook_is_backed_up_restored_and_checked(tmp_path):
    path = tmp_path / GRADEBOOK
    url = f"sqlite:///{path}"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    assert backup_gradebook(url, tmp_path / "copy.db")
    path.write_bytes(b"not a database" * 100)
    assert "cannot be read" in gradebook_damage(url, "a") or "integrity" in gradebook_damage(url, "a")
    restore_gradebook(url, tmp_path / "copy.db")
    assert gradebook_damage(url, "a") == "the gradebook lost assignment 'a'", "readable again, but has no assignment"
    path.unlink()
    path.symlink_to(tmp_path / "copy.db")
    assert gradebook_damage(url, "a") == f"{path} is no longer a regular file"
