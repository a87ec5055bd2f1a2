"""glassnet.datasets: MNIST and Fashion-MNIST (``mnist.py``) over an IDX reader (``idx.py``),
CIFAR-10 from its binary files (``cifar.py``), toy sets (``toy.py``).

These are the array loaders; ``glassnet.vision.datasets`` wraps them in torchvision's shape.
"""

from . import cifar, toy
from .cifar import load_cifar10
from .idx import DataError, parse_idx, read_idx
from .mnist import MNIST, FashionMNIST, load_fashion_mnist, load_mnist

__all__ = ["MNIST", "DataError", "FashionMNIST", "cifar", "load_cifar10", "load_fashion_mnist",
           "load_mnist", "parse_idx", "read_idx", "toy"]
