"""The in-place forms PyTorch code calls on tensors (``x.exp_()``, ``m.addcmul_(g, g, value=1-b)``,
``x.clamp_min_(0)``...), each ``x.f_(*args)`` being ``x.f(*args)`` written into x.

All go through ``math_functions.inplace``: the result keeps x's dtype (a float result cannot go
into an int tensor, as in PyTorch), and while recording, the op reads x's old values through an
alias, so the graph stays correct, exactly as the trigonometric in-place methods do. The
composite formulas (addcmul, logit, hypot...) live in ``ops/composite_functions.py``.
"""

from __future__ import annotations

import glassnet


def _method(name: str) -> object:
    """``x.name_(*args)``: the out-of-place ``name`` (Tensor method or glassnet function)
    written into x."""

    def method(self, *args, **kwargs):
        function = getattr(type(self), name, None) or _composite(name)
        return glassnet.ops.math_functions.inplace(
            self, f"{name}_", lambda x, *a: function(x, *a, **kwargs), *args)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"In-place ``{name}``: x.{name}_(...) writes x.{name}(...) into x."
    return method


def _composite(name: str):
    return getattr(glassnet.ops.composite_functions, name)


def _composite_method(name: str) -> object:
    def method(self, *args, **kwargs):
        return _composite(name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``glassnet.{name}(x, ...)`` as a method."
    return method


# out-of-place methods that exist on Tensor, and composite functions that become methods too
ELEMENTWISE = ("abs exp log log1p sqrt neg relu sigmoid tanh floor ceil round sign square pow "
               "clip eq ne lt le gt ge heaviside logical_not true_divide").split()
COMPOSITE = ("addcmul addcdiv clamp_min clamp_max logit xlogy hypot deg2rad rad2deg sgn "
             "nan_to_num logical_xor float_power copysign sinc greater greater_equal less "
             "less_equal not_equal absolute").split()
ALIASES = {"multiply_": "mul_", "divide_": "div_", "subtract_": "sub_", "negative_": "neg_"}


class InplaceMethods:
    """``x.exp_()``, ``x.addcmul_(a, b, value=...)`` and the rest (see the module docstring)."""

    __slots__ = ()


for _name in COMPOSITE:
    setattr(InplaceMethods, _name, _composite_method(_name))
for _name in ELEMENTWISE + COMPOSITE:
    setattr(InplaceMethods, f"{_name}_", _method(_name))
for _alias, _target in ALIASES.items():
    setattr(InplaceMethods, _alias, lambda self, *a, _t=_target, **k: getattr(self, _t)(*a, **k))
