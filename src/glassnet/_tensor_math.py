"""Tensor's everyday math methods: ``x.sin()`` is ``glassnet.sin(x)``, ``x.sin_()`` the same
written into x (as PyTorch, an in-place op keeps x's dtype: an int tensor cannot take ``sin_``).

``Tensor`` inherits ``MathMethods``; the functions live in ``glassnet/ops/math_functions.py``
and the ops with their derivatives in ``glassnet/ops/math.py``. The package is looked up when a
method runs, because this class must exist before ``Tensor`` (and so before the ops) does.
"""

from __future__ import annotations

import glassnet


def _ops():
    return glassnet.ops.math_functions


class MathMethods:
    """Trigonometric, hyperbolic, exp/log, erf, rounding, lerp/remainder/fmod/fmax/fmin/atan2."""

    __slots__ = ()

    def sin(self):
        return _ops().sin(self)

    def sin_(self):
        return _ops().inplace(self, "sin_", _ops().sin)

    def cos(self):
        return _ops().cos(self)

    def cos_(self):
        return _ops().inplace(self, "cos_", _ops().cos)

    def tan(self):
        return _ops().tan(self)

    def tan_(self):
        return _ops().inplace(self, "tan_", _ops().tan)

    def asin(self):
        return _ops().asin(self)

    def asin_(self):
        return _ops().inplace(self, "asin_", _ops().asin)

    def acos(self):
        return _ops().acos(self)

    def acos_(self):
        return _ops().inplace(self, "acos_", _ops().acos)

    def atan(self):
        return _ops().atan(self)

    def atan_(self):
        return _ops().inplace(self, "atan_", _ops().atan)

    def atan2(self, other):
        return _ops().atan2(self, other)

    def atan2_(self, other):
        return _ops().inplace(self, "atan2_", _ops().atan2, other)

    def sinh(self):
        return _ops().sinh(self)

    def sinh_(self):
        return _ops().inplace(self, "sinh_", _ops().sinh)

    def cosh(self):
        return _ops().cosh(self)

    def cosh_(self):
        return _ops().inplace(self, "cosh_", _ops().cosh)

    def asinh(self):
        return _ops().asinh(self)

    def asinh_(self):
        return _ops().inplace(self, "asinh_", _ops().asinh)

    def acosh(self):
        return _ops().acosh(self)

    def acosh_(self):
        return _ops().inplace(self, "acosh_", _ops().acosh)

    def atanh(self):
        return _ops().atanh(self)

    def atanh_(self):
        return _ops().inplace(self, "atanh_", _ops().atanh)

    arcsin, arcsin_, arccos, arccos_ = asin, asin_, acos, acos_
    arctan, arctan_, arctan2, arctan2_ = atan, atan_, atan2, atan2_
    arcsinh, arcsinh_, arccosh, arccosh_ = asinh, asinh_, acosh, acosh_
    arctanh, arctanh_ = atanh, atanh_

    def exp2(self):
        return _ops().exp2(self)

    def exp2_(self):
        return _ops().inplace(self, "exp2_", _ops().exp2)

    def expm1(self):
        return _ops().expm1(self)

    def expm1_(self):
        return _ops().inplace(self, "expm1_", _ops().expm1)

    def log2(self):
        return _ops().log2(self)

    def log2_(self):
        return _ops().inplace(self, "log2_", _ops().log2)

    def log10(self):
        return _ops().log10(self)

    def log10_(self):
        return _ops().inplace(self, "log10_", _ops().log10)

    def rsqrt(self):
        return _ops().rsqrt(self)

    def rsqrt_(self):
        return _ops().inplace(self, "rsqrt_", _ops().rsqrt)

    def reciprocal(self):
        return _ops().reciprocal(self)

    def reciprocal_(self):
        return _ops().inplace(self, "reciprocal_", _ops().reciprocal)

    def erf(self):
        return _ops().erf(self)

    def erf_(self):
        return _ops().inplace(self, "erf_", _ops().erf)

    def erfc(self):
        return _ops().erfc(self)

    def erfc_(self):
        return _ops().inplace(self, "erfc_", _ops().erfc)

    def trunc(self):
        return _ops().trunc(self)

    def trunc_(self):
        return _ops().inplace(self, "trunc_", _ops().trunc)

    fix, fix_ = trunc, trunc_

    def frac(self):
        return _ops().frac(self)

    def frac_(self):
        return _ops().inplace(self, "frac_", _ops().frac)

    def lerp(self, end, weight):
        return _ops().lerp(self, end, weight)

    def lerp_(self, end, weight):
        return _ops().inplace(self, "lerp_", _ops().lerp, end, weight)

    def remainder(self, other):
        return _ops().remainder(self, other)

    def remainder_(self, other):
        return _ops().inplace(self, "remainder_", _ops().remainder, other)

    def fmod(self, other):
        return _ops().fmod(self, other)

    def fmod_(self, other):
        return _ops().inplace(self, "fmod_", _ops().fmod, other)

    def floor_divide(self, other):
        return _ops().floor_divide(self, other)

    def floor_divide_(self, other):
        return _ops().inplace(self, "floor_divide_", _ops().floor_divide, other)

    def fmax(self, other):
        return _ops().fmax(self, other)

    def fmin(self, other):
        return _ops().fmin(self, other)

    # the operators: % is remainder and // is floor_divide, as in PyTorch (and Python)
    def __mod__(self, other):
        return _ops().remainder(self, other)

    def __rmod__(self, other):
        return _ops().remainder(other, self)

    def __imod__(self, other):
        return self.remainder_(other)

    def __floordiv__(self, other):
        return _ops().floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops().floor_divide(other, self)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)
