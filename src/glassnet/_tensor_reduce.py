"""Tensor's reductions, scans and sorting as methods: ``x.sort()`` is ``glassnet.sort(x)``,
``x.cumsum_(0)`` the running sum written into x.

``Tensor`` inherits ``ReduceMethods``; the functions live in ``glassnet/ops/reduce_functions.py``
and the ops with their derivatives in ``ops/reduce.py``, ``ops/scan.py`` and ``ops/sort.py``.
The package is looked up when a method runs, because this class must exist before ``Tensor``
(and so before the ops) does.
"""

from __future__ import annotations

import glassnet


def _ops():
    return glassnet.ops.reduce_functions


class ReduceMethods:
    """prod, cumsum, cumprod, sort, argsort, msort, topk, kthvalue, median, mode, unique,
    logsumexp, amax, amin, dist, count_nonzero, isclose."""

    __slots__ = ()

    def prod(self, dim=None, keepdim=False, dtype=None):
        return _ops().prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim, dtype=None):
        return _ops().cumsum(self, dim, dtype=dtype)

    def cumsum_(self, dim, dtype=None):
        cumsum = _ops().cumsum
        return glassnet.ops.math_functions.inplace(
            self, "cumsum_", lambda x, d: cumsum(x, d, dtype=dtype), dim)

    def cumprod(self, dim, dtype=None):
        return _ops().cumprod(self, dim, dtype=dtype)

    def cumprod_(self, dim, dtype=None):
        cumprod = _ops().cumprod
        return glassnet.ops.math_functions.inplace(
            self, "cumprod_", lambda x, d: cumprod(x, d, dtype=dtype), dim)

    def logsumexp(self, dim, keepdim=False):
        return _ops().logsumexp(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _ops().amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _ops().amin(self, dim, keepdim)

    def sort(self, dim=-1, descending=False, *, stable=False):
        return _ops().sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        return _ops().argsort(self, dim, descending, stable=stable)

    def msort(self):
        return _ops().msort(self)

    def topk(self, k, dim=None, largest=True, sorted=True):  # noqa: A002
        return _ops().topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=None, keepdim=False):
        return _ops().kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        return _ops().median(self, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return _ops().mode(self, dim, keepdim)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        return _ops().unique(self, sorted, return_inverse, return_counts, dim)

    def dist(self, other, p=2):
        return _ops().dist(self, other, p)

    def count_nonzero(self, dim=None):
        return _ops().count_nonzero(self, dim)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ops().isclose(self, other, rtol, atol, equal_nan)
