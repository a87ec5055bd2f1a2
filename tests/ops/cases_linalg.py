"""Cases for the linalg ops of PyTorch's everyday API (see cases.py for how a case is run)."""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401


def _addmm_inplace(lib, c, a, b):
    out = c * 1.0  # a non-leaf, so the in-place op may run while recording
    return out.addmm_(a, b, beta=0.5, alpha=-2.0)


LINALG_CASES: list = [
    Case("Mm", lambda lib, a, b: lib.mm(a, b), shapes=((3, 4), (4, 2))),
    Case("Mm", lambda lib, a, b: a.mm(b.t()), shapes=((3, 4), (2, 4)), name="Mm-transposed"),
    Case("Bmm", lambda lib, a, b: lib.bmm(a, b), shapes=((2, 3, 4), (2, 4, 5))),
    Case("Mv", lambda lib, a, v: lib.mv(a, v), shapes=((3, 4), (4,))),
    Case("Dot", lambda lib, a, b: lib.dot(a, b), shapes=((5,), (5,))),
    Case("Dot", lambda lib, a, b: a.vdot(b), shapes=((4,), (4,)), name="Dot-vdot"),
    Case("Outer", lambda lib, a, b: lib.outer(a, b), shapes=((3,), (4,))),
    Case("Outer", lambda lib, a, b: a.ger(b), shapes=((2,), (3,)), name="Outer-ger"),
    Case("Addmm", lambda lib, c, a, b: lib.addmm(c, a, b), shapes=((3, 2), (3, 4), (4, 2))),
    Case("Addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=-2.0),
         shapes=((2,), (3, 4), (4, 2)), name="Addmm-broadcast-scaled"),
    Case("Addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), shapes=((3, 1), (3, 4), (4, 2)),
         name="Addmm-beta0"),
    Case("Addmm", _addmm_inplace, shapes=((3, 2), (3, 4), (4, 2)), name="Addmm-inplace"),
    Case("Baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=2.0, alpha=0.5),
         shapes=((3, 1), (2, 3, 4), (2, 4, 5))),
    Case("Addmv", lambda lib, c, a, v: lib.addmv(c, a, v, alpha=3.0), shapes=((3,), (3, 4), (4,))),
    Case("Addmv", lambda lib, c, a, v: c.addmv(a, v, beta=-1.0), shapes=((1,), (3, 4), (4,)),
         name="Addmv-broadcast"),
    Case("Cross", lambda lib, a, b: lib.cross(a, b, dim=1), shapes=((4, 3), (4, 3))),
    Case("Cross", lambda lib, a, b: lib.cross(a, b, dim=-1), shapes=((2, 1, 3), (1, 4, 3)),
         name="Cross-broadcast"),
    Case("Cross", lambda lib, a, b: a.cross(b, dim=0), shapes=((3, 2), (3, 1)),
         name="Cross-dim0-broadcast"),
    Case("Einsum", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), shapes=((3, 4), (4, 2))),
    Case("Einsum", lambda lib, a, b, c: lib.einsum("bij,bjk,k->bi", a, b, c),
         shapes=((2, 3, 4), (2, 4, 5), (5,)), name="Einsum-three"),
    Case("Einsum", lambda lib, a: lib.einsum("ii->i", a), shapes=((3, 3),), name="Einsum-diag"),
    Case("Einsum", lambda lib, a: lib.einsum("ii", a), shapes=((3, 3),), name="Einsum-trace"),
    Case("Einsum", lambda lib, a, b: lib.einsum("iij,jk->ki", a, b), shapes=((3, 3, 2), (2, 4)),
         name="Einsum-diag-product"),
    Case("Einsum", lambda lib, a: lib.einsum("ijk->j", a), shapes=((2, 3, 4),),
         name="Einsum-sum"),
    Case("Einsum", lambda lib, a, b: lib.einsum("ij,k->ik", a, b), shapes=((2, 3), (4,)),
         name="Einsum-summed-alone"),
    Case("Einsum", lambda lib, a, b: lib.einsum("...ij,...jk", a, b),
         shapes=((2, 1, 3, 4), (5, 4, 2)), name="Einsum-ellipsis-broadcast"),
    Case("Einsum", lambda lib, a, b: lib.einsum("i...j,j...->...i", a, b),
         shapes=((2, 5, 3), (3, 1)), name="Einsum-ellipsis-middle"),
    Case("Einsum", lambda lib, a, b: lib.einsum("ij,ij->i", a, b), shapes=((1, 3), (4, 3)),
         name="Einsum-size1-broadcast"),
    Case("Einsum", lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [2, 0]),
         shapes=((3, 4), (4, 2)), name="Einsum-sublist"),
    Case("Einsum", lambda lib, a, b: lib.inner(a, b), shapes=((2, 3, 4), (5, 4)),
         name="Einsum-inner"),
]
