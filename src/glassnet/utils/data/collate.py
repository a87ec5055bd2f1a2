"""Collation: turn a list of samples into one batch, as torch.utils.data.default_collate.

The rule is recursive on the first sample's type, so any nesting of these works:

    sample                       batch
    Tensor / NumPy array         the samples stacked along a new first dimension
    Python float                 a float64 tensor (PyTorch's choice, not the default dtype)
    Python int / bool            an int64 / bool tensor
    NumPy scalar                 a tensor of its dtype
    str / bytes                  the list, unchanged
    dict (any Mapping)           the same mapping type, each key collated
    namedtuple                   the same namedtuple, each field collated
    tuple                        a *list* of collated fields (PyTorch's backwards compatibility)
    list (any Sequence)          the same sequence type, each position collated
"""

from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from ...errors import ShapeError
from ...ops.methods import stack
from ...tensor import Tensor

_STRING_OR_OBJECT = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
    "found {}"
)


def _is_numpy(value) -> bool:
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ not in ("str_", "string_", "bytes_")


def _stack(tensors: list[Tensor]) -> Tensor:
    shapes = [tuple(t.shape) for t in tensors]
    if any(s != shapes[0] for s in shapes):
        other = next(i for i, s in enumerate(shapes) if s != shapes[0])
        raise ShapeError(
            f"default_collate: stack expects each sample to be of equal size, but got "
            f"{list(shapes[0])} at entry 0 and {list(shapes[other])} at entry {other}; pad the "
            f"samples to one size or pass a collate_fn that handles ragged samples")
    return stack(tensors, 0)


def _rebuild_mapping(first, collated: dict):
    try:
        if isinstance(first, collections.abc.MutableMapping):
            clone = copy.copy(first)
            clone.update(collated)
            return clone
        return type(first)(collated)
    except TypeError:
        return collated


def _rebuild_sequence(first, collated: list):
    try:
        if isinstance(first, collections.abc.MutableSequence):
            clone = copy.copy(first)
            for i, value in enumerate(collated):
                clone[i] = value
            return clone
        return type(first)(collated)
    except TypeError:
        return collated


def default_collate(batch):
    """Stack a list of samples into a batch, field by field (see the module's table).

    Example:
        >>> batch = default_collate([{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 0}])
        >>> tuple(batch["x"].shape), batch["x"].dtype, batch["y"].tolist()
        ((2, 2), glassnet.float64, [1, 0])
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack(list(batch))
    if _is_numpy(first):
        if isinstance(first, np.ndarray):
            if _STRING_OR_OBJECT.search(first.dtype.str) is not None:
                raise TypeError(default_collate_err_msg_format.format(first.dtype))
            return _stack([Tensor._make(np.asarray(b)) for b in batch])
        if isinstance(first, (np.bool_, np.number, np.object_)):
            return Tensor._make(np.asarray(batch))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, int):
        values = np.array(batch)
        if values.dtype.kind == "f":  # ints mixed with floats: torch.tensor gives float32
            values = values.astype(np.float32)
        return Tensor._make(values)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return _rebuild_mapping(first, {key: default_collate([d[key] for d in batch])
                                        for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        size = len(first)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                f"each element in list of batch should be of equal size; got lengths "
                f"{[len(sample) for sample in batch]}: pass a collate_fn for ragged samples")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(first, tuple) else _rebuild_sequence(first, fields)
    raise TypeError(default_collate_err_msg_format.format(type(first)))


def default_convert(data):
    """Turn NumPy arrays and scalars inside ``data`` into tensors, leaving the structure (and
    everything else) as it is; the DataLoader's collate_fn when ``batch_size=None``."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT.search(data.dtype.str):
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
