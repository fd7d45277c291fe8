"""The class after autograde: how hard each task was, whether it separates strong from weak work, which
learning outcomes the class reached, and who is at risk — as a self-contained HTML page and CSV files.

Everything is read from nbgrader's gradebook (points per graded cell, late penalties) and from `course grade`'s
report (`reports/<assignment>.csv`: why a submission scored what it did). Definitions, one place each:

- *difficulty* of a graded cell: the mean share of its points the learners who submitted earned (1 = everyone
  got everything);
- *discrimination*: the point-biserial (Pearson) correlation of the cell's points with the rest of the learner's
  score (the total without that cell); below `WEAK_DISCRIMINATION` the cell hardly tells strong from weak work;
- *mastery* of an outcome by a learner: the share of the points of the graded cells that assess it; the class
  reaches it when the mean is at least `MASTERY`, and a learner should revisit it below `MASTERY`;
- *at risk*: a missing submission, a final share of points below `LOW_SCORE`, or timeouts in at least
  `REPEATED_TIMEOUTS` assignments.
"""
import base64
import csv
import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from nbgrader.api import Gradebook, MissingEntry
from scipy.stats import pointbiserialr

from course.notebook.figures import figure_png, new_figure

MASTERY = 0.7
LOW_SCORE = 0.5
REPEATED_TIMEOUTS = 2
WEAK_DISCRIMINATION = 0.2
MISSING_REASONS = ("refused", "missing notebook", "invalid notebook")  # `course grade` reasons: nothing gradable


@dataclass(frozen=True)
class Outcome:
    """A learning outcome of an assignment's module: the graded cells that assess it and where it is taught."""

    assignment: str
    number: int
    text: str
    cells: tuple[str, ...]  # grade ids; empty: taught in the lecture only
    lecture: str  # the lecture notebook's path in the course
    section: str  # the heading of the lecture section that teaches it

    @property
    def label(self) -> str:
        return f"{self.assignment} #{self.number}"


@dataclass
class Scores:
    """Points per graded cell of one assignment, per learner who submitted, as nbgrader's gradebook holds them."""

    assignment: str
    max_points: dict[str, float]  # grade id -> its points
    students: list[str]  # every learner in the gradebook
    points: dict[str, dict[str, float]] = field(default_factory=dict)  # student -> grade id -> points (submitted)
    penalties: dict[str, float] = field(default_factory=dict)  # student -> late penalty (points)
    reasons: dict[str, str] = field(default_factory=dict)  # student -> `course grade`'s reason, when reported

    @property
    def items(self) -> list[str]:
        return list(self.max_points)

    @property
    def max_score(self) -> float:
        return sum(self.max_points.values())

    def matrix(self) -> np.ndarray:
        """Points, one row per learner who submitted (in `submitted` order), one column per item."""
        return np.array([[self.points[s][i] for i in self.items] for s in self.submitted], dtype=float).reshape(
            len(self.submitted), len(self.items))

    @property
    def submitted(self) -> list[str]:
        return [s for s in self.students if s in self.points]

    def final_share(self, student: str) -> float:
        """The learner's share of the assignment's points after the late penalty (0 without a submission)."""
        if student not in self.points:
            return 0.0
        return (sum(self.points[student].values()) - self.penalties.get(student, 0.0)) / self.max_score


def read_scores(url: str, assignment: str, report_csv: Path | None = None) -> Scores:
    """The points of `assignment` in the gradebook at `url` (every graded cell, autograded or manual; an
    ungraded manual cell counts 0), with the reasons of `course grade`'s report CSV when it exists."""
    with Gradebook(url) as gradebook:
        found = gradebook.find_assignment(assignment)
        cells = [c for nb in found.notebooks for c in nb.grade_cells]
        scores = Scores(assignment, {c.name: float(c.max_score) for c in cells},
                        sorted(s.id for s in gradebook.students))
        for student in scores.students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                continue
            grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
            scores.points[student] = {name: float(_points(grades[name])) if name in grades else 0.0
                                      for name in scores.max_points}
            scores.penalties[student] = float(submission.late_submission_penalty or 0.0)
    if report_csv is not None and Path(report_csv).is_file():
        with Path(report_csv).open(newline="") as handle:
            scores.reasons = {row["student"]: row["reason"] for row in csv.DictReader(handle)}
    for student, reason in scores.reasons.items():  # nothing gradable arrived: not a submission
        if any(r in MISSING_REASONS for r in reason.split(", ")) and student in scores.points:
            del scores.points[student]
    return scores


def _points(grade) -> float:
    score = grade.manual_score if grade.manual_score is not None else grade.auto_score
    return score or 0.0


def difficulty(scores: Scores) -> dict[str, float]:
    """Per graded cell, the mean share of its points among learners who submitted (NaN without any)."""
    matrix = scores.matrix()
    return {item: float(np.mean(matrix[:, j]) / scores.max_points[item]) if len(matrix) else math.nan
            for j, item in enumerate(scores.items)}


def discrimination(scores: Scores) -> dict[str, float]:
    """Per graded cell, the point-biserial correlation of its points with the rest of the score (NaN when either
    does not vary)."""
    matrix = scores.matrix()
    result = {}
    for j, item in enumerate(scores.items):
        column, rest = matrix[:, j], matrix.sum(axis=1) - matrix[:, j]
        if len(column) < 3 or np.ptp(column) == 0 or np.ptp(rest) == 0:
            result[item] = math.nan
        else:
            result[item] = float(pointbiserialr(column, rest).statistic)
    return result


def mastery(scores: Scores, outcome: Outcome) -> dict[str, float]:
    """Each submitting learner's share of the points of the cells assessing `outcome`."""
    possible = sum(scores.max_points[c] for c in outcome.cells)
    return {s: sum(scores.points[s][c] for c in outcome.cells) / possible for s in scores.submitted}


def to_revisit(points: dict[str, float], max_points: dict[str, float], outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes a learner with `points` (grade id -> points, for the cells graded so far) reached below
    `MASTERY`, judged on the outcome's graded cells (an outcome none of whose cells is graded yet is left out)."""
    result = []
    for outcome in outcomes:
        cells = [c for c in outcome.cells if c in points]
        if cells and sum(points[c] for c in cells) / sum(max_points[c] for c in cells) < MASTERY:
            result.append(outcome)
    return result


def revisit_markdown(outcomes: list[Outcome]) -> str:
    """The closing lines of a learner's feedback: the outcomes to revisit and where the lecture teaches them."""
    if not outcomes:
        return "## Outcomes to revisit\n\nNone: you reached every learning outcome this assignment assesses."
    lines = ["## Outcomes to revisit", "",
             f"You earned less than {MASTERY:.0%} of the points that assess these learning outcomes. Reread the "
             "lecture section named, then try the task again:", ""]
    lines += [f"- **{o.text}** — `{o.lecture}`, section *{o.section}*" for o in outcomes]
    return "\n".join(lines)


@dataclass(frozen=True)
class Risk:
    """A learner at risk and why."""

    student: str
    reasons: tuple[str, ...]


def at_risk(all_scores: list[Scores]) -> list[Risk]:
    """Learners with a missing submission, a low share of points, or repeated timeouts, over `all_scores`."""
    students = sorted({s for scores in all_scores for s in scores.students})
    risks = []
    for student in students:
        reasons = []
        missing = [s.assignment for s in all_scores if student not in s.points]
        if missing:
            reasons.append("missing submission: " + ", ".join(missing))
        total = sum(s.max_score for s in all_scores)
        share = sum(s.final_share(student) * s.max_score for s in all_scores) / total if total else 0.0
        if share < LOW_SCORE:
            reasons.append(f"low score: {share:.0%} of the points (below {LOW_SCORE:.0%})")
        timeouts = [s.assignment for s in all_scores if "timeout" in s.reasons.get(student, "").split(", ")]
        if len(timeouts) >= REPEATED_TIMEOUTS:
            reasons.append("timeouts in " + ", ".join(timeouts))
        if reasons:
            risks.append(Risk(student, tuple(reasons)))
    return risks


@dataclass
class ClassReport:
    """Everything `write_report` writes, computed once."""

    title: str
    items: list[dict]  # assignment, cell, points, difficulty, discrimination
    outcomes: list[dict]  # assignment, number, outcome, cells, mean mastery, share of learners at MASTERY, taught
    learners: list[dict]  # student, share of points (after late penalties), late penalty (points), at risk, why
    shares: list[float]  # final shares of the learners who submitted everything considered
    risks: list[Risk]


def class_report(title: str, all_scores: list[Scores], outcomes: list[Outcome]) -> ClassReport:
    """Item analysis, outcome mastery and learners at risk over one assignment or several."""
    items, outcome_rows = [], []
    for scores in all_scores:
        diff, disc = difficulty(scores), discrimination(scores)
        items += [{"assignment": scores.assignment, "cell": item, "points": scores.max_points[item],
                   "difficulty": diff[item], "discrimination": disc[item]} for item in scores.items]
        for outcome in (o for o in outcomes if o.assignment == scores.assignment):
            values = list(mastery(scores, outcome).values()) if outcome.cells else []
            outcome_rows.append({
                "assignment": outcome.assignment, "number": outcome.number, "outcome": outcome.text,
                "cells": " ".join(outcome.cells) or "lecture only",
                "mastery": float(np.mean(values)) if values else math.nan,
                "reached": float(np.mean([v >= MASTERY for v in values])) if values else math.nan,
                "taught": f"{outcome.lecture} · {outcome.section}"})
    risks = at_risk(all_scores)
    why = {r.student: "; ".join(r.reasons) for r in risks}
    total = sum(s.max_score for s in all_scores)
    students = sorted({s for scores in all_scores for s in scores.students})
    learners = [{"student": st, "share": sum(s.final_share(st) * s.max_score for s in all_scores) / total,
                 "late_penalty": sum(s.penalties.get(st, 0.0) for s in all_scores),
                 "at_risk": st in why, "why": why.get(st, "")} for st in students]
    complete = [row["share"] for row in learners if all(row["student"] in s.points for s in all_scores)]
    return ClassReport(title, items, outcome_rows, learners, complete, risks)


def _figures(report: ClassReport) -> dict[str, bytes]:
    figures = {}
    fig = new_figure((6, 3))
    ax = fig.subplots()
    ax.hist([100 * s for s in report.shares], bins=np.arange(0, 105, 5), color="tab:blue", edgecolor="white")
    ax.axvline(100 * LOW_SCORE, color="tab:red", linestyle="--", label=f"at risk below {LOW_SCORE:.0%}")
    ax.set(xlabel="share of the points (%)", ylabel="learners", title="Score distribution")
    ax.legend()
    figures["Score distribution"] = figure_png(fig)
    fig = new_figure((6, 0.5 + 0.3 * len(report.items)))
    ax = fig.subplots()
    labels = [f"{r['assignment']} · {r['cell']}" for r in report.items]
    ax.scatter([r["difficulty"] for r in report.items], labels, label="difficulty (mean share of points)")
    ax.scatter([r["discrimination"] for r in report.items], labels, marker="s",
               label="discrimination (item-rest correlation)")
    ax.axvline(WEAK_DISCRIMINATION, color="grey", linestyle=":")
    ax.set(xlim=(-1.05, 1.05), title="Graded cells")
    ax.invert_yaxis()
    ax.legend(loc="lower left", fontsize="small")
    figures["Graded cells"] = figure_png(fig)
    graded = [r for r in report.outcomes if not math.isnan(r["mastery"])]
    if graded:
        fig = new_figure((6, 0.5 + 0.3 * len(graded)))
        ax = fig.subplots()
        ax.barh([f"{r['assignment']} #{r['number']}" for r in graded], [100 * r["mastery"] for r in graded],
                color=["tab:green" if r["mastery"] >= MASTERY else "tab:orange" for r in graded])
        ax.axvline(100 * MASTERY, color="grey", linestyle="--")
        ax.set(xlim=(0, 100), xlabel="mean mastery (%)", title="Learning outcomes")
        ax.invert_yaxis()
        figures["Learning outcomes"] = figure_png(fig)
    return figures


def _number(value: object) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.2f}"
    return html.escape(str(value))


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_number(v)}</td>" for v in row.values()) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def write_report(report: ClassReport, out: Path) -> Path:
    """Write `<out>.html` (self-contained: figures as data URIs) and `<out>-items.csv`, `-outcomes.csv`,
    `-learners.csv`; return the HTML path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name, rows in (("items", report.items), ("outcomes", report.outcomes), ("learners", report.learners)):
        _write_csv(out.parent / f"{out.name}-{name}.csv", rows)
    images = "".join(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,'
                     f'{base64.b64encode(png).decode()}"><figcaption>{html.escape(name)}</figcaption></figure>'
                     for name, png in _figures(report).items())
    risky = [{"student": r.student, "why": "; ".join(r.reasons)} for r in report.risks]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(report.title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}img{{max-width:100%}}</style></head><body>
<h1>{html.escape(report.title)}</h1>
<p>{len(report.learners)} learners, {len(report.shares)} with every submission; mean share of the points
{_number(float(np.mean(report.shares)) if report.shares else math.nan)}. Difficulty is the mean share of a graded
cell's points; discrimination the point-biserial correlation of its points with the rest of the score (below
{WEAK_DISCRIMINATION} it hardly separates strong from weak work); an outcome is reached at a mean mastery of
{MASTERY:.0%}.</p>
{images}
<h2>Learners at risk</h2>{_table(risky)}
<h2>Graded cells</h2>{_table(report.items)}
<h2>Learning outcomes</h2>{_table(report.outcomes)}
<h2>Learners</h2>{_table(report.learners)}
</body></html>
"""
    path = out.parent / f"{out.name}.html"
    path.write_text(page, encoding="utf-8")
    return path
