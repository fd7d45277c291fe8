"""Due dates and the late policy, applied by a real `nbgrader autograde` (sandboxed) of the tiny assignment:
submissions handed in at chosen times lose exactly the points computed here by hand."""
from datetime import datetime, timedelta

import pytest
from fixtures.tiny_course import ASSIGNMENT, answered, make_course, submit
from nbgrader.api import Gradebook

from course.authoring.manifest import load
from course.grading.gradebook import gradebook_url
from course.grading.nbgrader import run_nbgrader
from course.grading.report import build_report, write_report
from course.grading.schedule import Dates, LatePolicy, due_dates, write_due_dates

pytestmark = pytest.mark.grading
DUE = datetime(2027, 2, 8, 9, 0)  # naive UTC, as nbgrader stores it
# student -> (handed in, relative to the due date; the tiny assignment's two tests, 1 point each, both right?).
# Four submissions keep the run short; the policy's arithmetic is also checked below without nbgrader.
HANDED_IN = {
    "grace": (timedelta(minutes=14), True),                     # within the 15 minutes of grace
    "one_day": (timedelta(minutes=16), True),                   # past grace: 1 started day
    "capped": (timedelta(days=9), True),                        # 9 days, capped at half
    "wrong_late": (timedelta(hours=30), False),                 # 2 days late, one test wrong
}
# By hand, with the manifest's policy (10 % of the score per started day, at most 50 %, 15 minutes of grace):
PENALTY = {"grace": 0.0, "one_day": 0.2, "capped": 1.0, "wrong_late": 0.2}


def test_the_manifest_policy_is_the_one_the_hand_numbers_use():
    assert load().late == LatePolicy(per_day=0.1, cap=0.5, grace_minutes=15)


def test_late_policy_counts_started_days_after_grace_and_caps():
    policy = LatePolicy(0.1, 0.5, 15)
    assert [policy.days_late(s) for s in (0, 900, 901, 86400, 86401, 10 * 86400)] == [0, 0, 1, 1, 2, 10]
    assert policy.penalty(8.0, 86401) == pytest.approx(1.6) and policy.penalty(8.0, 10 * 86400) == 4.0
    with pytest.raises(ValueError):
        LatePolicy(0.1, 1.5, 0)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("late") / "course")
    write_due_dates(gradebook_url(course), [Dates(ASSIGNMENT, DUE - timedelta(weeks=1), DUE)])
    for student, (offset, right) in HANDED_IN.items():
        notebook = answered(course) if right else answered(course, total="def total(xs):\n    return 0")
        folder = submit(course, student, notebook)
        (folder / "timestamp.txt").write_text(f"{DUE + offset:%Y-%m-%d %H:%M:%S.%f} UTC")
    run_nbgrader(["autograde", ASSIGNMENT], cwd=course)
    return course


def test_autograde_applies_the_late_policy_to_each_submission(graded):
    assert due_dates(gradebook_url(graded)) == {ASSIGNMENT: DUE}
    with Gradebook(gradebook_url(graded)) as gradebook:
        found = {s: gradebook.find_submission(ASSIGNMENT, s) for s in HANDED_IN}
        scores = {s: (sub.score, sub.late_submission_penalty) for s, sub in found.items()}
        late = {s: sub.total_seconds_late for s, sub in found.items()}
    for student, (offset, right) in HANDED_IN.items():
        assert late[student] == pytest.approx(max(offset.total_seconds(), 0.0))
        raw = 2.0 if right else 1.0
        assert scores[student] == (raw, pytest.approx(PENALTY[student])), student  # export: score - penalty



def test_the_grading_report_shows_each_late_penalty(graded):
    rows = {r.student: r for r in build_report(graded, ASSIGNMENT)}
    assert {s: rows[s].late_penalty for s in HANDED_IN} == pytest.approx(PENALTY)
    write_report(list(rows.values()), graded / "reports" / "late.csv")
    assert "late_penalty" in (graded / "reports" / "late.csv").read_text().splitlines()[0].split(",")
