"""``glassnet.cuda``: what a CPU-only PyTorch's ``torch.cuda`` answers (there is no GPU here).

``use_cuda = glassnet.cuda.is_available()`` is False, so the usual examples pick the CPU.
Seeding is silently ignored, as PyTorch ignores it without CUDA; asking for a CUDA device
raises ``DeviceError`` (a ``RuntimeError``) naming what to use instead.
"""

from __future__ import annotations

from .devices import DeviceError


def is_available() -> bool:
    """False: glassnet computes with NumPy on the CPU."""
    return False


def device_count() -> int:
    """0: no CUDA devices."""
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Ignored (no CUDA generator exists), as in PyTorch without CUDA;
    ``glassnet.manual_seed`` seeds everything glassnet draws."""


def manual_seed_all(seed: int) -> None:
    """Ignored, like ``manual_seed``."""


def empty_cache() -> None:
    """Nothing to free: no CUDA memory was ever allocated."""


def _no_cuda(what: str) -> DeviceError:
    return DeviceError(f"glassnet.cuda.{what}(): there is no CUDA device; glassnet runs on the "
                       f"CPU with NumPy only (glassnet.cuda.is_available() is False); use 'cpu'")


def current_device() -> int:
    raise _no_cuda("current_device")


def synchronize(device=None) -> None:
    raise _no_cuda("synchronize")


class amp:  # noqa: N801 - torch.cuda.amp, PyTorch's older spelling of torch.amp(..., "cuda")
    """``torch.cuda.amp.GradScaler()`` and ``autocast()``: CUDA's mixed precision, which warns
    and disables itself here (no CUDA), as on a CPU-only PyTorch; see ``glassnet.amp``."""

    @staticmethod
    def GradScaler(init_scale: float = 2.0**16, growth_factor: float = 2.0,  # noqa: N802
                   backoff_factor: float = 0.5, growth_interval: int = 2000,
                   enabled: bool = True):
        from . import amp as _amp

        return _amp.GradScaler("cuda", init_scale, growth_factor, backoff_factor,
                               growth_interval, enabled)

    @staticmethod
    def autocast(enabled: bool = True, dtype=None, cache_enabled: bool = True):
        from . import amp as _amp

        return _amp.autocast("cuda", dtype, enabled, cache_enabled)
