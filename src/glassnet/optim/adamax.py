"""Adamax: Adam with the infinity norm in place of the root mean square (Kingma & Ba, §7)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


def check_adam_options(name: str, lr: float, betas, eps: float, weight_decay: float) -> None:
    """The checks PyTorch makes on every Adam-family optimizer, one line each."""
    if lr < 0:
        raise ValueError(f"{name}: invalid learning rate lr={lr}; it must be >= 0")
    if eps < 0:
        raise ValueError(f"{name}: invalid eps={eps}; it must be >= 0")
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name}: invalid beta parameter at index {index}: {beta}; "
                             f"each of betas must be in [0, 1)")
    if weight_decay < 0:
        raise ValueError(f"{name}: invalid weight_decay={weight_decay}; it must be >= 0")


class Adamax(Optimizer):
    """m ← β₁m + (1-β₁)g;  u ← max(β₂u, |g| + ε);  w ← w - (η/(1-β₁ᵗ))·m/u.

    In words: Adam's running average of the gradient (the momentum m), but each weight's step
    is divided by u, a decaying maximum of the gradient's size instead of the root of a running
    average of its square. The maximum needs no bias correction; m gets Adam's 1/(1-β₁ᵗ).

    Args:
        params: the tensors (or parameter groups) to optimize.
        lr: η (default 2e-3).
        betas: (β₁, β₂), the decay of m and of the maximum u (default (0.9, 0.999)).
        eps: ε, added to |g| so that u is never zero (default 1e-8).
        weight_decay: L2 penalty, added to the gradient as ``weight_decay * w``.
        maximize: ascend instead of descend.

    Example:
        >>> import glassnet
        >>> w = glassnet.ones(2, requires_grad=True)
        >>> opt = glassnet.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 5) for v in w.tolist()]
        [0.9, 0.9]
    """

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        check_adam_options("Adamax", lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "exp_avg": np.zeros_like(param), "exp_inf": np.zeros_like(param)}

    def update(self, param, grad, state, group, scratch):
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        state["step"] += 1
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        np.subtract(grad, exp_avg, out=scratch)
        scratch *= 1 - beta1
        exp_avg += scratch
        np.abs(grad, out=scratch)
        scratch += group["eps"]
        exp_inf *= beta2
        np.maximum(exp_inf, scratch, out=exp_inf)
        np.divide(exp_avg, exp_inf, out=scratch)
        scratch *= -group["lr"] / (1 - beta1 ** state["step"])
        return scratch
