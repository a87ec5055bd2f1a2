"""Switching graph recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Inside ``no_grad`` ops run on plain arrays and record nothing, which is what parameter updates
and pure inference want (less memory, less time).
"""

from __future__ import annotations

import functools


class GradMode:
    """Whether ops record the graph right now (one flag for the whole process)."""

    enabled = True


def is_grad_enabled() -> bool:
    return GradMode.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's spelling
    """Turn graph recording on or off; works as a call, a context manager and a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = GradMode.enabled
        self.mode = bool(mode)
        GradMode.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        GradMode.enabled = self.prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradSwitch:
    mode = True

    def __enter__(self):
        self.prev = GradMode.enabled
        GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc) -> None:
        GradMode.enabled = self.prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradSwitch):  # noqa: N801
    """Record no graph inside: ``with glassnet.no_grad(): ...`` or ``@glassnet.no_grad()``."""

    mode = False


class enable_grad(_GradSwitch):  # noqa: N801
    """Record the graph again inside a ``no_grad`` block."""

    mode = True


class inference_mode(no_grad):  # noqa: N801
    """PyTorch's faster ``no_grad``; here the two are the same."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode
