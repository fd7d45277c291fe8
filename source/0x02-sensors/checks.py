"""How week 0x02's test cells are judged, outside the learner's kernel (course/grading/verdicts.py).

Never released to learners and never visible inside the grading sandbox. Function checks call the
learner's functions on cases drawn per learner from the grading secret (plus the visible tests'
inputs, labelled); the expected values are computed here with the course library. Task 4's hidden
clips come from new speakers drawn with the grading secret, the same for every learner; their labels
never leave the grader. The parameter budget is counted in the spotter's TFLite bytes.
"""
import functools
from pathlib import Path

import numpy as np

from course.data import keywords
from course.data.keywords import ACCENTS, _speakers
from course.features import log_mel_spectrogram
from course.grading.answers import Call
from course.grading.hidden import grading_rng
from course.grading.verdicts import Answers, Check, Verdict, case_failure, failed, passed
from course.lessons import kws
from course.lessons.budget import design_problem, training_time_problem
from course.units import INT16_FULL_SCALE

ASSIGNMENT = Path(__file__).resolve().parent.name  # what Answers.assignment is when grading this folder
SILENCE_LOG = float(np.log(1e-6))
PARAMETER_BUDGET = 10_000  # int8: about one byte each, plus a few KB of structure, within 0x03's 20 KB
MAX_TRAIN_SECONDS = 40.0  # train_my_spotter on the notebook's 2,400 clips
DESIGN_KEYS = ("features", "architecture", "training", "trade_off")
N_CLASSES = 8  # len(data.classes): silence, unknown and six keywords
MAX_HIDDEN_CLIPS = 640  # keeps every cell's cases together well below the codec's 32 MiB (640 clips ≈ 27 M characters)


# ---------------------------------------------------------------- shared helpers (never raise on odd answers)


def _value(answers: Answers, index: int) -> tuple[object, str | None]:
    """(the value case `index` returned, None) or (None, why there is none)."""
    result = answers.results[index]
    if "error" in result:
        case = answers.calls[index]
        return None, f"{case.function} raised {result['error']} on {answers.where(index)}: {result.get('message', '')}"
    return result["value"], None


def _array(value) -> np.ndarray | None:
    """`value` as a numeric NumPy array (as np.asarray makes it), or None if it is not one."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return array if array.dtype.kind in "biuf" else None


def _max_difference(got: np.ndarray, want: np.ndarray) -> float:
    """The largest absolute difference: inf if the shapes differ or any difference is NaN or infinite."""
    if got.shape != want.shape:
        return float("inf")
    if got.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        difference = np.abs(got.astype(np.float64) - want.astype(np.float64))
    return float(difference.max()) if np.all(np.isfinite(difference)) else float("inf")


@functools.cache
def _keyword_set(n_per_class: int, n_speakers: int, seed: int):
    """A public `keywords(...)` set, as the notebook's visible tests make it (cached, read-only)."""
    data = keywords(n_per_class=n_per_class, n_speakers=n_speakers, seed=seed)
    data.x.flags.writeable = False
    return data


# ---------------------------------------------------------------- Task 1: log_mel


def _log_mel_cases(rng: np.random.Generator) -> list[Call]:
    clips = _keyword_set(1, 3, 21)
    calls = [Call("log_mel", (clips.x[i],), label=f"the visible '{clips.classes[clips.y[i]]}' clip")
             for i in (0, 2, 5)]
    for case in range(12):
        t = int(rng.integers(480, 24000))
        kind = case % 4
        if kind == 0:    # white noise at a random level, int16
            x = np.clip(rng.normal(0, 10 ** rng.uniform(1, 4), t), -32768, 32767).astype(np.int16)
        elif kind == 1:  # a sum of tones, float64
            time = np.arange(t) / 16000
            x = sum(rng.uniform(0, 0.3) * np.sin(2 * np.pi * rng.uniform(50, 7900) * time) for _ in range(3))
        elif kind == 2:  # float32 noise
            x = rng.uniform(-0.5, 0.5, t).astype(np.float32)
        else:            # a synthetic word, cut to a random length
            x = np.array(clips.x[int(rng.integers(len(clips)))][:t])
        calls.append(Call("log_mel", (x,)))
    return calls


def _log_mel_problem(answers: Answers, index: int, visible_form: bool = False) -> str | None:
    """Why log_mel's result on case `index` is not the reference's (within 0.001), or None."""
    value, problem = _value(answers, index)
    if problem:
        return problem
    where = answers.where(index)
    reference = log_mel_spectrogram(answers.calls[index].args[0])
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        return f"log_mel must return a NumPy array; on {where} it returned {type(value).__name__}"
    if value.shape != reference.shape:
        return f"log_mel returned shape {value.shape} on {where}; expected {reference.shape}" if visible_form else \
            f"log_mel returned the wrong shape on {where} (frames: 1 + (T - 480) // 320)"
    if visible_form and value.dtype != np.float32:
        return f"return float32 (use .astype(np.float32)), got {value.dtype} on {where}"
    worst = _max_difference(value, reference)
    if not worst < 1e-3:
        return (f"{where}: differs from the reference by up to {worst:.3g} (check the scaling by 32768, the "
                "window, n=512 and the +1e-6)") if visible_form else f"log_mel's values are wrong on {where}"
    return None


def _log_mel_verdict(answers: Answers) -> Verdict:
    for index, case in enumerate(answers.calls):
        problem = _log_mel_problem(answers, index, visible_form=bool(case.label))
        if problem:
            return failed(problem)
    return passed(f"passed ({len(answers.calls)} clips)")


def _log_mel_edge_cases(rng: np.random.Generator) -> list[Call]:
    clip = _keyword_set(1, 1, 22).x[2]
    calls = [Call("log_mel", (np.zeros(16000, dtype=np.int16),), label="silence (16,000 int16 zeros, visible)"),
             Call("log_mel", (np.array(clip),), label="the visible int16 clip"),
             Call("log_mel", (clip / 32768.0,), label="the visible clip as floats (÷ 32768)")]
    # a clipped, full-scale square wave (int16 extremes), in both types
    square = np.where(np.sin(2 * np.pi * rng.uniform(100, 2000) * np.arange(16000) / 16000) >= 0,
                      32767, -32768).astype(np.int16)
    calls += [Call("log_mel", (square,)), Call("log_mel", (square / 32768.0,))]
    # exactly one frame, one sample short of a second frame, exactly two frames
    calls += [Call("log_mel", (rng.normal(0, 3000, t).astype(np.int16),)) for t in (480, 799, 800)]
    # a constant (DC) offset: nearly all energy below the first mel band
    calls.append(Call("log_mel", (np.full(16000, 0.25),)))
    # int16 silence with one click
    click = np.zeros(16000, dtype=np.int16)
    click[int(rng.integers(16000))] = 32767
    calls.append(Call("log_mel", (click,)))
    return calls


def _log_mel_edge_verdict(answers: Answers) -> Verdict:
    silent, problem = _value(answers, 0)
    if problem:
        return failed(problem)
    silent = _array(silent)
    if silent is None or silent.shape != (49, 40) or not np.all(np.isfinite(silent)):
        return failed("silence must give finite values of shape (49, 40)")
    if not np.allclose(silent, SILENCE_LOG):
        return failed(f"silence gives log(1e-6) ≈ -13.8 everywhere, got {silent.min():.3g}…{silent.max():.3g}")
    as_int, problem = _value(answers, 1)
    as_float, problem = (None, problem) if problem else _value(answers, 2)
    if problem:
        return failed(problem)
    as_int, as_float = _array(as_int), _array(as_float)
    if as_int is None or as_float is None or as_int.shape != as_float.shape or not np.all(np.isfinite(as_int)) \
            or not np.all(np.isfinite(as_float)) or not np.allclose(as_int, as_float, atol=1e-3):
        return failed("int16 input and the same clip as floats (÷ 32768) must agree")
    for index in range(3, len(answers.calls)):
        problem = _log_mel_problem(answers, index)
        if problem:
            return failed(problem)
    return passed(f"passed ({len(answers.calls)} clips: silence, int16 and float input, clipping, "
                  "one-frame lengths, a constant and a click)")


# ---------------------------------------------------------------- Task 2: accent_split


VISIBLE_ACCENT = "en-gb-scotland"


def _split_cases(rng: np.random.Generator) -> list[Call]:
    small = _keyword_set(10, 12, 23)
    accents, speakers = small.meta["accent"].tolist(), small.meta["speaker"].tolist()
    label = f"the visible 80 clips of 12 speakers (test_accent={VISIBLE_ACCENT!r}, val_fraction=0.25, seed=0)"
    kwargs = {"val_fraction": 0.25, "seed": 0}
    calls = [Call("accent_split", (accents, speakers, VISIBLE_ACCENT), kwargs, label=label),
             Call("accent_split", (accents, speakers, VISIBLE_ACCENT), kwargs, label=label + ", called again")]
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    for case in range(16):
        n_accents = int(rng.integers(2, 8))
        accent_names = ["".join(rng.choice(letters, 5)) for _ in range(n_accents)]
        per_accent = rng.integers(1, 9, n_accents)                 # speakers per accent
        accent_of, speaker_ids = [], []
        for a, n in enumerate(per_accent):
            accent_of += [a] * int(n)
            speaker_ids += [f"{accent_names[a]}+v{k}" for k in range(int(n))]
        sizes = rng.integers(1, 30, len(speaker_ids))               # unbalanced speakers
        order = rng.permutation(int(sizes.sum()))
        speakers_per_clip = np.repeat(np.array(speaker_ids), sizes)[order]
        accents_per_clip = np.repeat(np.array([accent_names[a] for a in accent_of]), sizes)[order]
        test_accent = accent_names[int(rng.integers(n_accents))]
        if case % 4 == 0:   # integer ids work too
            accents_per_clip = np.unique(accents_per_clip, return_inverse=True)[1] * 3 + 1
            speakers_per_clip = np.unique(speakers_per_clip, return_inverse=True)[1] * 7 + 2
            test_accent = int(accents_per_clip[0])
        fraction, seed = float(rng.choice([0.1, 0.2, 0.3, 0.5])), int(rng.integers(1000))
        args = (accents_per_clip.tolist(), speakers_per_clip.tolist(), test_accent)
        calls += [Call("accent_split", args, {"val_fraction": fraction, "seed": seed}),
                  Call("accent_split", (*args, fraction, seed))]
    many_speakers = np.repeat(np.arange(40), 5)
    many_accents = many_speakers % 4
    calls += [Call("accent_split", (many_accents.tolist(), many_speakers.tolist(), 3, 0.2), {"seed": s},
                   label=f"40 speakers of 5 clips in 4 accents, seed={s}") for s in range(5)]
    calls.append(Call("accent_split", (["a"] * 4 + ["b"] * 6, ["p"] * 4 + ["q"] * 6, "a"),
                      {"val_fraction": 0.9, "seed": 3},
                      label="one speaker outside the test accent (val_fraction=0.9): it stays in training"))
    calls.append(Call("accent_split", (["a"] * 4 + ["b"] * 6, ["p"] * 4 + ["q"] * 6, "zz"), {"seed": 0},
                      label="a test accent no clip has"))
    return calls


def _indices(value) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(train_idx, val_idx, test_idx) as integer arrays, or None if `value` is not three of them."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        return None
    arrays = [_array(side) for side in value]
    if any(a is None or a.ndim != 1 or (a.dtype.kind not in "iu" and a.size) for a in arrays):
        return None
    return tuple(a.astype(np.int64) for a in arrays)


def _split_problem(accents: np.ndarray, speakers: np.ndarray, test_accent, fraction: float, split,
                   where: str, visible: bool = False) -> str | None:
    """Why `split` is not a valid accent split, or None (numbers only if `visible`)."""
    if split is None:
        return f"{where}: return (train_idx, val_idx, test_idx), three arrays of integer clip indices"
    train, val, test = split
    if not np.array_equal(np.sort(np.concatenate(split)), np.arange(len(accents))):
        return f"{where}: every clip must be on exactly one side (clips lost or doubled)"
    if not all(np.array_equal(side, np.sort(side)) for side in split):
        return f"{where}: return sorted indices"
    if not np.array_equal(test, np.flatnonzero(accents == test_accent)):
        return f"{where}: the test side must hold every clip of the test accent, and only those"
    if set(speakers[train].tolist()) & set(speakers[val].tolist()):
        return f"{where}: a speaker is in both training and validation"
    if len(train) == 0:
        return f"{where}: always leave at least one speaker for training"
    rest = len(train) + len(val)
    one_left = len(np.unique(speakers[train])) == 1
    if not (len(val) >= fraction * rest or one_left):
        return (f"{where}: validation holds {len(val)} of the {rest} clips outside the test accent, less than "
                f"{fraction:.0%}" if visible else f"{where}: validation holds less than val_fraction of the clips "
                "outside the test accent")
    if len(val):
        _, sizes = np.unique(speakers[val], return_counts=True)
        if not len(val) - sizes.max() < fraction * rest:
            return f"{where}: take whole speakers until *at least* val_fraction: validation has a speaker too many"
    return None


def _split_verdict(answers: Answers) -> Verdict:
    splits, errors = [], []
    for index, case in enumerate(answers.calls):
        if case.label == "a test accent no clip has":
            errors.append(case_failure(index, answers, ValueError))
            splits.append(None)
            continue
        value, problem = _value(answers, index)
        if problem:
            return failed(problem)
        splits.append(_indices(value))
    if errors[0]:
        return failed(f"a test accent that no clip has must raise ValueError ({errors[0]})")
    for index, case in enumerate(answers.calls):
        if case.label == "a test accent no clip has":
            continue
        accents, speakers, test_accent = (np.asarray(v) if k < 2 else v for k, v in enumerate(case.args[:3]))
        fraction = case.kwargs.get("val_fraction", case.args[3] if len(case.args) > 3 else 0.2)
        problem = _split_problem(accents, speakers, test_accent, fraction, splits[index], answers.where(index),
                                 visible=bool(case.label))
        if problem:
            return failed(problem)
    if not all(np.array_equal(a, b) for a, b in zip(splits[0], splits[1])):
        return failed(f"{answers.where(0)}: the same seed must give the same split")
    hidden = [i for i, case in enumerate(answers.calls) if not case.label]
    for first, again in zip(hidden[::2], hidden[1::2]):
        if not all(np.array_equal(a, b) for a, b in zip(splits[first], splits[again])):
            return failed(f"{answers.where(first)}: the same seed must give the same split (not repeatable)")
    seeds = [i for i, case in enumerate(answers.calls) if case.label.startswith("40 speakers")]
    if len({tuple(splits[i][1].tolist()) for i in seeds}) < 2:
        return failed("different seeds should choose different validation speakers (40 speakers, seeds 0 to 4)")
    return passed(f"passed ({len(answers.calls)} splits)")


# ---------------------------------------------------------------- Task 3: time_shift and add_noise


def _shift_cases(rng: np.random.Generator) -> list[Call]:
    clip = np.array([1, 2, 3, 4], dtype=np.int16)
    calls = [Call("time_shift", (clip, s), label=f"[1, 2, 3, 4] (int16) shifted by {s}") for s in (1, -1, 0, 2)]
    for case in range(30):
        n = int(rng.integers(1, 3000))
        x = rng.integers(-32768, 32768, n).astype(np.int16) if case % 2 else rng.normal(0, 0.3, n).astype(np.float32)
        calls.append(Call("time_shift", (x, int(rng.integers(-n - 5, n + 6)))))
    ramp = np.arange(1, 101, dtype=np.int16)
    calls += [Call("time_shift", (ramp, s), label=f"100 samples shifted by {s}") for s in (100, -100)]
    return calls


VISIBLE_SHIFTS = {1: [0, 1, 2, 3], -1: [2, 3, 4, 0], 0: [1, 2, 3, 4]}


def _shift_verdict(answers: Answers) -> Verdict:
    for index, case in enumerate(answers.calls):
        value, problem = _value(answers, index)
        if problem:
            return failed(problem)
        got, (x, shift) = _array(value), case.args
        where = answers.where(index)
        if case.label.startswith("[1, 2, 3, 4]"):
            if shift in VISIBLE_SHIFTS and (got is None or got.tolist() != VISIBLE_SHIFTS[shift]):
                return failed(f"shift {shift}: expected {VISIBLE_SHIFTS[shift]}, got {value!r}"[:300])
            if shift == 2 and (got is None or got.dtype != np.int16):
                return failed("keep the dtype (int16 in, int16 out)")
        elif case.label:
            if got is None or got.any():
                return failed("a shift of T or more leaves only zeros")
        elif got is None or got.shape != x.shape or got.dtype != x.dtype:
            return failed(f"time_shift must keep the shape and dtype ({where})")
        elif not np.array_equal(got, kws.time_shift(x, shift)):
            return failed(f"time_shift is wrong on {where}")
    return passed(f"passed ({len(answers.calls)} shifts)")


def _noise_cases(rng: np.random.Generator) -> list[Call]:
    clip = _keyword_set(1, 1, 24).x[3]
    calls = [Call("add_noise", (np.array(clip), snr), {"seed": 1}, label=f"the visible spoken word at {snr:g} dB")
             for snr in (20.0, 10.0, 0.0)]
    calls += [Call("add_noise", (np.array(clip), 10.0), {"seed": s}, label=f"the visible word at 10 dB, seed={s}")
              for s in (5, 5, 6)]
    for case in range(15):
        snr = float(rng.uniform(-5, 40))
        seed = int(rng.integers(2 ** 31))
        if case % 3 == 0:   # float32 audio
            x = (rng.uniform(0.01, 0.5) * np.sin(np.arange(8000) * rng.uniform(0.01, 1.0))).astype(np.float32)
        else:               # int16 speech-like noise bursts
            x = np.clip(rng.normal(0, 10 ** rng.uniform(2.5, 3.8), int(rng.integers(4000, 16000))),
                        -32768, 32767).astype(np.int16)
        calls += [Call("add_noise", (x, snr, seed)), Call("add_noise", (x, snr, seed))]
    calls.append(Call("add_noise", (np.full(4000, 32000, dtype=np.int16), 0.0, 7), label="a loud clip (32000) at 0 dB"))
    calls.append(Call("add_noise", (np.zeros(1000, dtype=np.int16), 10.0, 1), label="a silent int16 clip"))
    return calls


def _measured_snr(x: np.ndarray, y: np.ndarray) -> float:
    scale = float(INT16_FULL_SCALE) if x.dtype == np.int16 else 1.0
    with np.errstate(all="ignore"):
        return kws.snr_db(x / scale, y.astype(np.float64) / scale)


def _noise_verdict(answers: Answers) -> Verdict:
    outputs = []
    for index in range(len(answers.calls)):
        value, problem = _value(answers, index)
        if problem:
            return failed(problem)
        outputs.append(_array(value))
    hidden = [i for i, c in enumerate(answers.calls) if not c.label]
    repeats = set(hidden[1::2])  # the second call of each hidden pair: compared with the first below
    for index, case in enumerate(answers.calls):
        if index in repeats or case.label.endswith(("seed=5", "seed=6")):
            continue
        got, x, snr = outputs[index], case.args[0], case.args[1]
        where = answers.where(index)
        if case.label.startswith("a loud"):
            if got is None or got.size == 0 or not (got.min() >= -32768 and got.max() == 32767 and np.mean(got > 0) > 0.6):
                return failed("clip to the int16 range (no wrap-around): a loud clip at 0 dB must saturate at 32767")
        elif case.label.startswith("a silent"):
            if got is None or got.dtype != np.int16 or got.any():
                return failed("a silent clip gets no noise (and stays int16)")
        elif got is None or got.shape != x.shape or got.dtype != x.dtype:
            return failed(f"add_noise must keep the dtype and shape ({where})")
        else:
            measured = _measured_snr(x, got)
            if not abs(measured - snr) < 0.5:
                return failed(f"{where}: asked for {snr:g} dB, measured {measured:.2f} dB (power is amplitude "
                              "squared: 10·log10 vs 20·log10?)" if case.label else
                              f"add_noise misses the asked SNR by 0.5 dB or more on {where}")
    same = [i for i, c in enumerate(answers.calls) if c.label.endswith("seed=5")]
    other = [i for i, c in enumerate(answers.calls) if c.label.endswith("seed=6")]
    if any(outputs[i] is None for i in same + other) or not np.array_equal(outputs[same[0]], outputs[same[1]]):
        return failed("the same seed must give the same noise")
    if np.array_equal(outputs[same[0]], outputs[other[0]]):
        return failed("different seeds must give different noise")
    for first, again in zip(hidden[::2], hidden[1::2]):
        if outputs[again] is None or not np.array_equal(outputs[first], outputs[again]):
            return failed(f"add_noise is not repeatable on {answers.where(first)} (same seed, different noise)")
    return passed(f"passed ({len(answers.calls)} clips)")


# ---------------------------------------------------------------- Task 4: the spotter


def _parameters(model_bytes: bytes) -> int:
    """Weights and biases in a TFLite model: the elements of every operator's constant inputs that are
    not integer shapes or axes. Counted per use, as Keras counts each layer's weights: the converter
    stores equal constants (e.g. the zero biases of an untrained model) as one tensor."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    if not model.subgraphs or not any(s.operators for s in model.subgraphs):
        raise ValueError("no operators")
    indices = {schema.TensorType.INT32, schema.TensorType.INT64}
    buffers = model.buffers or []
    total = 0
    for subgraph in model.subgraphs:
        tensors = subgraph.tensors or []
        for op in subgraph.operators or []:
            for index in (op.inputs if op.inputs is not None else []):
                tensor = tensors[index] if 0 <= index < len(tensors) else None
                if tensor is None or tensor.type in indices or not 0 < tensor.buffer < len(buffers):
                    continue
                data = buffers[tensor.buffer].data
                if data is not None and len(data) > 0:
                    total += int(np.prod([int(d) for d in tensor.shape])) if tensor.shape is not None else 1
    return total


def _labels_problem(value, n: int, what: str, integers: bool = True) -> str | None:
    """Why `value` is not n labels (with `integers`: class indices into data.classes), or None."""
    labels = _array(value)
    if labels is None or labels.shape != (n,):
        shape = labels.shape if labels is not None else type(value).__name__
        return f"predict_keywords must return one label per clip, shape ({n},), got {shape} on {what}"
    if integers and (labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= N_CLASSES):
        return f"labels must be integer class indices into data.classes (0 to {N_CLASSES - 1}) on {what}"
    return None


def _budget_cases(rng: np.random.Generator) -> list[Call]:
    check = _keyword_set(2, 4, 25)
    return [Call("predict_keywords", (np.array(check.x),),
                 label="the visible check clips (keywords(n_per_class=2, n_speakers=4, seed=25))")]


def _budget_verdict(answers: Answers) -> Verdict:
    problem = (design_problem(answers.values.get("design"), DESIGN_KEYS)
               or training_time_problem(answers.values.get("train_seconds"), MAX_TRAIN_SECONDS))
    if problem:
        return failed(problem)
    model = answers.values.get("spotter_tflite")
    if not isinstance(model, bytes):
        return failed("the spotter could not be converted to TFLite bytes")
    try:
        n_params = _parameters(model)
    except Exception as error:  # any bytes may arrive: a parse error is the answer's fault
        return failed(f"the spotter's bytes are not a TFLite model ({type(error).__name__})")
    if n_params > PARAMETER_BUDGET:
        return failed(f"the spotter has {n_params:,} parameters; the budget is {PARAMETER_BUDGET:,}")
    value, problem = _value(answers, 0)
    problem = problem or _labels_problem(value, len(answers.calls[0].args[0]), answers.where(0))
    if problem:
        return failed(problem)
    seconds = answers.values["train_seconds"]
    return passed(f"{n_params:,} parameters (counted in the spotter's TFLite conversion) and {seconds:.1f} s of "
                  "training — within the budget; design written down")


@functools.cache
def _training_speakers() -> frozenset[str]:
    """The speakers of the notebook's `data = keywords(n_per_class=300, n_speakers=200, seed=2)`.

    `keywords` draws its speakers first, and with 300 clips per class every one of the 200 speaks;
    so they are the speakers `_speakers` draws from seed 2, without synthesizing 2,400 clips.
    """
    drawn = _speakers(np.random.default_rng(2), 200, list(ACCENTS))
    return frozenset(f"{s['accent']}+{s['variant']}" for s in drawn)


@functools.cache
def _unseen(n_per_class: int, n_speakers: int, seed: int):
    data = kws.unseen_speakers(keywords(n_per_class=n_per_class, n_speakers=n_speakers, seed=seed),
                               np.array(sorted(_training_speakers())))
    data.x.flags.writeable = False
    return data


@functools.cache
def _hidden_clips(salt: str) -> tuple[np.ndarray, np.ndarray]:
    """New speakers' clips and labels, the same for every learner: (x, y) of at most MAX_HIDDEN_CLIPS."""
    seed = int(grading_rng("data", ASSIGNMENT, salt).integers(1_000, 2 ** 31))
    hidden = _unseen(100, 300, seed)
    return hidden.x[:MAX_HIDDEN_CLIPS], hidden.y[:MAX_HIDDEN_CLIPS]


def _accuracy_cases(rng: np.random.Generator) -> list[Call]:
    return [Call("predict_keywords", (np.array(_hidden_clips("spotter")[0]),))]


def _accuracy_verdict(answers: Answers) -> Verdict:
    visible = _unseen(12, 60, 26)
    predictions = answers.values.get("check_predictions")
    problem = _labels_problem(predictions, len(visible), "the visible check set", integers=False)
    if problem:
        return failed(problem)
    visible_accuracy = kws.accuracy(visible.y, _array(predictions))
    if visible_accuracy < 0.85:
        return failed(f"{visible_accuracy:.1%} on the visible check set of {len(visible)} clips of unseen speakers: "
                      "below 85 %")
    value, problem = _value(answers, 0)
    x, y = _hidden_clips("spotter")
    problem = problem or _labels_problem(value, len(y), f"{len(y)} clips of new speakers", integers=False)
    if problem:
        return failed(problem)
    accuracy = kws.accuracy(y, _array(value))
    if accuracy < 0.90:
        return failed(f"accuracy {accuracy:.1%} on {len(y)} clips of new speakers is below the 90 % bar")
    return passed(f"accuracy {accuracy:.1%} on {len(y)} clips of new speakers (90 % needed)")


LOG_MEL_REFERENCES = ("course.features.log_mel_spectrogram", "course.lessons.adversarial.tf_log_mel_spectrogram")

CHECKS = {
    "task1_tests": Check(cases=_log_mel_cases, verdict=_log_mel_verdict, scope=("task1_solution",),
                         references=LOG_MEL_REFERENCES),
    "task1_edge_tests": Check(cases=_log_mel_edge_cases, verdict=_log_mel_edge_verdict),
    "task2_tests": Check(cases=_split_cases, verdict=_split_verdict,
                         scope=("task2_solution",),
                         references=("course.data.group_split", "course.data.splits.group_split",
                                     "course.lessons.kws.unseen_speakers")),
    "task3_shift_tests": Check(cases=_shift_cases, verdict=_shift_verdict),
    "task3_noise_tests": Check(cases=_noise_cases, verdict=_noise_verdict),
    "task4_budget_tests": Check(cases=_budget_cases, verdict=_budget_verdict),
    "task4_accuracy_tests": Check(cases=_accuracy_cases, verdict=_accuracy_verdict),
}
