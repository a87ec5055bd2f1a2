"""Tensor's matrix products (mm, bmm, mv, dot, outer, einsum, addmm, baddbmm, cross)
as methods (Tensor inherits LinalgMethods)."""

from __future__ import annotations


class LinalgMethods:
    """Methods for matrix products (mm, bmm, mv, dot, outer, einsum, addmm, baddbmm, cross)."""

    __slots__ = ()
