"""One test case per differentiable op: how to call it, on what inputs.

Each case's ``fn(lib, *inputs)`` is written once and run with ``lib`` = glassnet or torch, so the
same code is checked by finite differences and against PyTorch. ``inputs(rng, shapes)`` draws
float64 values from a seeded generator; shapes come from hypothesis where the op broadcasts.
"""

from __future__ import annotations

from dataclasses import dataclass


def unit(rng, shape):
    return rng.uniform(0.1, 0.9, shape)


def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng, shape):
    """Values with |x| >= 0.2, so finite differences never straddle a kink at 0."""
    x = rng.uniform(0.2, 2.0, shape)
    return x * rng.choice([-1.0, 1.0], shape)


@dataclass
class Case:
    op: str  # the Function class this case exercises
    fn: object  # fn(lib, *tensors) -> tensor
    shapes: tuple = ((2, 3),)  # fixed input shapes (used unless broadcast is set)
    draw: object = normal
    broadcast: int = 0  # >0: hypothesis draws this many mutually broadcastable shapes
    eps: float = 1e-6
    torch: bool = True  # False where PyTorch cannot give the same numbers (random masks)
    constant: tuple = ()  # positions of inputs that need no gradient (weights, targets)
    name: str = ""

    def __post_init__(self):
        self.name = self.name or self.op


def F(lib):  # noqa: N802
    return lib.nn.functional


def _dense(lib, x, k, b):
    from glassnet.ops.fused import Dense  # Keras' layout; compared with PyTorch via linear

    return Dense.apply(x, k, b)


def _dropout(lib, a):
    lib.manual_seed(0)  # the same mask on every call, so finite differences see one function
    return F(lib).dropout(a, p=0.4, training=True)


def _bce_logits(lib, x, y, **options):
    return F(lib).binary_cross_entropy_with_logits(x, y.detach(), **options)


def _no_grad_in_torch(lib, a):
    """PyTorch has no derivative for heaviside (it is 0 almost everywhere); glassnet gives 0."""
    return a.detach() if lib.__name__ == "torch" else a


def _setitem(a, b):
    out = a * 1.0
    out[1] = b * 2.0
    return out


CASES = [
    Case("Add", lambda lib, a, b: a + b, broadcast=2),
    Case("Add", lambda lib, a: 2.5 + a, name="Add-scalar"),
    Case("Sub", lambda lib, a, b: a - b, broadcast=2),
    Case("Sub", lambda lib, a: 1.0 - a, name="Sub-rscalar"),
    Case("Mul", lambda lib, a, b: a * b, broadcast=2),
    Case("Mul", lambda lib, a: a * 3.0, name="Mul-scalar"),
    Case("Div", lambda lib, a, b: a / b, broadcast=2, draw=positive),
    Case("Div", lambda lib, a: 2.0 / a, draw=positive, name="Div-rscalar"),
    Case("Pow", lambda lib, a: a**3, name="Pow-scalar"),
    Case("Pow", lambda lib, a, b: a**b, broadcast=2, draw=positive),
    Case("Pow", lambda lib, a: 2.0**a, name="Pow-scalar-base"),
    Case("Neg", lambda lib, a: -a),
    Case("Exp", lambda lib, a: a.exp()),
    Case("Log", lambda lib, a: a.log(), draw=positive),
    Case("Log1p", lambda lib, a: a.log1p(), draw=positive),
    Case("Sqrt", lambda lib, a: a.sqrt(), draw=positive),
    Case("Abs", lambda lib, a: a.abs(), draw=away_from_zero),
    Case("Clamp", lambda lib, a: a.clamp(min=-0.5, max=0.7), draw=away_from_zero),
    Case("Clamp", lambda lib, a: a.clamp(min=0.1), draw=away_from_zero, name="Clamp-min"),
    Case("Maximum", lambda lib, a, b: lib.maximum(a, b), broadcast=2),
    Case("Minimum", lambda lib, a, b: lib.minimum(a, b), broadcast=2),
    Case("Where", lambda lib, c, a, b: lib.where(c > 0, a, b), broadcast=3),
    Case("Cast", lambda lib, a: (a * 1.5).float().double(), eps=1e-2),
    Case("Clone", lambda lib, a: a.clone() * 2),
    Case("Relu", lambda lib, a: a.relu(), draw=away_from_zero),
    Case("Sigmoid", lambda lib, a: a.sigmoid()),
    Case("Tanh", lambda lib, a: a.tanh()),
    Case("LeakyRelu", lambda lib, a: lib.nn.functional.leaky_relu(a, 0.1),
         draw=away_from_zero),
    Case("Elu", lambda lib, a: lib.nn.functional.elu(a, alpha=0.7), draw=away_from_zero),
    Case("Gelu", lambda lib, a: lib.nn.functional.gelu(a)),
    Case("Gelu", lambda lib, a: lib.nn.functional.gelu(a, approximate="tanh"),
         name="Gelu-tanh"),
    Case("Heaviside", lambda lib, a: _no_grad_in_torch(lib, a).heaviside(lib.zeros_like(a)) * a,
         draw=away_from_zero),
    Case("Softmax", lambda lib, a: a.softmax(dim=1) * lib.arange(3.0).double()),
    Case("Softmax", lambda lib, a: lib.softmax(a, dim=0), name="Softmax-dim0"),
    Case("LogSoftmax", lambda lib, a: a.log_softmax(dim=-1) * lib.arange(3.0).double()),
    Case("Sum", lambda lib, a: a.sum()),
    Case("Sum", lambda lib, a: a.sum(dim=(0, 2), keepdim=True), shapes=((2, 3, 4),),
         name="Sum-dims"),
    Case("Sum", lambda lib, a: a.sum(1), shapes=((2, 3, 4),), name="Sum-dim"),
    Case("Mean", lambda lib, a: a.mean()),
    Case("Mean", lambda lib, a: a.mean(dim=-1), shapes=((2, 3, 4),), name="Mean-dim"),
    Case("Var", lambda lib, a: a.var()),
    Case("Var", lambda lib, a: a.var(dim=1, keepdim=True), shapes=((3, 4),), name="Var-dim"),
    Case("Var", lambda lib, a: a.var(0, unbiased=False), shapes=((3, 4),),
         name="Var-biased"),
    Case("Std", lambda lib, a: a.std()),
    Case("Std", lambda lib, a: a.std(dim=(0, 1)), shapes=((3, 4, 2),), name="Std-dims"),
    Case("Max", lambda lib, a: a.max()),
    Case("Min", lambda lib, a: a.min()),
    Case("MaxDim", lambda lib, a: a.max(dim=1).values, shapes=((3, 4),)),
    Case("MaxDim", lambda lib, a: a.max(0, keepdim=True)[0], shapes=((3, 4),),
         name="MaxDim-keepdim"),
    Case("MinDim", lambda lib, a: a.min(dim=-1).values, shapes=((3, 4),)),
    Case("Matmul", lambda lib, a, b: a @ b, shapes=((3, 4), (4, 2))),
    Case("Matmul", lambda lib, a, b: a @ b, shapes=((4,), (4,)), name="Matmul-dot"),
    Case("Matmul", lambda lib, a, b: a @ b, shapes=((4,), (4, 2)), name="Matmul-vec-mat"),
    Case("Matmul", lambda lib, a, b: lib.matmul(a, b), shapes=((3, 4), (4,)),
         name="Matmul-mat-vec"),
    Case("Matmul", lambda lib, a, b: a @ b, shapes=((2, 1, 3, 4), (5, 4, 2)),
         name="Matmul-batched"),
    Case("Reshape", lambda lib, a: a.reshape(3, 2) * lib.arange(6.0).double().view(3, 2)),
    Case("Reshape", lambda lib, a: a.flatten(1), shapes=((2, 3, 4),), name="Flatten"),
    Case("Transpose", lambda lib, a: a.transpose(0, 2), shapes=((2, 3, 4),)),
    Case("Transpose", lambda lib, a: a.t(), name="Transpose-t"),
    Case("Permute", lambda lib, a: a.permute(2, 0, 1), shapes=((2, 3, 4),)),
    Case("Permute", lambda lib, a: a.T, name="Permute-T"),
    Case("Squeeze", lambda lib, a: a.squeeze(1), shapes=((3, 1, 2),)),
    Case("Squeeze", lambda lib, a: a.squeeze(), shapes=((1, 3, 1),), name="Squeeze-all"),
    Case("Unsqueeze", lambda lib, a: a.unsqueeze(1) * lib.ones(2, 4, 3).double()),
    Case("Expand", lambda lib, a: a.expand(4, 3, 3) * lib.arange(9.0).double().view(3, 3),
         shapes=((3, 1),)),
    Case("Index", lambda lib, a: a[1:, ::2], shapes=((4, 5),), name="Index-basic"),
    Case("Index", lambda lib, a: a[lib.tensor([0, 2, 0, 3])], shapes=((4, 3),),
         name="Index-repeats"),
    Case("Index", lambda lib, a: a[a > 0], name="Index-mask"),
    Case("Index", lambda lib, a: a[lib.arange(3), lib.tensor([1, 0, 1])], shapes=((3, 2),),
         name="Index-pairs"),
    Case("IndexPut", lambda lib, a, b: _setitem(a, b), shapes=((3, 4), (4,))),
    Case("Linear", lambda lib, x, w, b: F(lib).linear(x, w, b), shapes=((4, 3), (2, 3), (2,))),
    Case("Linear", lambda lib, x, w: F(lib).linear(x, w), shapes=((2, 4, 3), (2, 3)),
         name="Linear-3d-nobias"),
    Case("Dense", lambda lib, x, k, b: _dense(lib, x, k, b), shapes=((4, 3), (3, 2), (2,)),
         torch=False),
    Case("Dropout", _dropout, shapes=((3, 4),), torch=False),
    Case("BatchNorm", lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True),
         shapes=((4, 3), (3,), (3,))),
    Case("BatchNorm", lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True),
         shapes=((3, 2, 4), (2,), (2,)), name="BatchNorm-3d"),
    Case("BatchNorm", lambda lib, x, w, b: F(lib).batch_norm(
        x, lib.full((3,), 0.5).double(), lib.full((3,), 2.0).double(), w, b, training=False),
        shapes=((4, 3), (3,), (3,)), name="BatchNorm-eval"),
    Case("LayerNorm", lambda lib, x, w, b: F(lib).layer_norm(x, (4,), w, b),
         shapes=((3, 4), (4,), (4,))),
    Case("LayerNorm", lambda lib, x: F(lib).layer_norm(x, (3, 4)), shapes=((2, 3, 4),),
         name="LayerNorm-2dims"),
    Case("CrossEntropy", lambda lib, x: F(lib).cross_entropy(x, lib.tensor([0, 2, 1, 2])),
         shapes=((4, 3),)),
    Case("CrossEntropy", lambda lib, x, w: F(lib).cross_entropy(
        x, lib.tensor([0, 2, -100, 1]), weight=w.detach(), label_smoothing=0.2),
        shapes=((4, 3), (3,)), draw=positive, name="CrossEntropy-weight-smooth-ignore",
        constant=(1,)),
    Case("CrossEntropy", lambda lib, x, y: F(lib).cross_entropy(
        x, y.detach().softmax(1), reduction="sum", label_smoothing=0.1),
        shapes=((4, 3), (4, 3)), name="CrossEntropy-probabilities", constant=(1,)),
    Case("CrossEntropy", lambda lib, x: F(lib).cross_entropy(
        x, lib.tensor([[0, 1], [2, 2]]), reduction="none"), shapes=((2, 3, 2),),
        name="CrossEntropy-spatial-none"),
    Case("CrossEntropy", lambda lib, x: F(lib).cross_entropy(x, lib.tensor(1)), shapes=((3,),),
         name="CrossEntropy-unbatched"),
    Case("NllLoss", lambda lib, x, w: F(lib).nll_loss(
        x.log_softmax(1), lib.tensor([1, 0, 2]), weight=w.detach()), shapes=((3, 3), (3,)),
        draw=positive, constant=(1,)),
    Case("NllLoss", lambda lib, x: F(lib).nll_loss(x, lib.tensor([1, 0, 2]), reduction="none"),
         shapes=((3, 3),), name="NllLoss-none"),
    Case("MseLoss", lambda lib, x, y: F(lib).mse_loss(x, y), shapes=((3, 4), (3, 4))),
    Case("MseLoss", lambda lib, x, y: F(lib).mse_loss(x, y, reduction="none"),
         shapes=((3, 4), (3, 4)), name="MseLoss-none"),
    Case("L1Loss", lambda lib, x, y: F(lib).l1_loss(x, y, reduction="sum"),
         shapes=((3, 4), (3, 4))),
    Case("HuberLoss", lambda lib, x, y: F(lib).huber_loss(x * 2, y, delta=0.8),
         shapes=((3, 4), (3, 4))),
    Case("BinaryCrossEntropy", lambda lib, p, y: F(lib).binary_cross_entropy(p, y),
         shapes=((3, 4), (3, 4)), draw=unit),
    Case("BinaryCrossEntropy", lambda lib, p, y, w: F(lib).binary_cross_entropy(
        p, y, weight=w.detach(), reduction="sum"), shapes=((3, 4), (3, 4), (4,)), draw=unit,
        name="BinaryCrossEntropy-weight", constant=(2,)),
    Case("BinaryCrossEntropyWithLogits", lambda lib, x, y: _bce_logits(lib, x * 3, y),
         shapes=((3, 4), (3, 4)), draw=unit, constant=(1,)),
    Case("BinaryCrossEntropyWithLogits", lambda lib, x, y, w: _bce_logits(
        lib, x, y, pos_weight=w.detach() * 3, reduction="none"),
        shapes=((3, 4), (3, 4), (4,)), draw=unit, name="BCEWithLogits-pos-weight",
        constant=(1, 2)),
    Case("Cat", lambda lib, a, b: lib.cat([a, b], dim=1), shapes=((2, 3), (2, 4))),
    Case("Stack", lambda lib, a, b: lib.stack([a, b], dim=1), shapes=((2, 3), (2, 3))),
]

# More cases live in their own files, one per kind of op.
from tests.ops.cases_activation import ACTIVATION_CASES  # noqa: E402
from tests.ops.cases_conv import CONV_CASES  # noqa: E402
from tests.ops.cases_linalg import LINALG_CASES  # noqa: E402
from tests.ops.cases_math import MATH_CASES  # noqa: E402
from tests.ops.cases_nn import NN_CASES  # noqa: E402
from tests.ops.cases_pool import POOL_CASES  # noqa: E402
from tests.ops.cases_random import RANDOM_CASES  # noqa: E402
from tests.ops.cases_reduce import REDUCE_CASES  # noqa: E402
from tests.ops.cases_rnn import RNN_CASES  # noqa: E402
from tests.ops.cases_shape import SHAPE_CASES  # noqa: E402

CASES += (CONV_CASES + POOL_CASES + MATH_CASES + ACTIVATION_CASES + SHAPE_CASES + LINALG_CASES
          + REDUCE_CASES + NN_CASES + RNN_CASES)
CASES += RANDOM_CASES
