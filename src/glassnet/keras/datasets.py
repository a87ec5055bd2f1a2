"""keras.datasets: ``mnist``, ``fashion_mnist`` and ``cifar10``, each with ``load_data()``
returning Keras' arrays ((x_train, y_train), (x_test, y_test)).

The files come from glassnet's loaders: local copies first (``$GLASSNET_DATA``, the repository's
``data/`` folder, ``~/.cache/glassnet``), then a checksummed download.

=============  ======================  ================  ==========================
data set       x_train                 y_train           test
=============  ======================  ================  ==========================
mnist          (60000, 28, 28) uint8   (60000,) uint8    10000 images
fashion_mnist  (60000, 28, 28) uint8   (60000,) uint8    10000 images
cifar10        (50000, 32, 32, 3) u8   (50000, 1) uint8  10000 images, channels_last
=============  ======================  ================  ==========================
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..datasets.cifar import load_cifar10
from ..datasets.mnist import load_fashion_mnist
from ..datasets.mnist import load_mnist as _load_mnist


def _as_keras(arrays):
    """Keras' dtypes: uint8 images and uint8 labels."""
    (x_train, y_train), (x_test, y_test) = arrays
    return ((np.asarray(x_train, np.uint8), np.asarray(y_train, np.uint8)),
            (np.asarray(x_test, np.uint8), np.asarray(y_test, np.uint8)))


def _mnist_load_data(path=None):
    """((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) digits, uint8 labels 0-9.
    ``path`` is a folder to look in first."""
    return _as_keras(_load_mnist(path))


def _fashion_load_data(path=None):
    """((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) clothes, uint8 labels 0-9
    (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot)."""
    return _as_keras(load_fashion_mnist(path))


def _cifar10_load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 (N, 32, 32, 3) photos (channels_last) and
    uint8 labels of shape (N, 1), as Keras returns them (airplane, automobile, bird, cat, deer,
    dog, frog, horse, ship, truck). Read from the official binary distribution, found as
    ``glassnet.vision.datasets.CIFAR10`` finds it."""
    (x_train, y_train), (x_test, y_test) = load_cifar10(None, download=True)
    return ((np.ascontiguousarray(x_train, np.uint8), np.asarray(y_train, np.uint8)[:, None]),
            (np.ascontiguousarray(x_test, np.uint8), np.asarray(y_test, np.uint8)[:, None]))


mnist = SimpleNamespace(load_data=_mnist_load_data)
fashion_mnist = SimpleNamespace(load_data=_fashion_load_data)
cifar10 = SimpleNamespace(load_data=_cifar10_load_data)
