"""Tensor's split, chunk, gather, scatter, indexing and rearranging
as methods (Tensor inherits ShapeMethods).

``x.gather(1, index)`` is ``glassnet.gather(x, 1, index)``; the in-place forms (``scatter_``,
``masked_fill_``, ``tril_`` ...) write the result into x, keeping its shape and dtype. The
functions live in ``glassnet/ops/shape_functions.py`` and ``ops/index_functions.py`` (those
taking index tensors or masks), the new ops with their derivatives in ``ops/indexing.py``. The
package is looked up when a method runs, because this class must exist before ``Tensor`` (and
so before the ops) does.
"""

from __future__ import annotations

import glassnet


def _ops():
    return glassnet.ops.shape_functions


def _index_ops():
    return glassnet.ops.index_functions


def _composite():
    return glassnet.ops.composite_functions


def _inplace(tensor, name: str, function, *args):
    return glassnet.ops.math_functions.inplace(tensor, name, function, *args)


class ShapeMethods:
    """Methods for split, chunk, gather, scatter, indexing and rearranging."""

    __slots__ = ()

    # ----- diagonals, broadcasting, positions --------------------------------------------
    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _composite().diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return _composite().diag(self, diagonal)

    def trace(self):
        return _composite().trace(self)

    def broadcast_to(self, size):
        return _composite().broadcast_to(self, size)

    def nonzero(self, *, as_tuple=False):
        return _index_ops().nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return _index_ops().argwhere(self)

    # ----- splitting ---------------------------------------------------------------------
    def split(self, split_size, dim=0):
        return _ops().split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _ops().chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _ops().unbind(self, dim)

    def narrow(self, dim, start, length):
        return _ops().narrow(self, dim, start, length)

    # ----- index tensors -----------------------------------------------------------------
    def gather(self, dim, index, *, sparse_grad=False):
        return _index_ops().gather(self, dim, index, sparse_grad=sparse_grad)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _index_ops().scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        def scatter(x, *args):
            return _index_ops().scatter(x, *args, value=value, reduce=reduce)

        return _inplace(self, "scatter_", scatter, dim, index, src)

    def scatter_add(self, dim, index, src):
        return _index_ops().scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return _inplace(self, "scatter_add_", _index_ops().scatter_add, dim, index, src)

    def index_select(self, dim, index):
        return _index_ops().index_select(self, dim, index)

    def masked_select(self, mask):
        return _index_ops().masked_select(self, mask)

    def masked_fill(self, mask, value):
        return _index_ops().masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        return _inplace(self, "masked_fill_", _index_ops().masked_fill, mask, value)

    # ----- rearranging -------------------------------------------------------------------
    def tril(self, diagonal=0):
        return _ops().tril(self, diagonal)

    def tril_(self, diagonal=0):
        return _inplace(self, "tril_", _ops().tril, diagonal)

    def triu(self, diagonal=0):
        return _ops().triu(self, diagonal)

    def triu_(self, diagonal=0):
        return _inplace(self, "triu_", _ops().triu, diagonal)

    def roll(self, shifts, dims=None):
        return _ops().roll(self, shifts, dims)

    def flip(self, *dims):
        if len(dims) == 1 and not isinstance(dims[0], int):
            dims = dims[0]
        return _ops().flip(self, dims)

    def fliplr(self):
        return _ops().fliplr(self)

    def flipud(self):
        return _ops().flipud(self)

    def movedim(self, source, destination):
        return _ops().movedim(self, source, destination)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return _ops().swapaxes(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        return _ops().swapdims(self, dim0, dim1)

    def repeat(self, *repeats):
        return _ops().repeat(self, *repeats)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        return _ops().repeat_interleave(self, repeats, dim, output_size=output_size)
