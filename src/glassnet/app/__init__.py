"""The product behind the ``glassnet`` command (MNIST, Fashion-MNIST and CIFAR-10; an MLP,
LeNet-5 or PyTorch's MNIST convnet): recipe, training loop, run folders, photo preparation and
progress display."""

from . import recipe, runs, trainer

__all__ = ["recipe", "runs", "trainer"]
