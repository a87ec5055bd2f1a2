"""detect_anomaly: stop at the first op whose forward or backward makes a NaN or an infinity,
and say which op it was and which line of your code created it (PyTorch's name; glassnet also
checks the forward pass)."""

from __future__ import annotations

import linecache
import os
import sys

import numpy as np

from .function import AnomalyMode

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class AnomalyError(RuntimeError):
    """An op produced NaN or inf while ``detect_anomaly()`` was on."""


def user_line() -> str:
    """'file.py:12: the code' for the innermost frame outside glassnet."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}: {code}"


def _bad(array) -> str | None:
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        return None
    if np.isnan(array).any():
        return "nan"
    if np.isinf(array).any():
        return "inf"
    return None


def check_forward(function, arrays, out, ctx) -> None:
    """Raise if ``out`` is not finite although every input was."""
    problem = _bad(out)
    if problem is None or any(_bad(a) for a in arrays):
        return
    ranges = ", ".join(f"[{a.min():.4g}, {a.max():.4g}]" for a in arrays
                       if isinstance(a, np.ndarray) and a.size)
    raise AnomalyError(
        f"detect_anomaly: {function.__name__} produced {problem} in the forward pass from "
        f"finite inputs (ranges {ranges}), at {user_line()}"
    )


def check_backward(node, grads) -> None:
    """Raise if a backward rule turned a finite gradient into NaN or inf."""
    for grad in grads:
        problem = _bad(grad)
        if problem is not None:
            where = getattr(node, "created_at", "an unknown line")
            raise AnomalyError(
                f"detect_anomaly: {node.name()} produced {problem} in the backward pass; the op "
                f"was created at {where}"
            )


def _on_forward(ctx, result) -> None:
    ctx.created_at = user_line()


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """``with glassnet.autograd.detect_anomaly(): ...`` — checks every op; slow, for
    debugging."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self):
        self.previous = (AnomalyMode.enabled, AnomalyMode.on_forward)
        AnomalyMode.enabled = self.check_nan
        AnomalyMode.on_forward = staticmethod(_on_forward)
        AnomalyMode.check_forward = staticmethod(check_forward)
        AnomalyMode.check_backward = staticmethod(check_backward)
        return self

    def __exit__(self, *exc) -> None:
        AnomalyMode.enabled, AnomalyMode.on_forward = self.previous

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
