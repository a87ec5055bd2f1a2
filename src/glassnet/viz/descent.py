"""Gradient descent you can watch: paths on 1-D curves and 2-D contours, and loss surfaces.

``descent`` runs x ← x - η_t·∇f(x), the gradient from glassnet's autograd, and returns the
trajectory as data; ``plot_descent`` draws one or several trajectories on the function.
Schedules for η_t: 'constant', 'halving' (η·½ᵗ), 'step' (halved every 5 steps), '1/t'
(η/(1 + t)), or any ``f(t, η) -> η_t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..tensor import Tensor
from ._mpl import pyplot, save_figure

SCHEDULES = {
    "constant": lambda t, lr: lr,
    "halving": lambda t, lr: lr * 0.5**t,
    "step": lambda t, lr: lr * 0.5 ** (t // 5),
    "1/t": lambda t, lr: lr / (1 + t),
}


@dataclass
class Trajectory:
    """Where descent went: points (steps+1, dims), f at each point, and the rates used."""

    points: np.ndarray
    values: np.ndarray
    rates: np.ndarray
    label: str

    @property
    def final(self):
        return self.points[-1]


def _schedule(schedule):
    if schedule is None:
        return SCHEDULES["constant"]
    if callable(schedule):
        return schedule
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; use one of {', '.join(SCHEDULES)} "
                         f"or a function f(t, lr)")
    return SCHEDULES[schedule]


def _run(f, x0, lr: float, steps: int, schedule) -> Trajectory:
    rate_at = _schedule(schedule)
    x = np.atleast_1d(np.asarray(x0, dtype=np.float64)).copy()
    points, values, rates = [x.copy()], [], []
    for t in range(steps + 1):
        point = Tensor(x.copy(), requires_grad=True)
        value = f(point if x.size > 1 else point[0])
        values.append(value.item())
        if t == steps:
            break
        value.backward()
        rate = rate_at(t, lr)
        x = x - rate * point.grad._data
        rates.append(rate)
        points.append(x.copy())
    name = schedule if isinstance(schedule, str) else "custom" if schedule else "constant"
    label = f"start {np.round(np.asarray(x0), 3).tolist()}, η={lr:g}" + (
        f" ({name})" if name != "constant" else "")
    return Trajectory(np.array(points), np.array(values), np.array(rates), label)


def descent(f, x0, lr, steps: int = 20, schedule=None):
    """Run gradient descent on ``f`` (a function of a glassnet tensor: a scalar for 1-D, a
    length-2 vector for 2-D). ``x0`` or ``lr`` may be lists: one trajectory per combination.
    Returns a Trajectory, or a list of them."""
    starts = x0 if isinstance(x0, list) else [x0]
    rates = lr if isinstance(lr, (list, tuple)) else [lr]
    runs = [_run(f, start, rate, steps, schedule) for start in starts for rate in rates]
    return runs[0] if len(runs) == 1 else runs


def _evaluate(f, grid: np.ndarray) -> np.ndarray:
    from ..autograd.grad_mode import no_grad

    with no_grad():
        return np.array([f(Tensor(np.asarray(p, dtype=np.float64)) if np.ndim(p) else
                           Tensor(np.float64(p))).item() for p in grid])


def plot_descent(f, trajectories, path=None, xlim=None, ylim=None, title=None):
    """Draw trajectories on the curve (1-D) or on contours (2-D); returns the figure."""
    runs = trajectories if isinstance(trajectories, list) else [trajectories]
    dims = runs[0].points.shape[1]
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 4.5))
    everything = np.concatenate([r.points for r in runs])
    low, high = everything.min(axis=0), everything.max(axis=0)
    margin = np.maximum((high - low) * 0.25, 0.5)
    if dims == 1:
        lo, hi = xlim or (low[0] - margin[0], high[0] + margin[0])
        xs = np.linspace(lo, hi, 400)
        axis.plot(xs, _evaluate(f, xs), color="black", lw=1.5, label="f(x)")
        for run in runs:
            axis.plot(run.points[:, 0], run.values, "o-", ms=4, alpha=0.85, label=run.label)
        axis.set_xlabel("x")
        axis.set_ylabel("f(x)")
        if ylim:
            axis.set_ylim(*ylim)
    else:
        (x_lo, x_hi) = xlim or (low[0] - margin[0], high[0] + margin[0])
        (y_lo, y_hi) = ylim or (low[1] - margin[1], high[1] + margin[1])
        gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, 80), np.linspace(y_lo, y_hi, 80))
        values = _evaluate(f, np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
        axis.contourf(gx, gy, values, levels=30, cmap="viridis", alpha=0.8)
        axis.contour(gx, gy, values, levels=15, colors="white", linewidths=0.4)
        for run in runs:
            axis.plot(run.points[:, 0], run.points[:, 1], "o-", ms=3, label=run.label)
        axis.set_xlabel("x₁")
        axis.set_ylabel("x₂")
    axis.set_title(title or "gradient descent: x ← x - η·∇f(x)")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    if path is not None:
        save_figure(figure, path)
    return figure


def loss_surface(model_or_fn, data, w1_range, w2_range, path=None, trajectory=None,
                 resolution: int = 60, title=None):
    """The loss over a grid of two parameters: the lesson's bowl in (w1, w2) space.

    ``model_or_fn`` is either ``fn(w1, w2, X, y) -> loss`` or a glassnet module with exactly
    two parameter values (e.g. ``nn.Linear(1, 1)``: weight and bias), scored with mean squared
    error on ``data = (X, y)``. ``trajectory`` (an (n, 2) array of (w1, w2)) is drawn on top.
    Returns (W1, W2, L) grids (and saves the figure when ``path`` is given).
    """
    from ..autograd.grad_mode import no_grad

    X, y = data
    loss_at = _loss_function(model_or_fn, X, y)
    w1 = np.linspace(*w1_range, resolution)
    w2 = np.linspace(*w2_range, resolution)
    W1, W2 = np.meshgrid(w1, w2)
    with no_grad():
        L = np.array([loss_at(a, b) for a, b in zip(W1.ravel(), W2.ravel())]).reshape(W1.shape)
    if path is not None:
        plt = pyplot()
        figure, axis = plt.subplots(figsize=(6, 5))
        filled = axis.contourf(W1, W2, L, levels=40, cmap="viridis")
        axis.contour(W1, W2, L, levels=20, colors="white", linewidths=0.4)
        figure.colorbar(filled, ax=axis, label="loss")
        if trajectory is not None:
            path_points = np.asarray(trajectory)
            axis.plot(path_points[:, 0], path_points[:, 1], "o-", color="tab:red", ms=3,
                      label="optimizer path")
            axis.legend()
        axis.set_xlabel("w1")
        axis.set_ylabel("w2")
        axis.set_title(title or "the loss surface over (w1, w2)")
        save_figure(figure, path)
    return W1, W2, L


def _loss_function(model_or_fn, X, y):
    if not hasattr(model_or_fn, "parameters"):
        return lambda a, b: float(model_or_fn(a, b, X, y))
    from ..nn import functional as F

    params = list(model_or_fn.parameters())
    sizes = [p._data.size for p in params]
    if sum(sizes) != 2:
        raise ValueError(f"loss_surface: the model must have exactly two parameter values "
                         f"to draw a surface, it has {sum(sizes)}; pass a function "
                         f"fn(w1, w2, X, y) instead")
    X_t, y_t = Tensor(np.asarray(X, dtype=np.float32)), Tensor(np.asarray(y, dtype=np.float32))

    def loss_at(a, b):
        flat = [a, b]
        for p in params:
            n = p._data.size
            p._data[...] = np.reshape(flat[:n], p._data.shape)
            flat = flat[n:]
        return F.mse_loss(model_or_fn(X_t), y_t.reshape(*model_or_fn(X_t).shape)).item()

    return loss_at
