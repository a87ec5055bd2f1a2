"""Tensor's random fills, new_* constructors and tensor facts (stride, numel, mT)
as methods (Tensor inherits MiscMethods)."""

from __future__ import annotations


class MiscMethods:
    """Methods for random fills, new_* constructors and tensor facts (stride, numel, mT)."""

    __slots__ = ()
