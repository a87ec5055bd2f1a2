"""glassnet.datasets: MNIST and Fashion-MNIST (``mnist.py``) over an IDX reader (``idx.py``)."""

from . import toy
from .idx import DataError, parse_idx, read_idx
from .mnist import MNIST, FashionMNIST, load_fashion_mnist, load_mnist

__all__ = ["MNIST", "DataError", "FashionMNIST", "load_fashion_mnist", "load_mnist",
           "parse_idx", "read_idx", "toy"]
