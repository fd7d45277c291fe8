"""How week 0x00's test cells are judged, outside the learner's kernel (course/grading/verdicts.py).

Never released to learners and never visible inside the grading sandbox. Cases are drawn per learner
from the grading secret; the references are computed here, by the grader.
"""
import numpy as np

from course import energy
from course.grading.answers import Call
from course.grading.verdicts import Answers, Check, Verdict, case_failure, compare_results, failed, passed

GD = "course.lessons.gradient_descent"
X_SMALL, Y_SMALL = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 7.0])
X_LINE = np.linspace(0.0, 2.0, 11)
Y_LINE = 3.0 * X_LINE - 1.0


def _mse_reference(case: Call):
    w, b, x, y = case.args
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    errors = w * x + b - y
    return float(np.mean(errors ** 2)) if case.function == "mse_loss" else (2 * np.mean(errors * x), 2 * np.mean(errors))


def _mse_cases(rng: np.random.Generator) -> list[Call]:
    perfect = (-1.5, 2.0, [0.0, 2.0, 4.0], [2.0, -1.0, -4.0])
    calls = [Call("mse_loss", (2.0, 1.0, X_SMALL, Y_SMALL), label="the visible three points"),
             Call("mse_loss", (2.0, 1.0, [0.0, 1.0], [1.0, 3.0]), label="a visible line given as lists"),
             Call("mse_gradient", (2.0, 1.0, X_SMALL, Y_SMALL), label="the visible three points"),
             Call("mse_loss", perfect, label="a perfect fit given as lists"),
             Call("mse_gradient", perfect, label="a perfect fit given as lists (the gradient is zero)")]
    for _ in range(25):
        n = int(rng.integers(1, 60))
        x, y = rng.normal(0, 3, n), rng.normal(0, 10, n)
        w, b = rng.normal(0, 5, 2)
        calls += [Call("mse_loss", (float(w), float(b), x, y)), Call("mse_gradient", (float(w), float(b), x, y))]
    return calls


def _descend(case: Call):
    """Gradient descent exactly as Task 2 defines it, from fit_line's arguments."""
    x, y = (np.asarray(v, dtype=float) for v in case.args)
    w, b = float(case.kwargs.get("w0", 0.0)), float(case.kwargs.get("b0", 0.0))
    rate, steps = case.kwargs.get("learning_rate", 0.1), case.kwargs.get("steps", 100)
    for _ in range(steps):
        errors = w * x + b - y
        w, b = w - rate * 2 * np.mean(errors * x), b - rate * 2 * np.mean(errors)
    return w, b


def _fit_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("fit_line", (X_LINE, Y_LINE), {"learning_rate": 0.3, "steps": 500}, label="the visible line"),
             Call("fit_line", (X_LINE, Y_LINE), {"steps": 0, "w0": 5.0, "b0": 2.0}, label="steps=0 (visible)"),
             Call("fit_line", (X_LINE, Y_LINE), {"learning_rate": 0.1, "steps": 1}, label="one step (visible)"),
             Call("fit_line", ([0.0, 1.0, 2.0], [1.0, 2.0, 4.0]), {"learning_rate": 0.0, "steps": 10, "w0": 1.5,
                                                                   "b0": -0.5}, label="a learning rate of 0, lists")]
    for _ in range(3):  # noisy lines the learner never sees: the end point, and the path (three exact steps)
        n = int(rng.integers(15, 60))
        x = rng.uniform(-1.0, 1.0) + rng.uniform(0.0, 2.0, n)
        y = rng.uniform(-5, 5) * x + rng.uniform(-3, 3) + rng.normal(0, 0.3, n)
        hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
        rate = float(1.0 / np.linalg.eigvalsh(hessian).max())  # half the largest stable learning rate
        w0, b0 = (float(v) for v in rng.normal(0, 2, 2))
        calls += [Call("fit_line", (x, y), {"learning_rate": rate, "steps": 3000}),
                  Call("fit_line", (x, y), {"learning_rate": rate, "steps": 3, "w0": w0, "b0": b0})]
    return calls


def _battery_reference(case: Call):
    if case.function == "average_current_ma":
        return energy.average_current_ma(*case.args)
    capacity, active, sleep, duty = case.args
    return energy.battery_life_hours(capacity, energy.average_current_ma(active, sleep, duty)) / 24


def _battery_cases(rng: np.random.Generator) -> list[Call]:
    calls = [Call("average_current_ma", (5.0, 0.005, 0.05), label="the lecture's example (visible)"),
             Call("average_current_ma", (5.0, 0.005, 1.0), label="always awake (visible)"),
             Call("average_current_ma", (5.0, 0.005, 0.0), label="always asleep (visible)"),
             Call("battery_life_days", (225, 5.0, 0.005, 0.05), label="the 225 mAh coin cell (visible)"),
             Call("battery_life_days", (225, 5.0, 0.0, 1.0), label="always awake with no sleep current"),
             Call("battery_life_days", (225, 5.0, 0.005, 0.0), label="never awake")]
    for _ in range(40):
        capacity, active, sleep = rng.uniform(20, 5000), rng.uniform(0.5, 80), rng.uniform(0.0005, 0.5)
        duty = float(rng.choice([rng.uniform(0, 1), 10 ** rng.uniform(-5, 0)]))
        calls += [Call("average_current_ma", (float(active), float(sleep), duty)),
                  Call("battery_life_days", (float(capacity), float(active), float(sleep), duty))]
    return calls


INVALID = [("average_current_ma", (5.0, 0.005, -0.01)), ("average_current_ma", (5.0, 0.005, 1.0001)),
           ("average_current_ma", (-5.0, 0.005, 0.5)), ("average_current_ma", (5.0, -0.005, 0.5)),
           ("battery_life_days", (225, 5.0, 0.005, 2.0)), ("battery_life_days", (225, -1.0, 0.005, 0.5)),
           ("battery_life_days", (-225, 5.0, 0.005, 0.05)), ("battery_life_days", (225, 5.0, 0.0, 0.0)),
           ("battery_life_days", (225, 0.0, 0.0, 0.5))]
VALID = [("battery_life_days", (225, 5.0, 0.0, 1.0)), ("battery_life_days", (225, 5.0, 0.005, 0.0)),
         ("battery_life_days", (225, 0.0, 0.005, 0.5)), ("battery_life_days", (1e-3, 80.0, 0.5, 1e-6))]


VISIBLE_INVALID = [("average_current_ma", (5.0, 0.005, 1.5)), ("average_current_ma", (5.0, 0.005, -0.2)),
                   ("average_current_ma", (-3.0, 0.005, 0.5)), ("average_current_ma", (3.0, -0.01, 0.5)),
                   ("battery_life_days", (0, 5.0, 0.005, 0.05)), ("battery_life_days", (-100, 5.0, 0.005, 0.05)),
                   ("battery_life_days", (100, 5.0, 0.005, 3.0)), ("battery_life_days", (100, 5.0, 0.0, 0.0))]
VISIBLE_VALID = [("average_current_ma", (5.0, 0.005, 0.0)), ("battery_life_days", (100, 5.0, 0.0, 1.0)),
                 ("battery_life_days", (100, 0.0, 0.01, 0.3))]


VALIDATION = [  # (case, whether it must raise ValueError): the visible test's kinds first, then other numbers
    *[(Call(f, a, label=f"{f}{a} (visible)"), True) for f, a in VISIBLE_INVALID],
    *[(Call(f, a, label=f"{f}{a}, which is valid (visible)"), False) for f, a in VISIBLE_VALID],
    *[(Call(f, a, label=f"{f}{a}"), True) for f, a in INVALID],
    *[(Call(f, a, label=f"{f}{a}, which is valid"), False) for f, a in VALID],
]


def _validation_verdict(answers: Answers) -> Verdict:
    for index, (_, must_raise) in enumerate(VALIDATION):
        if must_raise:
            problem = case_failure(index, answers, ValueError)
        elif "error" in answers.results[index]:
            problem = f"{answers.calls[index].label} must not raise ({answers.results[index]['error']})"
        else:
            problem = None
        if problem:
            return failed(problem)
    return passed(f"passed ({len(VALIDATION)} cases)")


KEY = {
    "thermostat": ("rules", "a fixed threshold says exactly what to do"),
    "wake_word": ("ml", "nobody can write the rule for a word across voices and noise"),
    "battery_led": ("rules", "one comparison does it exactly"),
    "wand_gesture": ("ml", "gestures vary from person to person; learn them from examples"),
    "unit_conversion": ("rules", "the datasheet gives the exact formula"),
    "pump_anomaly": ("ml", "'normal' differs per pump: learn it from each pump's data"),
    "lid_interlock": ("rules", "safety behaviour must be guaranteed, not usually right"),
    "bird_song": ("ml", "songs vary and overlap; the pattern cannot be written down"),
}


def _choices_verdict(answers: Answers) -> Verdict:
    choices = answers.values.get("choices")
    if not isinstance(choices, dict):
        return failed("choices must be a dict of scenario -> \"ml\" or \"rules\"")
    wrong = [f"{s}: the expected answer is {a!r} — {why}" for s, (a, why) in KEY.items() if choices.get(s) != a]
    right = len(KEY) - len(wrong)
    return Verdict(right / len(KEY), "\n".join([f"{right} of {len(KEY)} scenarios right.", *wrong]))


CHECKS = {
    "task1_tests": Check(cases=_mse_cases, verdict=lambda a: compare_results(a, _mse_reference, rtol=1e-5, atol=1e-8),
                         scope=("task1_solution",),
                         references=(f"{GD}.mse_loss", f"{GD}.mse_gradient")),
    "task2_tests": Check(cases=_fit_cases, verdict=lambda a: compare_results(a, _descend, rtol=1e-6, atol=1e-6),
                         scope=("task2_solution",),
                         references=(f"{GD}.fit_line", f"{GD}.gradient_step", f"{GD}.least_squares_line")),
    "task3_values_tests": Check(cases=_battery_cases,
                                verdict=lambda a: compare_results(a, _battery_reference, rtol=1e-9, atol=0.0),
                                scope=("task3_solution",),
                                references=("course.energy.average_current_ma", "course.energy.battery_life_hours",
                                            "course.lessons.power_budget.battery_life_days")),
    "task3_validation_tests": Check(cases=lambda rng: [case for case, _ in VALIDATION], verdict=_validation_verdict),
    "task4_tests": Check(verdict=_choices_verdict),
}
