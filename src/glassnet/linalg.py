"""glassnet.linalg: PyTorch's ``torch.linalg`` (so far ``cross``; the products are top-level)."""

from .ops.linalg_functions import linalg_cross as cross

__all__ = ["cross"]
