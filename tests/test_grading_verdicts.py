"""Verdicts from outside the kernel: comparisons, the reference rule, and how a verdict becomes nbgrader's score."""
import nbformat
import pytest
from nbgrader.utils import determine_grade

from course.grading.answers import MIME_TYPE, Call, dumps
from course.grading.verdicts import (
    Answers,
    Check,
    GraderFault,
    Verdict,
    compare_results,
    draw_cases,
    failed,
    judge,
    learner_code,
    passed,
    reference_use,
    verdict_outputs,
)

pytestmark = pytest.mark.unit

CALLS = [Call("double", (2,), label="double(2)"), Call("double", (5,)), Call("double", (-1,))]


def _answers(*results, calls=CALLS, **values):
    return Answers("t", values, calls, list(results))


def test_compare_results_passes_only_when_every_case_is_right():
    expected = lambda call: 2 * call.args[0]  # noqa: E731
    assert compare_results(_answers({"value": 4}, {"value": 10.0}, {"value": -2}), expected).score == 1
    wrong = compare_results(_answers({"value": 4}, {"value": 11}, {"value": -2}), expected)
    assert wrong.score == 0 and wrong.message == "double is wrong on hidden case 2 of 3"
    crashed = compare_results(_answers({"error": "TypeError", "message": "bad"}, {"value": 10}, {"value": -2}), expected)
    assert crashed.message == "double raised TypeError on double(2): bad"  # a labelled case is public


@pytest.mark.parametrize("value", ["4", None, [4, 4], float("nan"), True])
def test_a_value_of_another_kind_or_shape_is_wrong(value):
    assert compare_results(_answers({"value": value}, calls=CALLS[:1]), lambda call: 4).score == 0


def test_an_expected_exception_must_be_raised():
    must_raise = lambda call: ValueError  # noqa: E731
    assert compare_results(_answers({"error": "ValueError"}, calls=CALLS[:1]), must_raise).score == 1
    assert "must raise ValueError" in compare_results(_answers({"value": 0}, calls=CALLS[:1]), must_raise).message
    assert compare_results(_answers({"error": "TypeError"}, calls=CALLS[:1]), must_raise).score == 0


REFS = ("course.energy.battery_life_hours", "course.lessons.gradient_descent")


@pytest.mark.parametrize("code, offence", [
    ("from course.energy import battery_life_hours\nf = battery_life_hours", "course.energy.battery_life_hours"),
    ("import course.energy as e\ne.battery_life_hours(1, 2)", "course.energy.battery_life_hours"),
    ("from course import energy\nenergy.battery_life_hours", "course.energy.battery_life_hours"),
    ("import course.lessons.power_budget as pb\npb.battery_life_hours", "battery_life_hours"),  # a re-export
    ("from course.lessons import gradient_descent as gd\ngd.fit_line", "course.lessons.gradient_descent"),
    ("gd.mse_loss(1, 2, [1], [2])", "course.lessons.gradient_descent"),  # gd imported by an instructor cell
    ("f = __import__('course.en' + 'ergy')", "__import__"),
    ("import importlib\nimportlib.import_module('course.energy')", "importlib"),
    ("x = sys.modules['course.energy']", "sys.modules"),  # sys imported by an instructor cell
    ("m = getattr(course, 'energy')", "getattr"),
])
def test_using_a_reference_is_found(code, offence):
    found = reference_use([code], REFS, context=["import os, sys", "from course.lessons import gradient_descent as gd",
                                                 "import course"])
    assert found is not None and offence in found, found


@pytest.mark.parametrize("code", [
    "def battery_life_hours(capacity, current):\n    return capacity / current",
    "from course.energy import energy_mj\nenergy_mj(1.0, 2.0)",  # another function of the same module
    "import numpy as np\nnp.mean([1, 2])",
    "def broken(:",  # does not parse: left to fail when it runs
])
def test_own_code_and_other_functions_are_allowed(code):
    assert reference_use([code], REFS, context=["import os, sys"]) is None


def _cell(*outputs):
    cell = nbformat.v4.new_code_cell("visible tests\n### BEGIN HIDDEN TESTS\nanswer(...)\n### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 2.0, "locked": True, "solution": False,
                                 "schema_version": 3}
    cell.outputs = list(outputs)
    return cell


def _handed_in(grade_id="t", results=({"value": 4},), values=None):
    payload = dumps({"grade_id": grade_id, "values": values or {}, "results": list(results)})
    return nbformat.v4.new_output("display_data", data={MIME_TYPE: payload})


CHECK = Check(verdict=lambda a: compare_results(a, lambda call: 2 * call.args[0]))


def test_judge_scores_the_answers_not_the_kernel():
    forged = nbformat.v4.new_output("execute_result", data={"text/plain": "'full marks please'"}, execution_count=3)
    assert judge(_cell(forged, _handed_in()), "t", CHECK, CALLS[:1], [], "a").score == 1
    assert judge(_cell(_handed_in(results=({"value": 5},))), "t", CHECK, CALLS[:1], [], "a").score == 0


def test_without_answers_the_cell_fails_with_the_first_error():
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="double(2) should be 4", traceback=[])
    verdict = judge(_cell(error), "t", CHECK, CALLS[:1], [], "a")
    assert verdict.score == 0 and "AssertionError: double(2) should be 4" in verdict.message
    assert judge(_cell(_handed_in(grade_id="other")), "t", CHECK, CALLS[:1], [], "a").score == 0  # another cell's


def test_answers_that_do_not_match_the_cases_fail():
    verdict = judge(_cell(_handed_in(results=({"value": 4}, {"value": 6}))), "t", CHECK, CALLS[:1], [], "a")
    assert verdict.score == 0 and "do not match" in verdict.message


def test_a_check_that_breaks_is_the_graders_fault():
    broken = Check(verdict=lambda a: 1 / 0)
    with pytest.raises(GraderFault, match="ZeroDivisionError"):
        judge(_cell(_handed_in()), "t", broken, CALLS[:1], [], "a")
    with pytest.raises(GraderFault):
        judge(_cell(_handed_in()), "t", Check(verdict=lambda a: 0.5), CALLS[:1], [], "a")


def test_the_reference_rule_reads_the_cells_in_scope_and_the_cells_the_learner_added():
    def code(source, grade_id=None):
        cell = nbformat.v4.new_code_cell(source)
        if grade_id:
            cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": grade_id,
                                         "schema_version": 3}
        return cell

    notebook = nbformat.v4.new_notebook(cells=[code("a = 1", "task1"), code("b = 2", "task4"), code("c = 3")])
    assert learner_code(notebook) == ["a = 1", "b = 2", "c = 3"]
    assert learner_code(notebook, ("task1",)) == ["a = 1", "c = 3"]


def test_references_fail_the_cell_before_any_answer_is_read():
    check = Check(verdict=CHECK.verdict, references=("course.energy",))
    verdict = judge(_cell(_handed_in()), "t", check, CALLS[:1], ["from course import energy"], "a")
    assert verdict.score == 0 and "course.energy" in verdict.message


@pytest.mark.parametrize("verdict, points", [(passed(), 2.0), (failed("no"), 0.0), (Verdict(0.25, "2 of 8"), 0.5)])
def test_verdict_outputs_are_scored_by_nbgrader_as_the_verdict_says(verdict, points):
    cell = _cell()
    cell.outputs = verdict_outputs(verdict, 2.0)
    assert determine_grade(cell) == (points, 2.0)


def test_cases_depend_on_the_learner_and_the_secret(monkeypatch):
    check = {"t": Check(verdict=CHECK.verdict, cases=lambda rng: [Call("double", (int(rng.integers(2**62)),))])}

    def drawn(student):
        return draw_cases(check, ["t"], "a", student)["t"][0].args[0]

    monkeypatch.setenv("COURSE_GRADING_SECRET", "spring")
    spring = {s: drawn(s) for s in ("ada", "bob", "cy")}
    assert drawn("ada") == spring["ada"] and len(set(spring.values())) == 3
    monkeypatch.setenv("COURSE_GRADING_SECRET", "autumn")
    assert drawn("ada") != spring["ada"]
    with pytest.raises(GraderFault, match="no check"):
        draw_cases(check, ["t", "u"], "a", "ada")
