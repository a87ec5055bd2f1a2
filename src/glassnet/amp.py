"""``torch.amp``: mixed precision's two tools, for training loops written with them.

- ``autocast(device_type, dtype=None, enabled=True)``: in PyTorch, the ops inside run in a
  lower precision (bfloat16 on the CPU). NumPy has no bfloat16, so glassnet runs them in the
  tensors' own dtype (float32): the context (or decorator) is accepted and the results are the
  full-precision ones. ``device_type="cuda"`` warns and disables itself, as on a CPU-only
  PyTorch.
- ``GradScaler``: multiplies the loss by a scale before backward so small float16 gradients do
  not underflow, divides the gradients by it before the step, skips a step whose gradients hold
  inf or NaN, and moves the scale (×growth_factor after growth_interval clean steps,
  ×backoff_factor after a bad one). This one does all of that, as PyTorch's does on the CPU;
  with float32 gradients the result is the unscaled step. ``GradScaler("cuda")`` (and
  ``glassnet.cuda.amp.GradScaler()``) warns and disables itself, as without CUDA in PyTorch.

Example::

    scaler = torch.amp.GradScaler("cpu")
    with torch.autocast("cpu"):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from .tensor import Tensor

DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hpu", "xla", "mtia", "meta")


def _check_device(device_type, who: str) -> bool:
    """True when the device is the CPU; a GPU type warns (it is disabled, as in PyTorch)."""
    name = str(device_type).split(":")[0]
    if name not in DEVICE_TYPES:
        raise RuntimeError(f"{who}: expected one of {DEVICE_TYPES} as device_type, got "
                           f"{device_type!r}")
    if name != "cpu":
        warnings.warn(f"{who}: device_type {name!r} is not available (glassnet runs on the "
                      f"CPU); disabling", stacklevel=3)
        return False
    return True


class autocast:  # noqa: N801 - PyTorch's name
    """Mixed precision's context: accepted, and the ops inside keep the tensors' own dtype
    (NumPy has no bfloat16; see the module docstring). Works as ``with`` and as a decorator."""

    def __init__(self, device_type: str = "cpu", dtype=None, enabled: bool = True,
                 cache_enabled=None) -> None:
        self.device_type, self.fast_dtype = device_type, dtype
        self.enabled = bool(enabled) and _check_device(device_type, "autocast")

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, function):
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        return wrapped


class GradScaler:
    """Loss scaling with PyTorch's arguments and rules (see the module docstring)."""

    def __init__(self, device: str = "cpu", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if not growth_factor > 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: need growth_factor > 1 and 0 < backoff_factor < 1, "
                             f"got {growth_factor} and {backoff_factor}")
        self._enabled = bool(enabled) and _check_device(device, "GradScaler")
        self._scale, self._growth_factor = float(init_scale), float(growth_factor)
        self._backoff_factor, self._growth_interval = float(backoff_factor), int(growth_interval)
        self._growth_tracker = 0
        self._unscaled: dict[int, bool] = {}  # id(optimizer) → found inf or NaN

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs):
        """``outputs`` × the scale (a tensor, or tensors in lists and tuples)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError(f"GradScaler.scale: expected a tensor or tensors, got "
                         f"{type(outputs).__name__}")

    def unscale_(self, optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and note
        whether any holds inf or NaN (once per optimizer between updates)."""
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update()")
        inverse, found = 1.0 / self._scale, False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad._data
                grad *= inverse
                found = found or not bool(np.isfinite(grad).all())
        self._unscaled[id(optimizer)] = found

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` on the unscaled gradients, skipped when any is inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        if self._unscaled[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        """Move the scale: back off after a skipped step, grow after growth_interval good
        ones; or set it to ``new_scale``."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor)
                                else new_scale)
        elif any(self._unscaled.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        elif self._unscaled:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                self._scale = grown if math.isfinite(grown) else self._scale
                self._growth_tracker = 0
        self._unscaled.clear()

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


__all__ = ["GradScaler", "autocast"]
