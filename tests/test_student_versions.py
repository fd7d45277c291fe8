"""Every student version fails its own tests until the learner solves it (nbgrader's Validator)."""
import pytest
from nbgrader.validator import Validator

from conftest import ASSIGNMENTS, ROOT, notebook_name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_student_version_passes_no_test(assignment, scratch_copy):
    folder = scratch_copy(ROOT / "release" / assignment)
    results = Validator(invert=True).validate(str(folder / notebook_name(assignment)))
    assert "type_changed" not in results and "changed" not in results, results
    passed = [cell["source"][:200] for cell in results.get("passed", [])]
    assert not passed, f"these graded cells pass without any work by the learner: {passed}"
