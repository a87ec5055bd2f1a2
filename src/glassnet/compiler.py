"""``torch.compile`` and the float32 matmul precision, for code that calls them.

glassnet runs every op eagerly on NumPy: there is no graph compiler. ``compile(model)`` returns
the model (or function) it was given, and used as a decorator it returns the function, so a
tutorial's ``model = torch.compile(model)`` runs unchanged and trains the same model. Its
options are checked only for their names, as PyTorch's are.

``set_float32_matmul_precision("high")`` lets PyTorch use TF32 or bfloat16 inside float32
matrix products on hardware that has them. NumPy's products are always full float32, which is
PyTorch's "highest"; the setting is remembered and read back, and changes nothing.
"""

from __future__ import annotations

_PRECISIONS = ("highest", "high", "medium")
_precision = ["highest"]


def compile(model=None, *, fullgraph: bool = False, dynamic=None,  # noqa: A001 - torch's name
            backend="inductor", mode=None, options=None, disable: bool = False):
    """Return ``model`` unchanged (glassnet runs eagerly); as ``@compile`` or
    ``@compile(mode=...)``, return the decorated function unchanged."""
    if mode is not None and mode not in ("default", "reduce-overhead", "max-autotune",
                                         "max-autotune-no-cudagraphs"):
        raise RuntimeError(f"compile: unrecognized mode={mode!r}; PyTorch's modes are "
                           f"'default', 'reduce-overhead', 'max-autotune' and "
                           f"'max-autotune-no-cudagraphs'")
    if model is None:
        return lambda function: function
    if not callable(model):
        raise TypeError(f"compile: expected a Module or a function, got {type(model).__name__}")
    return model


def set_float32_matmul_precision(precision: str) -> None:
    """Remember ``precision`` ("highest", "high" or "medium"); NumPy's float32 products stay
    full precision whatever it is."""
    if precision not in _PRECISIONS:
        raise RuntimeError(f"set_float32_matmul_precision: expected 'highest', 'high' or "
                           f"'medium', got {precision!r}")
    _precision[0] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set (``"highest"`` until then)."""
    return _precision[0]
