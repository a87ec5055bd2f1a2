"""Tensor's matrix products (mm, bmm, mv, dot, vdot, inner, outer, ger, addmm, baddbmm, addmv,
cross) as methods (Tensor inherits LinalgMethods): ``a.mm(b)`` is ``glassnet.mm(a, b)``, and
``c.addmm_(a, b)`` writes ``c + a @ b`` into c.

The functions live in ``glassnet/ops/linalg_functions.py`` and the ops with their derivatives in
``glassnet/ops/linalg.py``. The package is looked up when a method runs, because this class must
exist before ``Tensor`` (and so before the ops) does.
"""

from __future__ import annotations

import glassnet


def _ops():
    return glassnet.ops.linalg_functions


class LinalgMethods:
    """Methods for matrix products (mm, bmm, mv, dot, outer, addmm, baddbmm, addmv, cross)."""

    __slots__ = ()

    def mm(self, mat2):
        return _ops().mm(self, mat2)

    def bmm(self, mat2):
        return _ops().bmm(self, mat2)

    def mv(self, vec):
        return _ops().mv(self, vec)

    def dot(self, other):
        return _ops().dot(self, other)

    def vdot(self, other):
        return _ops().vdot(self, other)

    def inner(self, other):
        return _ops().inner(self, other)

    def outer(self, vec2):
        return _ops().outer(self, vec2)

    ger = outer

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _ops().addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return _inplace(self, "addmm_", _ops().addmm, mat1, mat2, beta, alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _ops().baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _inplace(self, "baddbmm_", _ops().baddbmm, batch1, batch2, beta, alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _ops().addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return _inplace(self, "addmv_", _ops().addmv, mat, vec, beta, alpha)

    def cross(self, other, dim=None):
        return _ops().cross(self, other, dim)


def _inplace(tensor, name: str, function, first, second, beta, alpha):
    """``tensor`` := function(tensor, first, second, beta=, alpha=), keeping its shape."""
    def scaled(x, a, b):
        return function(x, a, b, beta=beta, alpha=alpha)

    return glassnet.ops.math_functions.inplace(tensor, name, scaled, first, second)
