"""Cases for the nn ops of PyTorch's everyday API (see cases.py for how a case is run).

The index inputs of the embedding cases are fixed inside ``fn`` (they have no gradient) and
repeat on purpose, so the cases check that repeated indices add up. scale_grad_by_freq is not a
derivative (it rescales one on purpose), so it is checked against PyTorch in
tests/nn/test_nn_more.py.
"""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401

INDICES = [[0, 2, 2, 3], [3, 1, 0, 2]]  # index 2 three times, 1 (the padding row below) once
BAG = [1, 2, 2, 0, 5, 2, 4, 4]
OFFSETS = [0, 3, 3, 5]  # bags [1, 2, 2], [] (empty), [0, 5], [2, 4, 4]


def _embedding(lib, w, **options):
    return F(lib).embedding(lib.tensor(INDICES), w, **options)


def _embedding_padding(lib, w):
    """The padding row is read but gets no gradient (by design, as in PyTorch); masking its
    outputs makes that the true derivative, so finite differences can check the rest."""
    out = _embedding(lib, w, padding_idx=1)
    return out * (lib.tensor(INDICES) != 1).double().unsqueeze(-1)


def _bag(lib, w, **options):
    return F(lib).embedding_bag(lib.tensor(BAG), w, lib.tensor(OFFSETS), **options)


def _alpha_dropout(lib, a):
    lib.manual_seed(0)  # the same mask on every call, so finite differences see one function
    return F(lib).alpha_dropout(a, p=0.3, training=True)


def _dropout1d(lib, a):
    lib.manual_seed(0)
    return F(lib).dropout1d(a, p=0.5, training=True)


def _instance_norm_running(lib, x, w, b):
    mean, var = lib.arange(3.0).double() / 4, lib.ones(3).double() * 1.5
    return F(lib).instance_norm(x, mean, var, w, b, use_input_stats=False)


NN_CASES: list = [
    Case("Embedding", lambda lib, w: _embedding(lib, w), shapes=((4, 3),)),
    Case("Embedding", _embedding_padding, shapes=((4, 3),), name="Embedding-padding"),
    Case("Embedding", lambda lib, w: F(lib).embedding(lib.tensor(3), w), shapes=((4, 3),),
         name="Embedding-scalar-index"),
    Case("EmbeddingBag", lambda lib, w: _bag(lib, w, mode="sum"), shapes=((6, 3),)),
    Case("EmbeddingBag", lambda lib, w: _bag(lib, w, mode="mean", padding_idx=2),
         shapes=((6, 3),), name="EmbeddingBag-mean-padding"),
    Case("EmbeddingBag", lambda lib, w: _bag(lib, w, mode="max"), shapes=((6, 3),),
         name="EmbeddingBag-max"),
    Case("EmbeddingBag", lambda lib, w: F(lib).embedding_bag(
        lib.tensor([[1, 2, 2], [4, 0, 4]]), w, mode="max", padding_idx=4), shapes=((6, 3),),
        name="EmbeddingBag-max-2d-padding"),
    Case("EmbeddingBag", lambda lib, w, s: _bag(lib, w, mode="sum", per_sample_weights=s),
         shapes=((6, 3), (8,)), name="EmbeddingBag-per-sample-weights"),
    Case("GroupNorm", lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b),
         shapes=((2, 4, 3), (4,), (4,))),
    Case("GroupNorm", lambda lib, x: F(lib).group_norm(x, 3, eps=1e-3),
         shapes=((2, 6, 2, 3),), name="GroupNorm-2d-no-affine"),
    Case("GroupNorm", lambda lib, x, w, b: F(lib).instance_norm(x, weight=w, bias=b),
         shapes=((2, 3, 2, 3), (3,), (3,)), name="GroupNorm-instance-norm"),
    Case("BatchNorm", _instance_norm_running, shapes=((2, 3, 2, 2), (3,), (3,)),
         name="BatchNorm-instance-norm-running-stats"),
    Case("Bilinear", lambda lib, x1, x2, w, b: F(lib).bilinear(x1, x2, w, b),
         shapes=((2, 3), (2, 4), (5, 3, 4), (5,))),
    Case("Bilinear", lambda lib, x1, x2, w: F(lib).bilinear(x1, x2, w),
         shapes=((2, 2, 3), (2, 2, 2), (4, 3, 2)), name="Bilinear-leading-dims-no-bias"),
    Case("AlphaDropout", _alpha_dropout, torch=False),
    Case("Dropout", _dropout1d, shapes=((2, 3, 4),), torch=False, name="Dropout-1d"),
]
