"""Adam and AdamW: momentum plus per-parameter step sizes (seed 000's update rule)."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer


def update_moments(grad, m, v, beta1: float, beta2: float, scratch) -> None:
    """In place: m ← m + (1-β₁)(g - m) and v ← v + (1-β₂)(g² - v), the running averages of
    the gradient and of its square."""
    np.subtract(grad, m, out=scratch)
    scratch *= 1 - beta1
    m += scratch
    np.multiply(grad, grad, out=scratch)
    scratch -= v
    scratch *= 1 - beta2
    v += scratch


class Adam(Optimizer):
    """m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;  m̂ = m/(1-β₁ᵗ);  v̂ = v/(1-β₂ᵗ);
    w ← w - η·m̂/(√v̂ + ε).

    m is a running average of gradients (the momentum), v of squared gradients (their size),
    so each weight's step is scaled by how large its gradients have been. The hats undo the
    bias from starting m and v at zero. weight_decay adds λw to g (L2); for decoupled decay
    use AdamW. amsgrad keeps the largest v̂ seen.
    """

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        if lr < 0 or eps < 0 or not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"{type(self).__name__}: need lr >= 0, eps >= 0 and betas in "
                             f"[0, 1), got lr={lr}, eps={eps}, betas={betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def init_state(self, param, group):
        state = {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        return state

    def decay(self, param, grad, group):
        """L2 weight decay: the gradient gains λw."""
        wd = group["weight_decay"]
        return grad + wd * param if wd else grad

    def update(self, param, grad, state, group, scratch):
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            grad = -grad
        grad = self.decay(param, grad, group)
        state["step"] += 1
        step = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        update_moments(grad, m, v, beta1, beta2, scratch)
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bias1 = 1 - beta1**step
        root_bias2 = math.sqrt(1 - beta2**step)
        # η·m̂/(√v̂ + ε) = (η·√(1-β₂ᵗ)/(1-β₁ᵗ))·m/(√v + ε·√(1-β₂ᵗ)): one pass fewer
        np.sqrt(v, out=scratch)
        scratch += group["eps"] * root_bias2
        np.divide(m, scratch, out=scratch)
        scratch *= -group["lr"] * root_bias2 / bias1
        return scratch


class AdamW(Adam):
    """Adam with decoupled weight decay: w ← w·(1 - ηλ) before the Adam step (§14.12)."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)

    def decay(self, param, grad, group):
        return grad  # no L2 term: the decay is applied to the weights in update

    def update(self, param, grad, state, group, scratch):
        # w·(1 - ηλ) + Adam's step, returned as one change: Adam's step - ηλ·w
        change = super().update(param, grad, state, group, scratch)
        if group["weight_decay"]:
            change -= (group["lr"] * group["weight_decay"]) * param
        return change
