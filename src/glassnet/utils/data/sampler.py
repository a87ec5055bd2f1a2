"""Samplers: which dataset indices an epoch visits, and in what order (torch.utils.data).

Each built-in sampler draws a whole epoch as one NumPy array (``_epoch_indices``) and its
``__iter__`` walks that array, so iterating one by one (PyTorch's protocol) and the DataLoader's
slicing of the array into batches see the same draw. Randomness comes from glassnet's generators:
``generator=`` if given, else the default one that ``glassnet.manual_seed`` seeds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np

from ...random import Generator, rng
from ...tensor import Tensor, as_array


class Sampler:
    """Base class: a sampler is an iterable of indices (or of lists of indices, for a batch
    sampler), optionally with ``__len__``."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class _ArraySampler(Sampler):
    """A sampler that can hand over one epoch as an int64 array (the DataLoader's fast path)."""

    def _epoch_indices(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self._epoch_indices().tolist())


def epoch_indices(sampler) -> np.ndarray | None:
    """One epoch of ``sampler`` as an array, or None when it has no array form (a user's sampler,
    or a subclass that overrides ``__iter__``, is then iterated as PyTorch does)."""
    if isinstance(sampler, _ArraySampler) and type(sampler).__iter__ is _ArraySampler.__iter__:
        return sampler._epoch_indices()
    return None


class SequentialSampler(_ArraySampler):
    """``0, 1, ..., len(data_source) - 1``, every epoch."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _epoch_indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """A new random order every epoch.

    Without replacement: a permutation of the indices (repeated, then cut, if ``num_samples``
    exceeds the dataset's length). With replacement: ``num_samples`` independent uniform draws.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices per epoch (default ``len(data_source)``).
        generator: a ``glassnet.Generator``; default the global one.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) \
                or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _epoch_indices(self) -> np.ndarray:
        n, wanted, draw = len(self.data_source), self.num_samples, rng(self.generator)
        if self.replacement:
            return draw.integers(0, n, size=wanted, dtype=np.int64)
        if wanted == n:
            return draw.permutation(n)
        rounds = [draw.permutation(n) for _ in range(-(-wanted // n))]
        return np.concatenate(rounds)[:wanted]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_ArraySampler):
    """The given ``indices`` in a new random order every epoch (without replacement)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _epoch_indices(self) -> np.ndarray:
        order = rng(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[order]

    def __iter__(self) -> Iterator[int]:
        for i in rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_ArraySampler):
    """``num_samples`` indices in ``0 .. len(weights) - 1``, index i drawn with probability
    ``weights[i] / sum(weights)`` (with replacement by default; without it, an index drawn once
    cannot come again, as ``torch.multinomial``).

    Example:
        >>> sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4)
        >>> set(sampler) <= {1, 2}
        True
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        array = as_array(weights).astype(np.float64)
        if array.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(array.shape)}")
        self.weights = Tensor._make(array)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _epoch_indices(self) -> np.ndarray:
        weights = self.weights._data
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise RuntimeError("WeightedRandomSampler: weights must be finite and non-negative, "
                               f"got {weights.tolist()}")
        total = weights.sum()
        if total <= 0:
            raise RuntimeError("WeightedRandomSampler: the weights sum to zero; give at least "
                               "one index a positive weight")
        if not self.replacement and self.num_samples > np.count_nonzero(weights):
            raise RuntimeError(
                f"WeightedRandomSampler: cannot draw {self.num_samples} samples without "
                f"replacement from {np.count_nonzero(weights)} indices of non-zero weight; "
                f"lower num_samples or pass replacement=True")
        return rng(self.generator).choice(len(weights), size=self.num_samples,
                                          replace=self.replacement, p=weights / total)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def _index_batches(self):
        """The batches as slices of one epoch array when the sampler has one (no Python loop
        over single indices), else as lists, exactly as ``__iter__``."""
        order = epoch_indices(self.sampler)
        if order is None or type(self).__iter__ is not BatchSampler.__iter__:
            yield from self
            return
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield order[start:start + size]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
