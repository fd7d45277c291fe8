"""What a test cell hands in from the kernel: cases run, answers encoded, and decoding that trusts nothing."""
import base64
import io
import json
import pickle

import numpy as np
import pytest

from course.grading.answers import (
    CASES_VARIABLE,
    MAX_ANSWER_CHARS,
    MIME_TYPE,
    Call,
    Unsupported,
    answer,
    dumps,
    loads,
    read_cases,
    run_cases,
    write_cases,
)

pytestmark = pytest.mark.unit


def test_plain_data_arrays_and_bytes_survive_the_round_trip():
    value = {"n": 3, "x": 0.5, "ok": True, "none": None, "name": "wand", "pair": (1, 2),
             "weights": np.arange(6, dtype=np.int8).reshape(2, 3), "model": b"\x00TFL3", "nan": float("nan")}
    back = loads(dumps(value))
    assert back["pair"] == [1, 2] and back["model"] == b"\x00TFL3" and np.isnan(back["nan"])
    assert back["weights"].dtype == np.int8 and np.array_equal(back["weights"], value["weights"])
    assert {k: back[k] for k in ("n", "x", "ok", "none", "name")} == {"n": 3, "x": 0.5, "ok": True, "none": None,
                                                                       "name": "wand"}


def test_objects_that_are_not_data_are_named_not_sent():
    back = loads(dumps({"model": object(), "objects": np.array([{"a": 1}], dtype=object)}))
    assert isinstance(back["model"], Unsupported) and back["model"] == "object"
    assert isinstance(back["objects"], Unsupported)


def test_text_arrays_travel_without_pickling():
    back = loads(dumps(np.array(["ada", "bob"])))
    assert back.dtype.kind == "U" and back.tolist() == ["ada", "bob"]


@pytest.mark.parametrize("forged", [
    {"__ndarray__": base64.b64encode(pickle.dumps([1, 2])).decode()},  # a pickle posing as an array
    {"__ndarray__": "not base64!"},
    {"__object__": "os.system"},
    {"__dict__": {"a": 1}, "extra": 2},
])
def test_decoding_refuses_anything_but_plain_data(forged):
    with pytest.raises(ValueError):
        loads(json.dumps(forged))


def test_an_object_array_is_refused_even_if_numpy_wrote_it():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        loads(json.dumps({"__ndarray__": base64.b64encode(buffer.getvalue()).decode()}))


def test_oversized_answers_are_refused_but_the_graders_cases_are_not(tmp_path, monkeypatch):
    huge = '"' + "x" * MAX_ANSWER_CHARS + '"'
    with pytest.raises(ValueError, match="at most"):
        loads(huge)
    (tmp_path / "cases.json").write_text(dumps({"t": [["f", ["x" * MAX_ANSWER_CHARS], {}]]}))
    monkeypatch.setenv(CASES_VARIABLE, str(tmp_path / "cases.json"))
    assert len(read_cases()["t"][0].args[0]) == MAX_ANSWER_CHARS


def test_cases_run_in_order_with_results_errors_and_missing_functions():
    def halve(x):
        if x < 0:
            raise ValueError(f"negative: {x}")
        return x / 2

    results = run_cases([Call("halve", (4,)), Call("halve", (-1,)), Call("double", (1,))], {"halve": halve})
    assert results[0] == {"value": 2.0}
    assert results[1] == {"error": "ValueError", "message": "negative: -1"}
    assert results[2]["error"] == "MissingFunction"


def test_the_kernel_reads_the_cases_the_grader_wrote(tmp_path, monkeypatch):
    cases = {"t1": [Call("f", (np.array([1.0, 2.0]), [3]), {"k": "v"}, label="grader only")], "t2": []}
    write_cases(tmp_path / "cases.json", cases)
    monkeypatch.setenv(CASES_VARIABLE, str(tmp_path / "cases.json"))
    read = read_cases()
    (call,) = read["t1"]
    assert call.function == "f" and call.kwargs == {"k": "v"} and call.args[1] == [3] and call.label == ""
    assert np.array_equal(call.args[0], [1.0, 2.0]) and read["t2"] == []
    monkeypatch.setenv(CASES_VARIABLE, str(tmp_path / "missing.json"))
    assert read_cases() == {}  # outside autograding: no cases


def test_answer_publishes_one_output_with_results_and_values(tmp_path, monkeypatch):
    write_cases(tmp_path / "cases.json", {"t1": [Call("double", (21,))]})
    monkeypatch.setenv(CASES_VARIABLE, str(tmp_path / "cases.json"))
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    answer("t1", double=lambda x: 2 * x, choices={"a": "ml"})
    (data,) = shown
    payload = loads(data[MIME_TYPE])
    assert payload == {"grade_id": "t1", "values": {"choices": {"a": "ml"}}, "results": [{"value": 42}]}
