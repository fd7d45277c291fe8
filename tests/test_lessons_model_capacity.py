"""Week 0x01 helpers: polynomial capacity curves, the overfitting explorer, activation memory."""
import numpy as np
import polib
import pytest

from course.lessons import model_capacity as f
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def curves():
    return f.capacity_curves(sizes=(10, 40, 160), degrees=tuple(range(12)))


def test_polynomial_fit_recovers_a_polynomial_exactly():
    x = np.linspace(0.5, 6.0, 9)
    y = 0.3 * x**3 - 2 * x + 1
    coefficients = f.fit_polynomial(x, y, 3)
    assert np.allclose(f.predict_polynomial(coefficients, np.array([1.0, 2.5, 5.5])),
                       0.3 * np.array([1.0, 2.5, 5.5]) ** 3 - 2 * np.array([1.0, 2.5, 5.5]) + 1)


def test_more_coefficients_than_points_interpolates_without_warning():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, -1.0])
    with np.errstate(all="raise"):
        coefficients = f.fit_polynomial(x, y, 8)
    assert np.allclose(f.predict_polynomial(coefficients, x), y)


def test_training_error_never_grows_with_degree_and_validation_error_turns_up(curves):
    for row, size in enumerate(curves.sizes):
        # nested least-squares models: a higher degree can only fit the training set as well or better
        assert np.all(np.diff(curves.train_mse[row]) <= 1e-9), size
    small = curves.sizes.index(10)
    assert curves.val_mse[small, -1] > 5 * curves.val_mse[small].min(), "10 points, degree 11: overfits"
    assert curves.val_mse[small, 0] > 2 * curves.val_mse[small].min(), "degree 0 underfits"
    # more data: the most flexible model generalises far better
    assert curves.val_mse[curves.sizes.index(160), -1] < curves.val_mse[small, -1] / 10


def test_curves_are_deterministic_and_shaped(curves):
    again = f.capacity_curves(sizes=(10, 40, 160), degrees=tuple(range(12)))
    assert np.array_equal(curves.val_mse, again.val_mse)
    assert curves.curves.shape == (3, 12, len(curves.grid))
    assert len(curves.x_val) == 200 and len(curves.x_train) == 160


def test_verdicts(curves):
    best = curves.best_degree(10)
    assert f.verdict(curves, 10, best) == "good fit"
    assert f.verdict(curves, 10, 0) == "underfitting"
    assert f.verdict(curves, 10, 11) == "overfitting"


def test_plot_capacity_shows_the_chosen_examples_fit_and_degree(curves):
    ax_fit, ax_err = f.plot_capacity(curves, 40, 5).axes
    _, points, fit = ax_fit.get_lines()
    assert np.array_equal(points.get_xdata(), curves.x_train[:40])
    assert np.allclose(fit.get_ydata(), np.clip(curves.curves[1, 5], -5, 5))
    assert "degree 5 (6 parameters), 40 training examples" == ax_fit.get_title()
    assert list(ax_err.get_lines()[-1].get_xdata()) == [5, 5]  # the marker


def test_capacity_summary(curves):
    summary = f.capacity_summary(curves, 10, 1)
    assert f"training error <b>{curves.train_mse[0, 1]:.3f}</b>" in summary
    assert f"lowest at degree {curves.best_degree(10)}" in summary and "<b>underfitting</b>" in summary


def test_explorer_redraws_when_a_slider_moves(curves):
    controls, summary, image = f.overfitting_explorer(curves, degree=1, size=10).children
    degree, size = controls.children
    assert summary.value == f.capacity_summary(curves, 10, 1)
    before = bytes(image.value)
    degree.value = 11
    assert summary.value == f.capacity_summary(curves, 10, 11) and "overfitting" in summary.value
    assert bytes(image.value) != before
    size.value = 160
    assert summary.value == f.capacity_summary(curves, 160, 11)


def test_activation_bytes_counts_the_largest_layer():
    import keras

    inputs = keras.Input((8, 8, 1), batch_size=1)
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)    # 64 in + 256 out = 320 values
    x = keras.layers.Flatten()(x)                            # 256 + 256 = 512 values: the largest
    outputs = keras.layers.Dense(10)(x)                      # 256 + 10
    model = keras.Model(inputs, outputs)
    assert f.activation_bytes(model) == 512
    assert f.activation_bytes(model, bytes_per_value=4) == 2048


def spanish(message: str) -> str:
    """The Spanish catalog's translation of a library message (course/locale/es.po)."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figure_and_summary_speak_spanish_when_the_course_language_is_spanish(curves, monkeypatch):
    english, english_summary = f.plot_capacity(curves, 10, 1), f.capacity_summary(curves, 10, 1)
    assert "10 training examples" in english.alt and "Verdict: underfitting." in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    figure = f.plot_capacity(curves, 10, 1)
    (ax_fit, ax_err), (english_fit, english_err) = figure.axes, english.axes
    assert ax_err.get_title() == spanish("Error against capacity") != english_err.get_title()
    assert ax_err.get_xlabel() == spanish("polynomial degree (capacity)") != english_err.get_xlabel()
    assert ax_fit.get_title() != english_fit.get_title()
    assert figure.alt != english.alt and spanish("underfitting") in figure.alt
    summary = f.capacity_summary(curves, 10, 1)
    assert summary != english_summary and f"<b>{spanish('underfitting')}</b>" in summary
