"""Normalisation layers (§14.10): standardise activations, then rescale with learned γ and β.

BatchNorm over the batch, LayerNorm over each example, GroupNorm over groups of channels,
InstanceNorm2d over each channel of each image.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..advice import check_mode_under_no_grad
from ..autograd.grad_mode import GradMode
from ..dtypes import get_default_dtype, to_dtype
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from ._checks import check_numbers, check_sizes
from .module import Module, Parameter


class _NormBase(Module):
    """What batch and instance norm share (PyTorch's _NormBase): per-channel γ (ones) and β
    (zeros) when affine, and the running_mean / running_var / num_batches_tracked buffers when
    tracking running statistics."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        check_sizes(type(self).__name__, num_features=num_features)
        check_numbers(type(self).__name__, eps=eps, momentum=momentum)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Normalise each of ``num_features`` channels over the batch (and any spatial dims):
    y = γ·(x - μ_B)/√(σ²_B + ε) + β.

    Training uses the batch's statistics and moves the running estimates toward them
    (r ← (1 - momentum)·r + momentum·batch, unbiased variance; momentum=None keeps a plain
    cumulative average); eval mode uses the running estimates, so call ``model.eval()`` before
    inference. Subclasses say which input ranks they accept.
    """

    ranks: tuple = ()
    layout: str = ""

    def _check_input(self, input) -> None:
        name, c = f"{type(self).__name__}({self.num_features})", self.num_features
        shapes = self.layout.format(c=c)
        if input.ndim not in self.ranks:
            raise ShapeError(
                f"{name} expects a {' or '.join(f'{r}-d' for r in self.ranks)} input "
                f"{shapes}, got shape {tuple(input.shape)}; "
                f"{'use BatchNorm1d' if input.ndim in (2, 3) else 'use BatchNorm2d'} for "
                f"{input.ndim}-d inputs"
            )
        if input.shape[1] != c:
            raise ShapeError(
                f"{name} expects {c} channels at dim 1 {shapes}, got input of shape "
                f"{tuple(input.shape)}; set num_features={input.shape[1]} or fix the layer "
                f"before"
            )

    def forward(self, input):
        self._check_input(input)
        if self.training and not GradMode.enabled:
            check_mode_under_no_grad(self, "batchnorm")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._data)
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation (§14.10) of features: per feature over the batch (and length).

    Shape: (N, C) or (N, C, L) → same shape.
    Example: ``nn.BatchNorm1d(4)(glassnet.randn(8, 4)).shape == (8, 4)``
    """

    ranks = (2, 3)
    layout = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images: per channel over the batch and both spatial dims, so
    every pixel of a channel shares one μ, σ², γ and β.

    Shape: (N, C, H, W) → same shape.
    Example: ``nn.BatchNorm2d(16)(glassnet.randn(8, 16, 5, 5)).shape == (8, 16, 5, 5)``
    """

    ranks = (4,)
    layout = "(N, {c}, H, W)"


class LayerNorm(Module):
    """Normalise each example over its last dims: y = γ·(x - μ)/√(σ² + ε) + β, the same in
    training and evaluation (§14.10)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        dtype = get_default_dtype().numpy
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class InstanceNorm2d(_NormBase):
    """Instance normalisation: standardise each channel of each image over its own H·W pixels,
    y = γ_c·(x - μ_nc)/√(σ²_nc + ε) + β_c, so the statistics never mix examples (style transfer,
    small batches). PyTorch's defaults: no γ, β (affine=False) and no running statistics
    (track_running_stats=False), so training and evaluation agree unless you ask for them.

    With track_running_stats, training moves running_mean / running_var toward the batch
    average of the per-image statistics and eval mode normalises with them.
    Shape: (N, C, H, W) or (C, H, W) → same shape.
    Example: ``nn.InstanceNorm2d(3)(glassnet.randn(2, 3, 4, 4)).shape == (2, 3, 4, 4)``
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ShapeError(f"InstanceNorm2d({self.num_features}) expects a 4-d (N, C, H, W) "
                             f"or 3-d (C, H, W) input, got shape {tuple(input.shape)}")
        channel_dim = input.ndim - 3
        if input.shape[channel_dim] != self.num_features:
            if self.affine:
                raise ShapeError(
                    f"InstanceNorm2d({self.num_features}) expects {self.num_features} channels "
                    f"at dim {channel_dim}, got input of shape {tuple(input.shape)}; set "
                    f"num_features={input.shape[channel_dim]}"
                )
            warnings.warn(f"input's size at dim={channel_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which is "
                          f"not used because affine=False", UserWarning, stacklevel=2)
        if input.ndim == 3:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

    def _normalize(self, input):
        # PyTorch never counts batches here: momentum=None means "do not move the statistics"
        momentum = 0.0 if self.momentum is None else self.momentum
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               momentum, self.eps)


class GroupNorm(Module):
    """Group normalisation: split the channels into num_groups groups and standardise each
    group of each example over its channels and positions, then y = γ_c·x̂ + β_c per channel.
    No batch statistics, so it works the same for any batch size, in training and evaluation
    (num_groups=1 is a layer norm over (C, *), num_groups=C an instance norm).

    Shape: (N, C, *) → same shape.
    Example: ``nn.GroupNorm(2, 4)(glassnet.randn(3, 4, 5)).shape == (3, 4, 5)``
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ShapeError(
                f"GroupNorm({self.num_groups}, {self.num_channels}) expects an (N, "
                f"{self.num_channels}, *) input, got shape {tuple(input.shape)}; set "
                f"num_channels to the input's dim 1"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """AlexNet's normalisation across nearby channels (``F.local_response_norm``):
    b_c = a_c / (k + α/n · Σ a_j²)^β over the ``size`` channels around c. No weights."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """Root-mean-square normalisation over the last dims: y = x / √(mean(x²) + ε) · γ (no
    centring, no β), as modern language models use it; ε defaults to the dtype's eps."""

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        numpy_dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=numpy_dtype))
        else:
            self.register_parameter("weight", None)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class InstanceNorm1d(InstanceNorm2d):
    """InstanceNorm2d for sequences: standardise each channel of each sequence over its own
    L positions. Shape: (N, C, L) or (C, L) → same shape."""

    def forward(self, input):
        if input.ndim not in (2, 3):
            raise ShapeError(f"InstanceNorm1d({self.num_features}) expects a 3-d (N, C, L) or "
                             f"2-d (C, L) input, got shape {tuple(input.shape)}")
        if input.ndim == 2:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

