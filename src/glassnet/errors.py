"""Errors that say what was expected, what came, and the fix.

They subclass the built-in errors PyTorch raises for the same mistakes, so ``except RuntimeError``
or ``except ValueError`` written for PyTorch still catches them.
"""

from __future__ import annotations


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit the op: the message names the op, both shapes and the fix."""


class GraphError(RuntimeError):
    """A misuse of the recorded graph: a second backward, an in-place change backward needs."""


class GlassnetWarning(UserWarning):
    """Advice from glassnet about a likely mistake; silence with ``warnings.simplefilter``."""
