"""Datasets, samplers and the DataLoader (PyTorch's torch.utils.data).

- ``dataset.py``: Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset,
  random_split
- ``sampler.py``: Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
  WeightedRandomSampler, BatchSampler
- ``collate.py``: default_collate, default_convert
- ``dataloader.py``: DataLoader, get_worker_info

A batch from a ``TensorDataset`` is gathered with one fancy index per tensor (never a Python
loop over samples): any dataset whose ``__getitems__(indices)`` returns a batch gets that path.
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
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
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
    "DistributedSampler", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert",
    "get_worker_info", "random_split",
]
