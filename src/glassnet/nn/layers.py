"""Layers with weights or shape logic: Linear, Bilinear, Identity, Flatten, Unflatten, and the
dropouts (Dropout, Dropout1d, Dropout2d, AlphaDropout)."""

from __future__ import annotations

import math

import numpy as np

from ..advice import check_mode_under_no_grad
from ..autograd.grad_mode import GradMode
from ..dtypes import get_default_dtype, to_dtype
from ..errors import ShapeError
from . import functional as F
from . import init
from ._checks import check_sizes
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
        check_sizes("Linear", in_features=in_features, out_features=out_features)
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


class Bilinear(Module):
    """y_k = x1ᵀ A_k x2 + b_k: each output is a bilinear form of the two inputs plus a bias.

    Args: in1_features, in2_features, out_features, bias (default True).
    Shape: (*, in1_features) and (*, in2_features) → (*, out_features); weight (out_features,
    in1_features, in2_features). Both weight and bias start U(-1/√in1, 1/√in1), as in PyTorch.
    Example: ``nn.Bilinear(2, 3, 4)(glassnet.ones(5, 2), glassnet.ones(5, 3)).shape == (5, 4)``
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


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


class Dropout1d(Dropout):
    """In training, zero each whole channel of a sequence (one length-L row of one sample) with
    probability p and scale the surviving channels by 1/(1-p); in eval mode, the identity.
    Neighbouring steps are correlated, so dropping whole channels regularises a 1-d convnet.

    Shape: (N, C, L) or (C, L) → same shape.
    Example: ``nn.Dropout1d(0.25)(glassnet.ones(8, 16, 10)).shape == (8, 16, 10)``
    """

    def forward(self, input):
        if self.training and not GradMode.enabled:
            check_mode_under_no_grad(self, "dropout")
        return F.dropout1d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout for self-normalising networks (SELU): a dropped unit takes SELU's
    saturation value -λα instead of 0, and an affine map keeps the mean 0 and variance 1 that
    SELU layers maintain; in eval mode, the identity.

    Shape: any → same shape.
    Example: ``nn.AlphaDropout(0.2)(glassnet.randn(8, 16)).shape == (8, 16)``
    """

    def forward(self, input):
        if self.training and not GradMode.enabled:
            check_mode_under_no_grad(self, "dropout")
        return F.alpha_dropout(input, self.p, self.training)


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1): the inverse of
    Flatten, e.g. (N, 784) → (N, 1, 28, 28).

    Example: ``nn.Unflatten(1, (2, 5))(glassnet.ones(3, 10)).shape == (3, 2, 5)``
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("Unflatten: glassnet has no named tensors, so dim must be an int "
                            f"position, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                            f"{type(unflattened_size).__name__}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        shape = tuple(input.shape)
        dim = self.dim + len(shape) if self.dim < 0 else self.dim
        sizes = list(self.unflattened_size)
        known = math.prod(n for n in sizes if n != -1)
        size = shape[dim] if 0 <= dim < len(shape) else None
        if (size is None or sizes.count(-1) > 1
                or (-1 not in sizes and known != size)
                or (-1 in sizes and (known == 0 or size % known))):
            raise ShapeError(
                f"unflatten: sizes {sizes} must multiply up to the size of dim {self.dim} of the "
                f"input {shape} (at most one -1); choose sizes whose product is "
                f"{'that size' if size is None else size}"
            )
        if -1 in sizes:
            sizes[sizes.index(-1)] = size // known
        return input.reshape(shape[:dim] + tuple(sizes) + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class LazyLinear(Linear):
    """A Linear whose ``in_features`` comes from its first input: until then it has no
    weights; the first forward makes and initialises them (PyTorch's init) and the layer
    becomes a plain Linear. Run one batch through the model before making the optimizer."""

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)
        check_sizes("LazyLinear", out_features=out_features)
        self.in_features, self.out_features = 0, out_features
        self._lazy = (bias, dtype)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)

    def forward(self, input):
        if self.weight is None:
            bias, dtype = self._lazy
            x = input if hasattr(input, "shape") else np.asarray(input)
            Linear.__init__(self, int(x.shape[-1]), self.out_features, bias, dtype=dtype)
            object.__setattr__(self, "__class__", Linear)  # as PyTorch: it is a Linear now
        return Linear.forward(self, input)

    def extra_repr(self) -> str:
        return f"in_features=0, out_features={self.out_features}, bias={self._lazy[0]}"

