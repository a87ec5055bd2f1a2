"""Keras optimizers: Keras' update rules on glassnet's optimizer machinery.

They differ from PyTorch's in small ways worth knowing: SGD keeps v ← μv - ηg and adds v;
Adam's ε is added to √v (not to √v̂) and defaults to 1e-7; RMSprop divides by √(v + ε).
The optimizer is made without parameters and bound to the model's weights at compile time.
A learning rate may be a number or a schedule evaluated at the step count.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import no_grad
from ..optim.adam import update_moments
from ..optim.optimizer import Optimizer as _Base
from ..tensor import Tensor


class LearningRateSchedule:
    def __call__(self, step: int) -> float:
        raise NotImplementedError


class ExponentialDecay(LearningRateSchedule):
    """η(step) = η₀·rate^(step/decay_steps) (the exponent floored when staircase=True)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase
                                                                 else p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase}


class CosineDecay(LearningRateSchedule):
    """η(step) = η₀·((1 - α)·½(1 + cos(π·min(step, T)/T)) + α), T = decay_steps."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None, **kwargs):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha = alpha

    def __call__(self, step):
        progress = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * progress))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha}


class schedules:  # noqa: N801 - keras.optimizers.schedules.ExponentialDecay
    ExponentialDecay = ExponentialDecay
    CosineDecay = CosineDecay
    LearningRateSchedule = LearningRateSchedule


class Optimizer(_Base):
    """Keras-style: hyperparameters now, weights later (``build``), optional decoupled
    weight_decay (w ← w - η·λ·w before each step, as every Keras optimizer)."""

    def __init__(self, learning_rate=0.001, weight_decay=None, name=None, **hyper) -> None:
        self._learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.hyper = hyper
        self.iterations = 0
        self.built = False
        self.name = name or type(self).__name__.lower()

    @property
    def learning_rate(self) -> float:
        lr = self._learning_rate
        return float(lr(self.iterations)) if callable(lr) else float(lr)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = value
        if self.built and not callable(value):
            for group in self.param_groups:
                group["lr"] = float(value)

    def build(self, variables) -> None:
        # one group even when empty: a model with nothing to learn still fits, as in Keras
        _Base.__init__(self, [{"params": list(variables)}],
                       dict(lr=self.learning_rate, weight_decay=self.weight_decay or 0.0,
                            **self.hyper))
        self.built = True

    @property
    def variables_optimized(self) -> list:
        return [p for group in self.param_groups for p in group["params"]] if self.built else []

    def count_variables(self) -> int:
        """How many numbers Keras' ``optimizer.variables`` hold once built: the iteration count,
        the learning rate (unless a schedule), and each slot (momentum, moments...) per weight
        (the "Optimizer params" of ``model.summary()``)."""
        if not self.built:
            return 0
        count = 1 + (0 if callable(self._learning_rate) else 1)
        for group in self.param_groups:
            slots = self.init_state(np.zeros(1, np.float32), group)
            per_weight = sum(isinstance(v, np.ndarray) for v in slots.values())
            count += per_weight * sum(p.numel() for p in group["params"])
        return count

    def apply(self, grads, trainable_variables=None) -> None:
        """One update of ``trainable_variables`` (default: those the optimizer was built
        with) by ``grads``, in the same order, as Keras' ``optimizer.apply``; the first call
        builds the optimizer over the variables. A None gradient leaves its variable alone.

        Example (a custom ``train_step``, as Keras' torch-backend guide writes it):
            >>> gradients = [v.value.grad for v in self.trainable_weights]
            >>> self.optimizer.apply(gradients, self.trainable_weights)
        """
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{type(self).__name__}.apply: the first call must name the "
                                 f"variables: apply(grads, model.trainable_weights)")
            variables = self.variables_optimized
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: got {len(grads)} gradients for "
                             f"{len(variables)} variables; pass one gradient per variable")
        known = {id(p) for p in self.variables_optimized}
        for variable in variables:
            if id(variable) not in known:
                raise ValueError(f"{type(self).__name__}.apply: a variable of shape "
                                 f"{tuple(variable.shape)} is not one this optimizer was "
                                 f"built with; use one optimizer per set of weights")
        kept = [(p, p.grad) for p in self.variables_optimized]
        try:
            for p, _ in kept:
                p.grad = None
            for grad, variable in zip(grads, variables):
                if grad is not None:
                    variable.grad = grad if isinstance(grad, Tensor) else Tensor(
                        np.asarray(grad, dtype=variable.detach().numpy().dtype))
            with no_grad():
                self.step()
        finally:
            for p, grad in kept:
                p.grad = grad

    def apply_gradients(self, grads_and_vars) -> None:
        """``apply`` on (gradient, variable) pairs, as ``zip(grads, model.trainable_weights)``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def step(self, closure=None):
        lr = self.learning_rate
        for group in self.param_groups:
            group["lr"] = lr
        result = super().step(closure)
        self.iterations += 1
        return result

    def update(self, param, grad, state, group, scratch):
        if group["weight_decay"]:
            param *= 1 - group["lr"] * group["weight_decay"]
        state["step"] += 1
        self.rule(param, grad, state, group, scratch)

    def rule(self, param, grad, state, group, scratch):
        raise NotImplementedError

    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
        return {"learning_rate": lr, "weight_decay": self.weight_decay, **self.hyper}


class SGD(Optimizer):
    """v ← μ·v - η·g;  w ← w + v (Nesterov: w ← w + μ·v - η·g); plain w ← w - η·g if μ = 0."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, name, momentum=momentum,
                         nesterov=nesterov)

    def init_state(self, param, group):
        state = {"step": 0}
        if group["momentum"]:
            state["momentum"] = np.zeros_like(param)
        return state

    def rule(self, param, grad, state, group, scratch):
        lr, mu = group["lr"], group["momentum"]
        if not mu:
            np.multiply(grad, -lr, out=scratch)
            param += scratch
            return
        v = state["momentum"]
        v *= mu
        np.multiply(grad, lr, out=scratch)
        v -= scratch
        if group["nesterov"]:
            np.multiply(v, mu, out=scratch)
            scratch -= lr * grad
            param += scratch
        else:
            param += v


class Adam(Optimizer):
    """m ← m + (1-β₁)(g - m);  v ← v + (1-β₂)(g² - v);  w ← w - α·m/(√v + ε),
    α = η·√(1-β₂ᵗ)/(1-β₁ᵗ)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, name, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad)

    def init_state(self, param, group):
        state = {"step": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
        if group["amsgrad"]:
            state["v_hat"] = np.zeros_like(param)
        return state

    def rule(self, param, grad, state, group, scratch):
        b1, b2, t = group["beta_1"], group["beta_2"], state["step"]
        m, v = state["m"], state["v"]
        update_moments(grad, m, v, b1, b2, scratch)
        if group["amsgrad"]:
            np.maximum(state["v_hat"], v, out=state["v_hat"])
            v = state["v_hat"]
        alpha = group["lr"] * math.sqrt(1 - b2**t) / (1 - b1**t)
        np.sqrt(v, out=scratch)
        scratch += group["epsilon"]
        np.divide(m, scratch, out=scratch)
        scratch *= -alpha
        param += scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004, Keras' value)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, name)


class RMSprop(Optimizer):
    """v ← ρv + (1-ρ)g²;  w ← w - η·g/√(v + ε) (centred: √(v - ḡ² + ε); with momentum μ:
    m ← μm + that step, w ← w - m)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, name, rho=rho, momentum=momentum,
                         epsilon=epsilon, centered=centered)

    def init_state(self, param, group):
        state = {"step": 0, "velocity": np.zeros_like(param)}
        if group["momentum"]:
            state["momentum"] = np.zeros_like(param)
        if group["centered"]:
            state["average_gradient"] = np.zeros_like(param)
        return state

    def rule(self, param, grad, state, group, scratch):
        rho = group["rho"]
        velocity = state["velocity"]
        velocity *= rho
        velocity += (1 - rho) * grad * grad
        if group["centered"]:
            average = state["average_gradient"]
            average *= rho
            average += (1 - rho) * grad
            np.subtract(velocity, average * average, out=scratch)
        else:
            scratch[...] = velocity
        scratch += group["epsilon"]
        np.sqrt(scratch, out=scratch)
        np.divide(grad, scratch, out=scratch)
        scratch *= group["lr"]
        if group["momentum"]:
            m = state["momentum"]
            m *= group["momentum"]
            m += scratch
            param -= m
        else:
            param -= scratch


ALL = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}


def get(identifier) -> Optimizer:
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ALL:
        return ALL[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r}; use one of {', '.join(ALL)} or a "
                     f"keras.optimizers object (a PyTorch-style glassnet.optim optimizer "
                     f"belongs to the low-level API)")


def serialize(optimizer: Optimizer) -> dict:
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict) -> Optimizer:
    options = dict(config["config"])
    lr = options.get("learning_rate")
    if isinstance(lr, dict):
        options["learning_rate"] = {"ExponentialDecay": ExponentialDecay,
                                    "CosineDecay": CosineDecay}[lr["class_name"]](**lr["config"])
    classes = {cls.__name__: cls for cls in ALL.values()}
    return classes[config["class_name"]](**options)
