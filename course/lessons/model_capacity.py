"""Week 0x01: model capacity, overfitting, and how much memory a model needs.

- :func:`capacity_curves` fits polynomials of every degree to noisy samples of a sine, for a few
  training-set sizes, and measures training and validation error. Polynomials stand in for neural
  networks of growing size: the fits take milliseconds, so the explorer only redraws.
- :class:`OverfittingExplorer` is the interactive widget (degree and training-set size → the fitted
  curve and the training/validation error curves).
- :func:`activation_bytes` is a rough estimate of the RAM a model's activations need.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course.data import sine
from course.lessons.gradient_descent import figure_png, new_figure

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
    coefficients, *_ = np.linalg.lstsq(polynomial_features(x, degree), np.asarray(y, dtype=float).ravel(), rcond=None)
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


class OverfittingExplorer:
    """Sliders for the polynomial degree (the model's capacity) and the number of training examples.

    Everything is precomputed by :func:`capacity_curves`; moving a slider only redraws. Left: the
    training points, the true sine and the fitted curve. Right: training and validation error
    against the degree. After ``explorer.degree.value = ...`` (or ``.size.value``),
    ``explorer.summary.value`` and ``explorer.image.value`` have changed.
    """

    def __init__(self, curves: CapacityCurves | None = None, degree: int = 3, size: int | None = None):
        import ipywidgets as widgets

        self.curves = curves = curves or capacity_curves()
        style, layout = {"description_width": "initial"}, widgets.Layout(width="420px")
        self.degree = widgets.IntSlider(value=degree, min=min(curves.degrees), max=max(curves.degrees),
                                        description="polynomial degree", continuous_update=False,
                                        style=style, layout=layout)
        self.size = widgets.SelectionSlider(options=list(curves.sizes), value=size or curves.sizes[1],
                                            description="training examples", continuous_update=False,
                                            style=style, layout=layout)
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")

        self.fig = new_figure((10, 3.6))
        self.ax_fit, self.ax_err = self.fig.subplots(1, 2)
        self.ax_fit.plot(curves.grid, np.sin(curves.grid), color="k", ls="--", lw=1, label="true sin(x)")
        (self.points,) = self.ax_fit.plot([], [], "o", color="tab:blue", ms=4, label="training examples")
        (self.fit_line,) = self.ax_fit.plot([], [], color="tab:red", lw=2, label="fitted polynomial")
        self.ax_fit.set(xlabel="x (radians)", ylabel="y", ylim=(-2.2, 2.2), title="The model")
        self.ax_fit.legend(loc="lower left", fontsize=8)
        (self.train_curve,) = self.ax_err.plot([], [], "o-", color="tab:blue", ms=3, label="training error")
        (self.val_curve,) = self.ax_err.plot([], [], "o-", color="tab:orange", ms=3, label="validation error")
        self.ax_err.axhline(curves.noise ** 2, color="grey", ls=":", label="noise level (best possible)")
        self.marker = self.ax_err.axvline(degree, color="tab:red", lw=1)
        self.ax_err.set(xlabel="polynomial degree (capacity)", ylabel="mean squared error", yscale="log",
                        ylim=(1e-3, 10), title="Error against capacity")
        self.ax_err.legend(loc="upper left", fontsize=8)
        self.ax_err.grid(True, which="both", alpha=0.3)

        self.widget = widgets.VBox([widgets.HBox([self.degree, self.size]), self.summary, self.image])
        self.degree.observe(self.update, names="value")
        self.size.observe(self.update, names="value")
        self.update()

    def update(self, _change=None) -> str:
        """Redraw for the sliders' values; returns the verdict."""
        c, size, degree = self.curves, self.size.value, self.degree.value
        row, column = c.sizes.index(size), c.degrees.index(degree)
        self.points.set_data(c.x_train[:size], c.y_train[:size])
        self.fit_line.set_data(c.grid, np.clip(c.curves[row, column], -5, 5))
        degrees = np.array(c.degrees)
        self.train_curve.set_data(degrees, np.maximum(c.train_mse[row], 1e-4))
        self.val_curve.set_data(degrees, np.minimum(c.val_mse[row], 1e3))
        self.ax_err.set_xlim(degrees.min() - 0.5, degrees.max() + 0.5)
        self.marker.set_xdata([degree, degree])
        self.ax_fit.set_title(f"degree {degree} ({degree + 1} parameters), {size} training examples")
        label = verdict(c, size, degree)
        self.summary.value = (
            f"training error <b>{c.train_mse[row, column]:.3f}</b>, validation error "
            f"<b>{c.val_mse[row, column]:.3f}</b> (noise level {c.noise ** 2:.3f}). "
            f"With {size} examples the validation error is lowest at degree {c.best_degree(size)}: "
            f"verdict: <b>{label}</b>.")
        self.image.value = figure_png(self.fig)
        return label

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


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
