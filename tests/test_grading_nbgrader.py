import nbformat
import pytest

from course.authoring.release import generate_release
from course.cli import main
from course.grading.nbgrader import assignments, copy_course

pytestmark = pytest.mark.grading


def _tiny_course(root):
    """A one-assignment course: one solution cell and one graded test cell."""
    (root / "source" / "demo").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nimport os\nc.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))\n")
    solution = nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")
    solution.metadata.nbgrader = {"grade": False, "grade_id": "f", "locked": False, "schema_version": 3,
                                  "solution": True, "task": False}
    test = nbformat.v4.new_code_cell("assert f() == 1")
    test.metadata.nbgrader = {"grade": True, "grade_id": "test_f", "locked": True, "points": 1,
                              "schema_version": 3, "solution": False, "task": False}
    nbformat.write(nbformat.v4.new_notebook(cells=[solution, test]), root / "source" / "demo" / "demo.ipynb")
    return root


def test_assignments_lists_source_folders_with_notebooks(tmp_path):
    course = _tiny_course(tmp_path)
    (course / "source" / "empty").mkdir()
    assert assignments(course) == ["demo"]


def test_generate_release_writes_student_versions_outside_the_course(tmp_path):
    course = _tiny_course(tmp_path / "course")
    release = generate_release(course, tmp_path / "work")
    student = nbformat.read(release / "demo" / "demo.ipynb", as_version=4)
    assert "raise NotImplementedError()" in student.cells[0].source
    assert "return 1" not in student.cells[0].source
    assert not (course / "gradebook.db").exists() and not (course / "release").exists()


def test_course_release_command_rewrites_release(tmp_path, capsys):
    course = _tiny_course(tmp_path)
    (course / "release" / "stale").mkdir(parents=True)
    assert main(["release", "--root", str(course)]) == 0
    assert sorted(p.name for p in (course / "release").iterdir()) == ["demo"]
    assert "release/demo regenerated" in capsys.readouterr().out
    assert not (course / "gradebook.db").exists()


def test_copy_course_copies_config_and_sources(tmp_path):
    course = _tiny_course(tmp_path / "course")
    copy = copy_course(course, tmp_path / "copy")
    assert (copy / "nbgrader_config.py").is_file() and (copy / "source" / "demo" / "demo.ipynb").is_file()
