"""Differentiable backward rules for ``linalg.py`` and the fused ``Linear``/``Dense`` (double
backward; the fused losses and norms are in ``fused_grad_rules.py``).

Each rule is the op's ``backward`` on Tensors (see ``glassnet/autograd/double_backward.py``).
A product's gradient is another product, so recording it gives the second derivatives (of
matmul: d²z/dx dy is the identity pattern; of a linear layer: dL/dW depends on x, dL/dx on W).
"""

from __future__ import annotations

import numpy as np

from ..autograd.double_backward import linear_map, operand, rule
from . import fused as F
from . import linalg as L
from . import shape as S


def _need(ctx, i: int) -> bool:
    return i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]


def _mT(t):  # noqa: N802 - PyTorch's name for the matrix transpose
    return S.Transpose.apply(t, -1, -2)


@rule(L.Matmul)
def matmul(ctx, grad):
    """dL/dx = g @ yᵀ and dL/dy = xᵀ @ g (1-D operands promoted, then restored)."""
    x_array, y_array = ctx.saved
    x, y = operand(ctx, 0, x_array), operand(ctx, 1, y_array)
    if x_array.ndim == 1 and y_array.ndim == 1:
        return (grad * y if _need(ctx, 0) else None), (grad * x if _need(ctx, 1) else None)
    x2 = x.unsqueeze(0) if x_array.ndim == 1 else x
    y2 = y.unsqueeze(-1) if y_array.ndim == 1 else y
    g2 = grad.unsqueeze(-2) if x_array.ndim == 1 else grad
    g2 = g2.unsqueeze(-1) if y_array.ndim == 1 else g2
    gx = gy = None
    if _need(ctx, 0):
        gx = L.Matmul.apply(g2, _mT(y2))
        gx = gx.squeeze(-2) if x_array.ndim == 1 else gx
    if _need(ctx, 1):
        gy = L.Matmul.apply(_mT(x2), g2)
        gy = gy.squeeze(-1) if y_array.ndim == 1 else gy
    return gx, gy


@rule(L.Mm, L.Bmm)
def mm(ctx, grad):
    """dL/dx = g @ yᵀ and dL/dy = xᵀ @ g (per batch entry for bmm)."""
    x_array, y_array = ctx.saved
    x, y = operand(ctx, 0, x_array), operand(ctx, 1, y_array)
    return (L.Matmul.apply(grad, _mT(y)) if _need(ctx, 0) else None,
            L.Matmul.apply(_mT(x), grad) if _need(ctx, 1) else None)


@rule(L.Mv)
def mv(ctx, grad):
    """dL/dA = g vᵀ and dL/dv = Aᵀ g."""
    a_array, v_array = ctx.saved
    a, v = operand(ctx, 0, a_array), operand(ctx, 1, v_array)
    return (grad.unsqueeze(-1) * v.unsqueeze(0) if _need(ctx, 0) else None,
            L.Matmul.apply(grad, a) if _need(ctx, 1) else None)


@rule(L.Dot)
def dot(ctx, grad):
    """dL/dx = g·y and dL/dy = g·x."""
    x_array, y_array = ctx.saved
    return (grad * operand(ctx, 1, y_array) if _need(ctx, 0) else None,
            grad * operand(ctx, 0, x_array) if _need(ctx, 1) else None)


@rule(L.Outer)
def outer(ctx, grad):
    """dL/dx = g y and dL/dy = gᵀ x."""
    x_array, y_array = ctx.saved
    return (L.Matmul.apply(grad, operand(ctx, 1, y_array)) if _need(ctx, 0) else None,
            L.Matmul.apply(operand(ctx, 0, x_array), grad) if _need(ctx, 1) else None)


@rule(L.Addmm, L.Baddbmm)
def addmm(ctx, grad):
    """dL/dinput = β·g, dL/dm1 = α·g @ m2ᵀ and dL/dm2 = α·m1ᵀ @ g."""
    m1_array, m2_array = ctx.saved
    m1, m2 = operand(ctx, 1, m1_array), operand(ctx, 2, m2_array)
    return (grad * ctx.beta if _need(ctx, 0) else None,
            L.Matmul.apply(grad, _mT(m2)) * ctx.alpha if _need(ctx, 1) else None,
            L.Matmul.apply(_mT(m1), grad) * ctx.alpha if _need(ctx, 2) else None)


# ----- fused layers and losses ----------------------------------------------------------------
def _linear_grads(ctx, grad, x, weight):
    """Linear's three gradients on Tensors: g W, gᵀ x (batch dims flattened), Σ_batch g."""
    g2 = grad.reshape(-1, grad.shape[-1])
    gx = L.Matmul.apply(grad, weight) if _need(ctx, 0) else None
    gw = L.Matmul.apply(_mT(g2), x.reshape(-1, x.shape[-1])) if _need(ctx, 1) else None
    gb = g2.sum(dim=0) if _need(ctx, 2) else None
    return gx, gw, gb


@rule(F.Linear)
def linear(ctx, grad):
    """dL/dx = g W, dL/dW = gᵀ x, dL/db = Σ_batch g."""
    x_array, weight_array = ctx.saved
    x, weight = operand(ctx, 0, x_array), operand(ctx, 1, weight_array)
    return _linear_grads(ctx, grad, x, weight)[:len(ctx.next_functions)]


@rule(F.Dense)
def dense(ctx, grad):
    """Linear's rule with W = Kᵀ, so dL/dK = (dL/dW)ᵀ."""
    x_array, weight_array = ctx.saved
    x, kernel = operand(ctx, 0, x_array), operand(ctx, 1, weight_array.T)
    gx, gw, gb = _linear_grads(ctx, grad, x, _mT(kernel))
    return (gx, None if gw is None else _mT(gw), gb)[:len(ctx.next_functions)]


@rule(L.Addmv)
def addmv(ctx, grad):
    """dL/dinput = β·g, dL/dA = α·g vᵀ and dL/dv = α·Aᵀ g."""
    a_array, v_array = ctx.saved
    a, v = operand(ctx, 1, a_array), operand(ctx, 2, v_array)
    return (grad * ctx.beta if _need(ctx, 0) else None,
            grad.unsqueeze(-1) * v.unsqueeze(0) * ctx.alpha if _need(ctx, 1) else None,
            L.Matmul.apply(grad, a) * ctx.alpha if _need(ctx, 2) else None)


@rule(L.Cross)
def cross(ctx, grad):
    """dL/dx = y × g and dL/dy = g × x."""
    x_array, y_array = ctx.saved
    x, y = operand(ctx, 0, x_array), operand(ctx, 1, y_array)
    return (L.Cross.apply(y, grad, dim=ctx.dim) if _need(ctx, 0) else None,
            L.Cross.apply(grad, x, dim=ctx.dim) if _need(ctx, 1) else None)


@rule(L.Einsum)
def einsum(ctx, grad):
    """dL/dAₖ = einsum(g, the other operands -> Aₖ's labels), broadcast along labels only Aₖ
    had; a repeated label (a diagonal) is written onto the diagonal (a linear map of g)."""
    inputs, output = ctx.equation.split("->")
    labels = inputs.split(",")
    arrays = ctx.saved
    operands = [operand(ctx, j, a) for j, a in enumerate(arrays)]
    sizes = {c: n for subs, a in zip(labels, arrays) for c, n in zip(subs, a.shape)}
    grads = []
    for k, need in enumerate(ctx.needs_input_grad):
        if not need:
            grads.append(None)
            continue
        others = [j for j in range(len(arrays)) if j != k]
        subs = labels[k]
        unique = "".join(dict.fromkeys(subs))
        available = set(output).union(*(labels[j] for j in others))
        kept = "".join(c for c in unique if c in available)
        equation = ",".join([output, *(labels[j] for j in others)]) + "->" + kept
        g = L.Einsum.apply(grad, *(operands[j] for j in others), equation=equation)
        if kept != unique:
            g = g.reshape(tuple(sizes[c] if c in available else 1 for c in unique))
            g = g.expand(*(sizes[c] for c in unique))
        if unique != subs:
            g = linear_map(g, _diagonal_writer(subs, unique, arrays[k].shape),
                           _diagonal_reader(subs, unique))
        grads.append(g)
    return tuple(grads)


def _diagonal_writer(subs: str, unique: str, shape: tuple):
    def write(g):
        full = np.zeros(shape, dtype=g.dtype)
        np.einsum(f"{subs}->{unique}", full)[...] = g
        return full

    return write


def _diagonal_reader(subs: str, unique: str):
    return lambda v: np.einsum(f"{subs}->{unique}", v).copy()
