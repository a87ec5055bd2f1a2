"""Layers as functions: linear, dropout, dropout2d, batch and layer norm, one-hot."""

from __future__ import annotations

import warnings

import numpy as np

from ...errors import ShapeError
from ...ops import fused as N
from ...ops.methods import _t
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


def one_hot(tensor, num_classes: int = -1):
    """Class indices (N,) → a (N, num_classes) int64 matrix with a 1 in each row."""
    labels = _t(tensor)._data
    classes = int(labels.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._make(np.eye(classes, dtype=np.int64)[labels])

