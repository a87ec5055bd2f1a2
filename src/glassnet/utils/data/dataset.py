"""Datasets: map-style (``__getitem__``) and iterable-style (``__iter__``), as torch.utils.data.

A map-style dataset may also define ``__getitems__(indices)``. Those defined in glassnet return
a whole *collated batch* (a tuple of tensors gathered with one fancy index), which is the
DataLoader's fast path; one written outside glassnet follows PyTorch's contract and returns a
*list of samples*, which the DataLoader collates (``returns_batch_from_getitems`` tells them
apart by the module that defines the method).
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from ...random import default_generator, rng
from ...tensor import Tensor, as_array
from .collate import default_collate


def returns_batch_from_getitems(getitems) -> bool:
    """Whether a ``__getitems__`` method returns a finished batch (glassnet's datasets and their
    subclasses) rather than PyTorch's list of samples (one defined in user code)."""
    return getitems is not None and getattr(getitems, "__module__", "").startswith("glassnet.")


class Dataset:
    """A map from keys (usually ``0 .. len - 1``) to samples: define ``__getitem__`` and
    ``__len__``. ``a + b`` chains two datasets into a ``ConcatDataset``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: define ``__iter__``. The DataLoader batches it in arrival order
    (no sampler, no shuffle: the stream decides the order). ``a + b`` chains two streams.

    Example:
        >>> from glassnet.utils.data import DataLoader
        >>> class Squares(IterableDataset):
        ...     def __iter__(self):
        ...         return iter([i * i for i in range(5)])
        >>> [b.tolist() for b in DataLoader(Squares(), batch_size=2)]
        [[0, 1], [4, 9], [16]]
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


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
        """A whole batch in one fancy index per tensor (a collated batch, not a list)."""
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
        """The batch at ``indices`` (glassnet's contract): from the wrapped dataset's own
        ``__getitems__`` at the mapped indices when it has one, else collated sample by sample."""
        mapped = self.indices[np.asarray(indices, dtype=np.int64)]
        getitems = getattr(self.dataset, "__getitems__", None)
        if returns_batch_from_getitems(getitems):
            return getitems(mapped)
        samples = getitems(mapped.tolist()) if getitems is not None else \
            [self.dataset[int(i)] for i in mapped]
        return default_collate(samples)

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after another: index ``i`` falls in the first dataset
    whose running total of lengths (``cumulative_sizes``) exceeds ``i``."""

    @staticmethod
    def cumsum(sequence) -> list[int]:
        totals, running = [], 0
        for dataset in sequence:
            running += len(dataset)
            totals.append(running)
        return totals

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable: ConcatDataset "
                                 "needs at least one dataset")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset; chain "
                                     "streams with ChainDataset instead")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"absolute value of index should not exceed dataset length: "
                                 f"got {index} for a dataset of {len(self)}")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets one after another, chained lazily while iterating."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _streams(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError(f"ChainDataset only supports IterableDataset, got "
                                     f"{type(dataset).__name__}; join map-style datasets "
                                     f"with ConcatDataset")
            yield dataset

    def __iter__(self):
        for dataset in self._streams():
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self._streams())


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths, or of the given
    fractions of ``len(dataset)`` when they sum to 1 (the remainder of the rounding down is
    handed out one by one, from the first subset on), as ``torch.utils.data.random_split``.

    Lengths must be whole and non-negative and sum to ``len(dataset)``; fractions must lie
    in [0, 1]. (PyTorch quietly returns subsets for ``[-1, 11]``; that is refused here.)

    Example:
        >>> from glassnet.utils.data import TensorDataset
        >>> [len(s) for s in random_split(TensorDataset(np.arange(10)), [0.7, 0.3])]
        [7, 3]
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1: got "
                                 f"{fraction}; give fractions in [0, 1] summing to 1, or "
                                 f"whole lengths summing to {n}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              f"empty dataset.", stacklevel=2)
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input "
                         f"dataset! lengths {lengths} add up to {sum(lengths)}, but the "
                         f"dataset has {n} samples; fractions must add up to 1")
    for i, length in enumerate(lengths):
        if not isinstance(length, (int, np.integer)):  # PyTorch: a TypeError from randperm
            raise TypeError(f"random_split: length at index {i} is {length!r}; give whole "
                            f"lengths summing to {n}, or fractions summing to 1")
        if length < 0:
            raise ValueError(f"random_split: length at index {i} is {length}, a negative "
                             f"length; give lengths of at least 0 summing to {n}")
    lengths = [int(length) for length in lengths]
    order = rng(generator or default_generator).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
