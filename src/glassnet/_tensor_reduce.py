"""Tensor's reductions, scans and sorting
as methods (Tensor inherits ReduceMethods)."""

from __future__ import annotations


class ReduceMethods:
    """Methods for reductions, scans and sorting."""

    __slots__ = ()
