"""§14.5's picture: each activation function beside its derivative (from autograd)."""

from __future__ import annotations

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor
from ._mpl import pyplot, save_figure

FUNCTIONS = {
    "sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1), "elu": F.elu, "gelu": F.gelu,
}


def activation_and_derivative(name: str, x: np.ndarray):
    """g(x) and g'(x) on a grid; g' comes from backward(), not a formula."""
    point = Tensor(x.astype(np.float64), requires_grad=True)
    out = FUNCTIONS[name](point)
    out.sum().backward()
    return out._data, point.grad._data


def plot_activations(names=None, path=None, x_range=(-5, 5)):
    """One panel per activation: the function and its derivative. Saturation shows as a
    derivative near 0 (sigmoid's never exceeds 0.25)."""
    names = list(FUNCTIONS) if names is None else list(names)
    x = np.linspace(*x_range, 401)
    plt = pyplot()
    columns = 3
    rows = int(np.ceil(len(names) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for axis in axes.ravel()[len(names):]:
        axis.axis("off")
    for axis, name in zip(axes.ravel(), names):
        value, slope = activation_and_derivative(name, x)
        axis.plot(x, value, label=f"{name}(x)")
        axis.plot(x, slope, "--", label="derivative")
        axis.axhline(0, color="gray", lw=0.5)
        axis.axvline(0, color="gray", lw=0.5)
        axis.set_title(name)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    if path is not None:
        save_figure(figure, path)
    return figure
