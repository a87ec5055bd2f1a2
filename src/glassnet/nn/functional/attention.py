"""Attention as a function (PyTorch's ``F.scaled_dot_product_attention``); the layers built on
it are in ``nn/attention.py``.

    attention(Q, K, V) = softmax(Q Kᵀ · scale + bias) V,   scale = 1/√E by default

Each query row takes a weighted average of the value rows, weighted by how well it matches each
key. ``bias`` is -inf where a mask forbids a pair (so its weight is 0) or a float mask added as
it is. Composed of differentiable ops: the gradient comes from matmul, softmax and the mask's
addition.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import ShapeError
from ...ops.methods import _t, matmul, softmax
from ...tensor import Tensor
from .layers import dropout


def additive_mask(mask, shape: tuple, dtype, allowed_when_true: bool) -> Tensor | None:
    """A mask as a bias to add to the scores: a bool mask gives 0 where a pair may attend and
    -inf where it may not (``allowed_when_true`` says which bool means "may": True for
    scaled_dot_product_attention, False for MultiheadAttention's masks); a float mask is added
    as it is."""
    if mask is None:
        return None
    mask = _t(mask)
    if mask._data.dtype == np.bool_:
        blocked = ~mask._data if allowed_when_true else mask._data
        return Tensor._make(np.where(blocked, -np.inf, 0.0).astype(dtype))
    return mask.to(dtype) if mask._data.dtype != dtype else mask


def causal_mask(length: int, source: int, dtype) -> Tensor:
    """-inf above the diagonal: position i may attend to positions 0..i only."""
    return Tensor._make(np.triu(np.full((length, source), -np.inf, dtype=dtype), 1))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, enable_gqa: bool = False):
    """softmax(Q Kᵀ · scale + mask) V over the last two axes: query (..., L, E), key (..., S, E),
    value (..., S, Ev) → (..., L, Ev). A bool ``attn_mask`` is True where a pair takes part;
    ``is_causal`` masks every key after its query; ``dropout_p`` drops attention weights (always,
    as in PyTorch: pass 0.0 in evaluation)."""
    q, k, v = _t(query), _t(key), _t(value)
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"scaled_dot_product_attention: expected query (..., L, E), key "
                         f"(..., S, E) and value (..., S, Ev), got {tuple(q.shape)}, "
                         f"{tuple(k.shape)} and {tuple(v.shape)}")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal=True, not "
                         "both")
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = matmul(q, k.transpose(-2, -1)) * factor
    dtype = scores._data.dtype
    bias = causal_mask(q.shape[-2], k.shape[-2], dtype) if is_causal else additive_mask(
        attn_mask, tuple(scores.shape), dtype, allowed_when_true=True)
    if bias is not None:
        scores = scores + bias
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return matmul(weights, v)
