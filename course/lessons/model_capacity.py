"""Week 0x01: model capacity, overfitting, and how much memory a model needs.

- :func:`capacity_curves` fits polynomials of every degree to noisy samples of a sine, for a few
  training-set sizes, and measures training and validation error. Polynomials stand in for neural
  networks of growing size: the fits take milliseconds, so the explorer only redraws.
- :func:`plot_capacity` and :func:`capacity_summary` show one (size, degree) pair;
  :func:`overfitting_explorer` is the interactive widget (degree and training-set size → the fitted
  curve and the training/validation error curves).
- :func:`activation_bytes` is a rough estimate of the RAM a model's activations need.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course.data import sine
from course.notebook.explorer import explorer
from course.notebook.figures import PALETTE, new_figure
from course.notebook.language import _

DOMAIN = (0.0, 2 * np.pi)  # the sine data's x range


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """Chebyshev polynomials T_0 … T_degree of x (mapped from DOMAIN to [-1, 1]): shape (n, degree + 1).

    Chebyshev polynomials span the same functions as 1, x, x², … but keep high degrees well conditioned.
    """
    t = (2 * np.asarray(x, dtype=float).ravel() - (DOMAIN[0] + DOMAIN[1])) / (DOMAIN[1] - DOMAIN[0])
    return np.polynomial.chebyshev.chebvander(t, degree)


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares coefficients of a degree-`degree` polynomial through (x, y).

    With fewer points than coefficients the smallest-norm exact fit is returned (no warning).
    """
    coefficients, *_rest = np.linalg.lstsq(polynomial_features(x, degree), np.asarray(y, dtype=float).ravel(), rcond=None)
    return coefficients


def predict_polynomial(coefficients: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Values of the polynomial with these (Chebyshev) coefficients at x."""
    return polynomial_features(x, len(coefficients) - 1) @ coefficients


@dataclass(frozen=True)
class CapacityCurves:
    """Training and validation error of every (training-set size, degree) pair, and the fitted curves.

    `train_mse[i, j]` and `val_mse[i, j]` belong to `sizes[i]` training examples and degree
    `degrees[j]`; `curves[i, j]` is that fit evaluated at `grid`. The training set of size
    `sizes[i]` is `x_train[:sizes[i]]` (smaller sets are part of larger ones).
    """

    sizes: tuple[int, ...]
    degrees: tuple[int, ...]
    noise: float
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    train_mse: np.ndarray
    val_mse: np.ndarray
    grid: np.ndarray
    curves: np.ndarray

    def best_degree(self, size: int) -> int:
        """The degree with the lowest validation error for `size` training examples."""
        row = self.sizes.index(size)
        return self.degrees[int(np.argmin(self.val_mse[row]))]


def capacity_curves(sizes: tuple[int, ...] = (10, 20, 40, 80, 160), degrees: tuple[int, ...] = tuple(range(16)),
                    noise: float = 0.3, n_val: int = 200, seed: int = 0) -> CapacityCurves:
    """Fit every degree to the first `size` training points, for every size; measure MSE on both sets.

    The data are `course.data.sine(noise=noise, seed=seed)`: the first `n_val` points are the
    validation set, the next `max(sizes)` the training pool. Takes a few milliseconds.
    """
    sizes, degrees = tuple(int(s) for s in sizes), tuple(int(d) for d in degrees)
    data = sine(n=n_val + max(sizes), noise=noise, seed=seed)
    x, y = data.x[:, 0].astype(float), data.y.astype(float)
    x_val, y_val, x_train, y_train = x[:n_val], y[:n_val], x[n_val:], y[n_val:]
    grid = np.linspace(*DOMAIN, 300)
    train_mse = np.empty((len(sizes), len(degrees)))
    val_mse = np.empty_like(train_mse)
    curves = np.empty((len(sizes), len(degrees), len(grid)))
    for i, size in enumerate(sizes):
        for j, degree in enumerate(degrees):
            coefficients = fit_polynomial(x_train[:size], y_train[:size], degree)
            train_mse[i, j] = np.mean((predict_polynomial(coefficients, x_train[:size]) - y_train[:size]) ** 2)
            val_mse[i, j] = np.mean((predict_polynomial(coefficients, x_val) - y_val) ** 2)
            curves[i, j] = predict_polynomial(coefficients, grid)
    return CapacityCurves(sizes, degrees, noise, x_train, y_train, x_val, y_val, train_mse, val_mse, grid, curves)


def verdict(curves: CapacityCurves, size: int, degree: int, tolerance: float = 1.25) -> str:
    """"underfitting", "good fit" or "overfitting" for this degree and training-set size.

    "good fit": validation error within `tolerance` × the best degree's; otherwise the side of the
    best degree decides (too simple: underfitting; too flexible: overfitting).
    """
    row, column = curves.sizes.index(size), curves.degrees.index(degree)
    best = int(np.argmin(curves.val_mse[row]))
    if curves.val_mse[row, column] <= tolerance * curves.val_mse[row, best]:
        return "good fit"
    return "underfitting" if column < best else "overfitting"


def verdict_label(verdict_name: str) -> str:
    """The learner-facing words for a :func:`verdict` (which stays an English key)."""
    labels = {"underfitting": _("underfitting"), "good fit": _("good fit"), "overfitting": _("overfitting")}
    return labels[verdict_name]


def plot_capacity(curves: CapacityCurves, size: int, degree: int) -> Figure:
    """Left: the first `size` training points, the true sine and the degree-`degree` fit. Right:
    training and validation error against the degree, this degree marked."""
    row, column = curves.sizes.index(size), curves.degrees.index(degree)
    degrees = np.array(curves.degrees)
    fig = new_figure((10, 3.6))
    ax_fit, ax_err = fig.subplots(1, 2)
    ax_fit.plot(curves.grid, np.sin(curves.grid), color=PALETTE[7], ls="--", lw=1, label=_("true sin(x)"))
    ax_fit.plot(curves.x_train[:size], curves.y_train[:size], "o", color=PALETTE[0], ms=4, label=_("training examples"))
    ax_fit.plot(curves.grid, np.clip(curves.curves[row, column], -5, 5), color=PALETTE[3], lw=2,
                label=_("fitted polynomial"))
    ax_fit.set(xlabel=_("x (radians)"), ylabel="y", ylim=(-2.2, 2.2),
               title=_("degree {degree} ({parameters} parameters), {size} training examples").format(
                   degree=degree, parameters=degree + 1, size=size))
    ax_fit.legend(loc="lower left", fontsize=8)
    ax_err.plot(degrees, np.maximum(curves.train_mse[row], 1e-4), "o-", color=PALETTE[0], ms=3, label=_("training error"))
    ax_err.plot(degrees, np.minimum(curves.val_mse[row], 1e3), "s--", color=PALETTE[1], ms=3, label=_("validation error"))
    ax_err.axhline(curves.noise ** 2, color="grey", ls=":", label=_("noise level (best possible)"))
    ax_err.axvline(degree, color=PALETTE[3], lw=1)
    ax_err.set(xlabel=_("polynomial degree (capacity)"), ylabel=_("mean squared error"), yscale="log",
               xlim=(degrees.min() - 0.5, degrees.max() + 0.5), ylim=(1e-3, 10), title=_("Error against capacity"))
    ax_err.legend(loc="upper left", fontsize=8)
    ax_err.grid(True, which="both", alpha=0.3)
    best = curves.best_degree(size)
    fig.alt = " ".join([
        _("Left: {size} training examples of a noisy sine and the polynomial of degree {degree} fitted to them. "
          "Right: training and validation error against the degree, from {low} to {high}, log scale.").format(
            size=size, degree=degree, low=degrees.min(), high=degrees.max()),
        _("At degree {degree} the training error is {train:.3f} and the validation error {val:.3f}; the validation "
          "error is lowest at degree {best} ({best_val:.3f}), against a noise level of {noise:.3f}. Verdict: {verdict}.").format(
            degree=degree, train=curves.train_mse[row, column], val=curves.val_mse[row, column], best=best,
            best_val=curves.val_mse[row, curves.degrees.index(best)], noise=curves.noise ** 2,
            verdict=verdict_label(verdict(curves, size, degree))),
    ])
    return fig


def capacity_summary(curves: CapacityCurves, size: int, degree: int) -> str:
    """One line of HTML: training and validation error of this pair, the best degree and the :func:`verdict`."""
    row, column = curves.sizes.index(size), curves.degrees.index(degree)
    return _("training error <b>{train:.3f}</b>, validation error <b>{val:.3f}</b> (noise level {noise:.3f}). With "
             "{size} examples the validation error is lowest at degree {best}: verdict: <b>{verdict}</b>.").format(
        train=curves.train_mse[row, column], val=curves.val_mse[row, column], noise=curves.noise ** 2, size=size,
        best=curves.best_degree(size), verdict=verdict_label(verdict(curves, size, degree)))


def overfitting_explorer(curves: CapacityCurves | None = None, degree: int = 3, size: int | None = None) -> widgets.VBox:
    """Sliders for the polynomial degree (the model's capacity) and the number of training examples
    → :func:`plot_capacity` and :func:`capacity_summary`. Everything is precomputed by
    :func:`capacity_curves` (the default); moving a slider only redraws."""
    curves = curves or capacity_curves()
    style, layout = {"description_width": "initial"}, widgets.Layout(width="420px")
    degree_slider = widgets.IntSlider(value=degree, min=min(curves.degrees), max=max(curves.degrees),
                                      description=_("polynomial degree"), continuous_update=False,
                                      style=style, layout=layout)
    size_slider = widgets.SelectionSlider(options=list(curves.sizes), value=size or curves.sizes[1],
                                          description=_("training examples"), continuous_update=False,
                                          style=style, layout=layout)

    def draw(degree: int, size: int) -> tuple[Figure, str]:
        return plot_capacity(curves, size, degree), capacity_summary(curves, size, degree)

    return explorer({"degree": degree_slider, "size": size_slider}, draw)


def activation_bytes(model, bytes_per_value: int = 1) -> int:
    """Rough RAM for a model's activations: the largest (input + output) of any one layer.

    While a layer runs, its input and its output must both be in memory; earlier activations can be
    freed. `bytes_per_value` is 1 for int8, 4 for float32. TensorFlow Lite Micro's real tensor arena
    adds alignment and scratch buffers (week 0x03 measures it).
    """
    largest = 0
    for layer in model.layers:
        if not layer._inbound_nodes or layer.__class__.__name__ == "InputLayer":
            continue
        values = sum(int(np.prod(t.shape[1:])) for t in (*_as_list(layer.input), *_as_list(layer.output)))
        largest = max(largest, values)
    return largest * bytes_per_value


def _as_list(tensors) -> list:
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
