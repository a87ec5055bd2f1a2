"""NAdam: Adam with Nesterov momentum, looking one momentum step ahead (Dozat, 2016)."""

from __future__ import annotations

import numpy as np

from .adam import update_moments
from .adamax import check_adam_options
from .optimizer import Optimizer


class NAdam(Optimizer):
    """Adam whose step mixes the current gradient with the momentum of the *next* step.

    In words: the momentum coefficient warms up as μₜ = β₁(1 - ½·0.96^(tψ)) (ψ is
    ``momentum_decay``), and Πₜ = μ₁μ₂…μₜ is kept in the state as ``mu_product``. With Adam's
    running averages m and v, and v̂ = v/(1-β₂ᵗ), the step is
    w ← w - η(1-μₜ)/(1-Πₜ) · g/(√v̂ + ε) - η·μₜ₊₁/(1-Πₜμₜ₊₁) · m/(√v̂ + ε):
    the gradient part is bias-corrected with the product so far, the momentum part with the
    product one step ahead, which is Nesterov's look-ahead.

    Args:
        params: the tensors (or parameter groups) to optimize.
        lr: η (default 2e-3).
        betas: (β₁, β₂), the decay of m and v (default (0.9, 0.999)).
        eps: ε, added to √v̂ (default 1e-8).
        weight_decay: λ; added to the gradient as λw, or with ``decoupled_weight_decay``
            applied to the weights as w ← w·(1 - ηλ) before the step (as AdamW does).
        momentum_decay: ψ, how fast μₜ warms up to β₁ (default 4e-3).
        decoupled_weight_decay: see weight_decay (default False).
        maximize: ascend instead of descend.

    Example:
        >>> import glassnet
        >>> w = glassnet.ones(2, requires_grad=True)
        >>> opt = glassnet.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> [round(v, 4) for v in w.tolist()]
        [0.8944, 0.8944]
    """

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False):
        check_adam_options("NAdam", lr, betas, eps, weight_decay)
        if momentum_decay < 0:
            raise ValueError(f"NAdam: invalid momentum_decay={momentum_decay}; it must be >= 0")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "mu_product": 1.0, "exp_avg": np.zeros_like(param),
                "exp_avg_sq": np.zeros_like(param)}

    def update(self, param, grad, state, group, scratch):
        beta1, beta2 = group["betas"]
        lr, wd, psi = group["lr"], group["weight_decay"], group["momentum_decay"]
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        step = state["step"]
        if wd and not group["decoupled_weight_decay"]:
            grad = grad + wd * param
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        update_moments(grad, m, v, beta1, beta2, scratch)
        # scratch becomes the denominator √v̂ + ε, then each part is divided by it
        np.divide(v, 1 - beta2**step, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += group["eps"]
        gradient_part = (lr * (1 - mu) / (1 - mu_product)) * grad / scratch
        np.divide(m, scratch, out=scratch)
        scratch *= -lr * mu_next / (1 - mu_product * mu_next)
        scratch -= gradient_part
        if wd and group["decoupled_weight_decay"]:
            scratch -= (lr * wd) * param  # w·(1 - ηλ) + step = w + (step - ηλ·w)
        return scratch
