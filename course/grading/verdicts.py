"""Verdicts from outside the learner's process: how every autograded test cell is scored.

Learner code and a test cell share one kernel, so anything the test decides inside it can be undone by
the learner (an input transformer, a post-run hook, a patched `numpy.isclose`, a printed result that
nbgrader reads as partial credit). Here the kernel decides nothing:

1. Before the kernel starts, the grader draws each test cell's *cases* (inputs for the learner's
   functions) from the grading secret, the assignment and the learner, and binds them read-only into
   the sandbox (`course.grading.sandbox`). The kernel never sees the secret.
2. The hidden part of a test cell calls `course.grading.answers.answer(grade_id, ...)`: the learner's
   functions run on the cases, and their results — and any other answer, e.g. a model's bytes — come
   back as data in one output.
3. `ApplyVerdicts` (an nbgrader preprocessor run by the grader after the kernel exits) reads those
   answers, computes each cell's verdict with the assignment's checks (`source/<assignment>/checks.py`,
   never released, never visible in the sandbox), and replaces the cell's outputs with the verdict: a
   pass line, an error with a public message, or a partial score. nbgrader's `SaveAutoGrades` then
   scores exactly that. Feedback therefore shows hidden tests as pass/fail with the check's message only.

A `checks.py` defines `CHECKS = {grade_id: Check(...)}` for every autograded test cell. A check with
`references` also refuses learner code that uses those reference implementations (see `reference_use`).
A missing check, or a check that fails on its own, is a fault of the grader: grading stops loudly.
"""
import ast
import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked

from course.grading.answers import MAX_ERROR_CHARS, MIME_TYPE, Call, Unsupported, loads
from course.grading.hidden import grading_rng

CHECKS_FILE = "checks.py"
# What learner code may not use in a task with references: ways to reach any module by a computed name.
DYNAMIC_NAMES = frozenset({"__import__", "exec", "eval", "compile", "getattr", "globals", "vars", "get_ipython",
                           "__builtins__", "__loader__", "__spec__"})
DYNAMIC_MODULES = frozenset({"importlib", "sys", "builtins", "pickle", "marshal", "runpy", "ctypes", "dill",
                             "cloudpickle", "joblib", "imp", "pkgutil", "inspect", "gc"})


class GraderFault(RuntimeError):
    """The grader, not the learner, is at fault (a missing or broken check): grading must stop."""


@dataclass(frozen=True)
class Verdict:
    """A test cell's result: `score` is the fraction of its points (0 to 1), `message` is shown to the learner."""

    score: float
    message: str


def passed(message: str = "passed") -> Verdict:
    """Full points."""
    return Verdict(1.0, message)


def failed(message: str) -> Verdict:
    """No points, and why."""
    return Verdict(0.0, message)


@dataclass(frozen=True)
class Answers:
    """What one test cell handed in: `values` by name, and one result per case (`calls`, `results`)."""

    grade_id: str
    values: dict[str, Any]
    calls: list[Call]
    results: list[dict]
    assignment: str = ""

    def where(self, index: int) -> str:
        """How feedback names case `index`: its label if public, else "hidden case k of n"."""
        return self.calls[index].label or f"hidden case {index + 1} of {len(self.calls)}"

    def data_rng(self, salt: str) -> np.random.Generator:
        """Checker-side randomness (evaluation data the kernel never sees), the same for every learner."""
        return grading_rng("data", self.assignment, salt)


@dataclass(frozen=True)
class Check:
    """How one test cell is judged: its cases (from a generator), its verdict and forbidden references.

    `scope` names the solution cells (grade ids) whose code must not use the `references`; cells the
    learner added count too. Empty: every cell the learner wrote.
    """

    verdict: Callable[[Answers], Verdict]
    cases: Callable[[np.random.Generator], list[Call]] | None = None
    references: tuple[str, ...] = field(default=())
    scope: tuple[str, ...] = field(default=())


def _same(value: Any, expected: Any, rtol: float, atol: float) -> bool:
    if isinstance(expected, (str, bool)) or expected is None:
        return type(value) is type(expected) and value == expected
    if isinstance(value, (str, bytes, Unsupported)) or value is None:
        return False
    try:
        got, want = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False))


def case_failure(index: int, answers: Answers, want: Any, rtol: float = 1e-7, atol: float = 1e-9) -> str | None:
    """Why case `index` of `answers` is wrong, or None (`want`: the right value, or an exception class to raise)."""
    case, result, where = answers.calls[index], answers.results[index], answers.where(index)
    must_raise = isinstance(want, type) and issubclass(want, BaseException)
    if "error" in result:
        if must_raise and result["error"] == want.__name__:
            return None
        return f"{case.function} raised {result['error']} on {where}: {result.get('message', '')}"
    if must_raise:
        return f"{case.function} must raise {want.__name__} on {where}, but returned a value"
    if not _same(result["value"], want, rtol, atol):
        return f"{case.function} is wrong on {where}"
    return None


def compare_results(answers: Answers, expected: Callable[[Call], Any], rtol: float = 1e-7,
                    atol: float = 1e-9) -> Verdict:
    """All points if every case's result equals `expected(call)` (an exception class: must raise it)."""
    for index, case in enumerate(answers.calls):
        problem = case_failure(index, answers, expected(case), rtol, atol)
        if problem:
            return failed(problem)
    return passed(f"passed ({len(answers.calls)} cases)")


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id], *reversed(parts)])
    return None


def _imports(tree: ast.AST) -> dict[str, str]:
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                aliases[name.asname or name.name.split(".")[0]] = name.name if name.asname else name.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for name in node.names:
                aliases[name.asname or name.name] = f"{node.module}.{name.name}"
    return aliases


def _parsed(source: str) -> ast.AST | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None  # left to fail when it runs


def reference_use(sources: list[str], references: tuple[str, ...], context: list[str] = ()) -> str | None:
    """The first way learner code (`sources`) reaches a reference, or None.

    A reference is a module (`course.energy`) or a function (`course.energy.battery_life_hours`). Code
    uses it if it imports or names it — also under any `course` module that re-exports a reference
    function by the same name, and through names any cell of the notebook (`context`) imported — or uses
    a dynamic way in (`__import__`, `getattr`, `importlib`, `sys.modules`…) this static check cannot follow.
    """
    functions = {ref.rsplit(".", 1)[1] for ref in references if ref.count(".") >= 2}
    aliases: dict[str, str] = {}
    for tree in filter(None, map(_parsed, [*context, *sources])):
        aliases.update(_imports(tree))

    def reaches(name: str) -> bool:
        return (name.split(".")[0] in DYNAMIC_MODULES
                or any(name == ref or name.startswith(ref + ".") for ref in references)
                or (name.startswith("course.") and name.rsplit(".", 1)[-1] in functions))

    for tree in filter(None, map(_parsed, sources)):
        for full in _imports(tree).values():
            if reaches(full):
                return f"imports {full}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
                return f"uses {node.id}"
            name = _dotted(node, aliases) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if name is not None and reaches(name):
                return f"uses {name}"
    return None


@functools.cache
def _load_checks(path: Path, mtime: float) -> dict[str, Check]:
    spec = importlib.util.spec_from_file_location(f"course_checks_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, dict) or not all(isinstance(c, Check) for c in checks.values()):
        raise GraderFault(f"{path} must define CHECKS = {{grade_id: Check(...)}}")
    return checks


def load_checks(source_dir: Path) -> dict[str, Check]:
    """The checks of the assignment whose instructor version is in `source_dir`."""
    path = Path(source_dir) / CHECKS_FILE
    if not path.is_file():
        raise GraderFault(f"{path} is missing: every autograded test cell needs a check")
    return _load_checks(path.resolve(), path.stat().st_mtime)


def graded_code_cells(notebook: NotebookNode) -> dict[str, NotebookNode]:
    """The autograded test cells of `notebook`, by grade id."""
    return {c.metadata.nbgrader.grade_id: c for c in notebook.cells if c.cell_type == "code" and is_grade(c)}


def draw_cases(checks: dict[str, Check], grade_ids: list[str], assignment: str, student: str) -> dict[str, list[Call]]:
    """Every test cell's cases for this learner (a function of the secret, assignment, learner and cell)."""
    missing = sorted(set(grade_ids) - set(checks))
    if missing:
        raise GraderFault(f"checks.py of {assignment} has no check for test cells {missing}")
    return {gid: (checks[gid].cases(grading_rng("cases", assignment, student, gid)) if checks[gid].cases else [])
            for gid in grade_ids}


def _handed_in(cell: NotebookNode, grade_id: str) -> dict | None:
    found = None
    for output in cell.get("outputs", []):
        text = output.get("data", {}).get(MIME_TYPE) if output.get("output_type") == "display_data" else None
        if not isinstance(text, str):
            continue
        try:
            payload = loads(text)
        except ValueError:
            continue
        if isinstance(payload, dict) and payload.get("grade_id") == grade_id:
            found = payload
    return found


def _first_error(cell: NotebookNode) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {str(output.get('evalue', ''))[:MAX_ERROR_CHARS]}"
    return "no error was shown"


def learner_code(notebook: NotebookNode, scope: tuple[str, ...] = ()) -> list[str]:
    """The code the learner wrote: every unlocked code cell, or only the solution cells in `scope` and added cells."""
    cells = [c for c in notebook.cells if c.cell_type == "code" and not is_locked(c)]
    if scope:
        cells = [c for c in cells if "nbgrader" not in c.metadata or c.metadata.nbgrader.get("grade_id") in scope]
    return [c.source for c in cells]


def judge(cell: NotebookNode, grade_id: str, check: Check, calls: list[Call], learner: list[str],
          assignment: str, context: list[str] = ()) -> Verdict:
    """The verdict on one executed test cell (`learner`: the code checked for references, `context`: all code)."""
    if check.references:
        offence = reference_use(learner, check.references, context)
        if offence:
            return failed(f"your code {offence}: this task asks you to write it yourself, without the course's "
                          f"reference ({', '.join(check.references)}) or dynamic imports")
    payload = _handed_in(cell, grade_id)
    if payload is None:
        return failed(f"the test cell stopped before its hidden tests ({_first_error(cell)})")
    results = payload.get("results")
    values = payload.get("values")
    if not isinstance(values, dict) or not isinstance(results, list) or len(results) != len(calls) or not all(
            isinstance(r, dict) and ("value" in r or isinstance(r.get("error"), str)) for r in results):
        return failed("the answers handed in do not match this test's cases")
    answers = Answers(grade_id, values, calls, results, assignment)
    try:
        verdict = check.verdict(answers)
    except Exception as error:
        raise GraderFault(f"the check of {grade_id} failed on its own: {type(error).__name__}: {error}") from error
    if not isinstance(verdict, Verdict) or not 0.0 <= verdict.score <= 1.0:
        raise GraderFault(f"the check of {grade_id} returned {verdict!r}, not a Verdict with a score in [0, 1]")
    return verdict


def verdict_outputs(verdict: Verdict, points: float) -> list[NotebookNode]:
    """The outputs nbgrader scores: an error (0 points), a pass line (all), or a pass line and a partial score."""
    if verdict.score <= 0.0:
        return [NotebookNode(output_type="error", ename="TestFailed", evalue=verdict.message,
                             traceback=[f"TestFailed: {verdict.message}"])]
    lines = [NotebookNode(output_type="stream", name="stdout", text=verdict.message + "\n")]
    if verdict.score < 1.0:
        lines.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                  data={"text/plain": repr(round(verdict.score * points, 6))}))
    return lines


class ApplyVerdicts(NbGraderPreprocessor):
    """Replace every autograded test cell's outputs by the verdict of its check (see the module docstring)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Judge each test cell from the answers it handed in; the cases are in `resources` (SandboxedExecute)."""
        grading = resources.get("course_grading")
        if grading is None:
            raise GraderFault("ApplyVerdicts runs after course.grading.sandbox.SandboxedExecute, which draws the cases")
        checks, cases, assignment = grading["checks"], grading["cases"], resources["nbgrader"]["assignment"]
        context = [c.source for c in nb.cells if c.cell_type == "code"]
        for grade_id, cell in graded_code_cells(nb).items():
            check = checks[grade_id]
            verdict = judge(cell, grade_id, check, cases[grade_id], learner_code(nb, check.scope), assignment, context)
            cell.outputs = verdict_outputs(verdict, float(cell.metadata.nbgrader.points))
        return nb, resources


def source_dir(config, assignment: str) -> Path:
    """The instructor version's folder of `assignment` in the course nbgrader's `config` describes."""
    coursedir = CourseDirectory(config=config)
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
