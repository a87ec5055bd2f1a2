"""fit / evaluate / predict inputs: several outputs (losses, loss weights, metrics and their log
names), sample and class weights, and the data kinds (PyDataset, generators, DataLoaders,
Datasets), each compared with Keras 3 running the same program where it is installed."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet
from glassnet import keras
from glassnet.keras import ops
from glassnet.utils.data import DataLoader, TensorDataset


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
X = rng.standard_normal((24, 3)).astype(np.float32)
LABELS = (X[:, 0] > 0).astype(np.int64)
TARGET = (X @ np.array([[1.0], [-1.0], [0.5]])).astype(np.float32)
WEIGHTS = (rng.random(24) * 2).astype(np.float32)


def two_outputs(k, as_dict=False):
    """x -> hidden -> (cls: 2-way softmax, reg: 1 unit), built with keras module ``k``."""
    inputs = k.Input(shape=(3,), name="x")
    hidden = k.layers.Dense(4, activation="tanh", name="hidden")(inputs)
    cls = k.layers.Dense(2, activation="softmax", name="cls")(hidden)
    reg = k.layers.Dense(1, name="reg")(hidden)
    return k.Model(inputs, {"cls": cls, "reg": reg} if as_dict else [cls, reg])


def twins(reference, build):
    """The same model in glassnet and in Keras, with Keras' initial weights copied over."""
    keras.utils.set_random_seed(0)
    reference.utils.set_random_seed(0)
    ours, theirs = build(keras), build(reference)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return ours, theirs


def close(ours: dict, theirs: dict, rtol=1e-5):
    assert list(ours) == list(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=rtol, atol=1e-6, err_msg=key)


COMPILES = {
    "list": dict(loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                 metrics=[["accuracy"], ["mae", "mse"]]),
    "dict": dict(loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                 loss_weights={"cls": 2.0, "reg": 1.0},
                 metrics=None),  # per framework, in compile_for
    "one loss": dict(loss="mse", metrics=[None, ["mse"]]),
}


@pytest.mark.parametrize("kind", list(COMPILES))
def test_two_outputs_train_and_log_like_keras(reference, kind):
    options = COMPILES[kind]
    ours, theirs = twins(reference, lambda k: two_outputs(k, as_dict=kind == "dict"))
    y = [LABELS, TARGET] if kind != "one loss" else [np.eye(2, dtype=np.float32)[LABELS],
                                                     TARGET]
    if kind == "dict":
        y = {"cls": LABELS, "reg": TARGET}

    def compile_for(k, model):
        metrics = options["metrics"]
        if kind == "dict":
            metrics = {"cls": ["accuracy", k.metrics.SparseCategoricalAccuracy(name="sca")],
                       "reg": ["mae", k.metrics.RootMeanSquaredError]}
        elif kind == "one loss":
            metrics = [[], ["mse"]]
        model.compile(optimizer=k.optimizers.SGD(0.1), loss=options["loss"],
                      loss_weights=options.get("loss_weights"), metrics=metrics)

    compile_for(keras, ours)
    compile_for(reference, theirs)
    sample_weight = WEIGHTS
    mine = ours.fit(X, y, sample_weight=sample_weight, batch_size=8, epochs=2, shuffle=False,
                    verbose=0).history
    want = theirs.fit(X, y, sample_weight=sample_weight, batch_size=8, epochs=2, shuffle=False,
                      verbose=0).history
    close(mine, want, rtol=2e-4)
    close(ours.evaluate(X, y, return_dict=True, verbose=0),
          {k: float(v) for k, v in theirs.evaluate(X, y, return_dict=True, verbose=0).items()},
          rtol=2e-4)
    np.testing.assert_allclose(ours.evaluate(X, y, verbose=0),
                               theirs.evaluate(X, y, verbose=0), rtol=2e-4, atol=1e-6)
    predictions = ours.predict(X, batch_size=5, verbose=0)
    expected = theirs.predict(X, batch_size=5, verbose=0)
    if kind == "dict":
        assert set(predictions) == {"cls", "reg"}
        predictions, expected = [predictions["cls"], predictions["reg"]], [expected["cls"],
                                                                           expected["reg"]]
    for a, b in zip(predictions, expected):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-6)


def test_sample_weight_scales_the_loss_as_keras_sum_over_batch_size(reference):
    build = lambda k: k.Sequential([k.Input(shape=(3,)), k.layers.Dense(1)])  # noqa: E731
    ours, theirs = twins(reference, build)
    for model, k in ((ours, keras), (theirs, reference)):
        model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=["mae"],
                      weighted_metrics=["mae"])
    got = ours.evaluate(X, TARGET, sample_weight=WEIGHTS, batch_size=10, return_dict=True,
                        verbose=0)
    want = theirs.evaluate(X, TARGET, sample_weight=WEIGHTS, batch_size=10, return_dict=True,
                           verbose=0)
    close(got, {k: float(v) for k, v in want.items()})
    assert set(got) == {"loss", "mae", "weighted_mae"}
    zero = np.zeros(24, np.float32)
    assert ours.evaluate(X, TARGET, sample_weight=zero, verbose=0)[0] == 0.0
    history = ours.fit(X, TARGET, sample_weight=WEIGHTS, validation_data=(X, TARGET, WEIGHTS),
                       epochs=1, shuffle=False, batch_size=8, verbose=0).history
    expected = theirs.fit(X, TARGET, sample_weight=WEIGHTS, validation_data=(X, TARGET, WEIGHTS),
                          epochs=1, shuffle=False, batch_size=8, verbose=0).history
    close(history, expected, rtol=1e-4)


def test_class_weight_matches_keras_and_refuses_sample_weight_too(reference):
    def build(k):
        return k.Sequential([k.Input(shape=(3,)), k.layers.Dense(2, activation="softmax")])

    ours, theirs = twins(reference, build)
    for model, k in ((ours, keras), (theirs, reference)):
        model.compile(optimizer=k.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                      weighted_metrics=["accuracy"])
    weights = {0: 0.25, 1: 3.0}
    close(ours.fit(X, LABELS, class_weight=weights, shuffle=False, batch_size=8, epochs=2,
                   verbose=0).history,
          theirs.fit(X, LABELS, class_weight=weights, shuffle=False, batch_size=8, epochs=2,
                     verbose=0).history, rtol=1e-4)
    with pytest.raises(ValueError, match="class_weight and sample_weight at the same time"):
        ours.fit(X, LABELS, class_weight=weights, sample_weight=WEIGHTS, verbose=0)


class SquaresDataset(keras.utils.PyDataset):
    """Batch i holds 4 samples; records the epoch hooks fit calls."""

    def __init__(self, batches=3, with_weights=False, **kwargs):
        super().__init__(**kwargs)
        self.batches, self.with_weights, self.ended = batches, with_weights, 0

    def __len__(self):
        return self.batches

    def __getitem__(self, index):
        x = X[4 * index:4 * index + 4]
        batch = (x, TARGET[4 * index:4 * index + 4])
        return batch + (WEIGHTS[4 * index:4 * index + 4],) if self.with_weights else batch

    def on_epoch_end(self):
        self.ended += 1


def regression_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def test_pydataset_feeds_fit_evaluate_and_predict_with_its_epoch_hooks():
    data = SquaresDataset(workers=2, use_multiprocessing=False, max_queue_size=4)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (2, False, 4)
    model = regression_model()
    history = model.fit(data, epochs=3, validation_data=SquaresDataset(2), verbose=0)
    assert data.ended == 3 and len(history.history["val_loss"]) == 3
    assert model.predict(data, verbose=0).shape == (12, 1)
    weighted = model.evaluate(SquaresDataset(with_weights=True), verbose=0)
    plain = model.evaluate(SquaresDataset(), verbose=0)
    assert weighted != pytest.approx(plain)


def test_generator_with_steps_per_epoch_continues_across_epochs():
    taken = []

    def batches():
        for i in range(100):
            taken.append(i)
            yield X[:4], TARGET[:4]

    model = regression_model()
    history = model.fit(batches(), steps_per_epoch=2, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and taken == list(range(6))
    with pytest.warns(UserWarning, match="ran out of data after 1 of 5 steps"):
        model.fit((b for b in [(X[:4], TARGET[:4])]), steps_per_epoch=5, epochs=1, verbose=0)


def test_dataloaders_and_datasets_are_accepted_everywhere():
    dataset = TensorDataset(glassnet.tensor(X), glassnet.tensor(TARGET))
    model = regression_model()
    loader = DataLoader(dataset, batch_size=5)
    history = model.fit(loader, epochs=2, validation_data=loader, verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    assert model.fit(dataset, batch_size=6, epochs=1, verbose=0).params["steps"] == 4
    assert model.predict(loader, verbose=0).shape == (24, 1)
    assert model.evaluate(dataset, batch_size=6, verbose=0) == pytest.approx(
        model.evaluate(X, TARGET, verbose=0), rel=1e-5)


def test_pytorch_dataloader_batches_are_converted():
    torch = pytest.importorskip("torch")
    data = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(TARGET))
    model = regression_model()
    history = model.fit(torch.utils.data.DataLoader(data, batch_size=8), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_validation_split_freq_and_initial_epoch():
    model = regression_model()
    history = model.fit(X, TARGET, validation_split=0.25, validation_freq=2, epochs=5,
                        initial_epoch=1, verbose=0)
    assert history.epoch == [1, 2, 3, 4] and len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2  # after epochs 2 and 4 (1-based)
    listed = model.fit(X, TARGET, validation_split=0.25, validation_freq=[1, 3], epochs=3,
                       verbose=0)
    assert len(listed.history["val_loss"]) == 2
    with pytest.raises(ValueError, match="validation_split works only with arrays"):
        model.fit(SquaresDataset(), validation_split=0.5, verbose=0)


def test_unsupported_inputs_say_what_is_accepted():
    model = regression_model()
    with pytest.raises(TypeError, match="fit: x must be a NumPy array.*PyDataset.*got str"):
        model.fit("data.csv", verbose=0)
    with pytest.raises(ValueError, match="must yield the targets itself"):
        model.fit(SquaresDataset(), TARGET, verbose=0)
    with pytest.raises(ValueError, match="x, y and sample_weight must have the same number"):
        model.fit(X, TARGET[:10], verbose=0)
    with pytest.raises(ValueError, match="validation_data must be"):
        model.fit(X, TARGET, validation_data=(X,), verbose=0)
    with pytest.raises(ValueError, match="fit: x is missing; pass a NumPy array"):
        model.fit(verbose=0)
    with pytest.raises(ValueError, match="class_weight works for models with one output"):
        model.fit(X, [LABELS, LABELS], class_weight={0: 1.0}, verbose=0)


def test_compile_errors_for_several_outputs_name_the_outputs():
    model = two_outputs(keras)
    with pytest.raises(ValueError, match="loss has 3 entries but the model has 2"):
        model.compile(loss=["mse"] * 3)
        model.fit(X, [LABELS, TARGET], verbose=0)
    model = two_outputs(keras, as_dict=True)
    model.compile(loss={"clss": "mse"})
    with pytest.raises(ValueError, match=r"names outputs \['clss'\].*outputs are"):
        model.fit(X, {"cls": LABELS, "reg": TARGET}, verbose=0)
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="2 outputs.*single array"):
        model.fit(X, TARGET, verbose=0)
    with pytest.raises(ValueError, match="metrics must be a list"):
        model.compile(loss="mse", metrics="mae")
        model.fit(X, {"cls": LABELS, "reg": TARGET}, verbose=0)


class TwoHeads(keras.layers.Layer):
    """A stand-in multi-output layer used as a model's body: returns (sum, difference)."""

    def call(self, x, training=False):
        return [ops.sum(x, axis=-1, keepdims=True), x[:, :1] - x[:, 1:2]]


class ActivityPenalty(keras.layers.Layer):
    """Adds 0.5 · mean(x²) to the model's losses on every call (add_loss)."""

    def call(self, x, training=False):
        self.add_loss(0.5 * ops.mean(ops.square(x)))
        return x


def test_added_losses_join_the_training_loss():
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Sequential([keras.Input(shape=(3,)), dense, ActivityPenalty()])
    model.compile(optimizer="sgd", loss="mse")
    outputs = model.predict(X, verbose=0)
    plain = float(np.mean((outputs - 0.0) ** 2))
    penalty = 0.5 * float(np.mean(outputs ** 2))
    assert model.evaluate(X, np.zeros((24, 2), np.float32), batch_size=24, verbose=0) == \
        pytest.approx(plain + penalty, rel=1e-5)


def test_a_subclassed_model_with_two_outputs_trains_with_output_names():
    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)
            self.heads = TwoHeads()

        def call(self, x, training=None):
            return self.heads(self.dense(x))

    keras.utils.set_random_seed(0)
    model = Model()
    model.compile(optimizer="sgd", loss=["mse", "mae"], metrics=[["mae"], []])
    history = model.fit(X, [TARGET, TARGET], epochs=2, verbose=0)
    names = model.output_names
    assert set(history.history) == {"loss", f"{names[0]}_loss", f"{names[1]}_loss",
                                    f"{names[0]}_mae"}


class BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train = self.test = self.predict = 0

    def on_train_batch_end(self, batch, logs=None):
        self.train += 1

    def on_test_batch_end(self, batch, logs=None):
        self.test += 1

    def on_predict_batch_end(self, batch, logs=None):
        self.predict += 1


def test_steps_cap_the_batches_of_fit_validation_evaluate_and_predict():
    model, counter = regression_model(), BatchCounter()
    history = model.fit(X, TARGET, batch_size=4, epochs=2, steps_per_epoch=2,
                        validation_data=SquaresDataset(), validation_steps=1,
                        callbacks=[counter], verbose=0)
    assert (counter.train, counter.test) == (4, 2) and history.params["steps"] == 2
    model.evaluate(X, TARGET, batch_size=4, steps=3, callbacks=[counter], verbose=0)
    assert counter.test == 5
    assert model.predict(X, batch_size=4, steps=2, callbacks=[counter], verbose=0).shape == \
        (8, 1) and counter.predict == 2


def test_sequence_is_keras_alias_of_pydataset():
    assert keras.utils.Sequence is keras.utils.PyDataset
    with pytest.raises(NotImplementedError, match="must define __len__"):
        len(keras.utils.PyDataset())


def test_compile_without_a_loss_trains_on_the_layers_added_losses():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2), ActivityPenalty()])
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    history = model.fit(X, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    plain = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    plain.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="no loss to compute.*compile\\(loss='mse'\\)"):
        plain.fit(X, TARGET, verbose=0)


def test_a_custom_train_step_uses_compute_loss_and_model_metrics():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x, training=None):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            self.optimizer.step()
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(0)
    model = Custom()
    model.build((None, 3))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(X, TARGET, batch_size=8, epochs=10, verbose=0)
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]


def test_the_remaining_compile_and_data_errors_name_the_fix():
    model = regression_model()
    with pytest.raises(ValueError, match="loss_weights must be a number, a list or a dict"):
        model.compile(loss="mse", loss_weights="heavy")
    model.compile(loss="mse", metrics=[None])
    with pytest.raises(ValueError, match="a metric is None; remove it"):
        model.fit(X, TARGET, verbose=0)
    model.compile(loss=keras.losses.MeanSquaredError(reduction=None))
    with pytest.raises(ValueError, match="not a single value.*reduction"):
        model.fit(X, TARGET, verbose=0)
    model.compile(loss="mse")
    with pytest.raises(RuntimeError, match="call self.compute_loss"):
        regression_model()._update_compiled_metrics(TARGET, TARGET, None)
    two = two_outputs(keras)
    two.compile(loss="mse")
    with pytest.raises(ValueError, match=r"y has keys \['clas'\]"):
        two.fit(X, {"clas": TARGET}, verbose=0)
    with pytest.raises(ValueError, match="y has 3 entries but the model has 2 outputs"):
        two.fit(X, [TARGET] * 3, verbose=0)
    with pytest.raises(ValueError, match="a batch must be x, .* got a tuple of 4"):
        model.fit((b for b in [(X, TARGET, WEIGHTS, WEIGHTS)]), verbose=0)
    with pytest.raises(ValueError, match="validation_split must be in"):
        model.fit(X, TARGET, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="too few to hold out"):
        model.fit(X[:1], TARGET[:1], validation_split=0.1, verbose=0)
    with pytest.raises(ValueError, match="predict: the data gave no batches"):
        model.predict(X[:0], verbose=0)


def test_an_output_without_a_loss_logs_only_the_total_like_keras(reference):
    ours, theirs = twins(reference, two_outputs)
    for model, k in ((ours, keras), (theirs, reference)):
        model.compile(optimizer=k.optimizers.SGD(0.1),
                      loss=[None, "mse"], metrics=[["accuracy"], []])
    got = ours.fit(X, [LABELS, TARGET], epochs=1, batch_size=8, shuffle=False,
                   verbose=0).history
    want = theirs.fit(X, [LABELS, TARGET], epochs=1, batch_size=8, shuffle=False,
                      verbose=0).history
    close(got, want, rtol=1e-4)
