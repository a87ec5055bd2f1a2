"""Activation functions as functions (their modules are in ``nn/activation.py``)."""

from __future__ import annotations

from ...ops import activation as A
from ...ops.methods import _t, log_softmax, relu, sigmoid, softmax, tanh  # noqa: F401


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x for x > 0, else negative_slope·x."""
    return A.LeakyRelu.apply(_t(input), negative_slope)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else α(eˣ - 1)."""
    return A.Elu.apply(_t(input), alpha)


def gelu(input, approximate: str = "none"):
    """x·Φ(x), Φ the standard normal CDF (``approximate='tanh'`` for the fast form)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.Gelu.apply(_t(input), approximate)


def heaviside(input, values: float = 0.0):
    """The perceptron's step: 1 where x > 0, else 0 (``values`` at exactly 0)."""
    return A.Heaviside.apply(_t(input), values)

