"""Cases for the random draws (see cases.py for how a case is run).

A draw's derivative is zero in PyTorch (``normal(mean, std)`` sends nothing back to ``mean``),
and finite differences cannot see that through fresh noise. So each case subtracts the same
draw (same seed) made from detached inputs: the value is 0 in both libraries, the finite
difference is 0, and any gradient left is the draw's own, which must be PyTorch's zero (a
reparameterised backward would give 1 for ``mean`` and fail).
"""

from __future__ import annotations

from tests.ops.cases import Case, positive, unit


def _draw_minus_same_draw(lib, draw, *inputs):
    lib.manual_seed(0)
    first = draw(*inputs)
    lib.manual_seed(0)
    return first - draw(*(x.detach() for x in inputs))


RANDOM_CASES = [
    Case("Normal", lambda lib, m, s: _draw_minus_same_draw(lib, lib.normal, m, s),
         shapes=((2, 3), (2, 3)), draw=positive),
    Case("NormalTensorFloat", lambda lib, m: _draw_minus_same_draw(
        lib, lambda x: lib.normal(x, 2.0), m)),
    Case("NormalFloatTensor", lambda lib, s: _draw_minus_same_draw(
        lib, lambda x: lib.normal(1.0, x), s), draw=positive),
    Case("Bernoulli", lambda lib, p: _draw_minus_same_draw(lib, lib.bernoulli, p), draw=unit),
    Case("Poisson", lambda lib, r: _draw_minus_same_draw(lib, lib.poisson, r), draw=positive),
    Case("Refill", lambda lib, a: _draw_minus_same_draw(
        lib, lambda x: (x * 2).uniform_(-1, 1), a) + a, name="Refill-uniform_"),
]
