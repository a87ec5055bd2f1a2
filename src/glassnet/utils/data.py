"""Datasets and the DataLoader: shuffle, batch, collate (PyTorch's torch.utils.data).

A batch from a ``TensorDataset`` is gathered with one fancy index per tensor (never a Python
loop over samples): any dataset that defines ``__getitems__(indices)`` gets the same fast path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..random import default_generator, rng
from ..tensor import Tensor, as_array


class Dataset:
    """Anything with ``__getitem__(i)`` (and usually ``__len__``)."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is the i-th row of each tensor: ``TensorDataset(x, y)[i] == (x[i], y[i])``."""

    def __init__(self, *tensors) -> None:
        tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(as_array(t))
                        for t in tensors)
        sizes = {len(t) for t in tensors}
        if len(sizes) > 1:
            raise ValueError(
                f"TensorDataset: all tensors need the same first dimension, got "
                f"{[tuple(t.shape) for t in tensors]}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """A whole batch in one fancy index per tensor."""
        return tuple(Tensor._make(t._data[indices]) for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices):
        mapped = self.indices[np.asarray(indices)]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(mapped)
        return [self.dataset[int(i)] for i in mapped]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1] if self.cumulative_sizes else 0

    def __getitem__(self, index: int):
        if index < 0:
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions)."""
    n = len(dataset)
    lengths = list(lengths)
    if all(isinstance(x, float) and 0 <= x <= 1 for x in lengths) and \
            math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} add up to {sum(lengths)}, but the "
                         f"dataset has {n} samples")
    order = rng(generator or default_generator).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def default_collate(batch):
    """Stack a list of samples into a batch: tensors and arrays stack, numbers become a tensor,
    tuples and dicts are collated field by field."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([b._data for b in batch]))
    if isinstance(first, np.ndarray):
        return Tensor._make(np.stack(batch))
    if isinstance(first, (bool, np.bool_)):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, (int, np.integer)):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, (float, np.floating)):
        return Tensor._make(np.array(batch, dtype=np.float32 if isinstance(first, float)
                                     else np.asarray(first).dtype))
    if isinstance(first, dict):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        return [default_collate(list(field)) for field in zip(*batch)] if isinstance(
            first, list) else tuple(default_collate(list(field)) for field in zip(*batch))
    return batch


class DataLoader:
    """Iterate over a dataset in batches: ``for xb, yb in DataLoader(ds, batch_size=64,
    shuffle=True)``. Shuffling draws a new order every epoch (from ``generator`` if given)."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, generator=None, **kwargs) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.generator, self.sampler = drop_last, generator, sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self.num_workers = num_workers

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:
            return rng(self.generator).permutation(n)
        return np.arange(n)

    def _batches(self):
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        order = self._order()
        size = self.batch_size or 1
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield order[start:start + size]

    def __iter__(self):
        fetch_many = getattr(self.dataset, "__getitems__", None)
        for indices in self._batches():
            if self.batch_size is None:
                yield self.dataset[int(indices[0])]
            elif fetch_many is not None and self.collate_fn is None:
                yield fetch_many(indices)
            else:
                samples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        size = self.batch_size or 1
        return n // size if self.drop_last else math.ceil(n / size)
