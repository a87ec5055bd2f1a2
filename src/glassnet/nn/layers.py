"""Layers with weights or shape logic: Linear, Identity, Flatten, Dropout, Dropout2d."""

from __future__ import annotations

import math

import numpy as np

from ..advice import check_mode_under_no_grad
from ..autograd.grad_mode import GradMode
from ..dtypes import get_default_dtype, to_dtype
from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x Wᵀ + b: every output is a weighted sum of all inputs plus a bias (§14.1).

    Args: in_features, out_features, bias (default True).
    Shape: input (*, in_features) → output (*, out_features); weight (out_features,
    in_features), so a layer m → n has n·m weights and n biases.
    Example: ``nn.Linear(3, 4)(glassnet.ones(2, 3)).shape == (2, 4)``
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's default: kaiming_uniform_ with a = √5, which works out to
        # U(-1/√fan_in, 1/√fan_in); the bias draws from the same range.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """y = x (a placeholder layer)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Merge dims start_dim..end_dim into one: (N, 1, 28, 28) → (N, 784) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zero each unit with probability p and scale survivors by 1/(1-p)
    (inverted dropout, §14.12); in eval mode, the identity."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        if self.training and not GradMode.enabled:
            check_mode_under_no_grad(self, "dropout")
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """In training, zero each whole channel (one (H, W) map of one sample) with probability p
    and scale the surviving channels by 1/(1-p); in eval mode, the identity. Neighbouring
    pixels are strongly correlated, so dropping single pixels regularises a convnet little.

    Shape: (N, C, H, W) → same shape.
    Example: ``nn.Dropout2d(0.25)(glassnet.ones(8, 16, 5, 5)).shape == (8, 16, 5, 5)``
    """

    def forward(self, input):
        if self.training and not GradMode.enabled:
            check_mode_under_no_grad(self, "dropout")
        return F.dropout2d(input, self.p, self.training)
