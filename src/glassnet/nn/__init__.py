"""glassnet.nn: modules, layers, activations, losses, initialisation (PyTorch's torch.nn)."""

from . import functional

__all__ = ["functional"]
