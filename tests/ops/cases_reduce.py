"""Cases for the reduce ops of PyTorch's everyday API (see cases.py for how a case is run).

The selection ops (sort, topk, kthvalue, median, mode, amax) are differentiable wherever the
selected element is unique; a continuous draw has no ties (with probability 1), and the tie
cases build their ties from copies, which finite differences move together. The product cases
put exact zeros in the input: one zero, two zeros, a zero per row.
"""

from __future__ import annotations

from tests.ops.cases import Case, F, away_from_zero, normal  # noqa: F401


def one_zero(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[1] = 0.0
    return x


def two_zeros(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[0] = x.flat[-1] = 0.0
    return x


def zeros_in_rows(rng, shape):
    """A (3, 5) draw: row 0 has no zero, row 1 one zero (mid-row), row 2 two zeros."""
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    x[1, 2] = 0.0
    x[2, 1] = x[2, 3] = 0.0
    return x


def _then_inplace(lib, a, method, *args):
    out = a * 1.0  # a non-leaf, so the in-place op may run while recording
    return getattr(out, method)(*args)


def _var_mean(lib, a):
    variance, mean = lib.var_mean(a, 1, keepdim=True)
    return variance * mean


def _std_mean(lib, a):
    std, mean = lib.std_mean(a, dim=0, correction=0)
    return std + mean * mean


REDUCE_CASES: list = [
    Case("Prod", lambda lib, a: a.prod()),
    Case("Prod", lambda lib, a: lib.prod(a, 1), shapes=((3, 4),), name="Prod-dim"),
    Case("Prod", lambda lib, a: a.prod(dim=0, keepdim=True), shapes=((3, 4),),
         name="Prod-keepdim"),
    Case("Prod", lambda lib, a: a.prod(), draw=one_zero, name="Prod-one-zero"),
    Case("Prod", lambda lib, a: a.prod(), draw=two_zeros, name="Prod-two-zeros"),
    Case("Prod", lambda lib, a: a.prod(-1), shapes=((3, 5),), draw=zeros_in_rows,
         name="Prod-zeros-in-rows"),
    Case("Cumsum", lambda lib, a: lib.cumsum(a, 1), shapes=((3, 4),)),
    Case("Cumsum", lambda lib, a: a.cumsum(dim=0), shapes=((3, 2, 2),), name="Cumsum-dim0"),
    Case("Cumsum", lambda lib, a: _then_inplace(lib, a, "cumsum_", -1), name="Cumsum-inplace"),
    Case("Cumprod", lambda lib, a: lib.cumprod(a, 1), shapes=((3, 4),)),
    Case("Cumprod", lambda lib, a: a.cumprod(-1), shapes=((3, 5),), draw=zeros_in_rows,
         name="Cumprod-zeros"),
    Case("Cumprod", lambda lib, a: a.cumprod(0), shapes=((4, 2),), draw=one_zero,
         name="Cumprod-dim0-zero"),
    Case("Sort", lambda lib, a: lib.sort(a, dim=1).values, shapes=((3, 4),)),
    Case("Sort", lambda lib, a: a.sort(0, descending=True)[0], shapes=((4, 3),),
         name="Sort-descending"),
    Case("Sort", lambda lib, a: a.msort(), shapes=((4, 2),), name="Sort-msort"),
    Case("Topk", lambda lib, a: lib.topk(a, 2).values, shapes=((3, 5),)),
    Case("Topk", lambda lib, a: a.topk(3, dim=0, largest=False).values, shapes=((4, 2),),
         name="Topk-smallest"),
    Case("Kthvalue", lambda lib, a: lib.kthvalue(a, 2, dim=0).values, shapes=((4, 3),)),
    Case("Kthvalue", lambda lib, a: a.kthvalue(3, keepdim=True).values, shapes=((2, 5),),
         name="Kthvalue-keepdim"),
    Case("Median", lambda lib, a: a.median(), shapes=((2, 3),)),
    Case("Median", lambda lib, a: lib.median(a), shapes=((3, 3),), name="Median-odd"),
    Case("Median", lambda lib, a: lib.cat([a, a[:1]]).median(), shapes=((3,),),
         name="Median-tied"),
    Case("MedianDim", lambda lib, a: lib.median(a, 1).values, shapes=((3, 4),)),
    Case("MedianDim", lambda lib, a: a.median(dim=0, keepdim=True)[0], shapes=((5, 2),),
         name="MedianDim-keepdim"),
    Case("Mode", lambda lib, a: lib.mode(a, 1).values, shapes=((3, 4),)),
    Case("Mode", lambda lib, a: lib.cat([a, a[:, :1]], 1).mode().values, shapes=((3, 4),),
         name="Mode-tied"),
    Case("LogSumExp", lambda lib, a: lib.logsumexp(a, 1), shapes=((3, 4),)),
    Case("LogSumExp", lambda lib, a: (a * 1000).logsumexp((0, 2), keepdim=True),
         shapes=((2, 3, 2),), name="LogSumExp-huge"),
    Case("Amax", lambda lib, a: lib.amax(a, (0, 2)), shapes=((2, 3, 4),)),
    Case("Amax", lambda lib, a: lib.cat([a, a]).amax(0), shapes=((2, 3),), name="Amax-tied"),
    Case("Amin", lambda lib, a: a.amin(1, keepdim=True), shapes=((3, 4),)),
    Case("Amin", lambda lib, a: lib.amin(a), name="Amin-all"),
    Case("Dist", lambda lib, a, b: lib.dist(a, b), broadcast=2),
    Case("Dist", lambda lib, a, b: a.dist(b, 3), shapes=((2, 3), (3,)), name="Dist-p3"),
    Case("Dist", lambda lib, a, b: a.dist(b, p=1), shapes=((2, 3), (2, 3)), name="Dist-p1"),
    Case("Dist", lambda lib, a, b: lib.dist(a, b, float("inf")), shapes=((2, 3), (2, 3)),
         name="Dist-inf"),
    Case("Dist", lambda lib, a, b: lib.dist(a, b, 0.5), shapes=((4,), (4,)), name="Dist-half"),
    Case("VectorNorm", lambda lib, a: lib.norm(a), shapes=((2, 3, 4),), name="VectorNorm-all"),
    Case("VectorNorm", lambda lib, a: a.norm(dim=-1), shapes=((3, 4),), name="VectorNorm-dim"),
    Case("VectorNorm", lambda lib, a: lib.norm(a, p=3, dim=(0, 2), keepdim=True),
         shapes=((2, 3, 4),), name="VectorNorm-p3-keepdim"),
    Case("VectorNorm", lambda lib, a: lib.linalg.vector_norm(a, 1, dim=0), draw=away_from_zero,
         shapes=((3, 4),), name="VectorNorm-p1"),
    Case("VectorNorm", lambda lib, a: lib.linalg.vector_norm(a, 0.5), draw=away_from_zero,
         shapes=((5,),), name="VectorNorm-half"),
    Case("VectorNorm", lambda lib, a: lib.linalg.vector_norm(a, float("inf"), dim=1),
         shapes=((3, 4),), name="VectorNorm-inf"),
    Case("VectorNorm", lambda lib, a: lib.linalg.vector_norm(a, -float("inf"), dim=1),
         shapes=((3, 4),), name="VectorNorm-minus-inf"),
    Case("VectorNorm", lambda lib, a: lib.linalg.norm(a), shapes=((3, 4),),
         name="VectorNorm-linalg.norm"),
    Case("VectorNorm", lambda lib, a, b: lib.cdist(a, b), shapes=((2, 3, 4), (2, 5, 4)),
         name="VectorNorm-cdist"),
    Case("VectorNorm", lambda lib, a, b: lib.cdist(a, b, p=1), shapes=((3, 4), (2, 4)),
         draw=away_from_zero, name="VectorNorm-cdist-p1"),
    Case("Amax", lambda lib, a: lib.linalg.matrix_norm(a, 1), draw=away_from_zero,
         shapes=((2, 3, 4),), name="MatrixNorm-1"),
    Case("Amin", lambda lib, a: lib.linalg.norm(a, -float("inf")), draw=away_from_zero,
         shapes=((3, 4),), name="MatrixNorm-minus-inf"),
    Case("Var", _var_mean, shapes=((3, 4),), name="Var-var_mean"),
    Case("Std", _std_mean, shapes=((3, 4),), name="Std-std_mean"),
]
