"""SGD with optional momentum, dampening, Nesterov and weight decay (§14.9, seed 000)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    """w ← w - η·g, or with momentum μ: v ← μ·v + (1 - dampening)·g, w ← w - η·v.

    This is PyTorch's rule: the first step sets v = g. The lesson's "momentum as an average",
    v ← β·v + (1 - β)·g, is ``SGD(momentum=β, dampening=β)`` (from the second step on; the
    first step starts the average at g instead of (1 - β)·g).
    Weight decay λ adds λ·w to the gradient (L2 regularisation, §14.12).
    """

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: lr, momentum and weight_decay must be >= 0, got lr={lr}, "
                             f"momentum={momentum}, weight_decay={weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def init_state(self, param, group):
        state = {"step": 0}
        if group["momentum"]:
            state["momentum_buffer"] = np.zeros_like(param)
        return state

    def update(self, param, grad, state, group, scratch):
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if wd:
            grad = grad + wd * param
        if momentum:
            buf = state["momentum_buffer"]
            if state["step"] == 0:
                buf[...] = grad
            else:
                buf *= momentum
                np.multiply(grad, 1 - group["dampening"], out=scratch)
                buf += scratch
            if group["nesterov"]:
                np.multiply(buf, momentum, out=scratch)
                scratch += grad
                grad = scratch
            else:
                grad = buf
        state["step"] += 1
        np.multiply(grad, -lr, out=scratch)
        return scratch
