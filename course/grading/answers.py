"""A test cell hands the learner's answers to the grader as data; the grader, not the kernel, judges them.

This module runs inside the learner's kernel (the hidden part of a test cell calls `answer`). It
decides nothing: it calls the learner's functions on the cases the grader prepared (read from the file
named by `COURSE_GRADING_CASES`), and publishes their results and any other answers as one display
output of type `MIME_TYPE`. The grader (`course.grading.verdicts`) reads that output back and computes
the verdict outside the kernel. The codec below turns answers into JSON and back; decoding accepts
only plain data (numbers, strings, lists, dicts, numeric arrays, bytes), never pickles.
"""
import base64
import io
import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIME_TYPE = "application/vnd.tinyml-course.answers+json"
CASES_VARIABLE = "COURSE_GRADING_CASES"
MAX_ANSWER_CHARS = 32 * 2**20  # what the grader decodes at most per test cell
MAX_ERROR_CHARS = 300
ARRAY_KINDS = "biufU"  # booleans, integers, floats and text: arrays NumPy stores without pickling


@dataclass(frozen=True)
class Call:
    """One case: the learner's function `function` called with `args` and `kwargs`.

    `label` (grader side only) names a case whose inputs are public, e.g. a visible test's; feedback
    names the others "hidden case k of n".
    """

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""


def encode(value: Any) -> Any:
    """`value` as JSON-ready data: arrays and bytes tagged, tuples as lists, unknown objects named."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in ARRAY_KINDS:
            return {"__unsupported__": f"array of {value.dtype}"}
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"__ndarray__": base64.b64encode(buffer.getvalue()).decode()}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    return {"__unsupported__": type(value).__name__}


class Unsupported(str):
    """An answer the codec could not carry (e.g. a Keras model instead of its bytes), by its type name."""


def decode(data: Any) -> Any:
    """The value `encode` made, from JSON data that may come from anyone: plain data only."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict) and len(data) == 1:
        (tag, body), = data.items()
        if tag == "__ndarray__" and isinstance(body, str):
            array = np.load(io.BytesIO(base64.b64decode(body, validate=True)), allow_pickle=False)
            if array.dtype.kind not in ARRAY_KINDS:
                raise ValueError(f"array of {array.dtype}")
            return array
        if tag == "__bytes__" and isinstance(body, str):
            return base64.b64decode(body, validate=True)
        if tag == "__dict__" and isinstance(body, dict):
            return {str(k): decode(v) for k, v in body.items()}
        if tag == "__unsupported__" and isinstance(body, str):
            return Unsupported(body[:100])
    raise ValueError(f"not answer data: {str(data)[:80]}")


def dumps(value: Any) -> str:
    """`value` encoded as one JSON string (NaN and infinities kept)."""
    return json.dumps(encode(value), allow_nan=True)


def loads(text: str, limit: int | None = MAX_ANSWER_CHARS) -> Any:
    """The value in a JSON string made by `dumps`, refusing more than `limit` characters (None: no limit)."""
    if limit is not None and len(text) > limit:
        raise ValueError(f"answer of {len(text):,} characters (at most {limit:,})")
    return decode(json.loads(text))


def write_cases(path: os.PathLike, cases: dict[str, list[Call]]) -> None:
    """Write the cases of every test cell (grade id -> calls) for `answer` to read in the kernel."""
    data = {gid: [[c.function, list(c.args), c.kwargs] for c in calls] for gid, calls in cases.items()}
    with open(path, "w") as handle:
        handle.write(dumps(data))


def read_cases() -> dict[str, list[Call]]:
    """The cases the grader prepared for this kernel (none outside autograding)."""
    path = os.environ.get(CASES_VARIABLE)
    if not path or not os.path.isfile(path):
        return {}
    with open(path) as handle:
        data = loads(handle.read(), limit=None)  # written by the grader, whatever its size
    return {gid: [Call(f, tuple(a), k) for f, a, k in calls] for gid, calls in data.items()}


def _error(error: BaseException) -> dict:
    return {"error": type(error).__name__, "message": str(error)[:MAX_ERROR_CHARS]}


def run_cases(calls: list[Call], functions: dict[str, Any]) -> list[dict]:
    """Each call's result ({"value": ...}) or exception ({"error": name, "message": ...}), in order."""
    results = []
    for case in calls:
        function = functions.get(case.function)
        if not callable(function):
            results.append({"error": "MissingFunction", "message": f"no function {case.function} was handed in"})
            continue
        try:
            results.append({"value": function(*case.args, **case.kwargs)})
        except Exception as error:  # the learner's code may raise anything: that is an answer too
            results.append(_error(error))
    return results


def answer(grade_id: str, **answers: Any) -> None:
    """Hand in the answers of test cell `grade_id`: functions are called on the grader's cases, values are sent.

    Used in the hidden part of a test cell, e.g. `answer("task1_tests", mse_loss=mse_loss, choices=choices)`.
    Outside autograding there are no cases and nothing is graded; the output is still published.
    """
    from IPython.display import display

    functions = {name: value for name, value in answers.items() if callable(value)}
    values = {name: value for name, value in answers.items() if not callable(value)}
    results = run_cases(read_cases().get(grade_id, []), functions)
    payload = {"grade_id": grade_id, "values": values, "results": results}
    display({MIME_TYPE: dumps(payload), "text/plain": f"answers for {grade_id} handed in"}, raw=True)
