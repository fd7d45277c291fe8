"""Student versions: `release/` regenerated from `source/` with nbgrader.

`release/` is committed and must always be exactly what `nbgrader generate_assignment` makes from
`source/`; `regenerate_release` rebuilds it in a temporary copy, so no gradebook or student data is ever
written into the repository.
"""
import shutil
import tempfile
from pathlib import Path

from course.grading.nbgrader import assignments, copy_course, run_nbgrader


def generate_release(root: Path, workdir: Path) -> Path:
    """Generate every student version of the course at `root` inside `workdir`; return its release/."""
    work = copy_course(root, workdir, include_release=False)
    for assignment in assignments(root):
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=work)
    return work / "release"


def regenerate_release(root: Path) -> list[str]:
    """Rewrite `root/release/` from `root/source/` with nbgrader; return the assignment ids written."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        fresh = generate_release(root, Path(tmp))
        target = Path(root) / "release"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
    return assignments(root)
