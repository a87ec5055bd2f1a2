"""How a tensor prints: PyTorch's look (``tensor([0.6590, 0.2424], grad_fn=<MulBackward0>)``)."""

from __future__ import annotations

import numpy as np

from .dtypes import get_default_dtype


def _float_formatter(data: np.ndarray):
    finite = data[np.isfinite(data)]
    if finite.size == 0 or np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    largest = np.abs(finite).max()
    nonzero = np.abs(finite[finite != 0])
    smallest = nonzero.min() if nonzero.size else 1.0
    if largest >= 1e8 or smallest < 1e-4:
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}"


def tensor_repr(t) -> str:
    data = t._data
    options = dict(separator=", ", prefix="tensor(", threshold=1000, edgeitems=3,
                   max_line_width=100)
    if data.dtype.kind == "f":
        body = np.array2string(data, formatter={"float_kind": _float_formatter(data)}, **options)
    else:
        body = np.array2string(data, **options)
    extras = []
    if data.dtype.kind == "f" and data.dtype != get_default_dtype().numpy or \
            data.dtype.kind not in "fb" and data.dtype != np.int64:
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if data.size == 0:
        extras.insert(0, f"size={tuple(data.shape)}")
    suffix = "".join(", " + e for e in extras)
    return f"tensor({body}{suffix})"
