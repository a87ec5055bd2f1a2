"""keras.ops on glassnet: every op against Keras 3's own ``keras.ops`` (torch backend) on the same
NumPy inputs (values and dtypes), gradients through glassnet against torch autograd through Keras,
the promised errors, and a custom loss written with ``ops`` that trains."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet
from glassnet import keras
from glassnet.errors import ShapeError
from glassnet.keras import ops

REQUIRED = """add subtract multiply divide true_divide power negative mean sum max min prod abs
square sqrt exp log log1p expm1 clip where cast convert_to_tensor convert_to_numpy argmax argmin
equal not_equal greater greater_equal less less_equal logical_and logical_or logical_not matmul
dot reshape transpose expand_dims squeeze concatenate stack ones zeros ones_like zeros_like full
eye arange linspace shape softmax log_softmax sigmoid relu tanh one_hot take take_along_axis
top_k sort argsort cumsum std var norm maximum minimum round floor ceil sign sin cos tile repeat
split flip einsum""".split()


@pytest.fixture(scope="module")
def keras_reference():
    """Keras 3 on its torch backend, the oracle; the tests that need it skip without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


@pytest.fixture(scope="module")
def reference(keras_reference):
    """Keras 3's ``keras.ops``."""
    return keras_reference.ops


rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4)).astype(np.float32)
B = rng.standard_normal((3, 4)).astype(np.float32)
POS = (np.abs(A) + 0.5).astype(np.float32)
C = rng.standard_normal((4, 5)).astype(np.float32)
T3 = rng.standard_normal((2, 3, 4)).astype(np.float32)
INTS = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.int32)
LABELS = np.array([0, 2, 1, 2], dtype=np.int32)
SMALL = np.array([[0.1, -0.2], [0.3, 1e-4]], dtype=np.float32)
HALVES = np.array([0.5, 1.5, 2.5, -0.5, 1.25], dtype=np.float32)
MASK = A > 0

# (name, args, kwargs): each is run through glassnet's ops and Keras' ops.
CASES = [
    ("add", (A, B), {}), ("add", (A, 2.5), {}), ("add", (INTS, 2.5), {}),
    ("subtract", (A, B[0]), {}), ("subtract", (1.0, A), {}),
    ("multiply", (A, B), {}), ("multiply", (INTS, 2), {}),
    ("divide", (A, POS), {}), ("divide", (INTS, 2), {}), ("true_divide", (A, POS), {}),
    ("power", (POS, 2.0), {}), ("power", (POS, B), {}), ("negative", (A,), {}),
    ("mean", (A,), {}), ("mean", (T3,), {"axis": (0, 2), "keepdims": True}),
    ("mean", (INTS,), {"axis": 1}),
    ("sum", (A,), {"axis": 0}), ("sum", (T3,), {"axis": -1, "keepdims": True}),
    ("max", (A,), {}), ("max", (T3,), {"axis": (1, 2)}), ("max", (A,), {"initial": 0.5}),
    ("min", (A,), {"axis": 1, "keepdims": True}), ("min", (A,), {"initial": -0.5}),
    ("sum", (INTS,), {}), ("sum", (MASK,), {"axis": 1}), ("prod", (INTS,), {"axis": 0}),
    ("prod", (A,), {"axis": 1}), ("prod", (T3,), {"axis": (0, 2)}), ("prod", (A,), {}),
    ("abs", (A,), {}), ("square", (A,), {}), ("sqrt", (POS,), {}), ("sqrt", (INTS,), {}),
    ("exp", (A,), {}), ("log", (POS,), {}), ("log1p", (SMALL,), {}), ("expm1", (SMALL,), {}),
    ("clip", (A, -0.5, 0.5), {}),
    ("where", (MASK, A, B), {}), ("where", (MASK, A, 0.0), {}), ("where", (MASK,), {}),
    ("cast", (A, "int32"), {}), ("cast", (INTS, "float32"), {}),
    ("convert_to_tensor", ([1.0, 2.0],), {}), ("convert_to_tensor", ([1, 2],), {}),
    ("convert_to_tensor", (3,), {}), ("convert_to_tensor", (A.astype(np.float64),), {}),
    ("convert_to_tensor", (INTS,), {"dtype": "float32"}),
    ("argmax", (A,), {}), ("argmax", (A,), {"axis": 1}), ("argmin", (T3,), {"axis": 0}),
    ("argmin", (A,), {"axis": -1, "keepdims": True}),
    ("equal", (INTS, 2), {}), ("not_equal", (A, B), {}), ("greater", (A, B), {}),
    ("greater_equal", (A, 0.0), {}), ("less", (A, B), {}), ("less_equal", (INTS, 3), {}),
    ("logical_and", (MASK, B > 0), {}), ("logical_or", (MASK, B > 0), {}),
    ("logical_not", (MASK,), {}),
    ("matmul", (A, C), {}), ("matmul", (T3, C), {}), ("dot", (A, C), {}),
    ("dot", (A[0], B[0]), {}), ("dot", (A, 2.0), {}),
    ("reshape", (A, (2, -1)), {}), ("reshape", (A, -1), {}),
    ("transpose", (T3,), {}), ("transpose", (T3, (1, 0, 2)), {}),
    ("expand_dims", (A, 1), {}), ("expand_dims", (A, -1), {}), ("expand_dims", (A, (0, 3)), {}),
    ("squeeze", (A[:, None, :, None],), {}), ("squeeze", (A[:, None, :, None],), {"axis": 1}),
    ("concatenate", ([A, B],), {"axis": 1}), ("concatenate", ([A, B],), {}),
    ("stack", ([A, B],), {}), ("stack", ([A, B],), {"axis": -1}),
    ("ones", ((2, 3),), {}), ("ones", (3,), {"dtype": "int32"}), ("zeros", ((2, 3),), {}),
    ("ones_like", (INTS,), {}), ("zeros_like", (A,), {"dtype": "int32"}),
    ("full", ((2, 2), 3), {}), ("full", ((2,), 7), {"dtype": "int32"}),
    ("eye", (3,), {}), ("eye", (3, 4), {"k": 1}),
    ("arange", (5,), {}), ("arange", (1, 7, 2), {}), ("arange", (0, 1, 0.25), {}),
    ("arange", (4,), {"dtype": "float32"}),
    ("linspace", (0, 1, 5), {}), ("linspace", (0.0, 1.0), {"num": 4, "endpoint": False}),
    ("softmax", (A,), {}), ("softmax", (A,), {"axis": 0}), ("log_softmax", (A,), {}),
    ("sigmoid", (A,), {}), ("relu", (A,), {}), ("tanh", (A,), {}),
    ("one_hot", (LABELS, 3), {}), ("one_hot", (LABELS, 3), {"axis": 0}),
    ("one_hot", (np.array([1, -1, 0]), 3), {}), ("one_hot", (LABELS, 3), {"dtype": "int32"}),
    ("take", (A, np.array([0, 2])), {"axis": 0}), ("take", (A, np.array([[1, 3], [0, -1]])),
                                                        {"axis": 1}),
    ("take", (A, np.array([5, 0])), {}),
    ("take_along_axis", (A, np.argsort(A, axis=1)), {"axis": 1}),
    ("take_along_axis", (A, np.array([[0, 1, 2, 0]])), {"axis": 0}),
    ("top_k", (A, 2), {}), ("sort", (A,), {}), ("sort", (A,), {"axis": 0}),
    ("argsort", (A,), {}), ("argsort", (T3,), {"axis": 1}),
    ("cumsum", (A,), {"axis": 1}), ("cumsum", (A,), {}), ("cumsum", (INTS,), {"axis": 0}),
    ("std", (A,), {}), ("std", (A,), {"axis": 1, "keepdims": True}), ("var", (T3,), {"axis": 0}),
    ("norm", (A,), {}), ("norm", (A[0],), {}), ("norm", (A,), {"axis": 1}),
    ("norm", (A,), {"ord": 1}), ("norm", (A,), {"ord": np.inf}), ("norm", (A,), {"ord": "fro"}),
    ("norm", (A,), {"axis": 1, "ord": 1}), ("norm", (A[0],), {"ord": 3}),
    ("norm", (A[0],), {"ord": -np.inf}), ("norm", (T3,), {"axis": (1, 2), "keepdims": True}),
    ("maximum", (A, B), {}), ("maximum", (A, 0.0), {}), ("minimum", (A, B), {}),
    ("maximum", (INTS, 2.5), {}), ("minimum", (1, INTS), {}), ("where", (INTS > 2, INTS, 0.5), {}),
    ("round", (HALVES,), {}), ("round", (A,), {"decimals": 2}),
    ("floor", (A,), {}), ("ceil", (A,), {}), ("sign", (A,), {}), ("sin", (A,), {}),
    ("cos", (A,), {}),
    ("tile", (A, 2), {}), ("tile", (A, (2, 1)), {}), ("tile", (A[0], (2, 1, 2)), {}),
    ("repeat", (A, 2), {}), ("repeat", (A, 2), {"axis": 1}), ("repeat", (A, np.array([1, 0, 2])),
                                                                   {"axis": 0}),
    ("split", (A, 2), {"axis": 1}), ("split", (np.arange(6.0), [2, 3]), {}),
    ("flip", (A,), {}), ("flip", (T3,), {"axis": 1}),
    ("einsum", ("ij,jk->ik", A, C), {}), ("einsum", ("bij->bj", T3), {}),
    ("shape", (T3,), {}), ("convert_to_numpy", (A,), {}), ("full_like", (A, 2.0), {}),
    # more elementwise functions
    ("tan", (SMALL,), {}), ("sinh", (A,), {}), ("cosh", (A,), {}), ("arcsin", (SMALL,), {}),
    ("arccos", (SMALL,), {}), ("arctan", (A,), {}), ("arcsinh", (A,), {}),
    ("arccosh", (POS + 1,), {}), ("arctanh", (SMALL,), {}), ("log2", (POS,), {}),
    ("log10", (POS,), {}), ("reciprocal", (POS,), {}), ("erf", (A,), {}), ("trunc", (A,), {}),
    ("absolute", (A,), {}), ("rsqrt", (POS,), {}), ("arctan2", (A, B), {}),
    ("hypot", (A, B), {}), ("logaddexp", (A, B), {}), ("mod", (A, POS), {}),
    ("mod", (INTS, 2), {}), ("floor_divide", (A, POS), {}), ("floor_divide", (INTS, 2), {}),
    ("logical_xor", (MASK, B > 0), {}), ("isnan", (np.array([1.0, np.nan]),), {}),
    ("isinf", (np.array([1.0, np.inf]),), {}), ("isfinite", (np.array([np.nan, 2.0]),), {}),
    ("nan_to_num", (np.array([np.nan, np.inf, -np.inf, 1.0], np.float32),), {}),
    ("nan_to_num", (np.array([np.nan, 1.0], np.float32),), {"nan": 5.0}),
    ("isclose", (A, A + 1e-7), {}), ("isclose", (A, B), {"atol": 1.0}),
    # more reductions
    ("all", (MASK,), {}), ("all", (INTS,), {"axis": 1}), ("any", (MASK,), {"axis": 0}),
    ("any", (A > 5,), {"keepdims": True}), ("amax", (A,), {"axis": 1}), ("amin", (T3,), {}),
    ("logsumexp", (A,), {}), ("logsumexp", (T3,), {"axis": (0, 2), "keepdims": True}),
    ("average", (A,), {"axis": 1}), ("average", (A,), {"axis": 1, "weights": POS}),
    ("average", (A,), {"axis": 1, "weights": np.array([1.0, 2.0, 3.0, 4.0], np.float32)}),
    ("count_nonzero", (INTS,), {}), ("count_nonzero", (MASK,), {"axis": 1}),
    ("cumprod", (A,), {"axis": 1}), ("cumprod", (INTS,), {}),
    ("median", (A,), {}), ("median", (T3,), {"axis": 1}), ("median", (A,), {"axis": 0,
                                                                           "keepdims": True}),
    # more arrays
    ("ravel", (T3,), {}), ("size", (T3,), {}), ("ndim", (T3,), {}),
    ("swapaxes", (T3, 0, 2), {}), ("moveaxis", (T3, 0, -1), {}), ("roll", (A, 1), {}),
    ("roll", (A, -1), {"axis": 1}), ("broadcast_to", (A[0], (2, 4)), {}),
    ("tril", (A,), {}), ("triu", (A,), {"k": 1}), ("diag", (A[0],), {}), ("diag", (A,), {"k": 1}),
    ("diagonal", (T3,), {"offset": 1, "axis1": 1, "axis2": 2}), ("trace", (A,), {}),
    ("vstack", ([A, B],), {}), ("hstack", ([A, B],), {}),
    ("meshgrid", (np.arange(3.0), np.arange(2.0)), {}),
    ("meshgrid", (np.arange(3.0), np.arange(2.0)), {"indexing": "ij"}),
    ("diff", (A,), {}), ("diff", (A,), {"n": 2, "axis": 0}), ("nonzero", (INTS,), {}),
    ("copy", (A,), {}), ("identity", (3,), {}), ("tri", (3,), {}), ("tri", (3, 4), {"k": -1}),
    ("logspace", (0, 2, 3), {}),
    # more nn: activations, losses per sample, statistics
    ("softplus", (A,), {}), ("softsign", (A,), {}), ("silu", (A,), {}), ("swish", (A,), {}),
    ("gelu", (A,), {}), ("gelu", (A,), {"approximate": False}), ("elu", (A,), {"alpha": 0.5}),
    ("selu", (A,), {}), ("leaky_relu", (A,), {}), ("leaky_relu", (A,), {"negative_slope": 0.1}),
    ("relu6", (A * 5,), {}), ("hard_sigmoid", (A * 3,), {}), ("hard_silu", (A * 3,), {}),
    ("log_sigmoid", (A,), {}),
    ("binary_crossentropy", ((B > 0).astype(np.float32), POS / 3), {}),
    ("binary_crossentropy", ((B > 0).astype(np.float32), A), {"from_logits": True}),
    ("categorical_crossentropy", (np.eye(4, dtype=np.float32)[[0, 2, 1]], POS), {}),
    ("categorical_crossentropy", (np.eye(4, dtype=np.float32)[[0, 2, 1]], A),
     {"from_logits": True}),
    ("sparse_categorical_crossentropy", (np.array([0, 3, 1]), A), {"from_logits": True}),
    ("sparse_categorical_crossentropy", (np.array([0, 3, 1]), POS), {}),
    ("moments", (T3, (0, 2)), {}), ("moments", (A, 1), {"keepdims": True}),
    ("normalize", (A,), {}), ("normalize", (A,), {"axis": 0, "order": 1}),
    # control and updates
    ("slice", (A, (1, 0), (2, 3)), {}),
    ("slice_update", (A, (1, 1), B[:2, :2]), {}),
    ("scatter", (np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], np.float32),
                 (3, 4)), {}),
    ("scatter_update", (A, np.array([[0, 0], [2, 3]]), np.array([9.0, 8.0], np.float32)), {}),
]


def _values(result):
    """A comparable view of an op's result: (dtype name, array) per tensor, recursively."""
    if isinstance(result, (tuple, list)) and not (result and isinstance(result[0], int)):
        return [_values(item) for item in result]
    if isinstance(result, glassnet.Tensor):
        return result.dtype.name, result.detach().numpy()
    if hasattr(result, "detach"):  # a torch tensor from Keras
        return str(result.dtype).split(".")[-1], result.detach().cpu().numpy()
    if isinstance(result, np.ndarray):
        return str(result.dtype), result
    return type(result).__name__, result


def _assert_same(ours, theirs, where):
    if isinstance(ours, list):
        if isinstance(theirs, tuple):  # one stacked torch tensor: where(condition)'s indices
            theirs = [(theirs[0], row) for row in theirs[1]]
        assert isinstance(theirs, list) and len(ours) == len(theirs), where
        for a, b in zip(ours, theirs):
            _assert_same(a, b, where)
        return
    (our_dtype, our_value), (their_dtype, their_value) = ours, theirs
    assert our_dtype == their_dtype, f"{where}: dtype {our_dtype} vs Keras' {their_dtype}"
    assert np.shape(our_value) == np.shape(their_value), where
    np.testing.assert_allclose(np.asarray(our_value, dtype=np.float64),
                               np.asarray(their_value, dtype=np.float64),
                               rtol=1e-5, atol=1e-6, err_msg=where)


@pytest.mark.parametrize("name,args,kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_op_matches_keras(reference, name, args, kwargs):
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(reference, name)(*args, **kwargs)
    _assert_same(_values(ours), _values(theirs), f"ops.{name}{args!r:.60} {kwargs}")


def test_every_required_op_exists_and_has_a_keras_case():
    tested = {case[0] for case in CASES}
    missing = [name for name in REQUIRED if not hasattr(ops, name)]
    untested = [name for name in REQUIRED if name not in tested]
    assert missing == [] and untested == []
    assert set(REQUIRED) <= set(ops.__all__)


def test_ops_is_reachable_as_keras_ops():
    assert keras.ops is ops
    from glassnet.keras import ops as imported
    assert imported.add is ops.add


# (name, args, kwargs) for the gradient checks: every float32 array argument gets a gradient.
GRAD_CASES = [
    ("add", (A, B[0]), {}), ("divide", (A, POS), {}), ("power", (POS, B), {}),
    ("mean", (T3,), {"axis": (0, 2)}), ("sum", (A,), {"axis": 1, "keepdims": True}),
    ("max", (T3,), {"axis": 1}), ("min", (A,), {}), ("prod", (A,), {"axis": 0}),
    ("sqrt", (POS,), {}), ("log1p", (POS,), {}), ("expm1", (A,), {}),
    ("clip", (A, -0.5, 0.5), {}), ("where", (MASK, A, B), {}),
    ("std", (A,), {"axis": 1}), ("var", (T3,), {}), ("norm", (A,), {"axis": 1}),
    ("norm", (A,), {"ord": 1}), ("norm", (A[0],), {"ord": 3}),
    ("maximum", (A, B), {}), ("matmul", (T3, C), {}), ("dot", (A[0], B[0]), {}),
    ("einsum", ("ij,jk->ik", A, C), {}), ("softmax", (A,), {"axis": 0}),
    ("log_softmax", (A,), {}), ("sigmoid", (A,), {}), ("tanh", (A,), {}),
    ("take", (A, np.array([0, 2, 2])), {"axis": 1}),
    ("take_along_axis", (A, np.argsort(A, axis=1)[:, :2]), {"axis": 1}),
    ("sort", (A,), {"axis": 0}), ("cumsum", (A,), {"axis": 1}), ("cumsum", (A,), {}),
    ("tile", (A, (2, 1)), {}), ("repeat", (A, 2), {"axis": 1}), ("flip", (T3,), {"axis": 1}),
    ("transpose", (T3, (2, 0, 1)), {}), ("expand_dims", (A, (0, 3)), {}),
    ("concatenate", ([A, B],), {"axis": 1}), ("stack", ([A, B],), {"axis": 1}),
    ("reshape", (T3, (4, -1)), {}), ("cast", (A, "float64"), {}),
    ("logsumexp", (A,), {"axis": 1}), ("average", (A,), {"axis": 1, "weights": POS}),
    ("median", (A,), {"axis": 0}), ("cumprod", (A,), {"axis": 1}), ("diff", (A,), {"n": 2}),
    ("arctan2", (A, B), {}), ("logaddexp", (A, B), {}), ("hypot", (A, B), {}),
    ("trace", (A,), {}), ("diagonal", (T3,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("roll", (A, 1), {}), ("gelu", (A,), {}), ("silu", (A,), {}), ("softplus", (A,), {}),
    ("categorical_crossentropy", (np.eye(4, dtype=np.float32)[[0, 2, 1]], POS), {}),
    ("sparse_categorical_crossentropy", (np.array([0, 3, 1]), A), {"from_logits": True}),
    ("normalize", (A,), {}), ("slice_update", (A, (1, 1), B[:2, :2]), {}),
    ("scatter_update", (A, np.array([[0, 0], [2, 3]]), np.array([9.0, 8.0], np.float32)), {}),
]


def _is_float_array(value):
    return isinstance(value, np.ndarray) and value.dtype == np.float32


def _leaves(args, make):
    """args with every float32 array replaced by make(array) (lists too); the leaves made."""
    leaves = []

    def swap(value):
        if isinstance(value, list):
            return [swap(item) for item in value]
        if _is_float_array(value):
            leaves.append(make(value))
            return leaves[-1]
        return value

    return [swap(value) for value in args], leaves


@pytest.mark.parametrize("name,args,kwargs", GRAD_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(GRAD_CASES)])
def test_gradient_matches_torch_autograd_through_keras(reference, name, args, kwargs):
    import torch

    our_args, our_leaves = _leaves(args, lambda a: glassnet.tensor(a, requires_grad=True))
    their_args, their_leaves = _leaves(args, lambda a: torch.tensor(a, requires_grad=True))
    ours = getattr(ops, name)(*our_args, **kwargs)
    theirs = getattr(reference, name)(*their_args, **kwargs)
    weights = np.random.default_rng(7).standard_normal(tuple(ours.shape))
    (ours * glassnet.tensor(weights.astype(ours.dtype.numpy))).sum().backward()
    (theirs * torch.tensor(weights, dtype=theirs.dtype)).sum().backward()
    assert len(our_leaves) == len(their_leaves) > 0
    for mine, other in zip(our_leaves, their_leaves):
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"d ops.{name} / d input")


# --- a custom loss and a custom layer written with ops train --------------------------------
def make_focal_loss(ops_module, gamma=2.0, alpha=0.25):
    """Binary focal loss as Keras users write it, on whichever ``ops`` is passed in."""

    def focal_loss(y_true, y_pred):
        y_pred = ops_module.clip(y_pred, 1e-7, 1 - 1e-7)
        y_true = ops_module.cast(y_true, "float32")
        p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
        alpha_t = y_true * alpha + (1 - y_true) * (1 - alpha)
        loss = -alpha_t * ops_module.power(1 - p_t, gamma) * ops_module.log(p_t)
        return ops_module.mean(loss, axis=-1)  # one value per sample, as Keras' losses

    return focal_loss


def separable_data(n=256, seed=0):
    rng_data = np.random.default_rng(seed)
    x = rng_data.standard_normal((n, 2)).astype(np.float32)
    return x, (x[:, :1] + x[:, 1:] > 0).astype(np.float32)


def test_custom_focal_loss_in_compile_trains():
    x, y = separable_data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=make_focal_loss(ops),
                  metrics=["accuracy"])
    before = model.evaluate(x, y, verbose=0)[0]
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    after, accuracy = model.evaluate(x, y, verbose=0)
    assert after < before / 3
    assert accuracy > 0.93
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_focal_loss_value_matches_keras_compiled_loss(keras_reference):
    import torch

    rng_loss = np.random.default_rng(3)
    y_true = (rng_loss.random((16, 1)) > 0.5).astype(np.float32)
    y_pred = rng_loss.random((16, 1)).astype(np.float32)
    ours = keras.losses.LossFunctionWrapper(make_focal_loss(ops))(y_true, y_pred)
    from keras.src.losses import LossFunctionWrapper  # what Keras' compile wraps functions in

    theirs = LossFunctionWrapper(make_focal_loss(keras_reference.ops))(torch.tensor(y_true),
                                                                       torch.tensor(y_pred))
    assert ours.ndim == 0
    np.testing.assert_allclose(ours.item(), float(theirs), rtol=1e-5)


class UnitNormalize(keras.layers.Layer):
    """A weightless custom layer written with ops: x / (‖x‖ + ε) along the last axis."""

    def call(self, x, training=False):
        return ops.divide(x, ops.add(ops.norm(x, axis=-1, keepdims=True), 1e-6))


def test_custom_layer_written_with_ops_passes_gradients_and_trains():
    x, y = separable_data()
    keras.utils.set_random_seed(0)
    first = keras.layers.Dense(8, activation="relu")
    model = keras.Sequential([first, UnitNormalize(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.predict(x[:2], verbose=0)
    kernel_before = first.get_weights()[0].copy()
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert not np.allclose(first.get_weights()[0], kernel_before)  # gradients crossed the layer
    assert model.evaluate(x, y, verbose=0)[1] > 0.9


# --- conversion and dtype rules (no Keras needed) ----------------------------------------------
def test_python_and_numpy_inputs_follow_keras_dtype_rules():
    assert ops.convert_to_tensor([1.0, 2.0]).dtype == glassnet.float32
    assert ops.convert_to_tensor([1, 2]).dtype == glassnet.int32
    assert ops.convert_to_tensor(np.arange(3)).dtype == glassnet.int64
    assert ops.convert_to_tensor(np.ones(2)).dtype == glassnet.float64
    assert ops.add(np.arange(3, dtype=np.int32), 0.5).dtype == glassnet.float32
    assert ops.mean(np.arange(4, dtype=np.int32)).item() == 1.5
    assert ops.arange(3).dtype == glassnet.int32 and ops.arange(0, 1, 0.5).dtype == glassnet.float32
    assert ops.ones((2, 3)).dtype == glassnet.float32
    assert ops.cast([1.7, -1.7], "int32").tolist() == [1, -1]


def test_shape_is_a_tuple_of_ints():
    assert ops.shape(ops.zeros((2, 3))) == (2, 3)
    assert type(ops.shape(ops.zeros((2, 3)))) is tuple
    assert ops.shape(np.zeros((4, 1))) == (4, 1) and ops.shape([[1, 2]]) == (1, 2)


def test_a_tensor_passes_through_with_its_graph():
    x = glassnet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert ops.convert_to_tensor(x) is x
    ops.sum(ops.square(ops.multiply(x, [1.0, 0.0, 2.0]))).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 24.0])


def test_convert_to_numpy_detaches():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True) * 2
    out = ops.convert_to_numpy(x)
    assert isinstance(out, np.ndarray) and out.tolist() == [2.0, 4.0]


def test_one_hot_gives_zeros_for_labels_out_of_range():
    np.testing.assert_array_equal(ops.one_hot([1, 3, -1], 3).numpy(),
                                  [[0, 1, 0], [0, 0, 0], [0, 0, 0]])


def test_split_and_top_k_return_numpy_like_structures():
    pieces = ops.split(np.arange(7.0), [2, 5])
    assert isinstance(pieces, list) and [p.tolist() for p in pieces] == [[0, 1], [2, 3, 4], [5, 6]]
    values, indices = ops.top_k([3.0, 1.0, 4.0, 1.5], 2)
    assert values.tolist() == [4.0, 3.0] and indices.tolist() == [2, 0]


def test_where_with_only_the_condition_gives_indices_per_axis():
    rows, cols = ops.where(np.array([[True, False], [False, True]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]


# --- the promised errors -------------------------------------------------------------------------
def test_squeeze_of_an_axis_that_is_not_size_one_raises_shape_error():
    with pytest.raises(ShapeError, match="axis 1 has size 3, expected size 1"):
        ops.squeeze(np.zeros((2, 3)), axis=1)


def test_split_into_unequal_sections_raises_shape_error():
    with pytest.raises(ShapeError, match="size 7, which 3 equal pieces cannot divide"):
        ops.split(np.zeros(7), 3)


def test_take_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match=r"axis of size 3 .*use indices in \[-3, 2\]"):
        ops.take(np.zeros(3), [0, 3])


def test_take_along_axis_needs_indices_of_the_same_rank():
    with pytest.raises(ShapeError, match="indices must have x's rank 2, got rank 1"):
        ops.take_along_axis(np.zeros((2, 3)), np.array([0, 1]), axis=1)


def test_axis_out_of_range_names_the_valid_range():
    with pytest.raises(ValueError, match=r"axis 2 is out of range .* rank 2; use an axis in "
                                         r"\[-2, 1\]"):
        ops.sum(np.zeros((2, 3)), axis=2)


def test_where_with_only_one_branch_raises():
    with pytest.raises(ValueError, match="give both x1 and x2, or neither"):
        ops.where([True, False], [1.0, 2.0])


def test_norm_orders_that_need_singular_values_raise():
    with pytest.raises(NotImplementedError, match="ord='nuc' is not supported for a matrix"):
        ops.norm(np.eye(2), ord="nuc")
    with pytest.raises(ValueError, match="ord='fro' is a matrix norm"):
        ops.norm(np.ones(3), ord="fro")


def test_one_hot_rejects_float_labels_and_sparse_output():
    with pytest.raises(TypeError, match="must hold integer labels, got dtype float32"):
        ops.one_hot(np.array([0.0, 1.0], dtype=np.float32), 2)
    with pytest.raises(ValueError, match="no sparse tensors; got sparse=True"):
        ops.one_hot([0, 1], 2, sparse=True)


def test_convert_to_tensor_rejects_sparse_and_ragged():
    with pytest.raises(ValueError, match="no sparse or ragged tensors"):
        ops.convert_to_tensor([1.0], ragged=True)


def test_unstack_stop_gradient_and_the_loops():
    parts = ops.unstack(glassnet.tensor(A), axis=1)
    assert len(parts) == 4 and np.array_equal(parts[2].numpy(), A[:, 2])
    x = glassnet.tensor(A, requires_grad=True)
    (ops.stop_gradient(x) * x).sum().backward()
    assert np.array_equal(x.grad.numpy(), A)  # only the second factor passes a gradient
    assert ops.fori_loop(0, 4, lambda i, total: total + i, 10) == 16
    assert ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1)) == (3, 8)
    assert ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1, maximum_iterations=2) == 9
    assert ops.cond(glassnet.tensor(True), lambda: "yes", lambda: "no") == "yes"
    assert ops.is_tensor(x) and not ops.is_tensor(A)
