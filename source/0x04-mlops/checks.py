"""How week 0x04's test cells are judged, outside the learner's kernel (course/grading/verdicts.py).

Never released to learners and never visible inside the grading sandbox. The kernel only runs the
learner's functions on the cases drawn here and hands back their results; every verdict (AUCs, flags,
accuracies, alarms) is computed here. Hidden data reaches the kernel only as the inputs of those calls:
the labels of the hidden fleet and what each drift case must answer stay in this process.
"""
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from course.data import vibration, vibration_timeline
from course.grading.answers import Call, Unsupported
from course.grading.hidden import grading_seed
from course.grading.verdicts import Answers, Check, Verdict, case_failure, failed, passed
from course.lessons import anomaly
from course.lessons.budget import design_problem
from course.lessons.fairness import disparity as reference_disparity
from course.lessons.fairness import group_accuracy

ASSIGNMENT = "0x04-mlops"


@dataclass(frozen=True)
class Case(Call):
    """A call and what its result must satisfy: `expect` stays in the grader (only function, args and
    kwargs are written for the kernel)."""

    expect: Any = None


def _where(answers: Answers, index: int) -> str:
    if answers.calls[index].function == "train_and_score":
        return "the hidden fleet"
    return answers.where(index)


def _raised(answers: Answers, index: int, name: str) -> str | None:
    """Why case `index` has no result (the learner's function raised), or None."""
    result, case = answers.results[index], answers.calls[index]
    if "error" not in result:
        return None
    # The error's text only for public inputs: on hidden ones it could carry them out.
    detail = f": {result.get('message', '')}" if case.label else ""
    return f"{name} raised {result['error']} on {_where(answers, index)}{detail}"


def _kind(value: Any) -> str:
    return str(value) if isinstance(value, Unsupported) else type(value).__name__


def _shown(value: Any) -> str:
    """A learner's result in a message (only for public cases), cut short."""
    text = _kind(value) if isinstance(value, Unsupported) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _number(value: Any) -> float | None:
    """`value` as one float (a number, a NumPy scalar or a one-element array), or None."""
    if isinstance(value, (str, bytes, dict)) or value is None:
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(array.reshape(-1)[0]) if array.size == 1 else None


def _close(value: Any, want: float) -> bool:
    got = _number(value)
    return got is not None and bool(np.isclose(got, want))


def _all_cases(problem: Callable[[Answers, int], str | None]) -> Callable[[Answers], Verdict]:
    """A verdict: all points if no case has a problem, else none and the first problem."""
    def verdict(answers: Answers) -> Verdict:
        for index in range(len(answers.calls)):
            reason = problem(answers, index)
            if reason:
                return failed(reason)
        return passed(f"passed ({len(answers.calls)} cases)")
    return verdict


# ---------------------------------------------------------------- task 1: the detector

VISIBLE_AUC, HIDDEN_AUC = 0.85, 0.9
MAX_STORED = 4000  # numbers the detector may store: 16 KB as float32, the week's flash budget (manifest: flash_kb)
MAX_TRAIN_SECONDS = 15.0  # training on 200 windows, features included, TensorFlow already loaded
DESIGN_KEYS = ("features", "model", "training", "trade_off")


@functools.cache
def _visible_check_windows() -> tuple[np.ndarray, np.ndarray, float]:
    """The notebook's public check windows (task1_data), their fault labels and the sample rate."""
    fleet = vibration(n_normal=300, n_per_fault=60, faults=["imbalance", "misalignment"], seed=0)
    normal = np.flatnonzero(fleet.y == 0)
    check_idx = np.concatenate([normal[250:], np.flatnonzero(fleet.y > 0)])
    return fleet.x[check_idx], fleet.y[check_idx] > 0, float(fleet.sample_rate)


@functools.cache
def _fleet(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A new fleet with bearing and looseness faults: 200 normal training windows, the other windows,
    their fault labels and the sample rate (`seed` from the grading secret; the same for every learner)."""
    rng = np.random.default_rng(seed)
    fleet = vibration(n_normal=300, n_per_fault=50, faults=["bearing", "looseness"],
                      n_machines=int(rng.integers(3, 9)), seed=int(rng.integers(2**31)))
    train = rng.choice(np.flatnonzero(fleet.y == 0), 200, replace=False)
    rest = np.setdiff1d(np.arange(len(fleet)), train)
    return fleet.x[train], fleet.x[rest], fleet.y[rest] > 0, float(fleet.sample_rate)


def _hidden_fleet():
    """The hidden fleet of this grading secret, as Answers.data_rng("detector-fleet") would draw it."""
    return _fleet(grading_seed("data", ASSIGNMENT, "detector-fleet"))


def _detector_cases(rng: np.random.Generator) -> list[Call]:
    check_x, _, rate = _visible_check_windows()
    train_x, rest_x, _, hidden_rate = _hidden_fleet()
    return [Call("score_with_your_detector", (check_x, rate), label="the visible check windows"),
            Call("score_with_your_detector", (check_x[:3], rate), label="three of the visible check windows"),
            Call("train_and_score", (train_x, rest_x, hidden_rate))]  # hidden: no label


def _scores(answers: Answers, index: int, n: int) -> tuple[np.ndarray | None, str | None]:
    """The scores of case `index` as a float array of shape (n,), or why not."""
    hidden = answers.calls[index].function == "train_and_score"
    name = "train_detector or score_windows" if hidden else "score_windows"
    problem = _raised(answers, index, name)
    if problem:
        return None, problem
    value = answers.results[index]["value"]
    if hidden:  # {"scores", "seconds", "stored"} from the test cell
        value = value.get("scores") if isinstance(value, dict) else None
    try:
        scores = None if isinstance(value, (str, bytes, dict)) else np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        scores = None
    if scores is None:
        return None, f"score_windows must return an array of numbers, got {_kind(value)} on {_where(answers, index)}"
    if scores.shape != (n,):
        return None, (f"score_windows must return one score per window: expected shape ({n},), got {scores.shape} "
                      f"on {_where(answers, index)}")
    if not np.all(np.isfinite(scores)):
        return None, f"some scores are NaN or infinite on {_where(answers, index)}"
    return scores, None


def _budget_problem(stored: Any, seconds: Any, where: str) -> str | None:
    """Why a detector trained on `where` breaks the budget (numbers stored, training seconds), or None."""
    stored, seconds = _number(stored), _number(seconds)
    if stored is None or seconds is None:
        return f"the budget could not be measured on {where}"
    if stored > MAX_STORED:
        return f"trained on {where}, your detector stores {stored:,.0f} numbers: the budget is {MAX_STORED:,}"
    if seconds > MAX_TRAIN_SECONDS:
        return f"training on {where} took {seconds:.1f} s: the budget is {MAX_TRAIN_SECONDS:g} s"
    return None


def _detector_verdict(answers: Answers) -> Verdict:
    problem = design_problem(answers.values.get("design"), DESIGN_KEYS)
    if problem:
        return failed(problem)
    stored = _number(answers.values.get("stored"))
    if stored is None or stored > MAX_STORED:
        counted = "an uncountable amount of" if stored is None else f"{stored:,.0f}"
        return failed(f"your detector stores {counted} numbers: the budget is {MAX_STORED:,}")
    check_x, check_faulty, _ = _visible_check_windows()
    check_scores, problem = _scores(answers, 0, len(check_x))
    if problem:
        return failed(problem)
    check_auc = roc_auc_score(check_faulty, check_scores)
    if check_auc < VISIBLE_AUC:
        return failed(f"AUC {check_auc:.3f} on your check windows: below {VISIBLE_AUC}, the detector is not there yet")
    few, problem = _scores(answers, 1, 3)
    if problem:
        return failed(problem)
    if not np.allclose(few, check_scores[:3], rtol=1e-4, atol=1e-6):
        return failed("a window's score must not depend on which other windows are scored with it")
    _, rest_x, rest_faulty, _ = _hidden_fleet()
    scores, problem = _scores(answers, 2, len(rest_x))
    if problem:
        return failed(f"one finite score per window needed: {problem}")
    trained = answers.results[2]["value"]
    problem = _budget_problem(trained.get("stored"), trained.get("seconds"), "the hidden fleet")
    if problem:
        return failed(problem)
    auc = roc_auc_score(rest_faulty, scores)
    if auc < HIDDEN_AUC:
        return failed(f"on new machines with bearing and looseness faults your detector reaches AUC {auc:.3f} "
                      f"(< {HIDDEN_AUC})")
    return passed(f"passed: AUC {check_auc:.3f} on the check windows; on new machines with bearing and looseness "
                  f"faults, AUC {auc:.3f} with {_number(trained['stored']):,.0f} numbers and {_number(trained['seconds']):.1f} s of "
                  "training")


# ---------------------------------------------------------------- task 2: the threshold

THRESHOLD = "threshold_for_false_alarm_rate"
TEN = np.arange(1.0, 11.0)


def _threshold_cases(rng: np.random.Generator) -> list[Call]:
    """Visible cases (exact thresholds), 60 hidden random ones, the edge cases of the old hidden test."""
    calls = [Case(THRESHOLD, (TEN, 0.2), label="scores 1..10, rate 0.2 (visible)", expect="equal"),
             Case(THRESHOLD, (TEN, 0.25), label="scores 1..10, rate 0.25 (visible)", expect="equal"),
             Case(THRESHOLD, ([1.0, 2.0, 2.0, 3.0], 0.5), label="scores [1, 2, 2, 3], rate 0.5 (visible)",
                  expect="equal"),
             Case(THRESHOLD, (TEN, 0.0), label="scores 1..10, rate 0 (visible)", expect="above"),
             Case(THRESHOLD, (TEN, 1.0), label="scores 1..10, rate 1 (visible)", expect="equal"),
             Case(THRESHOLD, (TEN, 1.5), label="rate 1.5 (visible)", expect=ValueError)]
    for _ in range(60):
        n = int(rng.integers(1, 80))
        scores = np.round(rng.gamma(2.0, 1.0, n), int(rng.integers(0, 3)))  # rounding makes ties
        rate = float(rng.choice([rng.uniform(0, 1), 0.0, 1.0, 1 / n, int(rng.integers(0, n + 1)) / n]))
        calls.append(Case(THRESHOLD, (scores, rate), expect="flags"))
    calls += [Case(THRESHOLD, (np.arange(100) / 100, 0.29), label="100 scores, rate 0.29 (it allows 29 false alarms)",
                   expect="flags"),
              Case(THRESHOLD, (np.array([7.0, 7.0, 7.0]), 0.5),
                   label="all scores equal, rate 0.5 (no threshold at 7: it flags 100 %)", expect="flags"),
              Case(THRESHOLD, (np.array([5.0]), 0.99), label="a single score, rate 0.99", expect="flags"),
              Case(THRESHOLD, (np.array([5.0]), 1.0), label="a single score, rate 1", expect="flags"),
              Case(THRESHOLD, (np.array([3.0, 1.0, 2.0]), 0.34), label="scores [3, 1, 2], rate 0.34", expect="flags"),
              Case(THRESHOLD, ([1.0, 2.0], -0.01), label="rate -0.01", expect=ValueError),
              Case(THRESHOLD, ([1.0, 2.0], 1.01), label="rate 1.01", expect=ValueError),
              Case(THRESHOLD, ([], 0.1), label="no scores", expect=ValueError)]
    return calls


def _threshold_problem(answers: Answers, index: int) -> str | None:
    case, result = answers.calls[index], answers.results[index]
    if case.expect is ValueError:
        return case_failure(index, answers, ValueError)
    problem = _raised(answers, index, THRESHOLD)
    if problem:
        return problem
    scores, rate = np.asarray(case.args[0], dtype=float), case.args[1]
    reference = anomaly.threshold_for_false_alarm_rate(scores, rate)
    got = _number(result["value"])
    where = _where(answers, index)
    if got is None:
        return f"{THRESHOLD} must return a number, got {_kind(result['value'])} on {where}"
    if case.expect == "equal":
        return None if got == reference else f"{where}: the threshold is {reference:g}; got {got}"
    if case.expect == "above":
        if got > scores.max():
            return None
        return f"{where}: nothing may be flagged, the threshold must exceed 10; got {got}"
    if not np.array_equal(scores >= got, scores >= reference):
        if case.label:
            return f"{where}: your threshold {got} flags other windows than {reference}"
        return (f"{where}: your threshold flags other windows than the smallest threshold whose false-alarm rate "
                "is at most the rate")
    return None


# ---------------------------------------------------------------- task 3: accuracy per group and disparity

GROUPS = "per_group_accuracy"
GROUPS_OF_ARRAYS = "per_group_accuracy_of_arrays"  # the kernel turns the three lists into NumPy arrays first


def _group_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Case(GROUPS, ([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0], ["a", "a", "a", "b", "b", "b"]),
                  label="the visible groups a and b", expect="same"),
             Case(GROUPS_OF_ARRAYS, ([3, 3], [3, 4], ["m0", "m0"]), label="the visible NumPy arrays (group m0)",
                  expect={"m0": 0.5})]
    for _ in range(20):
        n = int(rng.integers(1, 300))
        names = np.array([f"unseen-{rng.integers(10**6)}" for _ in range(int(rng.integers(1, 9)))])
        groups = [str(g) for g in rng.choice(names, n)]  # sent as a list of str, an array again in the kernel
        calls.append(Case(GROUPS_OF_ARRAYS, (rng.integers(0, 5, n), rng.integers(0, 5, n), groups), expect="same"))
    calls += [Case(GROUPS, ([0, 1, 1], [0, 1, 0], [7, 7, 9]), label="numeric group labels",
                   expect={"7": 1.0, "9": 0.0}),
              Case(GROUPS, (["yes", "no", "yes"], ["yes", "yes", "yes"], ["f", "f", "f"]),
                   label="string labels, one group", expect="single")]
    return calls


def _group_problem(answers: Answers, index: int) -> str | None:
    case, where = answers.calls[index], _where(answers, index)
    problem = _raised(answers, index, GROUPS)
    if problem:
        return problem
    mine = answers.results[index]["value"]  # keys were turned into text in the kernel, as str(group)
    if not isinstance(mine, dict):
        return f"{GROUPS} must return a dict, got {_kind(mine)} on {where}"
    y_true, y_pred, groups = case.args
    reference = {k: v["accuracy"] for k, v in group_accuracy(y_true, y_pred, groups, n_bootstrap=1).items()}
    if case.expect == "same":
        if set(mine) != set(reference):
            if case.label:
                return f"{where}: one entry per group: expected keys {sorted(reference)}, got {sorted(mine)}"
            return f"{where}: the groups are not the distinct values of groups"
        if not all(_close(mine[k], reference[k]) for k in reference):
            shown = f" (expected {reference}, got {_shown(mine)})" if case.label else ""
            return f"{where}: accuracies differ{shown}"
    elif case.expect == "single":
        if len(mine) != 1 or not _close(next(iter(mine.values())), 2 / 3):
            return f"{where}: one group with accuracy 2/3 expected, got {_shown(mine)}"
    else:
        for group, accuracy in case.expect.items():
            if group not in mine or not _close(mine[group], accuracy):
                return f"{where}: group {group} must have accuracy {accuracy:g}, got {_shown(mine)}"
    return None


DISPARITY = "disparity"


def _disparity_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Case(DISPARITY, ({"m0": 0.9, "m1": 0.72, "m2": 0.8},), label="the visible three machines",
                  expect="visible")]
    for _ in range(30):
        accuracies = {f"g{rng.integers(10**6)}-{i}": float(rng.choice([rng.uniform(0, 1), 0.0, 1.0, 0.5]))
                      for i in range(int(rng.integers(1, 8)))}
        calls.append(Case(DISPARITY, (accuracies,), expect="all"))
    return calls + [Case(DISPARITY, ({"only": 0.4},), label="a single group", expect="all"),
                    Case(DISPARITY, ({"a": 0.0, "b": 0.0},), label="best accuracy 0 (ratio 1.0)", expect="ratio")]


def _disparity_problem(answers: Answers, index: int) -> str | None:
    case, where = answers.calls[index], _where(answers, index)
    problem = _raised(answers, index, DISPARITY)
    if problem:
        return problem
    mine, (accuracies,) = answers.results[index]["value"], case.args
    if not isinstance(mine, dict) or not {"gap", "ratio", "worst"} <= set(mine):
        return f"{where}: return a dict with gap, ratio and worst, got {_shown(mine) if case.label else _kind(mine)}"
    reference = reference_disparity(accuracies)
    if case.expect == "ratio":
        return None if _close(mine["ratio"], 1.0) else f"{where}: ratio must be 1.0, got {_shown(mine['ratio'])}"
    if not (_close(mine["gap"], reference["gap"]) and _close(mine["ratio"], reference["ratio"])):
        if case.label:
            return (f"{where}: gap/ratio {_shown((mine['gap'], mine['ratio']))} instead of "
                    f"{(reference['gap'], reference['ratio'])}")
        return f"{where}: gap or ratio is wrong"
    worst = mine["worst"]
    if case.expect == "visible":
        if isinstance(worst, str) and worst == reference["worst"]:
            return None
        return f"{where}: the worst group is m1, got {_shown(worst)}"
    lowest = min(accuracies.values())
    if not isinstance(worst, str) or worst not in accuracies or not np.isclose(accuracies[worst], lowest):
        return f"{where}: {_shown(worst) if case.label else 'worst'} is not a worst group"
    return None


# ---------------------------------------------------------------- task 4: the drift alarm


def _features(data) -> np.ndarray:
    return anomaly.vibration_features(data.x, data.sample_rate)


@functools.cache
def _visible_drift() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notebook's public task4_data: calm features, aging features and the aging windows' times."""
    calm = vibration(n_normal=120, n_per_fault=0, n_machines=1, seed=1)
    aging = vibration_timeline(n_windows=150, machine=0, drift=0.6, fault_start=0.95, seed=1)
    return _features(calm), _features(aging), aging.meta["time"]


def _drift_cases(rng: np.random.Generator) -> list[Call]:
    calm, aging, t = _visible_drift()
    noisy = calm[60:].copy()
    noisy[:, 0] += 100.0
    calls = [Case("drift_alarm", (calm[:60], calm[60:]), label="the healthy, non-drifting machine (visible)",
                  expect=False),
             Case("drift_alarm", (aging[t < 0.2], aging[(t >= 0.7) & (t < 0.9)]),
                  label="the drifting machine (visible)", expect=True),
             Case("drift_alarm", (calm[:60], noisy), label="one wild feature (visible)", expect=False)]
    for _ in range(3):  # other machines, seeds and amounts of drift
        seed = int(rng.integers(2**31))
        features = _features(vibration(n_normal=120, n_per_fault=0, n_machines=1, seed=seed))
        order = rng.permutation(len(features))
        recent = features[order[60:60 + int(rng.integers(20, 61))]]
        calls.append(Case("drift_alarm", (features[order[:60]], recent), expect=False))
        aging = vibration_timeline(n_windows=150, machine=0, drift=float(rng.uniform(0.6, 1.0)), fault_start=0.95,
                                   seed=seed)
        g, t = _features(aging), aging.meta["time"]
        calls.append(Case("drift_alarm", (g[t < 0.2], g[(t >= 0.7) & (t < 0.9)]), expect=True))
    return calls


def _truth(value: Any) -> bool | None:
    """`value`'s truth as `assert value` reads it, or None when it has none (an array, an unknown object)."""
    if isinstance(value, Unsupported):
        return None
    if isinstance(value, np.ndarray):
        return bool(value.reshape(-1)[0]) if value.size == 1 else None
    return bool(value)


def _drift_problem(answers: Answers, index: int) -> str | None:
    case, where = answers.calls[index], _where(answers, index)
    problem = _raised(answers, index, "drift_alarm")
    if problem:
        return problem
    value = answers.results[index]["value"]
    plain = value.item() if isinstance(value, np.ndarray) and value.size == 1 else value
    if index == 0 and not (isinstance(plain, (bool, int, float)) and plain in (True, False)):
        return f"return True or False, got {_shown(value)}"
    alarm = _truth(value)
    if alarm is None:
        return f"drift_alarm must return True or False, got {_kind(value)} on {where}"
    if alarm == case.expect:
        return None
    if case.label:
        return {0: "false alarm: the recent windows of the healthy, non-drifting machine look like its reference",
                1: "missed drift: late windows of the drifting machine differ from its first windows",
                2: "one wild feature alone must not raise the alarm"}[index]
    return f"{where}: " + ("drift missed" if case.expect else "false alarm on data without drift")


CHECKS = {
    "task1_tests": Check(cases=_detector_cases, verdict=_detector_verdict),
    "task2_tests": Check(cases=_threshold_cases, verdict=_all_cases(_threshold_problem),
                         scope=("task2_solution",),
                         references=("course.lessons.anomaly.threshold_for_false_alarm_rate",)),
    "task3_group_tests": Check(cases=_group_cases, verdict=_all_cases(_group_problem),
                               scope=("task3_solution",),
                               references=("course.lessons.fairness.group_accuracy",)),
    "task3_disparity_tests": Check(cases=_disparity_cases, verdict=_all_cases(_disparity_problem),
                                   scope=("task3_solution",),
                                   references=("course.lessons.fairness.disparity",)),
    "task4_tests": Check(cases=_drift_cases, verdict=_all_cases(_drift_problem),
                         scope=("task4_solution",),
                         references=("course.lessons.monitoring",)),
}
