"""Layers as functions: linear, bilinear, dropout (plain, 1d, 2d, alpha), batch, layer, group
and instance norm, one-hot."""

from __future__ import annotations

import warnings

import numpy as np

from ...errors import ShapeError
from ...ops import fused as N
from ...ops import nn_ops
from ...ops.methods import _t, cat
from ...random import rng
from ...tensor import Tensor


def linear(input, weight, bias=None):
    """y = x Wᵀ + b, one fused node (weight has shape (out_features, in_features))."""
    x = _t(input)
    if x._data.shape[-1] != weight._data.shape[-1]:
        raise ShapeError(
            f"linear: input has {x._data.shape[-1]} features (shape {tuple(x.shape)}) but the "
            f"layer expects {weight._data.shape[-1]} (weight {tuple(weight.shape)}); flatten "
            f"the input or fix in_features"
        )
    if bias is None:
        return N.Linear.apply(x, weight)
    return N.Linear.apply(x, weight, bias)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator=None):
    """Zero each element with probability p and scale the rest by 1/(1-p); identity when not
    training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    return N.Dropout.apply(_t(input), p, rng(generator))


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1ᵀ A_k x2 + b_k, one fused node (weight A has shape (out, in1, in2)).

    Shape: (*, in1) and (*, in2) with the same leading dims → (*, out).
    """
    x1, x2 = _t(input1), _t(input2)
    expected = tuple(weight.shape)
    for name, x, size in (("input1", x1, expected[1]), ("input2", x2, expected[2])):
        if x.shape[-1] != size:
            raise ShapeError(
                f"bilinear: {name} has {x.shape[-1]} features (shape {tuple(x.shape)}) but the "
                f"weight {expected} expects {size}; fix in{name[-1]}_features or the input"
            )
    if tuple(x1.shape[:-1]) != tuple(x2.shape[:-1]):
        raise ShapeError(
            f"bilinear: input1 {tuple(x1.shape)} and input2 {tuple(x2.shape)} must have the "
            f"same leading (batch) dims; pair each x1 with one x2"
        )
    if bias is None:
        return nn_ops.Bilinear.apply(x1, x2, weight)
    return nn_ops.Bilinear.apply(x1, x2, weight, bias)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of sequences: each (sample, channel) row of an (N, C, L) input (or
    channel of a (C, L) one) is kept with probability 1-p and scaled by 1/(1-p), or zeroed
    entirely; identity when not training.
    """
    x = _t(input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout1d: p must be a probability in [0, 1], got {p}")
    if x.ndim not in (2, 3):
        raise ShapeError(
            f"dropout1d: expected a 2-d (C, L) or 3-d (N, C, L) input, got shape "
            f"{tuple(x.shape)}; use dropout2d for (N, C, H, W) images, dropout for other shapes"
        )
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return N.Dropout.apply(x, p, rng(None), x.shape[:-1] + (1,))


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for self-normalising (SELU) networks: dropped units take SELU's saturation value
    and an affine map restores mean 0 and variance 1 (see ops/nn_ops.py: AlphaDropout);
    identity when not training (note: ``training`` defaults to False, as in PyTorch).
    """
    x = _t(input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"alpha_dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return nn_ops.AlphaDropout.apply(x, p, rng(None))


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels: each (sample, channel) map is kept with probability 1-p and scaled
    by 1/(1-p), or zeroed entirely; identity when not training.

    Shape: (N, C, H, W). A 3-d input is read as (N, C, L), as PyTorch 2 still does (with its
    warning), so each (sample, channel) row is dropped together.
    """
    x = _t(input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: p must be a probability in [0, 1], got {p}")
    if x.ndim not in (3, 4):
        raise ShapeError(f"dropout2d: expected an (N, C, H, W) input, got shape "
                         f"{tuple(x.shape)}; use dropout for other shapes")
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim.", UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)
    return N.Dropout.apply(x, p, rng(None), mask_shape)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each feature over the batch (training) or with the running statistics.

    In training, the running statistics move toward the batch's: r ← (1 - momentum)·r +
    momentum·batch, with the unbiased batch variance, as PyTorch does.
    """
    x = _t(input)
    if training and x._data.size // x._data.shape[1] <= 1:
        raise ValueError(
            f"batch_norm: training needs more than one value per feature, got input of shape "
            f"{tuple(x.shape)}; use a batch larger than 1, or call model.eval() for inference"
        )
    rm = None if running_mean is None else running_mean._data
    rv = None if running_var is None else running_var._data
    return N.BatchNorm.apply(x, weight, bias, rm, rv, eps, training or rm is None, momentum)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each example over its last ``len(normalized_shape)`` dims."""
    x = _t(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[-len(shape):]) != shape:
        raise ShapeError(
            f"layer_norm: normalized_shape {shape} must match the input's last dims, got input "
            f"{tuple(x.shape)}"
        )
    return N.LayerNorm.apply(x, weight, bias, len(shape), eps)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Split the C channels into num_groups groups and standardise each group of each example
    over its channels and positions; then y = γ_c·x̂ + β_c per channel. Independent of the batch,
    so it behaves the same in training and evaluation.

    Shape: (N, C, *) → same shape; weight and bias have C entries.
    """
    x = _t(input)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: expected an (N, C, *) input with C divisible by num_groups="
            f"{num_groups}, got shape {tuple(x.shape)}; choose num_groups dividing C"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (x.shape[1],):
            raise ShapeError(
                f"group_norm: {name} must have one entry per channel, shape ({x.shape[1]},), "
                f"got {tuple(value.shape)} for input {tuple(x.shape)}; set num_channels="
                f"{x.shape[1]}"
            )
    return nn_ops.GroupNorm.apply(x, weight, bias, num_groups, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Standardise each channel of each example over its positions alone (group norm with one
    channel per group): y = γ_c·(x - μ_nc)/√(σ²_nc + ε) + β_c.

    With running statistics and ``use_input_stats``, they move toward the batch average of the
    per-example statistics: r ← (1 - momentum)·r + momentum·mean_n(stat) (unbiased variance);
    with ``use_input_stats=False`` the running statistics normalise instead.
    Shape: (N, C, *) with at least one position dim → same shape.
    """
    x = _t(input)
    if x.ndim < 3:
        raise ShapeError(f"instance_norm: expected an (N, C, L) or (N, C, H, W) input, got "
                         f"shape {tuple(x.shape)}; add a batch dim with unsqueeze(0)")
    positions = x._data.size // (x.shape[0] * x.shape[1]) if x._data.size else 0
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False normalises with the running "
                             "statistics, so pass running_mean and running_var (or set "
                             "use_input_stats=True)")
        return N.BatchNorm.apply(x, weight, bias, running_mean._data, running_var._data, eps,
                                 False)
    if positions <= 1:
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element when training, got input "
            f"of shape {tuple(x.shape)}; use a larger input, or batch_norm/layer_norm"
        )
    if running_mean is not None or running_var is not None:
        _move_toward_instance_stats(x._data, running_mean, running_var, momentum)
    return group_norm(x, x.shape[1], weight, bias, eps)


def _move_toward_instance_stats(x: np.ndarray, running_mean, running_var, momentum) -> None:
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    mean, var = flat.mean(axis=2), flat.var(axis=2, ddof=1)
    for running, stat in ((running_mean, mean), (running_var, var)):
        if running is not None:
            running._data *= 1 - momentum
            running._data += momentum * stat.mean(axis=0).astype(running._data.dtype)
            running._version_box[0] += 1


def one_hot(tensor, num_classes: int = -1):
    """Class indices (N,) → a (N, num_classes) int64 matrix with a 1 in each row."""
    labels = _t(tensor)._data
    classes = int(labels.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._make(np.eye(classes, dtype=np.int64)[labels])



def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0):
    """AlexNet's normalisation across channels: b_c = a_c / (k + α/n · Σ a_j²)^β, the sum over
    the ``size`` channels j around c (zeros past the ends; n = size, as PyTorch divides).

    Shape: (N, C, *) → the same. Composed of differentiable ops.
    """
    x = _t(input)
    if x.ndim < 3:
        raise ShapeError(f"local_response_norm: expected (N, C, *) with at least 3 dims, got "
                         f"shape {tuple(x.shape)}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    squares = x * x
    before, after = size // 2, (size - 1) // 2
    zeros = [squares.new_zeros(x.shape[0], n, *x.shape[2:]) for n in (before, after)]
    padded = cat([part for part in (zeros[0], squares, zeros[1]) if part.shape[1]], 1)
    channels = x.shape[1]
    window = padded.narrow(1, 0, channels)
    for offset in range(1, size):
        window = window + padded.narrow(1, offset, channels)
    return x / (window * (alpha / size) + k) ** beta


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean of x² over the last dims + ε) · weight: LayerNorm without the centring (and
    without a bias), as modern language models use it. ε defaults to the dtype's eps."""
    x = _t(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ShapeError(f"rms_norm: normalized_shape {shape} must be the input's last dims, "
                         f"got input of shape {tuple(x.shape)}")
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    epsilon = float(np.finfo(x._data.dtype).eps) if eps is None else eps
    out = x * ((x * x).mean(dim=dims, keepdim=True) + epsilon).rsqrt()
    return out if weight is None else out * weight
