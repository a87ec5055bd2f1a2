"""The nn ops of PyTorch's everyday API that are neither activations nor losses: embedding
lookups (one row per index, or a reduced bag of rows), group normalisation, the bilinear form,
and alpha dropout. Each is one ``Function``, forward beside backward, on NumPy arrays.

Embedding backward adds the gradients of repeated indices into their shared row (plain fancy
assignment would keep only the last one): ``_add_rows`` sorts the indices and sums each run
with one ``np.add.reduceat``, which measured 1.6x faster than ``np.add.at`` on a 3,200-index
batch of 128-wide rows.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .fused import _norm_backward


def _add_rows(num_rows: int, indices: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """out[r] = Σ rows[p] over the positions p with indices[p] == r; other rows are zero."""
    out = np.zeros((num_rows, rows.shape[1]), dtype=rows.dtype)
    if indices.size:
        order = np.argsort(indices, kind="stable")
        ordered = indices[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        out[ordered[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


class Embedding(Function):
    """y[..., :] = W[i, :] for each index i: a lookup table, W of shape (num_embeddings, dim).

    dL/dW[r] = Σ over the positions holding index r of dL/dy there (repeated indices add up);
    the padding_idx row gets no gradient, and with ``scale_grad_by_freq`` each row's sum is
    divided by how often its index occurs in the batch. Indices get no gradient.
    """

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None, scale_grad_by_freq=False):
        ctx.save_for_backward(indices)
        ctx.num_embeddings = weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved
        flat = indices.reshape(-1)
        rows = grad.reshape(flat.size, grad.shape[-1])
        if ctx.scale_grad_by_freq:
            counts = np.bincount(flat, minlength=ctx.num_embeddings)
            rows = rows / counts[flat][:, None].astype(grad.dtype)
        grad_weight = _add_rows(ctx.num_embeddings, flat, rows)
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return grad_weight, None


class EmbeddingBag(Function):
    """y[b] = reduce over the indices i of bag b of s_i·W[i]: 'sum' (Σ), 'mean' (Σ/count) or
    'max' (per dimension), with per-sample weights s_i (1 unless given, 'sum' only).

    ``bag_of`` gives each index's bag (non-decreasing; -1 for padding entries, which are left
    out, also from the mean's count). An empty bag gives zeros. dL/dW[i] += s_i·dL/dy[b]
    (/count for 'mean'), or for 'max' dL/dy[b, d] goes to the row that won dimension d;
    dL/ds_i = dL/dy[b]·W[i].
    """

    @staticmethod
    def forward(ctx, weight, indices, bag_of, per_sample_weights=None, num_bags=0, mode="mean",
                scale_grad_by_freq=False):
        keep = bag_of >= 0
        kept_indices, kept_bags = indices[keep], bag_of[keep]
        rows = weight[kept_indices]
        if per_sample_weights is not None:
            rows = rows * per_sample_weights[keep][:, None]
        counts = np.bincount(kept_bags, minlength=num_bags)
        starts = np.searchsorted(kept_bags, np.arange(num_bags))
        full = counts > 0
        out = np.zeros((num_bags, weight.shape[1]), dtype=weight.dtype)
        winners = None
        if rows.shape[0] and mode == "max":
            out[full] = np.maximum.reduceat(rows, starts[full], axis=0)
            # the first row of each bag that reaches the maximum, per dimension
            position = np.arange(rows.shape[0])[:, None]
            candidates = np.where(rows == out[kept_bags], position, rows.shape[0])
            winners = kept_indices[np.minimum.reduceat(candidates, starts[full], axis=0)]
        elif rows.shape[0]:
            out[full] = np.add.reduceat(rows, starts[full], axis=0)
            if mode == "mean":
                out[full] /= counts[full][:, None]
        # the weight is read back only for the per-sample weights' gradient
        ctx.save_for_backward(indices, bag_of, counts, winners, per_sample_weights,
                              None if per_sample_weights is None else weight)
        ctx.mode, ctx.num_embeddings = mode, weight.shape[0]
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return out

    @staticmethod
    def backward(ctx, grad):
        indices, bag_of, counts, winners, per_sample_weights, weight = ctx.saved
        need_weight, need_samples = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        keep = bag_of >= 0
        kept_indices, kept_bags = indices[keep], bag_of[keep]
        grad_weight = grad_samples = None
        if need_weight:
            if ctx.mode == "max":
                grad_weight = np.zeros((ctx.num_embeddings, grad.shape[1]), dtype=grad.dtype)
                if winners is not None:
                    full = counts > 0
                    columns = np.broadcast_to(np.arange(grad.shape[1]), winners.shape)
                    np.add.at(grad_weight, (winners, columns), grad[full])
            else:
                # every factor is cast to grad's dtype, so the rows stay in it
                rows = grad[kept_bags]
                if ctx.mode == "mean":
                    rows = rows / counts[kept_bags][:, None].astype(grad.dtype)
                if per_sample_weights is not None:
                    rows = rows * per_sample_weights[keep][:, None].astype(grad.dtype)
                if ctx.scale_grad_by_freq:
                    frequency = np.bincount(indices, minlength=ctx.num_embeddings)
                    rows = rows / frequency[kept_indices][:, None].astype(grad.dtype)
                grad_weight = _add_rows(ctx.num_embeddings, kept_indices, rows)
        if need_samples:
            grad_samples = np.zeros(indices.shape, dtype=grad.dtype)
            grad_samples[keep] = (grad[kept_bags] * weight[kept_indices]).sum(axis=1)
        return grad_weight, None, None, grad_samples


class GroupNorm(Function):
    """y = γ_c·(x - μ_g)/√(σ²_g + ε) + β_c: the C channels of each example split into G groups
    of C/G, each group standardised over its channels and positions (biased σ²); γ, β per channel.

    dL/dx is batch norm's rule (``_norm_backward``) within each group; dL/dγ = Σ dL/dy·x̂ and
    dL/dβ = Σ dL/dy over the batch and positions. Input (N, C, *).
    """

    node_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, num_groups, eps):
        grouped = x.reshape(x.shape[0], num_groups, -1)
        mean = grouped.mean(axis=2, keepdims=True)
        var = grouped.var(axis=2, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = ((grouped - mean) * inv_std).reshape(x.shape)
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.num_groups = num_groups
        shape = (1, -1) + (1,) * (x.ndim - 2)
        out = xhat if weight is None else xhat * weight.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        xhat, inv_std, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        shape = (1, -1) + (1,) * (grad.ndim - 2)
        axes = (0,) + tuple(range(2, grad.ndim))
        gx = None
        if need_x:
            grad_xhat = grad if weight is None else grad * weight.reshape(shape)
            grouped = (grad.shape[0], ctx.num_groups, -1)
            count = grad.size // (grad.shape[0] * ctx.num_groups)
            gx = _norm_backward(grad_xhat.reshape(grouped), xhat.reshape(grouped), inv_std,
                                (2,), count).reshape(grad.shape)
        gw = (grad * xhat).sum(axis=axes) if need_w else None
        gb = grad.sum(axis=axes) if need_b else None
        return gx, gw, gb


class Bilinear(Function):
    """y_k = x1ᵀ A_k x2 + b_k for each output k, A of shape (out, in1, in2).

    dL/dx1 = Σ_k g_k A_k x2, dL/dx2 = Σ_k g_k A_kᵀ x1, dL/dA_k = Σ_batch g_k x1 x2ᵀ,
    dL/db = Σ_batch g. Inputs (*, in1) and (*, in2) with the same leading dims.
    """

    # Each rule is one BLAS product on a reshaped operand (einsum's path was ~8x slower):
    # the (out, in1, in2) weight is read as an (in1, out·in2) or (out·in1, in2) matrix.

    @staticmethod
    def forward(ctx, x1, x2, weight, bias=None):
        out_features, in1, in2 = weight.shape
        flat1, flat2 = x1.reshape(-1, in1), x2.reshape(-1, in2)
        left = flat1 @ weight.transpose(1, 0, 2).reshape(in1, out_features * in2)  # x1ᵀ A_k
        out = np.matmul(left.reshape(-1, out_features, in2), flat2[:, :, None])[:, :, 0]
        if bias is not None:
            out += bias
        ctx.save_for_backward(flat1, flat2, weight)
        return out.reshape(x1.shape[:-1] + (out_features,))

    @staticmethod
    def backward(ctx, grad):
        flat1, flat2, weight = ctx.saved
        need_x1, need_x2, need_w, need_b = (ctx.needs_input_grad + (False,))[:4]
        out_features, in1, in2 = weight.shape
        g = grad.reshape(-1, out_features)
        lead = grad.shape[:-1]
        gx1 = gx2 = gw = gb = None
        if need_x1:  # Σ_k,j g_k x2_j A_kij
            outer = (g[:, :, None] * flat2[:, None, :]).reshape(-1, out_features * in2)
            matrix = weight.transpose(0, 2, 1).reshape(out_features * in2, in1)
            gx1 = (outer @ matrix).reshape(lead + (in1,))
        if need_x2 or need_w:  # g_k x1_i, the factor both rules share
            outer = (g[:, :, None] * flat1[:, None, :]).reshape(-1, out_features * in1)
            if need_x2:
                gx2 = (outer @ weight.reshape(out_features * in1, in2)).reshape(lead + (in2,))
            if need_w:
                gw = (outer.T @ flat2).reshape(weight.shape)
        if need_b:
            gb = g.sum(axis=0)
        return gx1, gx2, gw, gb


ALPHA = 1.7580993408473766  # SELU's λ·α (1.0507·1.6733): -λα is SELU's value at -∞


class AlphaDropout(Function):
    """Dropout that keeps SELU's mean 0 and variance 1: a dropped unit is set to -λα (SELU's
    saturation value) instead of 0, then y = a·(x·m - λα·(1 - m)) + b with
    a = ((1 - p)(1 + p·(λα)²))^-½ and b = a·λα·p restoring the moments (m ~ Bernoulli(1 - p)).
    dL/dx = a·m·dL/dy.
    """

    @staticmethod
    def forward(ctx, x, p, rng):
        keep = rng.random(x.shape, dtype=np.float32) >= p
        a = 1.0 / np.sqrt((1.0 - p) * (1.0 + p * ALPHA * ALPHA))
        mask = (keep * a).astype(x.dtype)
        shift = (a * ALPHA * (p - 1.0 + keep)).astype(x.dtype)  # a·(-λα(1-m)) + a·λα·p
        ctx.save_for_backward(mask)
        return x * mask + shift

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]
