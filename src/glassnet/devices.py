"""Devices, as on a CPU-only PyTorch: ``glassnet.device("cpu")`` is the one place tensors live.

PyTorch code names devices everywhere (``torch.device("cuda" if use_cuda else "cpu")``,
``x.to(device)``, ``torch.zeros(3, device=device)``). glassnet keeps those names so the code
runs unchanged: a ``device`` object can name any of PyTorch's device types, as in PyTorch, but
putting a tensor anywhere except the CPU raises ``DeviceError`` (a ``RuntimeError``) naming what
to pass instead. ``glassnet.cuda``, ``glassnet.backends.mps`` and ``glassnet.accelerator``
answer "no accelerator" the way a CPU-only PyTorch does.

(The module is ``devices.py``, beside ``dtypes.py``, so that ``glassnet.device`` stays the
class, as ``torch.device`` is.)
"""

from __future__ import annotations

import builtins

# The device types torch.device accepts; naming one is fine, computing on it is not.
KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
               "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
               "privateuseone")


class DeviceError(RuntimeError):
    """A tensor or module was asked to live somewhere glassnet cannot put it (not the CPU)."""


class device:  # noqa: N801 - PyTorch's name, a lower-case class
    """Where a tensor lives: ``device("cpu")``, ``device("cpu", 0)``, ``device("cuda:1")``.

    Args:
        type: ``"cpu"``, another of PyTorch's device types, ``"type:index"``, or a device.
        index: the device's number (optional; ``None`` means "the current one").

    Two devices are equal when type and index are. As in PyTorch, a device never equals a
    string (``device("cpu") == "cpu"`` is False): compare ``x.device.type == "cpu"``.

    Example:
        >>> import glassnet
        >>> glassnet.device("cpu")
        device(type='cpu')
        >>> glassnet.device("cpu", 0).index
        0
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise DeviceError(f"device({type!r}, {index}): a device already has its index; "
                                  f"pass device('{type.type}', {index}) instead")
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, builtins.int):
            raise DeviceError(
                f"device({type}): a bare number names an accelerator, and glassnet runs on the "
                f"CPU only; use device('cpu')")
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cpu:0', got "
                            f"{builtins.type(type).__name__}")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES:
            raise DeviceError(f"device({type!r}): expected one of {', '.join(KNOWN_TYPES)} at "
                              f"the start of the device string; glassnet runs on 'cpu'")
        if number:
            if index is not None or not number.isdigit():
                raise DeviceError(f"device({type!r}): invalid device string; write "
                                  f"'{name}' or '{name}:0'")
            index = builtins.int(number)
        if index is not None and (not isinstance(index, builtins.int) or index < 0):
            raise DeviceError(f"device({type!r}, {index!r}): the index must be an int >= 0")
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash(str(self))

    def __reduce__(self):
        return device, (self._type, self._index)


CPU = device("cpu")


def check_device(where) -> None:
    """Do nothing for the CPU (``None``, ``'cpu'``, ``'cpu:0'``, ``device('cpu')``); raise
    ``DeviceError`` naming the fix for anything else."""
    if where is None:
        return
    wanted = where if isinstance(where, device) else device(where)
    if wanted.type != "cpu":
        raise DeviceError(
            f"device {str(wanted)!r}: glassnet runs on the CPU with NumPy only "
            f"(glassnet.cuda.is_available() is False); pass device='cpu' or leave device out")


def set_default_device(where) -> None:
    """PyTorch's ``set_default_device``: only the CPU (or ``None``, meaning the CPU) is
    possible here."""
    check_device(where)


def get_default_device() -> device:
    """The device new tensors are made on: always ``device(type='cpu')``."""
    return CPU
