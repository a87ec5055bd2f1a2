"""Constructor arguments checked up front, so a typo fails with one line at the layer that has
it instead of deep inside NumPy (``negative dimensions are not allowed``) at the first forward."""

from __future__ import annotations

import math


def check_sizes(owner: str, minimum: int = 0, **sizes) -> None:
    """Each size must be an int (a tuple of ints for kernels) no smaller than ``minimum``."""
    for name, value in sizes.items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        if not values or not all(_is_int(v) and v >= minimum for v in values):
            kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
            raise ValueError(f"{owner}: {name} must be {kind} (or a tuple of them), got "
                             f"{name}={value!r}")


def check_numbers(owner: str, low: float = 0.0, **numbers) -> None:
    """Each number must be finite and at least ``low`` (None is left alone)."""
    for name, value in numbers.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value) or value < low:
            raise ValueError(f"{owner}: {name} must be a finite number >= {low}, got "
                             f"{name}={value!r}")


def _is_int(value) -> bool:
    return not isinstance(value, bool) and hasattr(value, "__index__")
