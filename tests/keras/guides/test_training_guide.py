"""The training and evaluation guide (keras-io guides/training_with_built_in_methods.py):
custom losses (a function and a Loss subclass), a custom Metric with add_variable, class and
sample weights, a PyDataset, EarlyStopping and ModelCheckpoint."""

from __future__ import annotations

import glob

import numpy as np

from .conftest import to_numpy


def get_uncompiled_model(keras):
    layers = keras.layers
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model(keras):
    model = get_uncompiled_model(keras)
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def custom_losses_program(keras, np, data):
    """The guide's "Custom losses": a plain function, then a Loss subclass, on one-hot
    targets made with keras.ops."""
    ops = keras.ops
    (x_train, y_train), _ = data

    def custom_mean_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    model = get_uncompiled_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
    # We need to one-hot encode the labels to use MSE
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    function_history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=3, verbose=0)

    class CustomMSE(keras.losses.Loss):
        def __init__(self, regularization_factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.regularization_factor = regularization_factor

        def call(self, y_true, y_pred):
            mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
            reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
            return mse + reg * self.regularization_factor

    model = get_uncompiled_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
    class_history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=3, verbose=0)
    return function_history, class_history, model, CustomMSE


def test_custom_loss_function_and_loss_subclass_train(k, mnist_subset):
    function_history, class_history, model, custom_mse = custom_losses_program(
        k.keras, np, mnist_subset)
    for history in (function_history, class_history):
        losses = history.history["loss"]
        assert list(history.history) == ["loss"]
        assert all(b < a for a, b in zip(losses, losses[1:])), losses
    # the Loss subclass's value is the mean of call() over the batch, as Keras reduces it
    x, y = mnist_subset[1]
    y_pred = to_numpy(model.predict(x[:50], verbose=0))
    one_hot = np.eye(10, dtype="float32")[y[:50]]
    expected = np.mean(np.mean((one_hot - y_pred) ** 2, -1)
                       + 0.1 * np.mean((0.5 - y_pred) ** 2, -1))
    value = to_numpy(custom_mse()(one_hot, y_pred))
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def custom_metric_program(keras, np, data):
    """The guide's "Custom metrics": CategoricalTruePositives with add_variable."""
    ops = keras.ops
    (x_train, y_train), (x_test, y_test) = data

    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(
                shape=(), name="ctp", initializer="zeros"
            )

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives.value

        def reset_state(self):
            # The state of the metric will be reset at the start of each epoch.
            self.true_positives.assign(0.0)

    model = get_uncompiled_model(keras)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
    # labels as a column, so that y_true and the reshaped argmax line up one to one
    scores = model.evaluate(x_test, y_test.reshape(-1, 1), batch_size=64, return_dict=True,
                            verbose=0)
    return model, history, scores


def test_custom_metric_counts_the_true_positives(k, mnist_subset):
    model, history, scores = custom_metric_program(k.keras, np, mnist_subset)
    assert sorted(history.history) == ["categorical_true_positives", "loss"]
    assert sorted(scores) == ["categorical_true_positives", "loss"]
    x_test, y_test = mnist_subset[1]
    predicted = np.argmax(to_numpy(model.predict(x_test, verbose=0)), axis=1)
    assert scores["categorical_true_positives"] == float(np.sum(predicted == y_test))
    assert scores["categorical_true_positives"] > 0.7 * len(y_test)


def class_and_sample_weights_program(keras, np, data):
    """The guide's "Using sample weighting and class weighting": weight 2 for the digit 5,
    once as class_weight and once as sample_weight, from the same initial weights."""
    (x_train, y_train), _ = data
    class_weight = {
        0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0,
        # Set weight "2" for class "5",
        # making this class 2x more important
        5: 2.0,
        6: 1.0, 7: 1.0, 8: 1.0, 9: 1.0,
    }
    model = get_compiled_model(keras)
    initial_weights = model.get_weights()
    with_class_weight = model.fit(x_train, y_train, class_weight=class_weight, batch_size=64,
                                  epochs=2, shuffle=False, verbose=0)

    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    model = get_compiled_model(keras)
    model.set_weights(initial_weights)
    with_sample_weight = model.fit(x_train, y_train, sample_weight=sample_weight,
                                   batch_size=64, epochs=2, shuffle=False, verbose=0)
    return model, with_class_weight, with_sample_weight


def test_class_weight_and_the_same_sample_weight_train_alike(k, mnist_subset):
    model, with_class_weight, with_sample_weight = class_and_sample_weights_program(
        k.keras, np, mnist_subset)
    for key in ("loss", "sparse_categorical_accuracy"):
        np.testing.assert_allclose(with_class_weight.history[key],
                                   with_sample_weight.history[key], rtol=1e-4)
    losses = with_sample_weight.history["loss"]
    assert losses[1] < losses[0]
    # sample weights in evaluate: weight 1 on the fives and 0 elsewhere sums the fives' losses,
    # and Keras' "sum_over_batch_size" divides that by every sample, weighted or not
    x, y = mnist_subset[1]
    fives = (y == 5).astype("float32")
    weighted = model.evaluate(x, y, sample_weight=fives, return_dict=True, verbose=0)
    only_fives = model.evaluate(x[y == 5], y[y == 5], return_dict=True, verbose=0)
    np.testing.assert_allclose(weighted["loss"] * len(y) / fives.sum(), only_fives["loss"],
                               rtol=1e-4)


def pydataset_program(keras, np, data):
    """The guide's "Using a keras.utils.PyDataset object as input"."""
    (x_train, y_train), (x_val, y_val) = data

    class ExamplePyDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
            return batch_x, batch_y

    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32)
    model = get_compiled_model(keras)
    history = model.fit(train_py_dataset, validation_data=val_py_dataset, epochs=2, verbose=0)
    scores = model.evaluate(val_py_dataset, return_dict=True, verbose=0)
    predictions = model.predict(val_py_dataset, verbose=0)
    return history, scores, predictions, len(train_py_dataset)


def test_pydataset_feeds_fit_evaluate_and_predict(k, mnist_subset):
    history, scores, predictions, batches = pydataset_program(k.keras, np, mnist_subset)
    assert batches == 63
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy", "val_loss",
                                       "val_sparse_categorical_accuracy"]
    np.testing.assert_allclose(scores["loss"], history.history["val_loss"][-1], rtol=1e-5)
    assert scores["sparse_categorical_accuracy"] > 0.8
    assert to_numpy(predictions).shape == (500, 10)


def early_stopping_program(keras, np, data):
    """The guide's EarlyStopping callback, on a model that cannot improve (learning rate 0),
    so it stops after patience + 1 epochs whatever the seed."""
    (x_train, y_train), _ = data
    model = get_uncompiled_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss="sparse_categorical_crossentropy")
    callbacks = [
        keras.callbacks.EarlyStopping(
            # Stop training when `val_loss` is no longer improving
            monitor="val_loss",
            # "no longer improving" being defined as "no better than 1e-2 less"
            min_delta=1e-2,
            # "no longer improving" being further defined as "for at least 2 epochs"
            patience=2,
            verbose=0,
        )
    ]
    history = model.fit(x_train[:500], y_train[:500], epochs=20, batch_size=64,
                        callbacks=callbacks, validation_split=0.2, verbose=0)
    return history, callbacks[0]


def test_early_stopping_stops_after_patience(k, mnist_subset):
    history, early_stopping = early_stopping_program(k.keras, np, mnist_subset)
    assert len(history.history["loss"]) == 3
    assert early_stopping.stopped_epoch == 2


def checkpoint_program(keras, np, data):
    """The guide's ModelCheckpoint: "mymodel_{epoch}.keras", save_best_only on val_loss."""
    (x_train, y_train), _ = data
    model = get_compiled_model(keras)
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            # Path where to save the model
            # The two parameters below mean that we will overwrite
            # the current checkpoint if and only if
            # the `val_loss` score has improved.
            # The saved model name will include the current epoch.
            filepath="mymodel_{epoch}.keras",
            save_best_only=True,  # Only save a model if `val_loss` has improved.
            monitor="val_loss",
            verbose=0,
        )
    ]
    history = model.fit(x_train, y_train, epochs=3, batch_size=64, callbacks=callbacks,
                        validation_split=0.2, verbose=0)
    return history


def test_model_checkpoint_keeps_the_best_epochs(k, mnist_subset):
    history = checkpoint_program(k.keras, np, mnist_subset)
    val_losses = history.history["val_loss"]
    improved = [epoch + 1 for epoch, loss in enumerate(val_losses)
                if loss < min(val_losses[:epoch], default=np.inf)]
    assert sorted(glob.glob("mymodel_*.keras")) == [f"mymodel_{e}.keras" for e in improved]
    best = k.keras.models.load_model(f"mymodel_{improved[-1]}.keras")
    x_train, y_train = mnist_subset[0]
    x_val, y_val = x_train[1600:], y_train[1600:]  # validation_split takes the last 20%
    scores = best.evaluate(x_val, y_val, return_dict=True, verbose=0)
    np.testing.assert_allclose(scores["loss"], min(val_losses), rtol=1e-4)


def add_loss_program(keras, np, data):
    """The guide's "Handling losses and metrics that don't fit the standard signature": an
    activity-regularization layer in a functional model, and LogisticEndpoint (a model compiled
    without a loss, whose only loss comes from add_loss)."""
    layers = keras.layers
    ops = keras.ops
    (x_train, y_train), _ = data

    class ActivityRegularizationLayer(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(inputs) * 0.1)
            return inputs  # Pass-through layer.

    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = ActivityRegularizationLayer()(x)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    # The displayed loss will be much higher than before
    # due to the regularization component.
    regularized = model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
    plain = model.evaluate(x_train[:64], y_train[:64], verbose=0)

    class LogisticEndpoint(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            # Compute the training-time loss value and add it
            # to the layer using `self.add_loss()`.
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)
            # Return the inference-time prediction tensor (for `.predict()`).
            return ops.softmax(logits)

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(logits, targets)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")  # No loss argument!
    data = {
        "inputs": np.random.random((3, 3)),
        "targets": np.random.random((3, 10)),
    }
    endpoint = model.fit(data, verbose=0)
    return regularized, plain, endpoint, model


def test_add_loss_layers_train_and_a_model_without_a_compiled_loss_fits(k, mnist_subset):
    regularized, plain, endpoint, model = add_loss_program(k.keras, np, mnist_subset)
    assert list(regularized.history) == ["loss"]
    assert np.isfinite(regularized.history["loss"][0])
    assert list(endpoint.history) == ["loss"] and endpoint.history["loss"][0] > 0
    assert [t.name for t in model.inputs] == ["inputs", "targets"]
