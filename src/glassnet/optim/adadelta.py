"""Adadelta: step sizes from the ratio of two running averages, no learning rate needed."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Zeiler's Adadelta (2012): a step scaled by how large recent steps were.

    In words: keep a running average of squared gradients, s ← ρs + (1-ρ)g²; the step is the
    gradient times √(u + ε)/√(s + ε), where u is the running average of squared past steps,
    Δ = g·√(u + ε)/√(s + ε); then u ← ρu + (1-ρ)Δ² and w ← w - η·Δ. The ratio of the two roots
    has the units of w, so η = 1.0 (the default) is the paper's method; η scales it, as in
    PyTorch, so ``StepLR`` can decay it.

    Args:
        params: the tensors (or parameter groups) to optimize.
        lr: η, the factor on each step (default 1.0).
        rho: ρ, the decay of both running averages (default 0.9).
        eps: ε, added under both square roots (default 1e-6).
        weight_decay: L2 penalty, added to the gradient as ``weight_decay * w``.
        maximize: ascend instead of descend.

    Example:
        >>> import glassnet
        >>> w = glassnet.ones(2, requires_grad=True)
        >>> opt = glassnet.optim.Adadelta([w])
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 5) for v in w.tolist()]
        [0.99684, 0.99684]
    """

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        if lr < 0:
            raise ValueError(f"Adadelta: invalid learning rate lr={lr}; it must be >= 0")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho={rho}; it must be in [0, 1]")
        if eps < 0:
            raise ValueError(f"Adadelta: invalid eps={eps}; it must be >= 0")
        if weight_decay < 0:
            raise ValueError(f"Adadelta: invalid weight_decay={weight_decay}; it must be >= 0")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "square_avg": np.zeros_like(param),
                "acc_delta": np.zeros_like(param)}

    def update(self, param, grad, state, group, scratch):
        rho, eps = group["rho"], group["eps"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        state["step"] += 1
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        # scratch holds the step Δ = g·√(u + ε)/√(s + ε), built without temporaries
        np.add(acc_delta, eps, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch /= np.sqrt(square_avg + eps)
        scratch *= grad
        acc_delta *= rho
        acc_delta += (1 - rho) * scratch * scratch
        scratch *= -group["lr"]
        return scratch
