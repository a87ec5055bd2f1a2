"""RAdam: Adam whose adaptive step is switched on gradually, as its variance estimate firms up."""

from __future__ import annotations

import math

import numpy as np

from .adam import update_moments
from .adamax import check_adam_options
from .optimizer import Optimizer


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2019): Adam's moments m and v, and a step that starts as
    plain momentum SGD and becomes Adam's once v has seen enough gradients to be trusted.

    In words: ρ∞ = 2/(1-β₂) - 1 is the length of the simple moving average that v
    approximates, and ρₜ = ρ∞ - 2tβ₂ᵗ/(1-β₂ᵗ) the length it has reached after t steps. While
    ρₜ ≤ 5 the variance of the adaptive rate is too large and the step is w ← w - η·m̂, with
    m̂ = m/(1-β₁ᵗ). After that it is w ← w - η·m̂·r·√(1-β₂ᵗ)/(√v + ε), where the rectifier
    r = √((ρₜ-4)(ρₜ-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρₜ)) grows towards 1.

    Args:
        params: the tensors (or parameter groups) to optimize.
        lr: η (default 1e-3).
        betas: (β₁, β₂), the decay of m and v (default (0.9, 0.999)).
        eps: ε, added to √v (default 1e-8).
        weight_decay: λ; added to the gradient as λw, or with ``decoupled_weight_decay``
            applied to the weights as w ← w·(1 - ηλ) before the step (as AdamW does).
        decoupled_weight_decay: see weight_decay (default False).
        maximize: ascend instead of descend.

    Example:
        >>> import glassnet
        >>> w = glassnet.ones(2, requires_grad=True)
        >>> opt = glassnet.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 5) for v in w.tolist()]
        [0.8, 0.8]
    """

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False):
        check_adam_options("RAdam", lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}

    def update(self, param, grad, state, group, scratch):
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        step = state["step"]
        if wd and not group["decoupled_weight_decay"]:
            grad = grad + wd * param
        m, v = state["exp_avg"], state["exp_avg_sq"]
        update_moments(grad, m, v, beta1, beta2, scratch)
        bias1, bias2 = 1 - beta1**step, 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / bias2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            np.sqrt(v, out=scratch)
            scratch += group["eps"]
            np.divide(m, scratch, out=scratch)
            scratch *= -lr * rect * math.sqrt(bias2) / bias1
        else:
            np.multiply(m, -lr / bias1, out=scratch)
        if wd and group["decoupled_weight_decay"]:
            scratch -= (lr * wd) * param  # w·(1 - ηλ) + step = w + (step - ηλ·w)
        return scratch
