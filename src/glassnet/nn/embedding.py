"""Embeddings: a learned table of vectors, one row per token (or category) index.

``Embedding`` looks rows up one index at a time; ``EmbeddingBag`` reduces a bag of indices
(a sum, mean or max) without building the per-index intermediate, as for bag-of-words models.
Both are PyTorch's torch.nn.modules.sparse, with the same arguments and initialisation.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype, to_dtype
from ..errors import ShapeError
from . import init
from ._checks import check_sizes
from .functional import sparse as E
from .module import Module, Parameter


def _table(name: str, num_embeddings: int, embedding_dim: int, _weight, _freeze: bool,
           dtype) -> tuple[Parameter, bool]:
    """The weight Parameter (given or fresh) and whether it is fresh (so needs initialising)."""
    if _weight is None:
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        table = np.empty((num_embeddings, embedding_dim), dtype=dtype)
        return Parameter(table, requires_grad=not _freeze), True
    if tuple(_weight.shape) != (num_embeddings, embedding_dim):
        raise ShapeError(
            f"{name}: _weight must have shape ({num_embeddings}, {embedding_dim}) = "
            f"(num_embeddings, embedding_dim), got {tuple(_weight.shape)}; pass matching sizes "
            f"or use {name}.from_pretrained(weight)"
        )
    return Parameter(_weight, requires_grad=not _freeze), False


class Embedding(Module):
    """A lookup table: y = W[i] for each integer index i, W of shape (num_embeddings,
    embedding_dim) drawn from N(0, 1). Equivalent to one_hot(i) @ W, without the one-hot.

    Args: num_embeddings (rows), embedding_dim (columns); padding_idx, a row kept at zeros
    that gets no gradient (e.g. for padding tokens); max_norm, rows looked up are first
    rescaled in place to norm ≤ max_norm (``norm_type``-norm); scale_grad_by_freq, divide each
    row's gradient by its index's count in the batch; sparse=True is accepted, but glassnet's
    gradient is dense (the same values).
    Shape: (*) integer indices → (*, embedding_dim).
    Example: ``nn.Embedding(10, 3)(glassnet.tensor([[1, 2], [4, 9]])).shape == (2, 2, 3)``
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight=None,
                 _freeze: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        check_sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = E._padding_index("Embedding", padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.weight, fresh = _table("Embedding", num_embeddings, embedding_dim, _weight,
                                    _freeze, dtype)
        if fresh:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0
            self.weight._version_box[0] += 1

    def forward(self, input):
        return E.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        return _extra_repr(self)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Embedding:
        """An Embedding whose table is ``embeddings`` (shared, not copied; frozen unless
        ``freeze=False``). Its padding_idx row is kept as given, not zeroed."""
        rows, cols = _pretrained_shape("Embedding", embeddings)
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings,
                   _freeze=freeze)


class EmbeddingBag(Module):
    """Sums, means or maxes over bags of embedding rows: y[b] = reduce_{i in bag b} W[i]
    (mode 'sum', 'mean' or 'max'), W drawn from N(0, 1), computed without the
    (bag, index, dim) intermediate that Embedding followed by a reduction would build.

    Call with a 2-d input (B, N) of B bags of N indices, or a 1-d input plus ``offsets`` (where
    each bag starts; with ``include_last_offset`` the last offset ends the last bag).
    ``per_sample_weights`` (mode 'sum') scales each row first; padding_idx entries are left
    out of their bag (an empty bag gives zeros).
    Shape: → (B, embedding_dim).
    Example: ``nn.EmbeddingBag(10, 3)(glassnet.tensor([1, 2, 4, 5]), glassnet.tensor([0, 2]))``
    has shape (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight=None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device=None, dtype=None) -> None:
        super().__init__()
        if mode not in E.MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got "
                             f"{mode!r}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = E._padding_index("EmbeddingBag", padding_idx, num_embeddings)
        self.weight, fresh = _table("EmbeddingBag", num_embeddings, embedding_dim, _weight,
                                    False, dtype)
        if fresh:
            self.reset_parameters()

    reset_parameters = Embedding.reset_parameters
    _fill_padding_idx_with_zero = Embedding._fill_padding_idx_with_zero

    def forward(self, input, offsets=None, per_sample_weights=None):
        return E.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        return _extra_repr(self) + f", mode={self.mode!r}" + (
            f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose table is ``embeddings`` (shared, not copied; frozen unless
        ``freeze=False``)."""
        rows, cols = _pretrained_shape("EmbeddingBag", embeddings)
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag


def _pretrained_shape(name: str, embeddings) -> tuple[int, int]:
    shape = tuple(embeddings.shape)
    if len(shape) != 2:
        raise ShapeError(f"{name}.from_pretrained: embeddings must be 2-d (num_embeddings, "
                         f"embedding_dim), got shape {shape}")
    return shape


def _extra_repr(module) -> str:
    """PyTorch's: sizes, then only the options that differ from their defaults."""
    text = f"{module.num_embeddings}, {module.embedding_dim}"
    if isinstance(module, Embedding) and module.padding_idx is not None:
        text += f", padding_idx={module.padding_idx}"
    if module.max_norm is not None:
        text += f", max_norm={module.max_norm}"
    if module.norm_type != 2:
        text += f", norm_type={module.norm_type}"
    if module.scale_grad_by_freq is not False:
        text += f", scale_grad_by_freq={module.scale_grad_by_freq}"
    if module.sparse is not False:
        text += ", sparse=True"
    return text
