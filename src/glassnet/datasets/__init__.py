"""glassnet.datasets: MNIST from local files (IDX reader in ``idx.py``)."""

from .idx import DataError, read_idx
from .mnist import load_mnist

__all__ = ["DataError", "load_mnist", "read_idx"]
