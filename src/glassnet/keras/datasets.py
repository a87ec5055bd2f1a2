"""keras.datasets.mnist.load_data() and fashion_mnist.load_data(), from glassnet's sources
(local copies first, then a checksummed download)."""

from __future__ import annotations

from types import SimpleNamespace

from ..datasets.mnist import load_fashion_mnist
from ..datasets.mnist import load_mnist as _load_mnist


def _mnist_load_data(path=None):
    """((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) images, integer labels."""
    return _load_mnist(path)


def _fashion_load_data(path=None):
    return load_fashion_mnist(path)


mnist = SimpleNamespace(load_data=_mnist_load_data)
fashion_mnist = SimpleNamespace(load_data=_fashion_load_data)
