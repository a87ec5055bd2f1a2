"""Each tutorial program is written once, as a function of the library module (``torch``), and
run on glassnet and, where PyTorch is installed, on PyTorch with the same assertions."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

SUBMODULES = ("nn", "nn.functional", "optim", "utils.data", "autograd")


def load(name: str):
    """The library with the submodules tutorials reach through attributes (torch.nn.functional)."""
    library = importlib.import_module(name)
    for sub in SUBMODULES:
        importlib.import_module(f"{name}.{sub}")
    return library


@pytest.fixture(params=["glassnet", "torch"])
def torch(request):
    """The library a program runs on: glassnet always, PyTorch when it is installed.

    PyTorch runs on one thread: on this shared machine its thread pool made a LeNet step 30x
    slower (contention, not work), and the results do not depend on it."""
    if request.param == "glassnet":
        library = load("glassnet")
        library.manual_seed(0)
        yield library
        return
    pytest.importorskip("torch")
    library = load("torch")
    library.manual_seed(0)
    threads = library.get_num_threads()
    library.set_num_threads(1)
    yield library
    library.set_num_threads(threads)


def known_gap(request, torch, reason: str, raises: type[Exception]) -> None:
    """Mark this run as an expected failure on glassnet (strict: it must fail, and with
    ``raises``, so a different breakage still shows), naming the gap; the PyTorch run of the same
    program must pass."""
    if torch.__name__ == "glassnet":
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason, raises=raises))


@pytest.fixture(scope="session")
def mnist_arrays():
    """MNIST as 'What is torch.nn really?' uses it: flat float32 images in [0, 1] (N, 784) and
    int64 labels; 5,120 for training (80 batches of 64: no small last batch to jolt the
    weights at lr=0.5) and 1,000 for validation, read from the vendored files."""
    import glassnet

    try:
        (x, y), (xt, yt) = glassnet.datasets.load_mnist(download=False)
    except Exception as error:  # the vendored files are missing or unreadable
        pytest.skip(f"MNIST is not available here: {error}")

    def flat(images):
        return (images.reshape(len(images), 784) / np.float32(255)).astype(np.float32)

    return flat(x[:5120]), y[:5120].astype(np.int64), flat(xt[:1000]), yt[:1000].astype(np.int64)
