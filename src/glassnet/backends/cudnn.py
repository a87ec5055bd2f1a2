"""``glassnet.backends.cudnn``: the flags scripts set for reproducibility, accepted and unused.

``torch.backends.cudnn.deterministic = True`` and ``.benchmark = False`` are common lines in
training scripts; they change nothing on the CPU, here as in PyTorch.
"""

enabled = True
deterministic = False
benchmark = False


def is_available() -> bool:
    """False: there is no cuDNN without CUDA."""
    return False
