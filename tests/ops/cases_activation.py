"""Cases for the activation ops of PyTorch's everyday API (see cases.py for how a case is run).

Piecewise ops draw their inputs away from the kinks, where finite differences straddle two
pieces and no single derivative is right.
"""

from __future__ import annotations

import numpy as np

from tests.ops.cases import Case, F, away_from_zero, normal, unit


def avoiding(*kinks, low=-5.0, high=5.0, gap=0.2):
    """A draw of uniform values in [low, high] pushed at least ``gap`` away from each kink."""

    def draw(rng, shape):
        x = rng.uniform(low, high, shape)
        for kink in kinks:
            near = np.abs(x - kink) < gap
            x = np.where(near, kink + np.where(x >= kink, gap, -gap) * 1.5, x)
        return x

    return draw


def _labels(lib, *values):
    return lib.tensor([float(v) for v in values], dtype=lib.float64)


ACTIVATION_CASES: list = [
    Case("Selu", lambda lib, a: F(lib).selu(a), draw=away_from_zero),
    # PyTorch's CELU and Hardsigmoid gradients use float32 constants (1/α, 1/6) even in
    # float64, so they agree only to ~3e-8; tests/nn/test_activations_more.py compares them
    Case("Celu", lambda lib, a: F(lib).celu(a, alpha=0.7), draw=away_from_zero, torch=False),
    Case("Silu", lambda lib, a: F(lib).silu(a * 3)),
    Case("Mish", lambda lib, a: F(lib).mish(a * 3)),
    Case("Softplus", lambda lib, a: F(lib).softplus(a * 3)),
    # βx crosses the threshold (1.5 with β = 2): both the smooth and the linear part are hit
    Case("Softplus", lambda lib, a: F(lib).softplus(a, beta=2.0, threshold=1.5),
         draw=avoiding(0.75, low=-2, high=2), shapes=((4, 5),), name="Softplus-threshold"),
    Case("Hardtanh", lambda lib, a: F(lib).hardtanh(a, -0.5, 1.5),
         draw=avoiding(-0.5, 1.5, low=-3, high=3), shapes=((4, 5),)),
    Case("Hardtanh", lambda lib, a: F(lib).relu6(a), draw=avoiding(0, 6, low=-3, high=9),
         shapes=((4, 5),), name="Hardtanh-relu6"),
    Case("Hardsigmoid", lambda lib, a: F(lib).hardsigmoid(a), draw=avoiding(-3, 3),
         shapes=((4, 5),), torch=False),
    Case("Hardswish", lambda lib, a: F(lib).hardswish(a), draw=avoiding(-3, 3),
         shapes=((4, 5),)),
    Case("Threshold", lambda lib, a: F(lib).threshold(a, 0.1, 20.0), draw=avoiding(0.1),
         shapes=((4, 5),)),
    Case("Prelu", lambda lib, x, w: F(lib).prelu(x, w), shapes=((2, 3, 4), (3,)),
         draw=away_from_zero),
    Case("Prelu", lambda lib, x, w: F(lib).prelu(x, w), shapes=((2, 3), (1,)),
         draw=away_from_zero, name="Prelu-shared"),
    Case("Div", lambda lib, a: F(lib).softsign(a), name="softsign"),
    Case("SmoothL1Loss", lambda lib, x, y: F(lib).smooth_l1_loss(x * 2, y, beta=0.5),
         shapes=((3, 4), (3, 4))),
    Case("SmoothL1Loss", lambda lib, x, y: F(lib).smooth_l1_loss(x, y, reduction="none",
                                                                 beta=0.0),
         shapes=((3, 4), (3, 4)), name="SmoothL1Loss-beta0"),
    Case("KlDiv", lambda lib, x, t: F(lib).kl_div(x.log_softmax(1), t.softmax(1),
                                                  reduction="batchmean"),
         shapes=((3, 4), (3, 4))),
    Case("KlDiv", lambda lib, x, t: F(lib).kl_div(x, t, reduction="none", log_target=True),
         shapes=((3, 4), (3, 4)), name="KlDiv-log-target"),
    Case("KlDiv", lambda lib, x, t: F(lib).kl_div(x, t, reduction="sum"),
         shapes=((3, 4), (3, 4)), draw=unit, name="KlDiv-sum"),
    # the compositions: normalize, distances and the margin losses built on them
    Case("Div", lambda lib, a: F(lib).normalize(a, dim=1), shapes=((3, 4),), name="normalize"),
    Case("Div", lambda lib, a: F(lib).normalize(a, p=1.0, dim=0), shapes=((3, 4),),
         draw=away_from_zero, name="normalize-p1"),
    Case("Div", lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=1),
         shapes=((3, 4), (3, 4)), name="cosine_similarity"),
    Case("Div", lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=-1),
         shapes=((2, 3, 4), (1, 4)), name="cosine_similarity-broadcast"),
    Case("Sqrt", lambda lib, a, b: F(lib).pairwise_distance(a, b), shapes=((3, 4), (3, 4)),
         name="pairwise_distance"),
    Case("Pow", lambda lib, a, b: F(lib).pairwise_distance(a, b, p=3.0, keepdim=True),
         shapes=((3, 4), (3, 4)), draw=away_from_zero, name="pairwise_distance-p3"),
    Case("Clamp", lambda lib, a, b: F(lib).margin_ranking_loss(
        a, b, _labels(lib, 1, -1, 1, -1, 1), margin=0.1), shapes=((5,), (5,)),
        name="margin_ranking_loss"),
    Case("Div", lambda lib, a, b: F(lib).cosine_embedding_loss(
        a, b, _labels(lib, 1, -1, -1), margin=-0.9, reduction="sum"), shapes=((3, 4), (3, 4)),
        name="cosine_embedding_loss"),
    Case("Sqrt", lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, margin=3.0),
         shapes=((4, 3), (4, 3), (4, 3)), name="triplet_margin_loss"),
    Case("Minimum", lambda lib, a, p, n: F(lib).triplet_margin_loss(
        a, p, n, margin=3.0, swap=True, reduction="none"), shapes=((4, 3), (4, 3), (4, 3)),
        name="triplet_margin_loss-swap"),
]

assert normal  # the default draw, re-exported for cases written later
