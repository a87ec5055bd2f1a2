"""NumPy's keyword names where PyTorch's take ``dim`` / ``keepdim``: ``torch.cat(xs, axis=0)``,
``x.sum(axis=1, keepdims=True)``.

PyTorch accepts these aliases for every function with a ``dim`` parameter (its argument parser
translates them), and code written for both libraries, Keras' torch backend among it, uses them.
``install`` wraps each such function and Tensor method once, at import: a call without the
aliases goes straight through, a call with both a name and its alias is refused as PyTorch does.
"""

from __future__ import annotations

import functools
import inspect

ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def accepts_numpy_names(function):
    """``function`` with ``axis=`` read as ``dim=`` and ``keepdims=`` as ``keepdim=``."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if "axis" in kwargs or "keepdims" in kwargs:
            for alias, name in ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{function.__name__}() got both {name}= and its "
                                        f"alias {alias}=; pass only one")
                    kwargs[name] = kwargs.pop(alias)
        return function(*args, **kwargs)

    return wrapper


def _takes_dim(function) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "dim" in parameters and "axis" not in parameters


def install(namespace: dict, tensor_class) -> None:
    """Wrap the functions in ``namespace`` and the methods of ``tensor_class`` that take dim."""
    for name, value in list(namespace.items()):
        if inspect.isfunction(value) and not name.startswith("_") and _takes_dim(value):
            namespace[name] = accepts_numpy_names(value)
    for klass in tensor_class.__mro__:
        for name, value in list(vars(klass).items()):
            if inspect.isfunction(value) and not name.startswith("_") and _takes_dim(value) \
                    and getattr(tensor_class, name) is value:
                setattr(klass, name, accepts_numpy_names(value))  # where it is defined
