"""Subclassing: keras.Model subclasses with call(), custom layers with build()/add_weight(),
add_loss, training= propagation, weight tracking through attributes and lists; checked against
Keras 3 (torch backend) where installed."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet import keras
from glassnet.keras.functional import Functional

from .test_functional import data, numpy, summary_rows, summary_text

layers = keras.layers


@pytest.fixture(scope="module")
def reference():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


def define(ks):
    """The same classes written against either Keras (``ks``): a custom layer with build and
    add_weight, and a model holding layers in attributes and in a list."""
    L, ops = ks.layers, ks.ops

    class Scale(L.Layer):
        """y = x · w + b, with w and b made by add_weight once the input size is known."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

        def call(self, inputs):
            self.add_loss(0.01 * ops.sum(ops.square(self.w)))
            return ops.matmul(inputs, self.w) + self.b

    class Net(ks.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = [L.Dense(8, activation="relu", name="h1"), Scale(6, name="scale")]
            self.dropout = L.Dropout(0.5, name="drop")
            self.head = L.Dense(3, activation="softmax", name="head")

        def call(self, inputs, training=None):
            x = inputs
            for layer in self.hidden:
                x = layer(x)
            return self.head(self.dropout(x, training=training))

    return Scale, Net


# ----- the model class ----------------------------------------------------------------------------
def test_model_dispatches_to_functional_only_for_inputs_and_outputs():
    inputs = keras.Input(shape=(2,))
    outputs = layers.Dense(1)(inputs)
    assert type(keras.Model(inputs, outputs)) is Functional
    assert type(keras.Model(inputs=inputs, outputs=outputs)) is Functional
    _, Net = define(keras)
    net = Net()
    assert type(net) is Net and isinstance(net, keras.Model) and not isinstance(net, Functional)
    assert isinstance(keras.Sequential(), keras.Model)


def test_a_model_without_call_says_to_write_one():
    with pytest.raises(NotImplementedError, match=r"does not have a call\(\) method; define "
                                                  r"call\(self, inputs, training=None\)"):
        keras.Model()(np.ones((1, 2), np.float32))


def test_a_subclass_built_from_inputs_and_outputs_is_functional_with_its_methods():
    class Wrapped(keras.Model):
        def __init__(self):
            inputs = keras.Input(shape=(2,), name="wrapped_in")
            super().__init__(inputs, layers.Dense(1, name="wrapped_out")(inputs))

        def double(self, x):
            return 2 * self(x)

    class CustomModel(keras.Model):  # Keras' guide: CustomModel(inputs, outputs)
        def train_step(self, data):
            self.steps_seen = getattr(self, "steps_seen", 0) + 1
            return super().train_step(data)

    wrapped = Wrapped()
    assert isinstance(wrapped, Wrapped) and isinstance(wrapped, Functional)
    assert [layer.name for layer in wrapped.layers] == ["wrapped_in", "wrapped_out"]
    assert tuple(wrapped.double(np.ones((3, 2), np.float32)).shape) == (3, 1)
    inputs = keras.Input(shape=(2,))
    model = CustomModel(inputs, layers.Dense(1)(inputs))
    assert type(model).__name__ == "CustomModel" and isinstance(model, Functional)
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 2), np.float32), np.ones((8, 1), np.float32), batch_size=4,
              verbose=0)
    assert model.steps_seen == 2


def test_layers_are_tracked_from_attributes_and_lists_in_keras_order(reference):
    _, Net = define(keras)
    _, RefNet = define(reference)
    ours, theirs = Net(), RefNet()
    assert not ours.built and [layer.name for layer in ours.layers] == [
        layer.name for layer in theirs.layers] == ["h1", "scale", "drop", "head"]
    ours(data(2, 5))
    assert ours.built and len(ours.weights) == 6
    assert [tuple(w.shape) for w in ours.weights] == [(5, 8), (8,), (8, 6), (6,), (6, 3), (3,)]
    assert ours.count_params() == 5 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3


def test_layers_appended_to_a_list_after_assignment_are_tracked():
    class Stack(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for units in (4, 3):
                self.blocks.append(layers.Dense(units))
            self.by_name = {"out": layers.Dense(2)}

        def call(self, inputs):
            for block in self.blocks:
                inputs = block(inputs)
            return self.by_name["out"](inputs)

    model = Stack()
    model(data(1, 5))
    assert len(model.layers) == 3 and len(model.trainable_weights) == 6
    assert len(list(model.parameters())) == 6  # the optimizer's view agrees


def test_predictions_match_keras_with_the_same_weights(reference):
    _, Net = define(keras)
    _, RefNet = define(reference)
    ours, theirs = Net(), RefNet()
    x = data(4, 5)
    ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(numpy(ours(x)), numpy(theirs(x)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_summary_matches_keras_for_a_subclassed_model(reference):
    _, Net = define(keras)
    _, RefNet = define(reference)
    ours, theirs = Net(name="net"), RefNet(name="net")
    x = data(4, 5)
    ours(x), theirs(x)
    assert summary_rows(summary_text(ours)) == summary_rows(summary_text(theirs))
    rows = summary_rows(summary_text(ours))
    assert rows[0] == ("h1 (Dense)", "(4, 8)", "48") and rows[1] == ("scale (Scale)", "?", "54")


def test_compile_fit_evaluate_predict_on_a_subclassed_model():
    keras.utils.set_random_seed(0)
    _, Net = define(keras)
    model = Net()
    x = data(64, 5)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.7 and model.predict(x, verbose=0).shape == (64, 3)
    assert model.count_params() == 123


def test_build_makes_the_weights_before_any_data():
    _, Net = define(keras)
    model = Net()
    with pytest.raises(ValueError, match="has not been built yet"):
        model.count_params()
    model.build((None, 5))
    assert model.built and model.count_params() == 123
    assert model.losses == [] or all(np.isfinite(numpy(v)) for v in model.losses)


def test_trainable_false_freezes_every_sublayer():
    _, Net = define(keras)
    model = Net()
    model(data(1, 5))
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6
    assert all(not layer.trainable for layer in model.layers)


# ----- training= ---------------------------------------------------------------------------------
class Recorder(layers.Layer):
    """Remembers the training flag its call received."""

    def call(self, inputs, training=None):
        self.seen = training
        return inputs


class WithRecorder(keras.Model):
    def __init__(self):
        super().__init__()
        self.recorder = Recorder()
        self.out = layers.Dense(1)

    def call(self, inputs, training=None):
        self.training_arg = training
        return self.out(self.recorder(inputs))


def test_training_is_passed_to_call_and_to_the_layers_inside():
    model = WithRecorder()
    x, y = np.ones((4, 3), np.float32), np.ones((4, 1), np.float32)
    model(x)
    assert model.training_arg is False and model.recorder.seen is False
    model(x, training=True)
    assert model.training_arg is True and model.recorder.seen is True
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.recorder.seen is True
    model.predict(x, verbose=0)
    assert model.recorder.seen is False
    model.evaluate(x, y, verbose=0)
    assert model.recorder.seen is False


# ----- add_weight --------------------------------------------------------------------------------
def test_add_weight_has_keras_signature_and_defaults():
    class Custom(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 4))
            self.offset = self.add_weight(shape=(4,), initializer="ones", trainable=False)
            self.count = self.add_weight(shape=(), dtype="int32", trainable=False,
                                         name="count")
            self.add_weight((2,), "zeros", name="unassigned")

        def call(self, inputs):
            return inputs @ self.kernel + self.offset

    layer = Custom()
    out = layer(np.ones((2, 3), np.float32))
    assert tuple(out.shape) == (2, 4)
    limit = np.sqrt(6 / (3 + 4))  # glorot_uniform by default, as Keras
    assert 0 < np.abs(numpy(layer.kernel)).max() <= limit
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3, 4), (2,)]
    assert [tuple(w.shape) for w in layer.non_trainable_weights] == [(4,), ()]
    assert layer.count.numpy().dtype == np.int32
    assert layer._weight_order == ["kernel", "offset", "count", "unassigned"]
    assert sorted(dict(layer.named_parameters())) == ["kernel", "unassigned"]


def test_add_weight_errors_name_the_fix():
    layer = layers.Layer()
    with pytest.raises(ValueError, match=r"`name` must be passed as a keyword argument.*"
                                         r"add_weight\(shape=..., name='w'\)"):
        layer.add_weight("w")
    with pytest.raises(ValueError, match="int32 weight has no gradient, so it cannot be "
                                         "trainable; pass trainable=False"):
        layer.add_weight(shape=(2,), dtype="int32")
    with pytest.raises(NotImplementedError, match="constraint="):
        layer.add_weight(shape=(2,), constraint="non_neg")
    with pytest.raises(ValueError, match="unknown initializer 'nope'"):
        layer.add_weight(shape=(2,), initializer="nope")


def test_add_weight_regularizer_joins_losses():
    class Penalised(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="ones",
                                     regularizer=keras.regularizers.l2(0.5))

        def call(self, inputs):
            return inputs * self.w

    layer = Penalised()
    layer(np.ones((1, 2), np.float32))
    assert [float(numpy(v)) for v in layer.losses] == [pytest.approx(1.0)]  # 0.5 · (1 + 1)


# ----- add_loss ----------------------------------------------------------------------------------
class ActivityPenalty(layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * keras.ops.mean(keras.ops.abs(inputs)))
        return inputs


def test_add_loss_keeps_the_latest_call_and_reaches_the_model():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.penalty = ActivityPenalty(2.0)
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.penalty(inputs))

    model = Net()
    model(np.full((2, 3), 3.0, np.float32))
    model(np.full((2, 3), 1.0, np.float32))
    assert [float(numpy(v)) for v in model.losses] == [pytest.approx(2.0)]  # not 6 + 2
    assert model.penalty.losses is not model.losses and len(model.penalty.losses) == 1


def test_add_loss_in_a_functional_model_joins_the_training_loss(reference):
    def build(ks, penalty):
        inputs = ks.Input(shape=(3,))
        x = penalty(inputs)
        return ks.Model(inputs, ks.layers.Dense(1, kernel_initializer="zeros")(x))

    class RefPenalty(reference.layers.Layer):
        def call(self, inputs):
            self.add_loss(2.0 * reference.ops.mean(reference.ops.abs(inputs)))
            return inputs

    x, y = data(8, 3), np.ones((8, 1), np.float32)
    ours, theirs = build(keras, ActivityPenalty(2.0)), build(reference, RefPenalty())
    ours.compile("sgd", "mse")
    theirs.compile("sgd", "mse")
    expected = 1.0 + 2.0 * np.abs(x).mean()  # mse of a zero model on ones, plus the penalty
    assert ours.evaluate(x, y, verbose=0, batch_size=8) == pytest.approx(expected, rel=1e-5)
    assert theirs.evaluate(x, y, verbose=0, batch_size=8) == pytest.approx(expected, rel=1e-5)


def test_build_needs_an_input_shape():
    _, Net = define(keras)
    with pytest.raises(ValueError, match=r"give the input shape, e\.g\. build\(\(None, 784\)\)"):
        Net().build()
