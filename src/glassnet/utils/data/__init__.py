"""Datasets, samplers and the DataLoader (PyTorch's torch.utils.data).

- ``dataset.py``: Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset,
  random_split
- ``sampler.py``: Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
  WeightedRandomSampler, BatchSampler
- ``collate.py``: default_collate, default_convert
- ``dataloader.py``: DataLoader; ``worker.py``: its worker processes, get_worker_info, WorkerInfo
- ``memmap.py``: MemmapDataset (arrays on disk, read on demand), shuffle_buffer (for streams)

A batch from a ``TensorDataset`` is gathered with one fancy index per tensor (never a Python
loop over samples): any dataset whose ``__getitems__(indices)`` returns a batch gets that path.
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .distributed import DistributedSampler
from .memmap import MemmapDataset, shuffle_buffer
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
    "DistributedSampler", "IterableDataset", "MemmapDataset", "WorkerInfo",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert",
    "get_worker_info", "random_split", "shuffle_buffer",
]
