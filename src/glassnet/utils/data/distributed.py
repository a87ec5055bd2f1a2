"""DistributedSampler: each rank visits its own share of the dataset (PyTorch's rule).

In words: the epoch's index list (shuffled with ``seed + epoch``, the same on every rank, or in
order) is padded by repeating its start until its length divides by ``num_replicas`` (or, with
``drop_last``, cut down to the largest length that does); rank r then takes every
``num_replicas``-th index starting at r. The ranks' shares are disjoint (apart from the padding)
and equally long, so every rank runs the same number of steps.
"""

from __future__ import annotations

import math
from collections.abc import Sized

import numpy as np

from ...random import Generator, rng
from .sampler import _ArraySampler


class DistributedSampler(_ArraySampler):
    """The indices of ``dataset`` that this rank visits in one epoch.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: how many ranks share it (default: ``get_world_size()``).
        rank: this rank (default: ``get_rank()``).
        shuffle: a new order every epoch; call ``set_epoch(epoch)`` before each epoch, or every
            epoch repeats the first one's order.
        seed: the shuffle's seed; must be the same on every rank.
        drop_last: drop the tail so the length divides evenly, instead of padding it with
            repeated indices.

    Example:
        >>> from glassnet.utils.data.distributed import DistributedSampler
        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
        [1, 3, 0]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed

            if not distributed.is_available():
                raise RuntimeError("Requires distributed package to be available: install it "
                                   "with pip install 'glassnet[mpi]', or pass num_replicas= "
                                   "and rank=")
            if num_replicas is None:
                num_replicas = distributed.get_world_size()
            if rank is None:
                rank = distributed.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _epoch_indices(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            indices = rng(Generator().manual_seed(self.seed + self.epoch)).permutation(n)
        else:
            indices = np.arange(n, dtype=np.int64)
        if not self.drop_last:
            padding = self.total_size - n
            if padding > 0:
                indices = np.concatenate([indices, np.resize(indices, padding)])
        else:
            indices = indices[:self.total_size]
        return indices[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``seed + epoch`` for the next shuffle, so each epoch has its own order (the same
        on every rank)."""
        self.epoch = epoch
