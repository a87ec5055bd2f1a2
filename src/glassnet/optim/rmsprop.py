"""RMSprop and Adagrad: step sizes scaled by the history of squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """s ← αs + (1-α)g²;  w ← w - η·g/(√s + ε) (with optional momentum and centring)."""

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 *, maximize: bool = False):
        if lr < 0 or eps < 0 or alpha < 0 or momentum < 0:
            raise ValueError("RMSprop: lr, alpha, eps and momentum must be >= 0")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def init_state(self, param, group):
        state = {"step": 0, "square_avg": np.zeros_like(param)}
        if group["momentum"]:
            state["momentum_buffer"] = np.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(param)
        return state

    def update(self, param, grad, state, group, scratch):
        alpha, wd = group["alpha"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if wd:
            grad = grad + wd * param
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            np.sqrt(square_avg - grad_avg * grad_avg, out=scratch)
        else:
            np.sqrt(square_avg, out=scratch)
        scratch += group["eps"]
        np.divide(grad, scratch, out=scratch)
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += scratch
            np.multiply(buf, -group["lr"], out=scratch)
        else:
            scratch *= -group["lr"]
        return scratch


class Adagrad(Optimizer):
    """s ← s + g²;  w ← w - η_t·g/(√s + ε), η_t = η/(1 + (t-1)·lr_decay)."""

    returns_change = True

    def needs_param(self, group):
        return bool(group["weight_decay"])  # only weight decay reads the weights

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False):
        if lr < 0 or lr_decay < 0 or eps < 0:
            raise ValueError("Adagrad: lr, lr_decay and eps must be >= 0")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0,
                "sum": np.full_like(param, group["initial_accumulator_value"])}

    def update(self, param, grad, state, group, scratch):
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        state["step"] += 1
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        np.sqrt(state["sum"], out=scratch)
        scratch += group["eps"]
        np.divide(grad, scratch, out=scratch)
        scratch *= -lr
        return scratch
