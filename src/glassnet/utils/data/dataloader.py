"""The DataLoader: a dataset, a sampler and a collate function, iterated batch by batch.

``num_workers=0`` loads every batch in the main process, when it is asked for. With
``num_workers > 0``, worker processes load batches ahead of time (see ``worker.py``); the main
process still decides which indices make each batch, so the batches and their order are the
same as with ``num_workers=0``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable

import numpy as np

from ...random import Generator, rng
from ._keywords import suggest_keywords
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, returns_batch_from_getitems
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .worker import MultiProcessingIterator, get_worker_info

__all__ = ["DataLoader", "get_worker_info"]

_SET_ONCE = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
             "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable dataset: ``None`` forever (the stream picks the samples)."""

    def __iter__(self):
        return itertools.repeat(None)


class _Fetcher:
    """Turns one batch's indices into a batch (map-style), or a dataset into a stream of
    batches (iterable): the loading half of a DataLoader, which worker processes run.

    Fast path: with the default collate_fn, a ``__getitems__`` defined in glassnet gets the
    indices as one int64 array and returns the finished batch."""

    def __init__(self, dataset, collate_fn, auto_collation: bool, batch_size, drop_last) -> None:
        self.dataset, self.collate_fn, self.auto_collation = dataset, collate_fn, auto_collation
        self.batch_size, self.drop_last = batch_size, drop_last
        getitems = getattr(dataset, "__getitems__", None)
        returns_batch = returns_batch_from_getitems(getitems)
        self.batch_from_getitems = returns_batch and collate_fn is default_collate
        self.samples_from_getitems = getitems is not None and not returns_batch

    def __call__(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.batch_from_getitems:
            return self.dataset.__getitems__(indices)
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()
        if self.samples_from_getitems:
            return self.collate_fn(self.dataset.__getitems__(indices))
        return self.collate_fn([self.dataset[i] for i in indices])

    def stream(self):
        stream = iter(self.dataset)
        if not self.auto_collation:
            for sample in stream:
                yield self.collate_fn(sample)
            return
        while batch := list(itertools.islice(stream, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield self.collate_fn(batch)


class DataLoader:
    """Iterate over a dataset in batches: ``for xb, yb in DataLoader(ds, batch_size=64,
    shuffle=True)``.

    A map-style dataset is visited in the order of ``sampler`` (``SequentialSampler``, or
    ``RandomSampler`` with ``shuffle=True``: a new order every epoch, drawn from ``generator``
    or glassnet's default generator), grouped by ``batch_sampler`` (a ``BatchSampler`` of
    ``batch_size``) and each group turned into a batch by ``collate_fn`` (``default_collate``).
    An ``IterableDataset`` is batched in the order it yields. ``batch_size=None`` turns batching
    off: each sample passes through ``collate_fn`` (``default_convert``) alone.

    Fast path: with the default collate_fn, glassnet's own datasets (``TensorDataset``,
    ``Subset``, the vision datasets) get each batch's indices as one int64 array and return
    the batch itself from ``__getitems__``, gathered with one fancy index. A ``__getitems__``
    defined outside glassnet follows PyTorch's contract: it gets a list of indices, returns a
    list of samples, and ``collate_fn`` makes the batch.

    Args:
        dataset: a ``Dataset`` (``__getitem__``/``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; None for no batching.
        shuffle: reshuffle every epoch (map-style only; not with ``sampler``).
        sampler: an iterable of indices (not with ``shuffle``).
        batch_sampler: an iterable of lists of indices (not with batch_size, shuffle, sampler,
            drop_last).
        num_workers: how many worker processes load batches ahead (0: the main process
            loads each batch when asked).
        collate_fn: list of samples -> batch.
        pin_memory, pin_memory_device: accepted, no effect (there is no accelerator).
        drop_last: drop the last, short batch.
        timeout: seconds to wait for a worker's batch before raising (0: wait forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a start method name or context ('fork' where available,
            else 'spawn').
        prefetch_factor: batches in flight per worker (default 2 with workers).
        persistent_workers: keep the worker processes from one epoch to the next.
        in_order: accepted; batches always come back in order (``in_order=False`` is not
            implemented: it would only pay with slow, uneven samples).
        generator: the ``glassnet.Generator`` that ``RandomSampler`` draws from.
    """

    _initialized = False

    @suggest_keywords
    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got timeout={timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(f"multiprocessing_context can only be used with multi-process "
                             f"loading (num_workers > 0), but got num_workers={num_workers}")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.num_workers, self.prefetch_factor = num_workers, prefetch_factor
        self.pin_memory, self.pin_memory_device = pin_memory, pin_memory_device
        self.timeout, self.worker_init_fn = timeout, worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers, self.in_order = persistent_workers, in_order
        self._initialized = True

    def __setattr__(self, name, value) -> None:
        if self._initialized and name in _SET_ONCE:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} "
                             f"is initialized; build a new DataLoader instead")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def _fetcher(self) -> _Fetcher:
        return _Fetcher(self.dataset, self.collate_fn, self._auto_collation, self.batch_size,
                        self.drop_last)

    def _task_indices(self):
        """What the loader asks for, batch after batch: each batch's indices (map-style), or
        ``None`` forever (iterable: the stream decides)."""
        if self._iterable:
            return itertools.repeat(None)
        if not self._auto_collation:
            return iter(self.sampler)
        sampler = self.batch_sampler
        return iter(sampler._index_batches() if isinstance(sampler, BatchSampler) else sampler)

    def _base_seed(self) -> int:
        """The workers' base seed (worker i is seeded with base + i), derived from the state of
        the loader's generator *without drawing from it*, so that num_workers does not change
        the shuffle order; it follows glassnet.manual_seed and changes every epoch."""
        state = repr(rng(self.generator).bit_generator.state).encode()
        words = np.frombuffer(hashlib.sha256(state).digest(), dtype=np.uint32)
        return int(np.random.SeedSequence(words).generate_state(1, np.uint64)[0] % 2**62)

    def __iter__(self):
        if self.num_workers == 0:
            fetch = self._fetcher()
            if self._iterable:
                return fetch.stream()
            return (fetch(indices) for indices in self._task_indices())
        iterator = getattr(self, "_workers_iterator", None)
        if self.persistent_workers and iterator is not None:
            iterator.reset()
            return iterator
        iterator = MultiProcessingIterator(self, self._fetcher(), self._base_seed())
        if self.persistent_workers:
            self._workers_iterator = iterator
        return iterator

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last \
                    else -(-length // self.batch_size)
            return length
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)
