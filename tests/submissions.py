"""Plausible wrong answers, one per assignment, for the autograde round trip's `partial` student.

Each entry replaces the source of one solution cell (by its nbgrader grade_id) in the instructor
version with a mistake a learner could make. `lost` names the graded test cells that must then lose
points; every other autograded cell must keep full marks (partial credit is real).
"""
import copy
from dataclasses import dataclass

import nbformat


@dataclass(frozen=True)
class WrongAnswer:
    """A mistake in one solution cell and the graded cells it must cost."""

    solution_cell: str
    source: str
    lost: tuple[str, ...]


PARTIAL_ANSWERS: dict[str, WrongAnswer] = {}


def wrong_answer_submission(solution: nbformat.NotebookNode, answer: WrongAnswer) -> nbformat.NotebookNode:
    """A copy of the instructor notebook with `answer` written into its solution cell."""
    notebook = copy.deepcopy(solution)
    cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == answer.solution_cell]
    if len(cells) != 1:
        raise KeyError(f"no solution cell with grade_id {answer.solution_cell!r}")
    cells[0].source = answer.source
    return notebook
