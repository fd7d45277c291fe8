"""Plausible wrong answers, one per assignment, for the autograde round trip's `partial` student.

Each entry replaces the source of one solution cell (by its nbgrader grade_id) in the instructor
version with a mistake a learner could make. `lost` names the graded test cells that must then lose
points; every other autograded cell must keep full marks (partial credit is real). Entries are keyed
by the module ids of the course manifest; `partial_answer` finds an assignment's entry by its module's
slug, which a remix keeps when it renumbers the weeks (0x03-deployment may become 0x02-deployment).
"""
import copy
from dataclasses import dataclass

import nbformat

from course.authoring.manifest import load


@dataclass(frozen=True)
class WrongAnswer:
    """A mistake in one solution cell and the graded cells it must cost."""

    solution_cell: str
    source: str
    lost: tuple[str, ...]
    also: tuple[tuple[str, str], ...] = ()  # (solution cell, source): more mistakes in the same submission


PARTIAL_ANSWERS: dict[str, WrongAnswer] = {
    # Battery life returned in hours instead of days: the values test fails, the input checks still pass.
    "0x00-welcome": WrongAnswer(
        solution_cell="task3_solution",
        source="""def average_current_ma(active_ma, sleep_ma, duty_cycle):
    if not 0.0 <= duty_cycle <= 1.0:
        raise ValueError("duty_cycle must be between 0 and 1")
    if active_ma < 0 or sleep_ma < 0:
        raise ValueError("currents must not be negative")
    return duty_cycle * active_ma + (1.0 - duty_cycle) * sleep_ma


def battery_life_days(capacity_mah, active_ma, sleep_ma, duty_cycle):
    if capacity_mah <= 0:
        raise ValueError("capacity_mah must be positive")
    average = average_current_ma(active_ma, sleep_ma, duty_cycle)
    if average <= 0:
        raise ValueError("the average current is zero")
    return capacity_mah / average
""",
        lost=("task3_values_tests",),
    ),
    # Split example by example, ignoring the groups: a correct, reproducible split of the right size,
    # but augmented copies of one image land on both sides (leakage).
    "0x01-fundamentals": WrongAnswer(
        solution_cell="task3_solution",
        source="""def group_split_indices(groups, val_fraction=0.2, seed=0):
    order = np.random.default_rng(seed).permutation(len(groups))
    n_val = int(round(val_fraction * len(groups)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])
""",
        lost=("task3_leakage_tests", "task5_budget_tests", "task5_heldout_tests"),
        # A person detector that reads every pixel (Flatten, then Dense): 8,218 parameters, over the budget of
        # 8,000 — the budget fails both graded cells of task 5.
        also=(("task5_solution", """seed_everything(0)
person_model = keras.Sequential([
    keras.Input((32, 32, 1)),
    keras.layers.Flatten(),
    keras.layers.Dense(8, activation="relu"),
    keras.layers.Dense(2, activation="softmax"),
])
person_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
person_model.fit(x_frames_train, y_frames_train, epochs=5, batch_size=32, verbose=0)
person_val_accuracy = float(np.mean(np.argmax(person_model.predict(x_frames_val, verbose=0), axis=-1) == y_frames_val))
print(f"{count_params(person_model):,} parameters, validation accuracy {person_val_accuracy:.1%} (new scenes)")
"""),),
    ),
    # Noise scaled with 20·log10 (the amplitude rule) applied to power: the SNR comes out at half the
    # decibels asked for. The time shift in the same cell is right and keeps its point.
    "0x02-sensors": WrongAnswer(
        solution_cell="task3_solution",
        source="""def time_shift(audio, shift):
    audio = np.asarray(audio)
    out = np.zeros_like(audio)
    n = len(audio)
    if 0 <= shift < n:
        out[shift:] = audio[:n - shift]
    elif -n < shift < 0:
        out[:shift] = audio[-shift:]
    return out


def add_noise(audio, snr_db, seed):
    audio = np.asarray(audio)
    x = audio.astype(np.float64) / 32768 if audio.dtype == np.int16 else audio.astype(np.float64)
    noise_power = np.mean(x ** 2) / 10 ** (snr_db / 20)
    noisy = x + np.random.default_rng(seed).standard_normal(len(x)) * np.sqrt(noise_power)
    if audio.dtype == np.int16:
        return np.clip(np.round(noisy * 32768), -32768, 32767).astype(np.int16)
    return noisy.astype(audio.dtype)
""",
        lost=("task3_noise_tests",),
    ),
    # "Wider is more accurate": the learner widens the spotter to 40 channels and documents it, ignoring the flash budget:
    # its int8 bytes are over 20 KB, so the budget test fails; its accuracy and the other tasks keep their points.
    # Task 6: the int8 layer in C requantizes without rounding (one truncating shift instead of TFLite's
    # two rounded steps): about half of the outputs are one step off, and only task 6 loses its points.
    "0x03-deployment": WrongAnswer(
        solution_cell="task3_solution",
        source="""def build_spotter():
    return kws.spotter_model(channels=40)


def train_my_spotter(model, x, y):
    trained, _ = kws.train_spotter(x, y, model=model)
    return trained


DESIGN = {
    "architecture": "last week's temporal CNN widened to 40 channels",
    "training": "kws.train_spotter's 20 epochs, as last week",
    "trade_off": "A wider network hears more voices correctly: I gave up some speed and memory for accuracy on "
                 "new speakers, which is what the users notice first.",
}
""",
        lost=("task3_budget_tests", "task6_tests"),
        also=(("task6_solution", r'''FC_SOURCE = r"""
void fc_int8(const int8_t *input, int in_features, const int8_t *weights, const int32_t *bias,
             int out_features, int32_t input_zero_point, int32_t output_zero_point,
             const int32_t *multiplier, const int32_t *shift, int32_t act_min, int32_t act_max,
             int8_t *output) {
  for (int o = 0; o < out_features; o++) {
    int32_t acc = bias[o];
    for (int i = 0; i < in_features; i++)
      acc += ((int32_t)input[i] - input_zero_point) * weights[o * in_features + i];
    acc = (int32_t)(((int64_t)acc * multiplier[o]) >> (31 - shift[o]));
    acc += output_zero_point;
    acc = acc < act_min ? act_min : (acc > act_max ? act_max : acc);
    output[o] = (int8_t)acc;
  }
}
"""
'''),),
    ),
    # The threshold taken as the (1 - rate) quantile of the normal scores: interpolated values and ties
    # break the false-alarm rule and invalid rates are not rejected; every other task keeps its points.
    "0x04-mlops": WrongAnswer(
        solution_cell="task2_solution",
        source="""def threshold_for_false_alarm_rate(normal_scores, rate):
    return float(np.quantile(np.asarray(normal_scores, dtype=float), 1 - rate))
""",
        lost=("task2_tests", "task1_tests"),
        # The lecture's detector copied as the design: it detects well but stores 7,016 numbers, over the budget of
        # 4,000 — task 1 is lost whatever its AUC.
        also=(("task1_solution", """def train_detector(normal_windows, sample_rate):
    features = anomaly.vibration_features(normal_windows, sample_rate)
    scaler = anomaly.fit_scaler(features)
    model, _ = anomaly.train_autoencoder(anomaly.scale(features, scaler), seed=0)
    return {"scaler": scaler, "model": model}


def score_windows(detector, windows, sample_rate):
    features = anomaly.vibration_features(windows, sample_rate)
    return anomaly.anomaly_scores(detector["model"], anomaly.scale(features, detector["scaler"]))


DESIGN = {
    "features": "log energies in 32 bands per axis, as in the lecture",
    "model": "the lecture's 96-32-8-32-96 dense autoencoder, scored by reconstruction error",
    "training": "train_autoencoder with its default epochs on the 200 normal windows",
    "trade_off": "I kept the lecture's recipe because it detected the faults best in the lecture, and I gave up "
                 "nothing: more bands and a wider model should only help on new machines.",
}
"""),),
    ),
}


def partial_answer(assignment: str) -> WrongAnswer:
    """The wrong answer declared for `assignment` (a week of this course or of a remix of it)."""
    slug = assignment.split("-", 1)[1]
    modules = [module.id for module in load().modules if module.slug == slug and module.id in PARTIAL_ANSWERS]
    if len(modules) != 1:
        raise KeyError(f"declare one plausible wrong answer for {assignment} in tests/submissions.py")
    return PARTIAL_ANSWERS[modules[0]]


def wrong_answer_submission(solution: nbformat.NotebookNode, answer: WrongAnswer) -> nbformat.NotebookNode:
    """A copy of the instructor notebook with `answer` written into its solution cell (and its `also` cells)."""
    notebook = copy.deepcopy(solution)
    for grade_id, source in ((answer.solution_cell, answer.source), *answer.also):
        cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
        if len(cells) != 1:
            raise KeyError(f"no solution cell with grade_id {grade_id!r}")
        cells[0].source = source
    return notebook
