"""Tests of course.lessons.gradient_descent: the week-0x00 line fit, its figure, summary and explorer."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import polib
import pytest

from course.lessons import gradient_descent as gd
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def data():
    return gd.make_sensor_data()


def test_sensor_data_is_deterministic_and_near_the_true_line(data):
    x, y = data
    x2, y2 = gd.make_sensor_data()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(y, gd.make_sensor_data(seed=1)[1])
    assert x.shape == y.shape == (30,)
    assert np.all(np.diff(x) >= 0), "readings are sorted by voltage"
    residual = y - (gd.TRUE_SLOPE_C_PER_V * x + gd.TRUE_INTERCEPT_C)
    assert 0.5 < residual.std() < 3.0


def test_mse_loss_by_hand():
    # line y = 2x + 1 against points (0, 1), (1, 4): errors 0 and -1 → MSE 0.5
    assert gd.mse_loss(2.0, 1.0, [0.0, 1.0], [1.0, 4.0]) == pytest.approx(0.5)
    assert gd.mse_loss(3.0, 1.0, [0.0, 1.0], [1.0, 4.0]) == pytest.approx(0.0)


def test_gradient_matches_finite_differences(data):
    x, y = data
    w, b, h = 12.3, -4.5, 1e-6
    dw, db = gd.mse_gradient(w, b, x, y)
    num_dw = (gd.mse_loss(w + h, b, x, y) - gd.mse_loss(w - h, b, x, y)) / (2 * h)
    num_db = (gd.mse_loss(w, b + h, x, y) - gd.mse_loss(w, b - h, x, y)) / (2 * h)
    assert dw == pytest.approx(num_dw, rel=1e-5)
    assert db == pytest.approx(num_db, rel=1e-5)


def test_gradient_is_zero_at_the_least_squares_line(data):
    w, b = gd.least_squares_line(*data)
    dw, db = gd.mse_gradient(w, b, *data)
    assert abs(dw) < 1e-9 and abs(db) < 1e-9


def test_least_squares_agrees_with_polyfit(data):
    w, b = gd.least_squares_line(*data)
    pw, pb = np.polyfit(*data, 1)
    assert (w, b) == pytest.approx((pw, pb))
    with pytest.raises(ValueError):
        gd.least_squares_line([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])


def test_gradient_step_moves_downhill(data):
    x, y = data
    w, b = gd.gradient_step(0.0, 0.0, x, y, learning_rate=0.1)
    assert gd.mse_loss(w, b, x, y) < gd.mse_loss(0.0, 0.0, x, y)
    dw, db = gd.mse_gradient(0.0, 0.0, x, y)
    assert (w, b) == pytest.approx((-0.1 * dw, -0.1 * db))


def test_fit_line_converges_to_least_squares(data):
    fit = gd.fit_line(*data, learning_rate=0.3, steps=400)
    assert not fit.diverged
    assert (fit.w, fit.b) == pytest.approx(gd.least_squares_line(*data), abs=1e-3)
    assert fit.steps == 400 and len(fit.losses) == 401 and len(fit.ws) == 401
    assert np.all(np.diff(fit.losses) <= 1e-12), "a stable learning rate never increases the loss"


def test_fit_line_zero_steps_returns_the_start(data):
    fit = gd.fit_line(*data, steps=0, w0=3.0, b0=-2.0)
    assert (fit.w, fit.b) == (3.0, -2.0)
    assert fit.final_loss == pytest.approx(gd.mse_loss(3.0, -2.0, *data))


def test_fit_line_rejects_bad_arguments(data):
    with pytest.raises(ValueError):
        gd.fit_line(*data, steps=-1)
    with pytest.raises(ValueError):
        gd.fit_line(*data, learning_rate=-0.1)
    with pytest.raises(ValueError):
        gd.fit_line([1.0, 2.0], [1.0, 2.0, 3.0])


def test_stability_threshold_separates_converging_from_diverging(data):
    limit = gd.max_stable_learning_rate(data[0])
    assert not gd.fit_line(*data, learning_rate=0.95 * limit, steps=300).diverged
    diverging = gd.fit_line(*data, learning_rate=1.1 * limit, steps=500)
    assert diverging.diverged and diverging.steps < 500
    assert np.all(np.isfinite(diverging.losses))


def test_plot_fit_has_titles_and_units(data):
    fig = gd.plot_fit(*data, gd.fit_line(*data), reference=gd.least_squares_line(*data))
    ax_data, ax_loss = fig.axes
    assert "(V)" in ax_data.get_xlabel() and "(°C)" in ax_data.get_ylabel()
    assert ax_loss.get_yscale() == "log" and ax_loss.get_title()
    assert ax_loss.get_lines()[-1].get_label() == "best possible"
    data, metadata = fig._repr_mimebundle_()
    assert data["image/png"] and metadata["image/png"]["alt"] == fig.alt, "a cell ending with the figure must show it"


def test_plot_fit_spans_the_steps_asked_for_even_when_the_fit_stopped_early(data):
    diverged = gd.fit_line(*data, learning_rate=1.0, steps=300)
    assert diverged.diverged and diverged.steps < 300
    assert gd.plot_fit(*data, diverged, steps=300).axes[1].get_xlim() == (0, 300)
    assert gd.plot_fit(*data, diverged).axes[1].get_xlim() == (0, diverged.steps)


def test_fit_summary_compares_with_the_best_possible_loss(data):
    fit = gd.fit_line(*data, learning_rate=0.3, steps=200)
    best = gd.mse_loss(*gd.least_squares_line(*data), *data)
    summary = gd.fit_summary(fit, *data)
    assert "after 200 steps" in summary and f"w = {fit.w:.2f}" in summary
    assert f"({fit.final_loss / best:.2f}× the best possible {best:.2f} °C²)" in summary
    diverged = gd.fit_summary(gd.fit_line(*data, learning_rate=1.0), *data)
    assert "Diverged" in diverged and f"{gd.max_stable_learning_rate(data[0]):.3f}" in diverged


def test_explorer_redraws_when_a_slider_moves(data):
    controls, summary, image = gd.gradient_descent_explorer(*data, learning_rate=0.01, steps=20).children
    learning_rate, steps = controls.children
    assert (learning_rate.description, steps.description) == ("learning rate", "steps")
    slow = gd.fit_line(*data, learning_rate=0.01, steps=20)
    assert summary.value == gd.fit_summary(slow, *data)
    text_before, png_before = summary.value, bytes(image.value)

    learning_rate.value = 0.3
    fast = gd.fit_line(*data, learning_rate=0.3, steps=20)
    assert fast.final_loss < 0.5 * slow.final_loss
    assert summary.value == gd.fit_summary(fast, *data) != text_before and "20 steps" in summary.value
    assert bytes(image.value) != png_before

    steps.value = 200
    assert "after 200 steps" in summary.value and "(1.00× the best possible" in summary.value


def test_explorer_reports_divergence(data):
    controls, summary, _ = gd.gradient_descent_explorer(*data).children
    controls.children[0].value = 1.0
    assert "Diverged" in summary.value


def spanish(message: str) -> str:
    """The Spanish catalog's translation of a library message (course/locale/es.po)."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figure_and_summary_speak_spanish_when_the_course_language_is_spanish(data, monkeypatch):
    fit = gd.fit_line(*data, learning_rate=0.3, steps=200)
    reference = gd.least_squares_line(*data)
    english, english_summary = gd.plot_fit(*data, fit, reference=reference), gd.fit_summary(fit, *data)
    assert "30 sensor readings" in english.alt and "200 steps" in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    figure = gd.plot_fit(*data, fit, reference=reference)
    (ax_data, ax_loss), (english_data, english_loss) = figure.axes, english.axes
    assert ax_data.get_title() == spanish("Sensor calibration: the learned line") != english_data.get_title()
    assert ax_data.get_xlabel() == spanish("sensor output (V)") != english_data.get_xlabel()
    assert ax_loss.get_ylabel() == spanish("mean squared error (°C²)") != english_loss.get_ylabel()
    assert figure.alt != english.alt and f"{fit.w:.1f}·V" in figure.alt
    summary = gd.fit_summary(fit, *data)
    assert summary != english_summary and f"w = {fit.w:.2f}" in summary
