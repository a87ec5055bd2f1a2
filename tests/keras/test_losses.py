"""keras.losses: every loss function and class agrees with Keras 3 (weights, reductions, names),
custom losses (functions and Loss subclasses) train, and the errors say what to do."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet
from glassnet import keras
from glassnet.keras import ops


@pytest.fixture(scope="module")
def reference():
    """Keras 3 on its torch backend, the oracle; the tests that need it skip without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


rng = np.random.default_rng(0)
N, C = 6, 4
PROBS = rng.dirichlet(np.ones(C), N).astype(np.float32)
LOGITS = rng.standard_normal((N, C)).astype(np.float32) * 3
ONE_HOT = np.eye(C, dtype=np.float32)[rng.integers(0, C, N)]
LABELS = ONE_HOT.argmax(-1).astype(np.int64)
BINARY = (rng.random((N, 3)) > 0.5).astype(np.float32)
SIGMOID = rng.random((N, 3)).astype(np.float32)
REAL_TRUE = rng.standard_normal((N, 3)).astype(np.float32)
REAL_PRED = rng.standard_normal((N, 3)).astype(np.float32) * 2
POSITIVE = (rng.random((N, 3)) + 0.1).astype(np.float32)
WEIGHTS = rng.random(N).astype(np.float32) * 2

# (class name, constructor options, y_true, y_pred)
CASES = [
    ("MeanSquaredError", {}, REAL_TRUE, REAL_PRED),
    ("MeanAbsoluteError", {}, REAL_TRUE, REAL_PRED),
    ("MeanAbsolutePercentageError", {}, REAL_TRUE, REAL_PRED),
    ("MeanSquaredLogarithmicError", {}, POSITIVE, SIGMOID),
    ("CosineSimilarity", {}, REAL_TRUE, REAL_PRED),
    ("Huber", {}, REAL_TRUE, REAL_PRED),
    ("Huber", {"delta": 0.5}, REAL_TRUE, REAL_PRED),
    ("LogCosh", {}, REAL_TRUE, REAL_PRED * 20),
    ("Hinge", {}, BINARY, REAL_PRED),
    ("Hinge", {}, 2 * BINARY - 1, REAL_PRED),
    ("SquaredHinge", {}, BINARY, REAL_PRED),
    ("CategoricalHinge", {}, ONE_HOT, PROBS),
    ("KLDivergence", {}, PROBS[::-1].copy(), PROBS),
    ("Poisson", {}, POSITIVE, SIGMOID),
    ("BinaryCrossentropy", {}, BINARY, SIGMOID),
    ("BinaryCrossentropy", {"from_logits": True}, BINARY, REAL_PRED),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, BINARY, SIGMOID),
    ("CategoricalCrossentropy", {}, ONE_HOT, PROBS),
    ("CategoricalCrossentropy", {"from_logits": True}, ONE_HOT, LOGITS),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, ONE_HOT, PROBS),
    ("SparseCategoricalCrossentropy", {}, LABELS, PROBS),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS, LOGITS),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS[:, None], LOGITS),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, LABELS, PROBS),
]


def _theirs(value) -> np.ndarray:
    return np.asarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)


@pytest.mark.parametrize("name, options, y_true, y_pred", CASES,
                         ids=[f"{c[0]}{c[1] or ''}" for c in CASES])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None,
                                       "mean_with_sample_weight"])
def test_loss_class_matches_keras_with_and_without_sample_weight(reference, name, options,
                                                                 y_true, y_pred, reduction):
    ours = getattr(keras.losses, name)(reduction=reduction, **options)
    theirs = getattr(reference.losses, name)(reduction=reduction, **options)
    for weights in (None, WEIGHTS):
        got = ours(y_true, y_pred, sample_weight=weights)
        want = _theirs(theirs(y_true, y_pred, sample_weight=weights))
        np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=2e-6)
    assert ours.name == theirs.name


FUNCTIONS = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
             "mean_squared_logarithmic_error", "huber", "log_cosh", "hinge", "squared_hinge",
             "kl_divergence", "poisson", "binary_crossentropy"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_loss_functions_give_one_value_per_sample_like_keras(reference, name):
    got = getattr(keras.losses, name)(POSITIVE / 2, SIGMOID)
    want = _theirs(getattr(reference.losses, name)(POSITIVE / 2, SIGMOID))
    assert tuple(got.shape) == want.shape == (N,)
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=1e-6)


def test_sum_over_batch_size_divides_by_the_batch_not_by_the_weights():
    y_true, y_pred = np.zeros((4, 1), np.float32), np.ones((4, 1), np.float32)
    weights = np.array([1.0, 0.0, 0.0, 0.0], np.float32)
    assert keras.losses.MeanSquaredError()(y_true, y_pred, weights).item() == \
        pytest.approx(0.25)
    assert keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, y_pred, weights).item() == pytest.approx(1.0)
    assert keras.losses.MeanSquaredError(reduction="sum")(y_true, y_pred, weights).item() == \
        pytest.approx(1.0)


def test_string_names_resolve_as_in_keras():
    assert keras.losses.get("mse") is keras.losses.mean_squared_error
    assert keras.losses.get("MSE") is keras.losses.mean_squared_error
    assert keras.losses.get("bce") is keras.losses.binary_crossentropy
    assert keras.losses.get("kld") is keras.losses.kl_divergence
    assert isinstance(keras.losses.get("Huber"), keras.losses.Huber)
    assert keras.losses.get(None) is None
    loss = keras.losses.Huber(delta=2.0)
    assert keras.losses.get(loss) is loss
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(restored, keras.losses.Huber) and restored.get_config() == \
        loss.get_config()


def test_loss_config_matches_keras(reference):
    for name in ("BinaryCrossentropy", "SparseCategoricalCrossentropy", "Huber"):
        ours = getattr(keras.losses, name)().get_config()
        theirs = getattr(reference.losses, name)().get_config()
        theirs.pop("dtype", None)
        assert {k: v for k, v in ours.items() if k in theirs} == theirs, name


def test_loss_functions_are_differentiable():
    y_pred = glassnet.tensor(REAL_PRED, requires_grad=True)
    keras.losses.Huber()(REAL_TRUE, y_pred).backward()
    error = REAL_PRED - REAL_TRUE
    expected = np.clip(error, -1, 1) / error.size  # Huber's derivative, mean over all values
    np.testing.assert_allclose(y_pred.grad.numpy(), expected, rtol=1e-5)


class WeightedMSE(keras.losses.Loss):
    """A custom loss class as Keras' guides write one."""

    def __init__(self, factor=2.0, name="weighted_mse"):
        super().__init__(name=name)
        self.factor = factor

    def call(self, y_true, y_pred):
        return self.factor * ops.mean(ops.square(y_true - y_pred), axis=-1)


def custom_mse(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@pytest.mark.parametrize("loss", [WeightedMSE(), custom_mse], ids=["Loss subclass", "function"])
def test_custom_losses_train_a_model(loss):
    keras.utils.set_random_seed(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]


def test_custom_loss_subclass_matches_keras_value(reference):
    class Theirs(reference.losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * reference.ops.mean(reference.ops.square(y_true - y_pred), axis=-1)

    want = _theirs(Theirs()(REAL_TRUE, REAL_PRED, sample_weight=WEIGHTS))
    got = WeightedMSE()(REAL_TRUE, REAL_PRED, sample_weight=WEIGHTS)
    np.testing.assert_allclose(got.item(), want, rtol=1e-5)


def test_loss_errors_name_the_fix():
    with pytest.raises(ValueError, match="reduction must be one of.*got 'average'"):
        keras.losses.MeanSquaredError(reduction="average")
    with pytest.raises(TypeError, match="delt.*options must be arguments of huber"):
        keras.losses.LossFunctionWrapper(keras.losses.huber, delt=2.0)
    with pytest.raises(ValueError, match="unknown loss 'cross_entropy'; use one of"):
        keras.losses.get("cross_entropy")
    with pytest.raises(ValueError, match="same shape.*use sparse_categorical_crossentropy"):
        keras.losses.categorical_crossentropy(LABELS, PROBS)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\].*last layer's units"):
        keras.losses.sparse_categorical_crossentropy(np.array([0, 4]), PROBS[:2])
    with pytest.raises(ValueError, match="whole numbers.*categorical_crossentropy"):
        keras.losses.sparse_categorical_crossentropy(np.array([0.5, 1.0]), PROBS[:2])
    with pytest.raises(NotImplementedError, match="must define call"):
        keras.losses.Loss()(REAL_TRUE, REAL_PRED)
    with pytest.raises(ValueError, match="deserialize: unknown loss class 'Nope'"):
        keras.losses.deserialize({"class_name": "Nope", "config": {}})


def test_deserialize_takes_custom_objects():
    assert keras.losses.deserialize("custom_mse", custom_objects={"custom_mse": custom_mse}) \
        is custom_mse
    restored = keras.losses.deserialize({"class_name": "WeightedMSE", "config": {"factor": 3.0}},
                                        custom_objects={"WeightedMSE": WeightedMSE})
    assert isinstance(restored, WeightedMSE) and restored.factor == 3.0


def signature(obj):
    import inspect

    target = obj.__init__ if isinstance(obj, type) else obj
    return [(p.name, p.default) for p in inspect.signature(target).parameters.values()
            if p.kind is not p.VAR_KEYWORD]


def test_every_loss_class_and_function_has_keras_signature(reference):
    names = [n for n in keras.losses.__all__ if hasattr(reference.losses, n)]
    assert len(names) >= 30
    for name in names:
        assert signature(getattr(keras.losses, name)) == \
            signature(getattr(reference.losses, name)), name
