"""Gradient clipping (§14.11) and flattening parameters to one vector."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor


def _with_grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Rescale all gradients together so their joint norm is at most ``max_norm``.

    In words: if ‖g‖ > max_norm, multiply every gradient by max_norm/‖g‖ (the direction is kept,
    only the length shrinks). Returns the norm before clipping.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or \
            math.isnan(max_norm) or max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0, got "
                         f"max_norm={max_norm!r}")
    params = _with_grads(parameters)
    if not params:
        return Tensor._make(np.array(0.0, dtype=np.float32))
    grads = [p.grad._data for p in params]
    if norm_type == math.inf:
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = float(sum(float((np.abs(g) ** norm_type).sum()) for g in grads)) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total gradient norm is {total}; the loss probably diverged "
            f"(lower the learning rate)"
        )
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for g in grads:
            g *= coefficient
    return Tensor._make(np.array(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    for p in _with_grads(parameters):
        np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters) -> Tensor:
    """All parameters, flattened and joined into one vector."""
    return Tensor._make(np.concatenate([p._data.ravel() for p in parameters]))


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` back into the parameters."""
    data = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    offset = 0
    for p in parameters:
        n = p._data.size
        p._data[...] = data[offset:offset + n].reshape(p._data.shape)
        p._version_box[0] += 1
        offset += n
