"""Keras' variable methods on a layer's weights: ``assign``, ``assign_add``, ``assign_sub`` and
``value``, so layers written for Keras 3 (``self.total.assign_add(ops.sum(x, axis=0))``) and the
torch-backend guides' ``v.value.grad`` run unchanged.

A weight stays a glassnet tensor (a ``Parameter`` when trainable, so optimizers and
``state_dict`` see it as before); these classes only add the methods.
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..nn import Parameter
from ..tensor import Tensor


def _values(value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.detach().numpy()
    return np.asarray(value)


class _Assignable:
    """The methods of ``keras.Variable`` that write a weight in place (outside autograd, as
    Keras' assignments are not differentiated)."""

    __slots__ = ()

    def assign(self, value):
        """weight ← value (broadcast to the weight's shape, cast to its dtype)."""
        with no_grad():
            self.copy_(_values(value))
        return self

    def assign_add(self, value):
        """weight ← weight + value."""
        return self.assign(self.detach().numpy() + _values(value))

    def assign_sub(self, value):
        """weight ← weight - value."""
        return self.assign(self.detach().numpy() - _values(value))

    @property
    def value(self):
        """The weight itself (Keras' torch backend gives the torch parameter here, whose
        ``.grad`` a custom train_step reads)."""
        return self


class TrainableWeight(_Assignable, Parameter):
    """A trainable layer weight: a Parameter with Keras' assign methods."""

    __slots__ = ()


class NonTrainableWeight(_Assignable, Tensor):
    """A non-trainable layer weight (a buffer): a Tensor with Keras' assign methods."""

    __slots__ = ()
