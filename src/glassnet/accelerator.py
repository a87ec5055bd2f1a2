"""``glassnet.accelerator``: PyTorch's device-agnostic accelerator API, answering "none".

The classic PyTorch MNIST example writes
``device = torch.accelerator.current_accelerator() if torch.accelerator.is_available()
else torch.device("cpu")``; here ``is_available()`` is False, so it picks the CPU, as a
CPU-only PyTorch does.
"""

from __future__ import annotations

from .devices import DeviceError, device


def is_available() -> bool:
    """False: glassnet has no accelerator (GPU, MPS, ...), only the CPU."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator (the CPU is not one, as in PyTorch)."""
    return None


def device_count() -> int:
    """0 accelerators."""
    return 0


def current_device_index() -> int:
    raise DeviceError("glassnet.accelerator.current_device_index(): cannot access an "
                      "accelerator device when none is available; glassnet runs on the CPU")


def synchronize(device=None) -> None:
    raise DeviceError("glassnet.accelerator.synchronize(): there is no accelerator to wait for; "
                      "glassnet runs on the CPU")
