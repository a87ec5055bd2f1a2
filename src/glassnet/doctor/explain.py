"""explain_step: what the optimizer's last step did to each parameter, and why, in the
lesson's symbols (g, v, m̂, v̂, η). Everything is read back from the optimizer's state, so
nothing has to be recorded while training."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def _kind(optimizer) -> str:
    names = [cls.__name__ for cls in type(optimizer).__mro__]
    keras = any(cls.__module__.startswith("glassnet.keras") for cls in type(optimizer).__mro__)
    for name in ("Adam", "RMSprop", "Adagrad", "SGD"):
        if name in names:
            return ("keras-" if keras else "") + name.lower()
    return "unknown"


def _group_of(optimizer, param) -> dict:
    for group in optimizer.param_groups:
        if any(p is param for p in group["params"]):
            return group
    raise ValueError("this parameter is not one the optimizer updates")


def step_terms(optimizer, param) -> dict | None:
    """The quantities of the last step for ``param`` (arrays), or None before any step."""
    state = optimizer.state.get(param)
    if not state or not state.get("step"):
        return None
    group = _group_of(optimizer, param)
    kind, lr, t = _kind(optimizer), group["lr"], state["step"]
    grad = None if param.grad is None else param.grad._data.astype(np.float64)
    if kind in ("adam", "keras-adam"):
        b1, b2 = group.get("betas") or (group["beta_1"], group["beta_2"])
        eps = group.get("eps", group.get("epsilon"))
        m = (state.get("exp_avg") if "exp_avg" in state else state["m"]).astype(np.float64)
        v = (state.get("exp_avg_sq") if "exp_avg_sq" in state else state["v"]).astype(
            np.float64)
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        if kind == "adam":
            step = lr * m_hat / (np.sqrt(v_hat) + eps)
        else:  # Keras adds ε to √v before the bias correction
            step = lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        return dict(kind=kind, t=t, lr=lr, eps=eps, betas=(b1, b2), g=grad, m_hat=m_hat,
                    v_hat=v_hat, step=step)
    if kind in ("sgd", "keras-sgd"):
        buffer = state.get("momentum_buffer", state.get("momentum"))
        if buffer is None:
            return dict(kind=kind, t=t, lr=lr, g=grad, step=None if grad is None else lr * grad)
        velocity = buffer.astype(np.float64)
        step = lr * velocity if kind == "sgd" else -velocity
        return dict(kind=kind, t=t, lr=lr, g=grad, velocity=velocity, step=step,
                    momentum=group["momentum"])
    if kind in ("rmsprop", "keras-rmsprop"):
        square = (state.get("square_avg") if "square_avg" in state else
                  state["velocity"]).astype(np.float64)
        eps = group.get("eps", group.get("epsilon"))
        step = None if grad is None else lr * grad / (np.sqrt(square) + eps)
        return dict(kind=kind, t=t, lr=lr, g=grad, s=square, step=step)
    if kind == "adagrad":
        total = state["sum"].astype(np.float64)
        rate = lr / (1 + (t - 1) * group["lr_decay"])
        step = None if grad is None else rate * grad / (np.sqrt(total) + group["eps"])
        return dict(kind=kind, t=t, lr=rate, g=grad, s=total, step=step)
    return None


def last_update(optimizer, param):
    """The size and direction of the last step (an array shaped like the parameter)."""
    terms = step_terms(optimizer, param)
    return None if terms is None else terms.get("step")


@dataclass
class StepExplanation:
    kind: str
    rows: list[dict] = field(default_factory=list)

    def _rule(self) -> str:
        """The update rule in the lesson's symbols, with t and η of the last step."""
        first = self.rows[0]["terms"]
        rule = {
            "adam": "Adam: m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ), step = η·m̂/(√v̂ + ε)",
            "keras-adam": "Adam (Keras): step = η·√(1-β₂ᵗ)/(1-β₁ᵗ) · m/(√v + ε)",
            "sgd": "SGD: step = η·g" if "velocity" not in first else
                   "SGD with momentum: v ← μ·v + g, step = η·v",
            "keras-sgd": "SGD (Keras): v ← μ·v - η·g, the step is -v",
            "rmsprop": "RMSprop: s ← αs + (1-α)g², step = η·g/(√s + ε)",
            "keras-rmsprop": "RMSprop: s ← ρs + (1-ρ)g², step = η·g/√(s + ε)",
            "adagrad": "Adagrad: s ← s + g², step = η·g/(√s + ε)",
        }.get(self.kind, self.kind)
        return f"{rule}   (t = {first['t']}, η = {first['lr']:g})"

    def __str__(self) -> str:
        if not self.rows:
            return "no step yet: call optimizer.step() first"
        lines = [self._rule(),
                 f"{'parameter':<22} {'‖g‖':>10} {'‖step‖':>10} {'‖step‖/‖w‖':>11}   "
                 f"the element with the largest gradient"]
        for row in self.rows:
            lines.append(f"{row['name']:<22} {row['grad_norm']:>10.4g} {row['step_norm']:>10.4g} "
                         f"{row['ratio']:>11.2e}   {row['first']}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """Jupyter shows the rule, then one table row per parameter."""
        from ..viz._display import markdown_table

        if not self.rows:
            return "no step yet: call `optimizer.step()` first\n"
        table = markdown_table(
            ["parameter", "‖g‖", "‖step‖", "‖step‖/‖w‖", "the element with the largest gradient"],
            [[f"`{row['name']}`", f"{row['grad_norm']:.4g}", f"{row['step_norm']:.4g}",
              f"{row['ratio']:.2e}", row["first"]] for row in self.rows])
        return f"**{self._rule()}**\n\n{table}\n"


def _first(terms) -> str:
    """The element with the largest gradient, in symbols."""
    g_all = terms.get("g")
    at = int(np.argmax(np.abs(g_all))) if isinstance(g_all, np.ndarray) else 0
    pick = {k: (v.flat[at] if isinstance(v, np.ndarray) else v) for k, v in terms.items()}
    g = pick.get("g")
    parts = [] if g is None else [f"g = {g:.4g}"]
    if "m_hat" in terms:
        parts += [f"m̂ = {pick['m_hat']:.4g}", f"v̂ = {pick['v_hat']:.4g}"]
    if "velocity" in terms:
        parts.append(f"v = {pick['velocity']:.4g}")
    if "s" in terms:
        parts.append(f"s = {pick['s']:.4g}")
    if pick.get("step") is not None:
        parts.append(f"step = {pick['step']:.4g}")
    return ", ".join(parts)


def explain_step(optimizer, model=None) -> StepExplanation:
    """For each parameter: the gradient, the optimizer's running quantities and the step the
    last ``optimizer.step()`` took, in the seed's symbols. ``model`` gives parameter names."""
    names = {}
    if model is not None:
        names = {id(p): n for n, p in model.named_parameters()}
    explanation = StepExplanation(_kind(optimizer))
    index = 0
    for group in optimizer.param_groups:
        for p in group["params"]:
            terms = step_terms(optimizer, p)
            name = names.get(id(p), f"param {index}")
            index += 1
            if terms is None or terms.get("step") is None:
                continue
            step_norm = float(np.linalg.norm(terms["step"]))
            weight_norm = float(np.linalg.norm(p._data))
            grad_norm = 0.0 if terms.get("g") is None else float(np.linalg.norm(terms["g"]))
            explanation.rows.append(dict(name=name, terms=terms, grad_norm=grad_norm,
                                         step_norm=step_norm,
                                         ratio=step_norm / weight_norm if weight_norm else 0.0,
                                         first=_first(terms)))
    return explanation
