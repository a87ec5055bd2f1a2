"""``glassnet.backends``: the switches PyTorch code sets or asks about (``mps``, ``cudnn``),
answering as a CPU-only PyTorch does."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
