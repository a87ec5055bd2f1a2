"""Weight penalties added to the loss: l2(λ) adds λ·Σw², l1(λ) adds λ·Σ|w| (Keras' forms;
note Keras' L2 has no ½)."""

from __future__ import annotations


class Regularizer:
    def __call__(self, weight):
        raise NotImplementedError


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, weight):
        penalty = 0.0
        if self.l1:
            penalty = penalty + self.l1 * weight.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * (weight * weight).sum()
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


def l1(l1: float = 0.01) -> L1L2:  # noqa: E741
    return L1L2(l1=l1)


def l2(l2: float = 0.01) -> L1L2:
    return L1L2(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: E741
    return L1L2(l1=l1, l2=l2)


L1, L2 = l1, l2


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if identifier == "l1":
        return l1()
    if identifier == "l2":
        return l2()
    if isinstance(identifier, dict):
        return L1L2(**identifier)
    raise ValueError(f"unknown regularizer {identifier!r}; use keras.regularizers.l2(0.01) or "
                     f"l1(0.01)")


def serialize(regularizer):
    return None if regularizer is None else regularizer.get_config()
