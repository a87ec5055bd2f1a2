"""Cases for the shape ops of PyTorch's everyday API (see cases.py for how a case is run).

Ops that return several tensors (split, chunk, unbind) are checked through a weighted sum of
their pieces, so every piece's gradient matters; index tensors are fixed, with repeats, so the
adding-up of gradients at positions read (or written) twice is exercised.
"""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401


def _index(lib, rows):
    return lib.tensor(rows)


def _weighted(lib, pieces):
    """Σ_k (k + 1) · piece_k, each piece flattened: a different weight per piece."""
    return lib.cat([(k + 1.0) * p.reshape(-1) for k, p in enumerate(pieces)])


def _scatter_inplace(lib, a, b):
    out = a * 1.0  # a non-leaf, so the in-place op may run while recording
    return out.scatter_(1, _index(lib, [[0, 2], [1, 0]]), b)


def _masked_fill_inplace(lib, a):
    out = a * 1.0
    return out.masked_fill_(a > 0, 0.5)


SHAPE_CASES: list = [
    Case("Gather", lambda lib, a: lib.gather(a, 1, _index(lib, [[0, 2, 2], [1, 0, 1]])),
         shapes=((2, 3),)),
    Case("Gather", lambda lib, a: a.gather(0, _index(lib, [[1, 0], [1, 1], [0, 1]])),
         shapes=((2, 4),), name="Gather-dim0-smaller-index"),
    Case("ScatterAdd", lambda lib, a, b: lib.scatter_add(a, 1, _index(lib, [[0, 2, 0]]), b),
         shapes=((2, 3), (1, 3))),
    Case("ScatterAdd", lambda lib, a, b: a.scatter_add(0, _index(lib, [[1, 1], [0, 1]]), b),
         shapes=((2, 3), (2, 2)), name="ScatterAdd-repeats-dim0"),
    Case("Scatter", lambda lib, a, b: lib.scatter(a, 1, _index(lib, [[0, 2], [1, 0]]), b),
         shapes=((2, 3), (2, 2))),
    Case("Scatter", lambda lib, a: a.scatter(0, _index(lib, [[1, 0, 1]]), 2.5),
         shapes=((2, 3),), name="Scatter-value"),
    Case("Scatter", _scatter_inplace, shapes=((2, 3), (2, 2)), name="Scatter-inplace"),
    Case("Tril", lambda lib, a: lib.tril(a), shapes=((3, 4),)),
    Case("Tril", lambda lib, a: a.tril(-1), shapes=((2, 3, 3),), name="Tril-batched-below"),
    Case("Triu", lambda lib, a: lib.triu(a, diagonal=1), shapes=((4, 3),)),
    Case("Roll", lambda lib, a: lib.roll(a, 2), shapes=((2, 3),), name="Roll-flat"),
    Case("Roll", lambda lib, a: a.roll((1, -1), (0, 2)), shapes=((2, 3, 4),)),
    Case("Flip", lambda lib, a: lib.flip(a, (0, 2)), shapes=((2, 3, 4),)),
    Case("Flip", lambda lib, a: a.fliplr() * lib.arange(6.0).double().reshape(2, 3),
         name="Flip-lr"),
    Case("Repeat", lambda lib, a: a.repeat(2, 3), shapes=((2, 3),)),
    Case("Repeat", lambda lib, a: a.repeat(2, 1, 2) * lib.arange(24.0).double().reshape(2, 2, 6),
         name="Repeat-new-dim"),
    # compositions of existing ops: Index (views or advanced indexes), Where, Permute, Cat
    Case("Index", lambda lib, a: _weighted(lib, lib.split(a, 2, dim=1)), shapes=((2, 5),),
         name="Index-split"),
    Case("Index", lambda lib, a: _weighted(lib, a.split([1, 3], 0)), shapes=((4, 2),),
         name="Index-split-sizes"),
    Case("Index", lambda lib, a: _weighted(lib, lib.chunk(a, 3, 1)), shapes=((2, 5),),
         name="Index-chunk"),
    Case("Index", lambda lib, a: _weighted(lib, a.unbind(1)), name="Index-unbind"),
    Case("Index", lambda lib, a: lib.narrow(a, 1, -3, 2), shapes=((2, 4),), name="Index-narrow"),
    Case("Index", lambda lib, a: lib.index_select(a, 0, lib.tensor([2, 0, 2])), shapes=((3, 2),),
         name="Index-index_select"),
    Case("Index", lambda lib, a: lib.masked_select(a, a > 0), name="Index-masked_select"),
    Case("Index", lambda lib, a: a.masked_select(lib.tensor([[True, False, True],
                                                             [False, True, True]])),
         shapes=((3,),), name="Index-masked_select-broadcast-input"),
    Case("Index", lambda lib, a: a.repeat_interleave(2, dim=1), name="Index-repeat_interleave"),
    Case("Index", lambda lib, a: lib.repeat_interleave(a, lib.tensor([1, 0, 3]), dim=1),
         name="Index-repeat_interleave-counts"),
    Case("Where", lambda lib, a: a.masked_fill(a > 0, 0.5), name="Where-masked_fill"),
    Case("Where", lambda lib, a, v: lib.masked_fill(a, a < 0, v), shapes=((2, 3), ()),
         name="Where-masked_fill-tensor-value"),
    Case("Where", _masked_fill_inplace, name="Where-masked_fill-inplace"),
    Case("Permute", lambda lib, a: lib.movedim(a, (0, 1), (2, 0)), shapes=((2, 3, 4),),
         name="Permute-movedim"),
    Case("Transpose", lambda lib, a: a.swapaxes(0, -1), shapes=((2, 3, 4),),
         name="Transpose-swapaxes"),
    Case("Cat", lambda lib, a, b: lib.hstack([a, b]), shapes=((3,), (2,)), name="Cat-hstack"),
    Case("Cat", lambda lib, a, b: lib.vstack([a, b]), shapes=((3,), (2, 3)), name="Cat-vstack"),
    Case("Cat", lambda lib, a, b: lib.dstack([a, b]), shapes=((3,), (1, 3)), name="Cat-dstack"),
    Case("Cat", lambda lib, a, b: lib.column_stack([a, b]), shapes=((2,), (2, 2)),
         name="Cat-column_stack"),
]
