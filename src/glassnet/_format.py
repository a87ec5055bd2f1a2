"""How a tensor prints: PyTorch's look (``tensor([0.6590, 0.2424], grad_fn=<MulBackward0>)``).

The rules are PyTorch's (``torch/_tensor_str.py``), so the same values print the same way:
one width for every element; floats that are all whole print as ``1., 2.``; scientific notation
when the largest magnitude is over 1e8 or over 1000 times the smallest (or, for non-whole
values, the smallest is under 1e-4); past ``threshold`` elements only ``edgeitems`` at each
end show. ``glassnet.set_printoptions`` changes these settings, as ``torch.set_printoptions``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .dtypes import get_default_dtype


@dataclass
class PrintOptions:
    """The settings every repr reads (PyTorch's defaults)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTIONS = PrintOptions()
_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as ``torch.set_printoptions``.

    Args:
        precision: digits after the point for floats (default 4).
        threshold: more elements than this print summarised (default 1000).
        edgeitems: items shown at each end of a summarised dim (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"`` (never
            summarise); the other arguments given override it.
        sci_mode: True or False forces scientific notation on or off; None (the default,
            and what every call without it sets back) lets glassnet choose.

    Example::

        >>> glassnet.set_printoptions(precision=2)
        >>> glassnet.tensor([1.23456])
        tensor([1.23])
        >>> glassnet.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of "
                             f"{', '.join(map(repr, _PROFILES))}, got {profile!r}")
        for name, value in _PROFILES[profile].items():
            setattr(OPTIONS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


class _Formatter:
    """One width and one style (whole, fixed or scientific) for every element shown."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.width = max(self.width, len(str(value)))
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if shown.size == 0:  # nothing but zeros, inf and nan: as PyTorch, the defaults stay
            return
        magnitude = np.abs(shown)
        smallest, largest = magnitude.min(), magnitude.max()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if OPTIONS.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8
                                 or smallest < 1.0e-4)
        else:
            self.sci_mode = OPTIONS.sci_mode
        if self.sci_mode:
            style, extra = f".{OPTIONS.precision}e", 0
        elif self.int_mode:
            style, extra = ".0f", 1  # the point added after a whole number
        else:
            style, extra = f".{OPTIONS.precision}f", 0
        self.width = max(len(format(v, style)) + extra for v in shown.tolist())

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f"{self.width}.{OPTIONS.precision}e")
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = format(value, f".{OPTIONS.precision}f")
        return " " * (self.width - len(text)) + text


def _summarised(data: np.ndarray) -> np.ndarray:
    """The values a summarised print shows: ``edgeitems`` at each end of every dim (PyTorch's
    ``get_summarized_data``, including its quirk that a 1-D tensor with edgeitems=0 keeps all
    its values, since ``x[-0:]`` is all of x)."""
    edge = OPTIONS.edgeitems
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        if data.shape[0] > 2 * edge:
            return np.concatenate((data[:edge], data[-edge:]))
        return data
    if not edge:
        return np.empty((0,) * data.ndim, dtype=data.dtype)
    rows = range(data.shape[0])
    if data.shape[0] > 2 * edge:
        rows = [*rows[:edge], *rows[-edge:]]
    return np.stack([_summarised(data[i]) for i in rows])


def _body(data: np.ndarray, indent: int, summarise: bool, formatter: _Formatter) -> str:
    edge = OPTIONS.edgeitems
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (formatter.width + 2)))
        if summarise and not edge:
            items = ["..."]
        elif summarise and data.shape[0] > 2 * edge:
            items = ([formatter.format(v) for v in data[:edge].tolist()] + [" ..."]
                     + [formatter.format(v) for v in data[-edge:].tolist()])
        else:
            items = [formatter.format(v) for v in data.tolist()]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = range(data.shape[0])
    if summarise and data.shape[0] > 2 * edge:
        parts = ([_body(data[i], indent + 1, summarise, formatter) for i in rows[:edge]]
                 + ["..."]
                 + [_body(data[i], indent + 1, summarise, formatter)
                    for i in rows[len(rows) - edge:]])
    else:
        parts = [_body(data[i], indent + 1, summarise, formatter) for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, dtype=...`` and kin, starting a new line when one would pass linewidth."""
    pieces = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTIONS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(pieces) + ")"


def tensor_repr(t) -> str:
    data = t._data
    prefix = "tensor("
    suffixes = []
    default_float = get_default_dtype().numpy
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default_float:
            suffixes.append(f"dtype={t.dtype!r}")
        body = "[]"
    else:
        if not OPTIONS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype not in (default_float, np.int64, np.bool_):
            suffixes.append(f"dtype={t.dtype!r}")
        if data.dtype == np.float16:  # as PyTorch: half prints through float32
            data = data.astype(np.float32)
        summarise = data.size > OPTIONS.threshold
        formatter = _Formatter(_summarised(data) if summarise else data)
        body = _body(data, len(prefix), summarise, formatter)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))
