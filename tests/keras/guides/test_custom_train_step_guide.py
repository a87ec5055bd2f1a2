"""The customizing-fit guide, torch version (keras-io guides/custom_train_step_in_torch.py):
train_step with zero_grad / compute_loss / backward / ``optimizer.apply(v.value.grad ...)``,
a lower-level one with its own metrics listed in ``metrics``, sample weights, and test_step.
``torch`` is PyTorch for Keras 3 and glassnet itself (``import glassnet as torch``)."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import to_numpy


def first_example(keras, torch, np):
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)  # Forward pass
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            # Update weights
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            # Update metrics (includes the metric that tracks the loss)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            # Return a dict mapping metric names to current value
            # Note that it will include the loss (tracked in self.metrics).
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    return model.fit(x, y, epochs=3, verbose=0)


def lower_level_example(keras, torch, np):
    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)  # Forward pass
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            # Compute our own metrics
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {
                "loss": self.loss_tracker.result(),
                "mae": self.mae_metric.result(),
            }

        @property
        def metrics(self):
            # We list our `Metric` objects here so that `reset_states()` can be
            # called automatically at the start of each epoch
            # or at the start of `evaluate()`.
            return [self.loss_tracker, self.mae_metric]

    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam")  # We don't pass a loss or metrics here.
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    return model.fit(x, y, epochs=5, verbose=0)


def sample_weight_example(keras, torch, np):
    class CustomModel(keras.Model):
        def train_step(self, data):
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)  # Forward pass
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    sw = np.random.random((1000, 1))
    return model.fit(x, y, sample_weight=sw, epochs=3, verbose=0)


def custom_test_step_program(keras, torch, np):
    class CustomModel(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(loss="mse", metrics=["mae"])
    x = np.random.random((1000, 32))
    y = np.random.random((1000, 1))
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    y_pred = to_numpy(model.predict(x, verbose=0))
    return scores, y_pred, y


@pytest.mark.parametrize("program", [first_example, lower_level_example,
                                     sample_weight_example])
def test_custom_train_step_trains_with_optimizer_apply(k, program):
    history = program(k.keras, k.torch, np)
    assert sorted(history.history) == ["loss", "mae"]
    losses = history.history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses


def test_custom_test_step_gives_the_loss_and_metrics(k):
    scores, y_pred, y = custom_test_step_program(k.keras, k.torch, np)
    assert sorted(scores) == ["loss", "mae"]
    # the "loss" Mean averages the 32-sample batches' losses, each counting once
    batch_losses = [np.mean((y_pred[i:i + 32] - y[i:i + 32]) ** 2) for i in range(0, 1000, 32)]
    np.testing.assert_allclose(scores["loss"], np.mean(batch_losses), rtol=1e-4)
    np.testing.assert_allclose(scores["mae"], np.mean(np.abs(y_pred - y)), rtol=1e-4)


def apply_gradients_program(keras, np):
    """``optimizer.apply_gradients(zip(grads, vars))`` and a None gradient, by hand."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    kernel, bias = model.trainable_weights
    before = [to_numpy(w).copy() for w in (kernel, bias)]
    optimizer.apply_gradients(zip([keras.ops.ones((2, 1)), None], [kernel, bias]))
    return before, [to_numpy(w) for w in (kernel, bias)], optimizer


def test_apply_gradients_steps_the_given_variables_only(k):
    before, after, optimizer = apply_gradients_program(k.keras, np)
    np.testing.assert_allclose(after[0], before[0] - 0.5, rtol=1e-6)
    np.testing.assert_array_equal(after[1], before[1])
    assert int(to_numpy(optimizer.iterations)) == 1


def test_apply_refuses_mismatched_gradients_and_foreign_variables():
    from glassnet import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD()
    with pytest.raises(ValueError, match="the first call must name the variables"):
        optimizer.apply([np.ones((2, 1))])
    optimizer.apply([np.zeros((2, 1)), np.zeros(1)], model.trainable_weights)
    with pytest.raises(ValueError, match="got 1 gradients for 2 variables"):
        optimizer.apply([np.ones((2, 1))], model.trainable_weights)
    with pytest.raises(ValueError, match=r"shape \(3, 1\) is not one this optimizer"):
        optimizer.apply([np.ones((3, 1))], other.trainable_weights[:1])
