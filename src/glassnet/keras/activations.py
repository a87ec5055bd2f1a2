"""Activations by name, as Keras resolves them: relu, leaky_relu, elu, gelu, sigmoid, tanh,
softmax, linear (or any callable)."""

from __future__ import annotations

from ..nn import functional as F


def linear(x):
    return x


def relu(x):
    return F.relu(x)


def leaky_relu(x, negative_slope: float = 0.2):  # Keras' default slope is 0.2
    return F.leaky_relu(x, negative_slope)


def elu(x, alpha: float = 1.0):
    return F.elu(x, alpha)


def gelu(x, approximate: bool = True):  # Keras' default is the tanh approximation
    return F.gelu(x, "tanh" if approximate else "none")


def sigmoid(x):
    return F.sigmoid(x)


def tanh(x):
    return F.tanh(x)


def softmax(x, axis: int = -1):
    return F.softmax(x, dim=axis)


ALL = {f.__name__: f for f in (linear, relu, leaky_relu, elu, gelu, sigmoid, tanh, softmax)}


def get(identifier):
    """None → linear; a name → the function; a callable → itself."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if identifier in ALL:
        return ALL[identifier]
    raise ValueError(f"unknown activation {identifier!r}; use one of {', '.join(ALL)}")


def serialize(fn) -> str:
    for name, known in ALL.items():
        if fn is known:
            return name
    raise ValueError(f"cannot save the custom activation {fn!r}; use a named one")
