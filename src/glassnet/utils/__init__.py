"""glassnet.utils: ``data`` (Dataset, TensorDataset, DataLoader, random_split) and
``tensorboard`` (SummaryWriter, imported when used: it needs tensorboardX)."""

import importlib

from . import data

__all__ = ["data", "tensorboard"]


def __getattr__(name: str):
    if name == "tensorboard":  # ``glassnet.utils.tensorboard`` without importing it up front
        return importlib.import_module(".tensorboard", __name__)
    raise AttributeError(f"module 'glassnet.utils' has no attribute {name!r}")
