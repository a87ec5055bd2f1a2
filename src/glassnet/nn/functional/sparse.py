"""Embedding lookups as functions: embedding (one row per index) and embedding_bag (a sum,
mean or max over a bag of rows), as in PyTorch's torch.nn.functional. The file is named after
PyTorch's ``nn/modules/sparse.py`` (home of Embedding), so ``F.embedding`` stays the function."""

from __future__ import annotations

import warnings

import numpy as np

from ...errors import ShapeError
from ...ops import nn_ops
from ...ops.methods import _t

MODES = ("sum", "mean", "max")


def embedding(input, weight, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False):
    """Look up rows of ``weight``: y[..., :] = weight[input[...], :].

    Args: input, integer indices of any shape; weight (num_embeddings, embedding_dim);
    padding_idx, a row whose gradient stays 0; max_norm, rows used are first rescaled in place
    so their ``norm_type``-norm is at most max_norm; scale_grad_by_freq, divide each row's
    gradient by its index's count in the batch; sparse is accepted but the gradient is dense.
    Shape: (*) → (*, embedding_dim).
    Example: ``F.embedding(glassnet.tensor([[0, 2]]), glassnet.eye(3)).shape == (1, 2, 3)``
    """
    indices = _indices("embedding", input, weight)
    padding_idx = _padding_index("embedding", padding_idx, weight.shape[0])
    _warn_if_sparse("embedding", sparse)
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return nn_ops.Embedding.apply(weight, indices, padding_idx, scale_grad_by_freq)


def embedding_bag(input, weight, offsets=None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx: int | None = None):
    """Reduce bags of embedding rows without building the (bag, index, dim) intermediate.

    A 2-d input (B, N) holds B bags of N indices each. A 1-d input is cut into bags at
    ``offsets`` (the start of each bag; with ``include_last_offset`` the last offset is the
    end of the last bag). ``mode`` 'sum', 'mean' or 'max' reduces each bag; entries equal to
    padding_idx are left out (also from the mean's count); an empty bag gives zeros.
    ``per_sample_weights`` (same shape as input, mode='sum' only) scales each row first.
    Shape: → (B, embedding_dim).
    Example: ``F.embedding_bag(glassnet.tensor([0, 1, 2]), glassnet.eye(3),
    glassnet.tensor([0, 2]), mode='sum')`` is ``[[1, 1, 0], [0, 0, 1]]``
    """
    if mode not in MODES:
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights is only supported for mode='sum' (got "
            f"mode={mode!r}); use mode='sum', or scale the rows yourself"
        )
    indices = _indices("embedding_bag", input, weight)
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != indices.shape:
        raise ShapeError(
            f"embedding_bag: per_sample_weights must have the input's shape {indices.shape}, "
            f"got {tuple(per_sample_weights.shape)}; give one weight per index"
        )
    padding_idx = _padding_index("embedding_bag", padding_idx, weight.shape[0])
    _warn_if_sparse("embedding_bag", sparse)
    bag_of, num_bags = _bags(indices, offsets, include_last_offset)
    flat = indices.reshape(-1)
    if padding_idx is not None:
        bag_of = np.where(flat == padding_idx, -1, bag_of)
    if max_norm is not None:
        _renorm_rows(weight, flat, max_norm, norm_type)
    samples = None if per_sample_weights is None else _t(per_sample_weights).reshape(-1)
    return nn_ops.EmbeddingBag.apply(weight, flat, bag_of, samples, num_bags, mode,
                                     scale_grad_by_freq)


def _indices(name: str, input, weight) -> np.ndarray:
    """The indices as an int64 array, checked against the table's size."""
    indices = np.asarray(_t(input)._data)
    if indices.dtype.kind not in "iu":
        raise RuntimeError(
            f"{name}: expected integer indices (int64 or int32), got {indices.dtype}; convert "
            f"them with .long()"
        )
    if weight.ndim != 2:
        raise ShapeError(f"{name}: weight must be 2-d (num_embeddings, embedding_dim), got "
                         f"shape {tuple(weight.shape)}")
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(
            f"{name}: index {bad} is out of range for a table of {weight.shape[0]} rows "
            f"(valid: 0 to {weight.shape[0] - 1}); raise num_embeddings or fix the indices"
        )
    return indices.astype(np.int64, copy=False)


def _padding_index(name: str, padding_idx: int | None, rows: int) -> int | None:
    """PyTorch's rule: -rows <= padding_idx < rows, negative counting from the end."""
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{name}: padding_idx must be within num_embeddings ({rows}), i.e. "
                         f"in [-{rows}, {rows - 1}], got {padding_idx}")
    return padding_idx + rows if padding_idx < 0 else padding_idx


def _warn_if_sparse(name: str, sparse: bool) -> None:
    if sparse:
        warnings.warn(f"{name}: glassnet has no sparse tensors, so sparse=True gives the dense "
                      f"gradient (the same values); pass sparse=False to silence this",
                      UserWarning, stacklevel=3)


def _bags(indices: np.ndarray, offsets, include_last_offset: bool) -> tuple:
    """Each index's bag number (non-decreasing) and the number of bags."""
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "embedding_bag: a 2-d input is a batch of fixed-length bags, so offsets must "
                "be None; flatten the input to 1-d to cut bags at offsets"
            )
        rows, length = indices.shape
        return np.repeat(np.arange(rows), length), rows
    if indices.ndim != 1:
        raise ShapeError(f"embedding_bag: input must be 1-d (with offsets) or 2-d (bags of "
                         f"equal length), got shape {indices.shape}")
    if offsets is None:
        raise ValueError("embedding_bag: a 1-d input needs offsets, a 1-d tensor of the "
                         "position where each bag starts (e.g. tensor([0]) for one bag)")
    starts = np.asarray(_t(offsets)._data).astype(np.int64)
    if starts.ndim != 1 or starts.size == 0:
        raise ShapeError(f"embedding_bag: offsets must be a non-empty 1-d tensor, got shape "
                         f"{starts.shape}")
    if starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > indices.size:
        raise ValueError(
            f"embedding_bag: offsets must start at 0, never decrease and not exceed the "
            f"input's length {indices.size}, got {starts.tolist()}"
        )
    if include_last_offset:
        # PyTorch's CPU kernels disagree on indices past the last offset (some modes fold them
        # into the last bag, some drop them), so glassnet asks for the documented CSR layout
        if starts[-1] != indices.size:
            raise ValueError(
                f"embedding_bag: with include_last_offset=True the last offset ends the last "
                f"bag, so it must equal the input's length {indices.size} (CSR layout), got "
                f"{starts[-1]}; append {indices.size} to offsets or drop the trailing indices"
            )
        starts = starts[:-1]
    bag_of = np.searchsorted(starts, np.arange(indices.size), side="right") - 1
    return bag_of, starts.size


def _renorm_rows(weight, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale in place (not recorded) each used row whose norm exceeds max_norm, as
    PyTorch's embedding_renorm_: row ← row·max_norm/(norm + 1e-7)."""
    rows = np.unique(indices)
    data = weight._data
    norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if np.any(big):
        scale = (max_norm / (norms[big] + 1e-7)).astype(data.dtype)
        data[rows[big]] *= scale[:, None]
        weight._version_box[0] += 1
