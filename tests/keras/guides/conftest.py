"""Programs written the way Keras' own guides write them, run twice with the same assertions:
on ``glassnet.keras`` and, where it is installed, on Keras 3 (torch backend), the oracle.

A test takes the ``k`` fixture (a ``Framework``: ``k.keras``, ``k.torch``, ``k.name``) and calls
its program as ``program(k.keras, np)`` (``both`` gives the two frameworks, for programs whose
records are compared). Every test runs in its own temporary folder, so a program saves
``"my_model.keras"`` as the guides do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pytest


@dataclass
class Framework:
    name: str  # "glassnet" or "keras"
    keras: ModuleType
    torch: ModuleType  # the engine under the keras: glassnet itself, or PyTorch


def _glassnet() -> Framework:
    import glassnet
    from glassnet import keras
    return Framework("glassnet", keras, glassnet)


def _keras3() -> Framework:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    # these models are tiny: one thread is quicker than several fighting over two shared cores
    torch.set_num_threads(1)
    return Framework("keras", keras, torch)


def framework(name: str) -> Framework:
    return _glassnet() if name == "glassnet" else _keras3()


@pytest.fixture(autouse=True)
def in_a_fresh_folder(tmp_path, monkeypatch):
    """Every test runs in its own temporary folder: programs save "my_model.keras" there."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=["glassnet", "keras"])
def k(request) -> Framework:
    """The framework a program runs on, seeded."""
    chosen = framework(request.param)
    chosen.keras.utils.set_random_seed(1337)
    return chosen


@pytest.fixture
def both() -> tuple[Framework, Framework]:
    """glassnet and Keras 3 together, for programs whose records are compared."""
    pair = framework("glassnet"), framework("keras")
    for chosen in pair:
        chosen.keras.utils.set_random_seed(1337)
    return pair


@pytest.fixture(scope="session")
def mnist_subset():
    """2,000 training and 500 test digits from the repository's MNIST files, flattened to
    784 floats in [0, 1] (the functional API guide's preprocessing), uint8 labels."""
    from glassnet.keras import datasets

    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    x_train = x_train[:2000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:500].reshape(-1, 784).astype("float32") / 255
    return (x_train, y_train[:2000]), (x_test, y_test[:500])


def to_numpy(value) -> np.ndarray:
    """A prediction of either framework (NumPy, glassnet or torch tensor) as NumPy."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)
