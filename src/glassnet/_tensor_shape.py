"""Tensor's split, chunk, gather, scatter, indexing and rearranging
as methods (Tensor inherits ShapeMethods)."""

from __future__ import annotations


class ShapeMethods:
    """Methods for split, chunk, gather, scatter, indexing and rearranging."""

    __slots__ = ()
