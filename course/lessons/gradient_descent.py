"""Week 0x00: a first model learned from data — fitting a line by gradient descent.

The story of the week: a cheap temperature sensor outputs a voltage, a reference thermometer tells
us the true temperature, and we *learn* the rule ``temperature = w * voltage + b`` from readings
instead of typing it in. Everything here is plain NumPy so that every step can be read.

- :func:`make_sensor_data` draws the (deterministic, synthetic) readings;
- :func:`mse_loss`, :func:`mse_gradient`, :func:`gradient_step` and :func:`fit_line` are the model;
- :func:`least_squares_line` is the exact answer to compare with;
- :func:`plot_fit` draws a fit, :func:`fit_summary` says how good it is, and
  :func:`gradient_descent_explorer` is the interactive widget (learning rate and steps → the line
  and the loss curve redraw).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course.notebook.explorer import explorer
from course.notebook.figures import PALETTE, new_figure
from course.notebook.language import _

# The "true" sensor of the story (unknown to the learner of the model): °C = 40 · V − 15.
TRUE_SLOPE_C_PER_V = 40.0
TRUE_INTERCEPT_C = -15.0

# Above this loss a fit is declared diverged (the numbers would only overflow from here on).
DIVERGED_LOSS = 1e12


def make_sensor_data(n: int = 30, noise_c: float = 1.5, seed: int = 0,
                     slope: float = TRUE_SLOPE_C_PER_V, intercept: float = TRUE_INTERCEPT_C,
                     v_range: tuple[float, float] = (0.0, 2.0)) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic calibration readings: sensor voltage (V) and reference temperature (°C).

    Returns ``(volts, celsius)``, each of shape ``(n,)``, sorted by voltage; the same ``seed`` gives
    the same readings.
    """
    if n < 2:
        raise ValueError(_("need at least 2 readings to fit a line, got n={n}").format(n=n))
    rng = np.random.default_rng(seed)
    volts = np.sort(rng.uniform(v_range[0], v_range[1], size=n))
    celsius = slope * volts + intercept + rng.normal(0.0, noise_c, size=n)
    return volts, celsius


def _as_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(_("x and y must have the same length, got {x} and {y}").format(x=x.size, y=y.size))
    if x.size == 0:
        raise ValueError(_("x and y must not be empty"))
    return x, y


def predict(w: float, b: float, x) -> np.ndarray:
    """The model: a line, ``w * x + b``."""
    return w * np.asarray(x, dtype=float) + b


def mse_loss(w: float, b: float, x, y) -> float:
    """Mean squared error of the line ``w * x + b`` on the points ``(x, y)``."""
    x, y = _as_xy(x, y)
    error = w * x + b - y
    return float(np.mean(error ** 2))


def mse_gradient(w: float, b: float, x, y) -> tuple[float, float]:
    """Gradient ``(dL/dw, dL/db)`` of :func:`mse_loss` at ``(w, b)``.

    With ``e = w x + b − y``: ``dL/dw = 2 · mean(e · x)`` and ``dL/db = 2 · mean(e)``.
    """
    x, y = _as_xy(x, y)
    error = w * x + b - y
    return float(2.0 * np.mean(error * x)), float(2.0 * np.mean(error))


def gradient_step(w: float, b: float, x, y, learning_rate: float) -> tuple[float, float]:
    """One step of gradient descent: move ``(w, b)`` a little *against* the gradient."""
    dw, db = mse_gradient(w, b, x, y)
    return w - learning_rate * dw, b - learning_rate * db


@dataclass
class LineFit:
    """The result of :func:`fit_line`: final parameters and the whole path that led there."""

    w: float
    b: float
    losses: np.ndarray  # loss before step 1, after step 1, ..., after the last step
    ws: np.ndarray = field(repr=False)
    bs: np.ndarray = field(repr=False)
    diverged: bool = False

    @property
    def steps(self) -> int:
        """Steps actually taken (fewer than asked for if the fit diverged)."""
        return len(self.losses) - 1

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def fit_line(x, y, learning_rate: float = 0.1, steps: int = 100,
             w0: float = 0.0, b0: float = 0.0) -> LineFit:
    """Fit ``y ≈ w x + b`` by ``steps`` steps of gradient descent on the mean squared error.

    Starts from ``(w0, b0)``. If the loss grows beyond :data:`DIVERGED_LOSS` (a learning rate too
    large), stops early and sets ``diverged=True`` instead of overflowing.
    """
    if steps < 0:
        raise ValueError(_("steps must be >= 0, got {steps}").format(steps=steps))
    if learning_rate < 0:
        raise ValueError(_("learning_rate must be >= 0, got {learning_rate}").format(learning_rate=learning_rate))
    x, y = _as_xy(x, y)
    w, b = float(w0), float(b0)
    ws, bs, losses = [w], [b], [mse_loss(w, b, x, y)]
    diverged = False
    for _step in range(int(steps)):
        w, b = gradient_step(w, b, x, y, learning_rate)
        loss = mse_loss(w, b, x, y)
        if not np.isfinite(loss) or loss > DIVERGED_LOSS:
            diverged = True
            break
        ws.append(w)
        bs.append(b)
        losses.append(loss)
    return LineFit(w=ws[-1], b=bs[-1], losses=np.array(losses), ws=np.array(ws), bs=np.array(bs),
                   diverged=diverged)


def least_squares_line(x, y) -> tuple[float, float]:
    """The exact minimiser ``(w, b)`` of the mean squared error (closed form, for comparison)."""
    x, y = _as_xy(x, y)
    if np.ptp(x) == 0:
        raise ValueError(_("all x are equal: the slope is undefined"))
    x_mean, y_mean = x.mean(), y.mean()
    w = np.sum((x - x_mean) * (y - y_mean)) / np.sum((x - x_mean) ** 2)
    return float(w), float(y_mean - w * x_mean)


def max_stable_learning_rate(x) -> float:
    """The learning rate above which gradient descent on this line's MSE diverges.

    The loss is a bowl whose curvature (Hessian) is ``2 · [[mean(x²), mean(x)], [mean(x), 1]]``;
    gradient descent is stable for learning rates below ``2 / (largest curvature)``.
    """
    x = np.asarray(x, dtype=float).ravel()
    hessian = 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    return float(2.0 / np.linalg.eigvalsh(hessian).max())


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def plot_fit(x, y, fit: LineFit, *, reference: tuple[float, float] | None = None,
             steps: int | None = None) -> Figure:
    """Two panels: the readings with the fitted line, and the loss after each step (log scale).

    ``reference`` (the least-squares line) is drawn dashed, with its loss as the best possible.
    The loss axis spans ``steps`` (default: the steps taken), so a fit that diverged early shows it.
    """
    x, y = _as_xy(x, y)
    fig = new_figure((10, 3.8))
    ax_data, ax_loss = fig.subplots(1, 2)
    xs = np.linspace(x.min(), x.max(), 2)
    pad = 0.15 * np.ptp(y)
    ax_data.scatter(x, y, s=18, color=PALETTE[0], label=_("readings"))
    ax_data.plot(xs, predict(fit.w, fit.b, xs), color=PALETTE[3], lw=2,
                 label=_("learned: {w:.1f}·V {b:+.1f}").format(w=fit.w, b=fit.b))
    ax_loss.plot(np.arange(len(fit.losses)), fit.losses, color=PALETTE[3])
    sentences = [_("Left: {n} sensor readings, temperature (°C) against voltage (V), and the learned line "
                   "{w:.1f}·V {b:+.1f}.").format(n=x.size, w=fit.w, b=fit.b)]
    if reference is not None:
        best_loss = mse_loss(*reference, x, y)
        ax_data.plot(xs, predict(*reference, xs), color=PALETTE[7], ls="--", lw=1, label=_("least squares"))
        ax_loss.axhline(best_loss, color=PALETTE[7], ls="--", lw=1, label=_("best possible"))
        ax_loss.legend(loc="upper right", fontsize=8)
        sentences.append(_("The least-squares line (dashed) is {w:.1f}·V {b:+.1f}.").format(w=reference[0], b=reference[1]))
    ax_data.set(title=_("Sensor calibration: the learned line"), xlabel=_("sensor output (V)"),
                ylabel=_("temperature (°C)"), ylim=(y.min() - pad, y.max() + pad))
    ax_data.legend(loc="upper left", fontsize=8)
    ax_loss.set(title=_("Loss while learning"), xlabel=_("gradient-descent step"),
                ylabel=_("mean squared error (°C²)"), yscale="log",
                xlim=(0, max(1, fit.steps if steps is None else steps)))
    ax_loss.grid(True, which="both", alpha=0.3)
    if fit.diverged:
        sentences.append(_("Right: the loss after each step, log scale: it grew from {first:.3g} °C² until the fit "
                           "diverged after {steps} steps.").format(first=fit.losses[0], steps=fit.steps))
    elif reference is not None:
        sentences.append(_("Right: the loss after each step, log scale: from {first:.3g} to {last:.3g} °C² in {steps} "
                           "steps, against the best possible {best:.3g} °C².").format(
            first=fit.losses[0], last=fit.final_loss, steps=fit.steps, best=best_loss))
    else:
        sentences.append(_("Right: the loss after each step, log scale: from {first:.3g} to {last:.3g} °C² in {steps} "
                           "steps.").format(first=fit.losses[0], last=fit.final_loss, steps=fit.steps))
    fig.alt = " ".join(sentences)
    return fig


def fit_summary(fit: LineFit, x, y) -> str:
    """One line of HTML: the fit's parameters and loss against the best possible, or why it diverged."""
    best_loss = mse_loss(*least_squares_line(x, y), x, y)
    if fit.diverged:
        return _("<b style='color:{color}'>Diverged after {steps} steps</b>: the learning rate is above {limit:.3f}, "
                 "each step overshoots further.").format(color=PALETTE[3], steps=fit.steps,
                                                          limit=max_stable_learning_rate(x))
    return _("after {steps} steps: w = {w:.2f} °C/V, b = {b:.2f} °C, loss = {loss:.2f} °C² ({ratio:.2f}× the best "
             "possible {best:.2f} °C²)").format(steps=fit.steps, w=fit.w, b=fit.b, loss=fit.final_loss,
                                                ratio=fit.final_loss / best_loss, best=best_loss)


# --------------------------------------------------------------------------------------------
# The interactive explorer
# --------------------------------------------------------------------------------------------

def gradient_descent_explorer(x=None, y=None, learning_rate: float = 0.1, steps: int = 50,
                              max_steps: int = 500) -> widgets.VBox:
    """Sliders for the learning rate and the number of steps; the line, the loss curve and
    :func:`fit_summary` redraw. ``x, y`` default to :func:`make_sensor_data`.
    """
    if x is None or y is None:
        x, y = make_sensor_data()
    x, y = _as_xy(x, y)
    reference = least_squares_line(x, y)
    style, layout = {"description_width": "initial"}, widgets.Layout(width="420px")
    rate_slider = widgets.FloatLogSlider(
        value=learning_rate, base=10, min=-3, max=0, step=0.05, description=_("learning rate"),
        readout_format=".3f", continuous_update=False, style=style, layout=layout)
    steps_slider = widgets.IntSlider(value=steps, min=0, max=max_steps, step=1, description=_("steps"),
                                     continuous_update=False, style=style, layout=layout)

    def draw(learning_rate: float, steps: int) -> tuple[Figure, str]:
        fit = fit_line(x, y, learning_rate=learning_rate, steps=steps)
        return plot_fit(x, y, fit, reference=reference, steps=steps), fit_summary(fit, x, y)

    return explorer({"learning_rate": rate_slider, "steps": steps_slider}, draw)
