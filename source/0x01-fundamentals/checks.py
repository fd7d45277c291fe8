"""How week 0x01's test cells are judged, outside the learner's kernel (course/grading/verdicts.py).

Never released to learners and never visible inside the grading sandbox. Tasks 1-3 are function checks:
the cases (the visible tests' inputs, labelled, and hidden inputs drawn per learner) are computed here
and the references too. Task 4 grades an artifact: the bytes of the learner's model converted to a float
.tflite in the hidden part (`course.deploy.convert(model, int8=False)`, which reproduces Keras's
predictions); its parameters are counted from those bytes, and it runs on TensorFlow Lite Micro in a child
process (`course.deploy.tflm_predict`) on the public validation images and on held-out images generated
here, never in the kernel. No learner model is loaded in the grader. Task 5 grades a person detector the
same way, on the notebook's validation scenes and on frames of new scenes drawn here.
"""
import functools

import numpy as np

from course.data import digits, images
from course.grading.answers import Call, Unsupported
from course.grading.verdicts import Answers, Check, Verdict, failed, passed

# ---------------------------------------------------------------------------------------------- helpers


def _close(value, want, rtol: float, atol: float) -> bool:
    """Whether a learner's numeric result has `want`'s shape and values (no NaN, nothing that is not a number)."""
    if isinstance(value, (str, bytes, dict, Unsupported)) or value is None:
        return False
    try:
        got, expected = np.asarray(value, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def _shape(value) -> str:
    """The shape of a learner's numeric result, as text ("no regular shape" for anything else)."""
    if isinstance(value, (str, bytes, dict, Unsupported)) or value is None:
        return "no regular shape"
    try:
        return str(np.shape(np.asarray(value, dtype=float)))
    except (TypeError, ValueError):
        return "no regular shape"


def _raised(function: str, result: dict, where: str, hint: str = "") -> str:
    message = f"{function} raised {result['error']} on {where}: {result.get('message', '')}"
    return message + (f" ({hint})" if hint and result["error"] == "FloatingPointError" else "")


def _where(case: Call, hidden_index: dict[int, tuple[int, int]], index: int) -> str:
    if case.label:
        return case.label
    k, n = hidden_index[index]
    return f"hidden case {k} of {n}"


def _numbered(calls: list[Call], function: str) -> dict[int, tuple[int, int]]:
    """Index of each unlabelled call of `function` -> (its number among them, how many there are)."""
    hidden = [i for i, c in enumerate(calls) if not c.label and c.function == function]
    return {i: (k + 1, len(hidden)) for k, i in enumerate(hidden)}


# ------------------------------------------------------------------------------------ Task 1 · softmax

SOFTMAX_HINT = "subtract each row's maximum first"


def _softmax(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=float)
    exp = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return exp / np.sum(exp, axis=-1, keepdims=True)


def _softmax_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("softmax", (np.array([2.0, 1.0, 0.1]),), label="softmax([2, 1, 0.1]) (visible)"),
             Call("softmax", (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),), label="the visible batch of shape (2, 3)"),
             Call("softmax", (np.array([1000.0, 999.0, 0.0]),), label="the large logits [1000, 999, 0] (visible)")]
    for case in range(30):  # as before: one example, a batch, and three axes; logits up to ~10,000, shifted
        shape = [(int(rng.integers(2, 12)),), (int(rng.integers(1, 40)), int(rng.integers(2, 12))),
                 (int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(2, 8)))][case % 3]
        scale = 10.0 ** rng.uniform(-2, 4)
        z = rng.normal(0, scale, shape) + rng.uniform(-3000, 3000)
        calls += [Call("softmax", (z,)), Call("softmax_input_after", (z,))]
    return calls + [Call("softmax", ([-1000.0, -1001.0],), label="very negative logits given as a list"),
                    Call("softmax", ([[5.0, 5.0, 5.0, 5.0]],), label="four equal logits [[5, 5, 5, 5]]"),
                    Call("softmax", ([[0.0, 800.0]],), label="one dominant logit [[0, 800]]")]


def _softmax_verdict(answers: Answers) -> Verdict:
    numbers = _numbered(answers.calls, "softmax")
    for index, (case, result) in enumerate(zip(answers.calls, answers.results)):
        (logits,) = case.args
        if case.function == "softmax_input_after":  # the hidden part hands back the input after softmax ran
            if "value" in result and not _close(result["value"], logits, rtol=0.0, atol=0.0):
                k, n = numbers[index - 1]
                return failed(f"softmax changed its input array on hidden case {k} of {n}: it must not "
                              "(compute on a new array instead of updating the logits in place)")
            continue
        where = _where(case, numbers, index)
        if "error" in result:
            return failed(_raised("softmax", result, where, SOFTMAX_HINT))
        if case.label.startswith("softmax([2, 1, 0.1])"):  # the visible test's own numbers and tolerance
            want, rtol, atol = [0.659, 0.2424, 0.0986], 1e-5, 1e-3
        else:  # Keras's softmax (float64), computed stably: within 1e-5 relative (1e-9 absolute)
            want, rtol, atol = _softmax(logits), 1e-5, 1e-9
        if _shape(result["value"]) != str(np.shape(want)):
            return failed(f"softmax returned shape {_shape(result['value'])} for logits of shape {np.shape(want)} on "
                          f"{where}: it must return an array of the logits' shape")
        if not _close(result["value"], want, rtol, atol):
            return failed(f"softmax differs from Keras's softmax on {where}")
    return passed(f"passed ({len(answers.calls)} cases)")


# ------------------------------------------------------------------------------ Task 2 · cross-entropy

CROSS_ENTROPY_HINT = "work with log-probabilities"


def _cross_entropy(logits, labels) -> float:
    z = np.asarray(logits, dtype=float)
    labels = np.asarray(labels, dtype=int)
    z = z - np.max(z, axis=-1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def _cross_entropy_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("cross_entropy", (np.array([[0.0, 0.0]]), np.array([1])), label="two equal logits (visible)"),
             Call("cross_entropy", (np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0]]), np.array([0, 1, 0])),
                  label="the visible batch of three examples"),
             Call("cross_entropy", (np.array([[1000.0, 0.0]]), np.array([1])), label="logits [[1000, 0]], label 1 (visible)")]
    for _ in range(30):
        n, k = int(rng.integers(1, 60)), int(rng.integers(2, 12))
        z = rng.normal(0, 10.0 ** rng.uniform(-2, 3.5), (n, k)) + rng.uniform(-500, 500)
        y = rng.integers(0, k, n)
        calls += [Call("cross_entropy", (z, y)), Call("cross_entropy", (z.tolist(), y.tolist()))]
    return calls + [Call("cross_entropy", ([[800.0, 0.0, 0.0]], [0]), label="a confident right answer [[800, 0, 0]], [0]"),
                    Call("cross_entropy", ([[0.0, 5000.0], [7000.0, 0.0]], [0, 1]),
                         label="two confident wrong answers [[0, 5000], [7000, 0]], [0, 1]")]


def _cross_entropy_verdict(answers: Answers) -> Verdict:
    hidden = 0
    for case, result in zip(answers.calls, answers.results):
        if case.label:
            where = case.label
        else:
            hidden += 1
            as_lists = isinstance(case.args[0], list)
            where = f"hidden case {(hidden + 1) // 2} of 30" + (" (given as lists)" if as_lists else "")
        if "error" in result:
            return failed(_raised("cross_entropy", result, where, CROSS_ENTROPY_HINT))
        want = _cross_entropy(*case.args)
        if case.label.startswith("a confident right answer"):
            rtol, atol = 1e-5, 1e-12
        elif case.label:  # the visible tests and the last hidden one: np.isclose's defaults
            rtol, atol = 1e-5, 1e-8
        else:  # Keras's sparse categorical cross-entropy from logits (float64)
            rtol, atol = 1e-7, 1e-9
        if not _close(result["value"], want, rtol, atol):
            return failed(f"cross_entropy differs from Keras's loss on {where}"
                          + (": lists must work too" if not case.label and isinstance(case.args[0], list) else ""))
    return passed(f"passed ({len(answers.calls)} cases)")


# ---------------------------------------------------------------------------------- Task 3 · the split

SPLIT_REFERENCES = ("course.data.group_split", "course.data.splits.group_split")
WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off"] * 30


@functools.cache
def _visible_groups() -> np.ndarray:
    """The notebook's `groups`: three copies of the first 300 digits (digits(seed=0) order), by original."""
    return np.concatenate([digits(seed=0).meta["index"][:300]] * 3)


def _split(value, n: int, integers: bool) -> tuple[np.ndarray, np.ndarray] | str:
    """(train_idx, val_idx) as 1-D arrays from what group_split_indices returned, or why they are not."""
    if isinstance(value, (str, bytes, dict, Unsupported)) or not isinstance(value, (list, tuple)) or len(value) != 2:
        return "must return two arrays (train_idx, val_idx)"
    sides = []
    for side in value:
        try:
            array = np.asarray(side)
        except (TypeError, ValueError):
            return "must return two 1-D arrays of example indices"
        if array.ndim != 1 or array.dtype.kind not in ("iu" if integers else "iuf"):
            return "must return two 1-D arrays of example indices"
        sides.append(array)
    return sides[0], sides[1]


def _is_partition(train: np.ndarray, val: np.ndarray, n: int) -> bool:
    return sorted(np.concatenate([train, val]).tolist()) == list(range(n))


def _leakage_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("group_split_indices", (_visible_groups(),), {"val_fraction": 0.2, "seed": 0},
                  label="the visible augmented digits (val_fraction=0.2, seed=0)")]
    for case in range(20):  # 40-150 groups of 1-5 examples, named by strings or integers, scattered
        sizes = rng.integers(1, 6, int(rng.integers(40, 150)))
        if case % 2:
            names = np.array([f"speaker-{rng.integers(10**6)}-{i}" for i in range(len(sizes))])
        else:
            names = rng.permutation(10**5)[:len(sizes)] * 7
        groups = rng.permutation(np.repeat(names, sizes))
        fraction, seed = float(rng.uniform(0.1, 0.35)), int(rng.integers(1000))
        kwargs = {"val_fraction": fraction, "seed": seed}
        # strings cannot travel as an array: the hidden part turns the list back into one (as before)
        calls.append(Call("group_split_indices_of_array", (groups.tolist(),), kwargs) if case % 2 else
                     Call("group_split_indices", (groups,), kwargs))
    return calls


def _groups(case: Call) -> np.ndarray:
    return np.asarray(case.args[0])


def _leakage_verdict(answers: Answers) -> Verdict:
    for index, (case, result) in enumerate(zip(answers.calls, answers.results)):
        where = case.label or f"hidden case {index} of {len(answers.calls) - 1}"
        if "error" in result:
            return failed(_raised("group_split_indices", result, where))
        groups = _groups(case)
        split = _split(result["value"], len(groups), integers=True)
        if isinstance(split, str):
            return failed(f"group_split_indices {split} (on {where})")
        train, val = split
        if case.label and not (len(train) and len(val)):
            return failed(f"both sides must hold examples (on {where})")
        if not _is_partition(train, val, len(groups)):
            return failed(f"on {where}: every example index must appear exactly once, in train_idx or in val_idx")
        if not (len(train) and len(val)):
            return failed(f"on {where}: one side is empty")
        shared = set(groups[train].tolist()) & set(groups[val].tolist())
        if shared:
            return failed(f"on {where}: {len(shared)} groups have examples on both sides: split by group, not by example")
    return passed(f"passed ({len(answers.calls)} cases)")


def _size_cases(rng: np.random.Generator) -> list[Call]:
    groups = _visible_groups()
    calls = [Call("group_split_indices", (groups,), {"val_fraction": 0.2, "seed": 0}, label="the visible split (seed 0)"),
             Call("group_split_indices", (groups,), {"val_fraction": 0.2, "seed": 0}, label="the visible split again"),
             Call("group_split_indices", (groups,), {"val_fraction": 0.2, "seed": 1}, label="the visible split, seed 1")]
    for _ in range(20):  # integer groups; each split asked twice, by keywords and positionally
        sizes = rng.integers(1, 6, int(rng.integers(60, 160)))
        g = rng.permutation(np.repeat(np.arange(len(sizes)) * 3 + 11, sizes))
        fraction, seed = float(rng.uniform(0.1, 0.35)), int(rng.integers(1000))
        calls += [Call("group_split_indices", (g,), {"val_fraction": fraction, "seed": seed}),
                  Call("group_split_indices", (g, fraction, seed))]
    calls += [Call("group_split_indices", (groups, 0.2, s), label=f"the visible groups with seed {s}") for s in range(5)]
    return calls + [Call("group_split_indices", (WORDS, 0.25, 3), label="string groups given as a list"),
                    Call("group_split_indices_of_array", (WORDS, 0.25, 3), label="the same string groups as an array")]


def _same_split(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def _size_verdict(answers: Answers) -> Verdict:
    results = answers.results
    for index, result in enumerate(results):
        if "error" in result:
            case = answers.calls[index]
            where = case.label or f"hidden case {(index - 1) // 2} of 20"
            return failed(_raised("group_split_indices", result, where))
    n = len(_visible_groups())
    splits = [_split(r["value"], len(_groups(c)), integers=False) for c, r in zip(answers.calls, results)]
    for split, case in zip(splits, answers.calls):
        if isinstance(split, str):
            return failed(f"group_split_indices {split} (on {case.label or 'a hidden case'})")
    first, again, other = splits[:3]
    if not _same_split(first, again):
        return failed("the same seed must give the same split (the visible groups, seed 0 twice)")
    if np.array_equal(np.sort(first[1]), np.sort(other[1])):
        return failed("seeds 0 and 1 gave the same split of the visible groups: shuffle with the seed")
    if not _is_partition(*first, n):
        return failed("every example index must appear exactly once (the visible split)")
    share = len(first[1]) / n
    if abs(share - 0.2) > 0.05:
        return failed(f"validation should hold about 20 % of the visible examples, got {share:.1%}")
    for k in range(20):
        case, (train, val), repeat = answers.calls[3 + 2 * k], splits[3 + 2 * k], splits[4 + 2 * k]
        groups, fraction = _groups(case), case.kwargs["val_fraction"]
        if not _is_partition(train, val, len(groups)):
            return failed(f"hidden case {k + 1} of 20: not a partition (every index exactly once)")
        if abs(len(val) / len(groups) - fraction) > 0.05:
            return failed(f"hidden case {k + 1} of 20: {len(val) / len(groups):.3f} of the examples in validation, "
                          f"asked {fraction:.3f} (more than 0.05 away)")
        if not _same_split((train, val), repeat):
            return failed(f"hidden case {k + 1} of 20: not reproducible (the same arguments gave another split)")
    seeds = splits[43:48]
    if len({tuple(np.sort(val).tolist()) for _, val in seeds}) < 4:
        return failed("different seeds should give different splits (seeds 0-4 on the visible groups gave fewer "
                      "than 4 different validation sets)")
    if not _same_split(*splits[48:50]):
        return failed("string groups: the split of a list must equal the split of the same groups as an array")
    return passed(f"passed ({len(answers.calls)} cases)")


# ------------------------------------------------------------------ Task 4 · a classifier under budget

PARAMETER_BUDGET = 1_000
TARGET_ACCURACY = 0.90
N_VISIBLE = 1_400
N_CLASSES = 10
ARTIFACT = "model_bytes must be the bytes of course.deploy.convert(model, int8=False)"
# Integer constants are shapes, axes and indices (e.g. Flatten's RESHAPE target), not parameters, unless
# they are an integer model's biases or are cast or gathered into data.
INTEGER_PARAMETER_USES = {("FULLY_CONNECTED", 2), ("CONV_2D", 2), ("DEPTHWISE_CONV_2D", 2), ("TRANSPOSE_CONV", 3),
                          ("CAST", 0), ("GATHER", 0), ("GATHER_ND", 0), ("EMBEDDING_LOOKUP", 1)}


def count_tflite_parameters(model_bytes: bytes) -> int:
    """Parameters of a .tflite model: the elements of its constant tensors (weights and biases).

    Read from the bytes the grader evaluates (never from a number the kernel sends). Integer constants
    count only as an integer model's biases or as data (cast or gathered), not as shapes, axes or slices;
    single numbers do not count (coefficients of an op, e.g. an activation's, which Keras does not count).
    Batch normalisation folded by the converter counts as the multipliers and offsets it became, so a
    Keras model's count_params() is never below this count for the layers of the course.
    """
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    names = {code: name for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    integer = {schema.TensorType.INT32, schema.TensorType.INT64, schema.TensorType.UINT32, schema.TensorType.UINT64}
    buffers = model.buffers or []
    total = 0
    for subgraph in model.subgraphs or []:
        uses: dict[int, set] = {}
        for op in subgraph.operators or []:
            code = model.operatorCodes[op.opcodeIndex]
            name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "OTHER")
            for position, tensor in enumerate(op.inputs if op.inputs is not None else []):
                uses.setdefault(int(tensor), set()).add((name, position))
        for index, tensor in enumerate(subgraph.tensors or []):
            buffer = buffers[tensor.buffer] if 0 < tensor.buffer < len(buffers) else None
            constant = buffer is not None and (buffer.data is not None and len(buffer.data) > 0
                                               or (getattr(buffer, "size", 0) or 0) > 0)
            if not constant:
                continue
            if tensor.type in integer and not uses.get(index, set()) & INTEGER_PARAMETER_USES:
                continue
            dims = [int(d) for d in tensor.shape] if tensor.shape is not None else []
            if any(d < 0 for d in dims):
                raise ValueError("a constant tensor with a negative dimension")
            elements = int(np.prod(dims, dtype=np.int64))
            if elements > 1:  # a lone number is an op's coefficient (Rescaling's scale, hard_sigmoid's 0.2), not weights
                total += elements
    return total


def _model_problem(answers: Answers, budget: int = PARAMETER_BUDGET) -> tuple[bytes, int] | str:
    """(model bytes, parameters), or why the handed-in model cannot be graded (over `budget` parameters too)."""
    model_bytes = answers.values.get("model_bytes")
    if not isinstance(model_bytes, bytes) or not model_bytes:
        return ARTIFACT
    try:
        n_params = count_tflite_parameters(model_bytes)
    except Exception:  # anything the kernel sent may be handed in as "model bytes"
        return "the model bytes handed in are not a .tflite model (" + ARTIFACT + ")"
    if n_params > budget:
        return f"the converted model has {n_params:,} parameters; the budget is {budget:,}"
    return model_bytes, n_params


def _scores(model_bytes: bytes, x: np.ndarray) -> np.ndarray | str:
    """The model's outputs on `x` from TensorFlow Lite Micro (a child process), or why it did not run."""
    from course.deploy import tflm_predict

    try:
        return np.asarray(tflm_predict(model_bytes, x, dequantized=True), dtype=float)
    except Exception as error:  # a model TFLM cannot run (or that crashes it) fails, the grader carries on
        return f"TensorFlow Lite Micro could not run the converted model: {type(error).__name__}: {str(error)[:200]}"


@functools.cache
def _validation_set() -> tuple[np.ndarray, np.ndarray]:
    """The notebook's x_val, y_val (public): images 1,100-1,399 of digits(seed=0)."""
    visible = digits(seed=0).take(np.arange(N_VISIBLE))
    return visible.x[1_100:], visible.y[1_100:]


def _budget_verdict(answers: Answers) -> Verdict:
    model = _model_problem(answers)
    if isinstance(model, str):
        return failed(model)
    model_bytes, n_params = model
    x_val, y_val = _validation_set()
    scores = _scores(model_bytes, x_val)
    if isinstance(scores, str):
        return failed(scores)
    if scores.shape != (len(x_val), N_CLASSES):
        return failed(f"images of shape (8, 8) should give {N_CLASSES} scores each, got outputs of shape "
                      f"{scores.shape[1:]} per image")
    accuracy = float(np.mean(np.argmax(scores, axis=-1) == y_val))
    if not accuracy >= TARGET_ACCURACY:
        return failed(f"validation accuracy {accuracy:.1%} is below {TARGET_ACCURACY:.0%}: train longer, or check your model")
    return passed(f"Task 4 (budget and validation): passed — {n_params:,} parameters, validation accuracy {accuracy:.1%}.")


@functools.cache
def _heldout_set(assignment: str, salt: str) -> tuple[np.ndarray, np.ndarray]:
    """The 397 digits the notebook never loads, each with a random brightness change and pixel noise.

    Drawn from the grader's data randomness (the same for every learner), never sent to a kernel.
    """
    rng = Answers("", {}, [], [], assignment).data_rng(salt)
    everything = digits(seed=0)
    x, y = everything.x[N_VISIBLE:], everything.y[N_VISIBLE:]
    brightness = rng.uniform(0.8, 1.1, (len(x), 1, 1))
    return np.clip(x * brightness + rng.normal(0.0, 0.04, x.shape), 0.0, 1.0).astype(np.float32), y


def _heldout_verdict(answers: Answers) -> Verdict:
    model = _model_problem(answers)
    if isinstance(model, str):
        return failed(model)
    model_bytes, _ = model
    x, y = _heldout_set(answers.assignment, "digits-heldout")
    scores = _scores(model_bytes, x)
    if isinstance(scores, str):
        return failed(scores)
    if scores.ndim < 1 or len(scores) != len(x) or scores.size == 0:
        return failed(f"the model should give {N_CLASSES} scores per image, got outputs of shape {scores.shape[1:]}")
    predicted = np.argmax(scores.reshape(len(x), -1), axis=-1)
    accuracy = float(np.mean(predicted == y))
    if not accuracy >= TARGET_ACCURACY:
        return failed(f"held-out accuracy {accuracy:.1%} on {len(y)} images is below the {TARGET_ACCURACY:.0%} bar")
    return passed(f"held-out accuracy: {accuracy:.1%} on {len(y)} images")


# ------------------------------------------------------------ Task 5 · a person detector in new scenes

PERSON_BUDGET = 8_000
PERSON_TARGET = 0.80
PERSON_FRAMES = 800  # per class, images(seed=0): the notebook's frames
PERSON_VAL_SCENES = "s060"  # scenes from this one on are the notebook's validation scenes
PERSON_HELDOUT = 300  # per class, drawn at grading time: new scenes with new people


def _frames_as_float(x: np.ndarray) -> np.ndarray:
    return (x / 255.0).astype(np.float32)


@functools.cache
def _person_validation_set() -> tuple[np.ndarray, np.ndarray]:
    """The notebook's x_frames_val, y_frames_val (public): the frames of scenes s060 on."""
    frames = images(n_per_class=PERSON_FRAMES, seed=0)
    val = frames.meta["scene"] >= PERSON_VAL_SCENES
    return _frames_as_float(frames.x[val]), frames.y[val]


@functools.cache
def _person_heldout_set(assignment: str, salt: str) -> tuple[np.ndarray, np.ndarray]:
    """Frames of scenes (and their people) drawn from the grader's data randomness, never sent to a kernel."""
    seed = int(Answers("", {}, [], [], assignment).data_rng(salt).integers(2**31))
    frames = images(n_per_class=PERSON_HELDOUT, seed=seed)
    return _frames_as_float(frames.x), frames.y


def _person_accuracy(answers: Answers, x: np.ndarray, y: np.ndarray) -> float | str:
    """The handed-in model's accuracy on (x, y) on TensorFlow Lite Micro, or why it cannot be graded."""
    model = _model_problem(answers, PERSON_BUDGET)
    if isinstance(model, str):
        return model
    scores = _scores(model[0], x)
    if isinstance(scores, str):
        return scores
    if scores.shape != (len(x), 2):
        return f"frames of shape (32, 32, 1) should give 2 scores each, got outputs of shape {scores.shape[1:]} per frame"
    return float(np.mean(np.argmax(scores, axis=-1) == y))


def _person_budget_verdict(answers: Answers) -> Verdict:
    accuracy = _person_accuracy(answers, *_person_validation_set())
    if isinstance(accuracy, str):
        return failed(accuracy)
    if not accuracy >= PERSON_TARGET:
        return failed(f"validation accuracy {accuracy:.1%} is below {PERSON_TARGET:.0%}: train longer, or check your model")
    return passed(f"Task 5 (budget and validation): passed — validation accuracy {accuracy:.1%}.")


def _person_heldout_verdict(answers: Answers) -> Verdict:
    x, y = _person_heldout_set(answers.assignment, "person-heldout")
    accuracy = _person_accuracy(answers, x, y)
    if isinstance(accuracy, str):
        return failed(accuracy)
    if not accuracy >= PERSON_TARGET:
        return failed(f"accuracy {accuracy:.1%} on {len(y)} frames of new scenes is below the {PERSON_TARGET:.0%} bar")
    return passed(f"held-out accuracy: {accuracy:.1%} on {len(y)} frames of new scenes with new people")


CHECKS = {
    "task1_tests": Check(cases=_softmax_cases, verdict=_softmax_verdict),
    "task2_tests": Check(cases=_cross_entropy_cases, verdict=_cross_entropy_verdict),
    "task3_leakage_tests": Check(cases=_leakage_cases, verdict=_leakage_verdict, scope=("task3_solution",),
                                 references=SPLIT_REFERENCES),
    "task3_split_tests": Check(cases=_size_cases, verdict=_size_verdict, scope=("task3_solution",),
                               references=SPLIT_REFERENCES),
    "task4_budget_tests": Check(verdict=_budget_verdict),
    "task4_heldout_tests": Check(verdict=_heldout_verdict),
    "task5_budget_tests": Check(verdict=_person_budget_verdict),
    "task5_heldout_tests": Check(verdict=_person_heldout_verdict),
}
