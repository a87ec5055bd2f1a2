"""Activation modules (§14.5): the nonlinearity between layers, each a thin call to functional."""

from __future__ import annotations

from . import functional as F
from .module import Module


class ReLU(Module):
    """max(0, x): passes positives, zeroes negatives; the default hidden activation."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope·x: a small slope keeps units from dying."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, else α(eˣ - 1): smooth below zero."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x·Φ(x): a smooth ReLU, standard in Transformers."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1/(1 + e⁻ˣ): squashes to (0, 1); for a probability output."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh x: squashes to (-1, 1), zero-centred."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """Logits → probabilities along ``dim`` (they sum to 1)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax along ``dim``, computed stably; pair with NLLLoss."""

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Heaviside(Module):
    """The perceptron's step unit: 1 if x > 0 else 0 (gradient 0, so gradient descent cannot
    train through it; the perceptron rule can)."""

    def __init__(self, values: float = 0.0) -> None:
        super().__init__()
        self.values = values

    def forward(self, input):
        return F.heaviside(input, self.values)


Step = Heaviside
