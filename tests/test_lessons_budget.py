"""course.lessons.budget: the numbers a design stores, whatever its form, and a training call's time."""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import polib
import pytest
from sklearn.decomposition import PCA

import course  # noqa: F401  (quiet TensorFlow before it is imported)
from course.lessons import budget
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


def test_arrays_numbers_and_nesting_are_counted():
    detector = {"scaler": (np.zeros(96, np.float32), np.ones(96)), "components": np.zeros((8, 96)),
                "threshold": 0.5, "bands": 32, "name": "pca", "notes": None, "score": np.mean}
    assert budget.stored_numbers(detector) == 96 + 96 + 8 * 96 + 2
    assert budget.stored_numbers([np.arange(3), [np.arange(4)]]) == 7
    assert budget.stored_numbers("a long text stores no numbers") == 0


def test_a_keras_model_counts_its_weights():
    from course.models import dense_autoencoder

    model = dense_autoencoder(12, bottleneck=2, hidden=4)
    assert budget.stored_numbers({"model": model, "mean": np.zeros(12)}) == model.count_params() + 12
    assert model.count_params() == (12 * 4 + 4) + (4 * 2 + 2) + (2 * 4 + 4) + (4 * 12 + 12)


def test_a_scikit_learn_estimator_counts_its_fitted_attributes():
    pca = PCA(n_components=3).fit(np.random.default_rng(0).normal(size=(50, 10)))
    fitted = sum(np.size(v) for k, v in vars(pca).items() if k.endswith("_") and not k.startswith("_")
                 and isinstance(v, (np.ndarray, int, float, np.number)))
    assert budget.stored_numbers(pca) == fitted >= 3 * 10 + 10


def test_timed_returns_the_result_and_the_seconds_of_work():
    def work(n):
        return float(np.sum(np.sin(np.arange(n, dtype=float))))

    result, seconds = budget.timed(work, 3_000_000)
    assert result == work(3_000_000) and 0 < seconds < 30


def test_timed_does_not_charge_the_time_a_busy_machine_makes_a_training_wait():
    """Waiting (here: sleeping, as when other processes hold the cores) stretches the wall time, not the processor
    time, and `timed` counts the smaller of the two."""
    _, seconds = budget.timed(time.sleep, 1.0)
    assert seconds < 0.2


def test_timed_charges_the_work_of_child_processes_too():
    """Training in a child process is work all the same: its processor time counts once the child has finished."""
    script = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass"
    _, seconds = budget.timed(subprocess.run, [sys.executable, "-c", script], check=True)
    assert seconds >= 0.9


def test_timed_does_not_charge_the_threads_of_many_cores_either():
    """Threads computing at once on several cores spend more processor time than wall time: `timed` counts at most
    the wall time (NumPy releases the interpreter's lock while it computes, so the threads do run at once)."""
    def spin(seconds):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            np.sin(np.arange(1_000_000, dtype=float))

    def threads_at_once():
        threads = [threading.Thread(target=spin, args=(1.0,)) for _ in range(os.cpu_count() or 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    wall, processor = time.perf_counter(), time.process_time()
    _, seconds = budget.timed(threads_at_once)
    wall, processor = time.perf_counter() - wall, time.process_time() - processor
    assert seconds <= wall < processor, "the threads spent more processor time than wall time, and timed counted neither"


def test_week_0x04s_autoencoders_against_the_budget():
    """The numbers the 0x04 assignment's text quotes: the lecture's 96-32-8-32-96 autoencoder with its scaler does
    not fit 4,000 numbers; the 48-16-4-16-48 one of the instructor solution does."""
    from course.models import dense_autoencoder

    def detector(n_features, hidden, bottleneck):
        scaler = (np.zeros(n_features), np.ones(n_features))
        return {"scaler": scaler, "model": dense_autoencoder(n_features, bottleneck=bottleneck, hidden=hidden)}

    assert budget.stored_numbers(detector(96, 32, 8)) == 7016
    assert budget.stored_numbers({"bands": 16, **detector(48, 16, 4)}) == 1845


def test_a_written_down_design_needs_each_part_and_a_trade_off_of_twenty_words():
    keys = ("architecture", "training", "trade_off")
    good = {"architecture": "three conv layers, 24 channels", "training": "30 epochs, batches of 64",
            "trade_off": " ".join(["word"] * budget.MIN_TRADE_OFF_WORDS)}
    assert budget.design_problem(good, keys) is None
    assert budget.design_problem("a text", keys) == "DESIGN must be a dict with the texts architecture, training, trade_off"
    assert budget.design_problem({**good, "training": "Adam"}, keys) == "describe your training in DESIGN (a few words each)"
    assert "at least 20 words" in budget.design_problem({**good, "trade_off": "smaller is better"}, keys)


@pytest.mark.parametrize("seconds", [41.0, -1, True, "12", None])
def test_a_training_time_outside_the_budget_or_not_a_number_is_a_problem(seconds):
    assert budget.training_time_problem(seconds, 40.0) == f"training took {seconds!r} s: the budget is 40 s"
    assert budget.training_time_problem(39.5, 40.0) is None


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_reasons_speak_the_learners_language(monkeypatch):
    keys = ("architecture", "training", "trade_off")
    english = budget.design_problem("a text", keys)
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = budget.design_problem("a text", keys)
    assert spanish != english
    assert spanish == _spanish("DESIGN must be a dict with the texts {keys}").format(keys="architecture, training, trade_off")
    assert budget.training_time_problem(41.0, 40.0) == "el entrenamiento tardó 41.0 s: el presupuesto es de 40 s"
