"""Cases for the math ops of PyTorch's everyday API (see cases.py for how a case is run).

Each draw keeps inputs inside the function's domain (asin needs |x| < 1, acosh x > 1, ...);
the piecewise ops (trunc, frac, remainder, fmod, fmax, fmin) jump or switch only on a set of
measure zero, which a continuous draw straddles with probability ~1e-6 per element.
"""

from __future__ import annotations

from tests.ops.cases import Case, F, away_from_zero, normal, positive  # noqa: F401


def inside_unit(rng, shape):
    """|x| < 0.9: inside the domain of asin, acos, atanh and away from their poles at ±1."""
    return rng.uniform(-0.9, 0.9, shape)


def above_one(rng, shape):
    """x > 1.2: the domain of acosh, away from its pole at 1."""
    return rng.uniform(1.2, 3.0, shape)


def moderate(rng, shape):
    """|x| < 1.2: tan stays away from its poles at ±π/2."""
    return rng.uniform(-1.2, 1.2, shape)


def spread(rng, shape):
    """Values over several integers, both signs, for the rounding ops."""
    return rng.uniform(-4.0, 4.0, shape)


def _then_inplace(lib, a, method):
    out = a * 1.0  # a non-leaf, so the in-place op may run while recording
    return getattr(out, method)()


MATH_CASES: list = [
    Case("Sin", lambda lib, a: lib.sin(a)),
    Case("Sin", lambda lib, a: _then_inplace(lib, a, "sin_"), name="Sin-inplace"),
    Case("Cos", lambda lib, a: a.cos()),
    Case("Tan", lambda lib, a: lib.tan(a), draw=moderate),
    Case("Asin", lambda lib, a: lib.asin(a), draw=inside_unit),
    Case("Asin", lambda lib, a: a.arcsin(), draw=inside_unit, name="Asin-arcsin"),
    Case("Acos", lambda lib, a: lib.arccos(a), draw=inside_unit),
    Case("Atan", lambda lib, a: a.atan()),
    Case("Atan2", lambda lib, a, b: lib.atan2(a, b), broadcast=2),
    Case("Atan2", lambda lib, a, b: a.arctan2(b), shapes=((2, 3), (3,)), name="Atan2-arctan2"),
    Case("Sinh", lambda lib, a: lib.sinh(a)),
    Case("Cosh", lambda lib, a: a.cosh()),
    Case("Asinh", lambda lib, a: lib.asinh(a)),
    Case("Acosh", lambda lib, a: a.acosh(), draw=above_one),
    Case("Atanh", lambda lib, a: lib.atanh(a), draw=inside_unit),
    Case("Atanh", lambda lib, a: _then_inplace(lib, a, "arctanh_"), draw=inside_unit,
         name="Atanh-inplace", torch=False),  # PyTorch has no derivative for atanh_ (it raises)
    Case("Asin", lambda lib, a: _then_inplace(lib, a, "arcsin_"), draw=inside_unit,
         name="Asin-inplace"),
    Case("Exp2", lambda lib, a: lib.exp2(a)),
    Case("Expm1", lambda lib, a: a.expm1()),
    Case("Log2", lambda lib, a: lib.log2(a), draw=positive),
    Case("Log10", lambda lib, a: a.log10(), draw=positive),
    Case("Rsqrt", lambda lib, a: lib.rsqrt(a), draw=positive),
    Case("Reciprocal", lambda lib, a: a.reciprocal(), draw=away_from_zero),
    Case("Reciprocal", lambda lib, a: _then_inplace(lib, a, "reciprocal_"), draw=away_from_zero,
         name="Reciprocal-inplace"),
    Case("Erf", lambda lib, a: lib.erf(a)),
    Case("Erfc", lambda lib, a: a.erfc()),
    Case("Trunc", lambda lib, a: lib.trunc(a) * a, draw=spread),
    Case("Trunc", lambda lib, a: a.fix() + a, draw=spread, name="Trunc-fix"),
    Case("Frac", lambda lib, a: lib.frac(a) * a, draw=spread),
    Case("Frac", lambda lib, a: _then_inplace(lib, a, "frac_"), draw=spread, name="Frac-inplace"),
    Case("Lerp", lambda lib, a, b, w: lib.lerp(a, b, w), broadcast=3),
    Case("Lerp", lambda lib, a, b: a.lerp(b, 0.3), shapes=((2, 3), (2, 3)), name="Lerp-scalar"),
    Case("Lerp", lambda lib, a, b: lib.lerp(a, b, 0.8), shapes=((2, 3), (3,)),
         name="Lerp-scalar-far"),
    Case("Remainder", lambda lib, a, b: lib.remainder(a * 3, b), broadcast=2,
         draw=away_from_zero),
    Case("Remainder", lambda lib, a: a % 0.7, name="Remainder-operator"),
    Case("Remainder", lambda lib, a: 2.5 % a, draw=away_from_zero, name="Remainder-rscalar",
         torch=False),  # PyTorch raises: no derivative for remainder(number, tensor)
    Case("Fmod", lambda lib, a, b: lib.fmod(a * 3, b), broadcast=2, draw=away_from_zero),
    Case("Fmod", lambda lib, a: a.fmod(-0.7), name="Fmod-scalar"),
    Case("Fmax", lambda lib, a, b: lib.fmax(a, b), broadcast=2),
    Case("Fmin", lambda lib, a, b: a.fmin(b), broadcast=2),
]
