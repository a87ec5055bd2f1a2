"""keras.metrics: each built-in class gives Keras 3's values on the same batches (with and
without sample_weight), names resolve as in compile, and a custom Metric trains along."""

from __future__ import annotations

import os

import numpy as np
import pytest

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


rng = np.random.default_rng(1)
N, C = 12, 5
PROBS = rng.dirichlet(np.ones(C), (2, N)).astype(np.float32)
ONE_HOT = np.eye(C, dtype=np.float32)[rng.integers(0, C, (2, N))]
LABELS = ONE_HOT.argmax(-1)
BINARY = (rng.random((2, N, 1)) > 0.5).astype(np.float32)
SCORES = np.clip(BINARY * 0.3 + rng.random((2, N, 1)) * 0.7, 0, 1).astype(np.float32)
REAL = rng.standard_normal((2, N, 3)).astype(np.float32)
REAL_PRED = (REAL + rng.standard_normal((2, N, 3))).astype(np.float32)
WEIGHTS = (rng.random((2, N)) * 2).astype(np.float32)
EXACT = np.round(REAL).astype(np.float32), np.round(REAL_PRED * 0.5).astype(np.float32)

# (class name, options, y_true batches, y_pred batches)
CASES = [
    ("Accuracy", {}, *EXACT),
    ("BinaryAccuracy", {}, BINARY, SCORES),
    ("BinaryAccuracy", {"threshold": 0.7}, BINARY, SCORES),
    ("CategoricalAccuracy", {}, ONE_HOT, PROBS),
    ("SparseCategoricalAccuracy", {}, LABELS, PROBS),
    ("SparseCategoricalAccuracy", {}, LABELS[..., None], PROBS),
    ("TopKCategoricalAccuracy", {"k": 2}, ONE_HOT, PROBS),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, LABELS, PROBS),
    ("SparseTopKCategoricalAccuracy", {}, LABELS, PROBS),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}, LABELS,
     np.argsort(-PROBS, axis=-1).astype(np.float32)),
    ("MeanSquaredError", {}, REAL, REAL_PRED),
    ("MeanAbsoluteError", {}, REAL, REAL_PRED),
    ("RootMeanSquaredError", {}, REAL, REAL_PRED),
    ("MeanAbsolutePercentageError", {}, REAL, REAL_PRED),
    ("BinaryCrossentropy", {}, BINARY, SCORES),
    ("CategoricalCrossentropy", {}, ONE_HOT, PROBS),
    ("SparseCategoricalCrossentropy", {}, LABELS, PROBS),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, LABELS, PROBS),
    ("KLDivergence", {}, ONE_HOT, PROBS),
    ("AUC", {}, BINARY, SCORES),
    ("AUC", {"curve": "PR"}, BINARY, SCORES),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, BINARY, SCORES),
    ("AUC", {"summation_method": "majoring"}, BINARY, SCORES),
    ("AUC", {"from_logits": True}, BINARY, REAL[..., :1]),
    ("AUC", {}, ONE_HOT, PROBS),
    ("Precision", {}, BINARY, SCORES),
    ("Precision", {"thresholds": [0.3, 0.6]}, BINARY, SCORES),
    ("Precision", {"top_k": 2}, ONE_HOT, PROBS),
    ("Precision", {"class_id": 1}, ONE_HOT, PROBS),
    ("Recall", {}, BINARY, SCORES),
    ("Recall", {"thresholds": 0.25}, BINARY, SCORES),
    ("Recall", {"top_k": 1, "class_id": 2}, ONE_HOT, PROBS),
]


def _number(value) -> np.ndarray:
    value = value.detach().cpu().numpy() if hasattr(value, "detach") else value
    return np.asarray(value, dtype=np.float64)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("name, options, y_true, y_pred", CASES,
                         ids=[f"{c[0]}{c[1] or ''}" for c in CASES])
def test_metric_matches_keras_over_two_batches(reference, name, options, y_true, y_pred,
                                               weighted):
    ours = getattr(keras.metrics, name)(**options)
    theirs = getattr(reference.metrics, name)(**options)
    for batch in range(2):
        weight = WEIGHTS[batch] if weighted else None
        ours.update_state(y_true[batch], y_pred[batch], sample_weight=weight)
        theirs.update_state(y_true[batch], y_pred[batch], sample_weight=weight)
        np.testing.assert_allclose(_number(ours.result()), _number(theirs.result()),
                                   rtol=1e-5, atol=1e-6)
    assert ours.name.rsplit("_", 1)[0] == theirs.name.rsplit("_", 1)[0] if \
        theirs.name[-1].isdigit() else ours.name == theirs.name  # auto names count up
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(_number(ours.result()), _number(theirs.result()), atol=1e-7)


def test_mean_and_sum_match_keras(reference):
    values = [np.array([1.0, 2.0, 4.0]), np.array([[3.0, 5.0], [1.0, 1.0]])]
    weights = [np.array([1.0, 0.0, 2.0]), np.array([0.5, 2.0])]
    for name in ("Mean", "Sum"):
        ours, theirs = getattr(keras.metrics, name)(), getattr(reference.metrics, name)()
        for v, w in zip(values, weights):
            ours.update_state(v, sample_weight=w)
            theirs.update_state(v, sample_weight=w)
        assert float(ours.result()) == pytest.approx(float(_number(theirs.result())))
        assert ours.name == theirs.name


def test_a_metric_is_callable_and_has_keras_repr_and_config():
    metric = keras.metrics.BinaryAccuracy(threshold=0.3)
    assert float(metric([[1.0], [0.0]], [[0.4], [0.2]])) == 1.0
    assert repr(metric) == "<BinaryAccuracy name=binary_accuracy>"
    assert metric.get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                   "threshold": 0.3}
    assert [v.name for v in keras.metrics.Mean().variables] == ["total", "count"]


class CategoricalTruePositives(keras.metrics.Metric):
    """The custom metric of Keras' "training and evaluation" guide, unchanged."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def test_the_guides_custom_metric_runs_in_fit_and_resets_each_epoch():
    keras.utils.set_random_seed(0)
    x = rng.random((40, 4)).astype(np.float32)
    y = (x[:, :1] > 0.5).astype(np.int64)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives()])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    counts = history.history["categorical_true_positives"]
    assert len(counts) == 2 and all(0 <= c <= 40 for c in counts)
    assert counts[0] == float(counts[0]) and counts[0] == int(counts[0])


def test_add_weight_and_add_variable_make_state_reset_to_zero():
    class Count(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="count")
            self.seen = self.add_weight(shape=(2,), initializer="ones", name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.seen.assign_add([1.0, 2.0])

        def result(self):
            return self.seen

    metric = Count()
    metric.update_state(None, None)
    np.testing.assert_array_equal(np.asarray(metric.result()), [2.0, 3.0])
    metric.reset_state()
    np.testing.assert_array_equal(np.asarray(metric.result()), [0.0, 0.0])


def test_metric_names_resolve_like_keras():
    assert isinstance(keras.metrics.get("mse"), keras.metrics.MeanSquaredError)
    assert isinstance(keras.metrics.get("auc"), keras.metrics.AUC)
    assert isinstance(keras.metrics.get("Precision"), keras.metrics.Precision)
    assert isinstance(keras.metrics.get("sparse_categorical_accuracy"),
                      keras.metrics.SparseCategoricalAccuracy)
    metric = keras.metrics.Recall()
    assert keras.metrics.get(metric) is metric


def test_metric_errors_name_the_fix():
    with pytest.raises(ValueError, match="unknown metric 'acuracy'; use 'accuracy'"):
        keras.metrics.get("acuracy")
    with pytest.raises(ValueError, match="initializer must be 'zeros', 'ones'"):
        keras.metrics.Mean().add_variable((), initializer="glorot")
    with pytest.raises(ValueError, match="curve must be 'ROC' or 'PR'"):
        keras.metrics.AUC(curve="roc")
    with pytest.raises(ValueError, match="thresholds must be in"):
        keras.metrics.Precision(thresholds=[1.5])
    with pytest.raises(NotImplementedError, match="multi_label"):
        keras.metrics.AUC(multi_label=True)
    with pytest.raises(TypeError, match="thresold.*options must be arguments of binary_acc"):
        keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, thresold=0.3)
    with pytest.raises(NotImplementedError, match="must define update_state"):
        keras.metrics.Metric().update_state([1], [1])


def test_every_metric_class_has_keras_signature(reference):
    import inspect

    def signature(cls):
        return [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()
                if p.kind is not p.VAR_KEYWORD]

    names = [n for n in keras.metrics.__all__ if isinstance(getattr(keras.metrics, n), type)
             and hasattr(reference.metrics, n) and n != "MeanMetricWrapper"]
    assert len(names) >= 20
    for name in names:
        assert signature(getattr(keras.metrics, name)) == \
            signature(getattr(reference.metrics, name)), name


def test_the_remaining_metric_errors_name_the_fix():
    with pytest.raises(ValueError, match="aggregation must be"):
        keras.metrics.Mean().add_variable((), "zeros", aggregation="max")
    with pytest.raises(ValueError, match="summation_method must be"):
        keras.metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 1"):
        keras.metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r"class_id=1 needs y_pred of shape \(samples"):
        keras.metrics.Precision(class_id=1).update_state([1, 0], [0.2, 0.9])
    with pytest.raises(NotImplementedError, match="must define result"):
        keras.metrics.Metric().result()
