"""The callbacks guide (keras-io guides/writing_your_own_callbacks.py): a callback recording
every hook with its log keys (the sequences compared between glassnet and Keras 3), the
logs-printing callback, early stopping at the minimum loss with self.model's weights, and a
learning-rate scheduler that sets self.model.optimizer.learning_rate."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import to_numpy

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
         "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"]


def get_model(keras):
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return model


def guide_data(data):
    (x_train, y_train), (x_test, y_test) = data
    return (x_train[:1000], y_train[:1000].astype("float32"),
            x_test[:500], y_test[:500].astype("float32"))


def custom_callback_program(keras, np, data):
    """The guide's CustomCallback, recording instead of printing "got log keys: [...]"."""
    x_train, y_train, x_test, y_test = guide_data(data)
    record = []

    class CustomCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            record.append(("on_train_begin", None, list(logs.keys())))

        def on_train_end(self, logs=None):
            record.append(("on_train_end", None, list(logs.keys())))

        def on_epoch_begin(self, epoch, logs=None):
            record.append(("on_epoch_begin", epoch, list(logs.keys())))

        def on_epoch_end(self, epoch, logs=None):
            record.append(("on_epoch_end", epoch, list(logs.keys())))

        def on_test_begin(self, logs=None):
            record.append(("on_test_begin", None, list(logs.keys())))

        def on_test_end(self, logs=None):
            record.append(("on_test_end", None, list(logs.keys())))

        def on_predict_begin(self, logs=None):
            record.append(("on_predict_begin", None, list(logs.keys())))

        def on_predict_end(self, logs=None):
            record.append(("on_predict_end", None, list(logs.keys())))

        def on_train_batch_begin(self, batch, logs=None):
            record.append(("on_train_batch_begin", batch, list(logs.keys())))

        def on_train_batch_end(self, batch, logs=None):
            record.append(("on_train_batch_end", batch, list(logs.keys())))

        def on_test_batch_begin(self, batch, logs=None):
            record.append(("on_test_batch_begin", batch, list(logs.keys())))

        def on_test_batch_end(self, batch, logs=None):
            record.append(("on_test_batch_end", batch, list(logs.keys())))

        def on_predict_batch_begin(self, batch, logs=None):
            record.append(("on_predict_batch_begin", batch, list(logs.keys())))

        def on_predict_batch_end(self, batch, logs=None):
            record.append(("on_predict_batch_end", batch, list(logs.keys())))

    model = get_model(keras)
    model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0, validation_split=0.5,
              callbacks=[CustomCallback()])
    model.evaluate(x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()])
    model.predict(x_test, batch_size=128, verbose=0, callbacks=[CustomCallback()])
    return record


def test_every_hook_fires_in_order_with_its_log_keys(k, mnist_subset):
    record = custom_callback_program(k.keras, np, mnist_subset)
    hooks = [hook for hook, _, _ in record]
    assert set(hooks) == set(HOOKS)
    train = ["on_train_batch_begin", "on_train_batch_end"] * 4  # 500 samples / 128
    test = ["on_test_begin"] + ["on_test_batch_begin", "on_test_batch_end"] * 4 + \
        ["on_test_end"]
    epoch = ["on_epoch_begin"] + train + test + ["on_epoch_end"]
    predict = ["on_predict_begin"] + ["on_predict_batch_begin", "on_predict_batch_end"] * 4 \
        + ["on_predict_end"]
    assert hooks == ["on_train_begin"] + epoch * 2 + ["on_train_end"] + test + predict
    logs = {(hook, index): keys for hook, index, keys in record}
    assert sorted(logs[("on_epoch_end", 1)]) == ["loss", "mean_absolute_error", "val_loss",
                                                 "val_mean_absolute_error"]
    assert sorted(logs[("on_train_end", None)]) == sorted(logs[("on_epoch_end", 1)])
    assert sorted(logs[("on_train_batch_end", 3)]) == ["loss", "mean_absolute_error"]
    assert logs[("on_predict_batch_end", 0)] == ["outputs"]


def test_hook_records_are_the_same_in_glassnet_and_keras(both, mnist_subset):
    glassnet, keras3 = both
    ours = custom_callback_program(glassnet.keras, np, mnist_subset)
    theirs = custom_callback_program(keras3.keras, np, mnist_subset)
    assert [(h, i, sorted(keys)) for h, i, keys in ours] == \
        [(h, i, sorted(keys)) for h, i, keys in theirs]


def printing_program(keras, np, data):
    """The guide's LossAndErrorPrintingCallback."""
    x_train, y_train, x_test, y_test = guide_data(data)

    class LossAndErrorPrintingCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print("For batch {}, loss is {:7.2f}.".format(batch, logs["loss"]))

        def on_test_batch_end(self, batch, logs=None):
            print("For batch {}, loss is {:7.2f}.".format(batch, logs["loss"]))

        def on_epoch_end(self, epoch, logs=None):
            print(
                "The average loss for epoch {} is {:7.2f} "
                "and mean absolute error is {:7.2f}.".format(
                    epoch, logs["loss"], logs["mean_absolute_error"]
                )
            )

    model = get_model(keras)
    history = model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0,
                        callbacks=[LossAndErrorPrintingCallback()])
    res = model.evaluate(x_test, y_test, batch_size=128, verbose=0,
                         callbacks=[LossAndErrorPrintingCallback()])
    return history, res


def test_logs_print_with_format_specs(k, mnist_subset, capsys):
    history, res = printing_program(k.keras, np, mnist_subset)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * (8 + 1) + 4
    epoch_lines = [line for line in lines if line.startswith("The average loss")]
    assert epoch_lines[1] == ("The average loss for epoch 1 is {:7.2f} and mean absolute "
                              "error is {:7.2f}.".format(history.history["loss"][1],
                                                         history.history[
                                                             "mean_absolute_error"][1]))
    assert lines[-1].startswith("For batch 3, loss is")


def early_stopping_at_min_loss_program(keras, np, data):
    """The guide's EarlyStoppingAtMinLoss (self.model.get_weights/set_weights/stop_training)."""
    x_train, y_train, _, _ = guide_data(data)

    class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            # best_weights to store the weights at which the minimum loss occurs.
            self.best_weights = None

        def on_train_begin(self, logs=None):
            self.wait = 0
            self.stopped_epoch = 0
            self.best = np.inf

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                # Record the best weights if current results is better (less).
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    self.model.set_weights(self.best_weights)

    model = get_model(keras)
    callback = EarlyStoppingAtMinLoss()
    history = model.fit(x_train, y_train, batch_size=64, steps_per_epoch=5, epochs=30,
                        verbose=0, callbacks=[callback])
    return model, history, callback


def test_early_stopping_at_min_loss_restores_the_best_weights(k, mnist_subset):
    model, history, callback = early_stopping_at_min_loss_program(k.keras, np, mnist_subset)
    losses = history.history["loss"]
    if callback.stopped_epoch:  # the loss rose once: training ended there
        assert len(losses) == callback.stopped_epoch + 1
        assert losses[-1] >= min(losses[:-1])
        for mine, best in zip(model.get_weights(), callback.best_weights):
            np.testing.assert_array_equal(to_numpy(mine), best)
    else:
        assert len(losses) == 30 and all(b < a for a, b in zip(losses, losses[1:]))


def scheduler_program(keras, np, data):
    """The guide's CustomLearningRateScheduler, setting the optimizer's learning_rate."""
    x_train, y_train, _, _ = guide_data(data)
    seen = []

    class CustomLearningRateScheduler(keras.callbacks.Callback):
        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule

        def on_epoch_begin(self, epoch, logs=None):
            if not hasattr(self.model.optimizer, "learning_rate"):
                raise ValueError('Optimizer must have a "learning_rate" attribute.')
            # Get the current learning rate from model's optimizer.
            lr = float(np.array(self.model.optimizer.learning_rate))
            # Call schedule function to get the scheduled learning rate.
            scheduled_lr = self.schedule(epoch, lr)
            # Set the value back to the optimizer before this epoch starts
            self.model.optimizer.learning_rate = scheduled_lr
            seen.append(lr)

    LR_SCHEDULE = [  # noqa: N806 - the guide's name
        # (epoch to start, learning rate) tuples
        (3, 0.05),
        (6, 0.01),
        (9, 0.005),
        (12, 0.001),
    ]

    def lr_schedule(epoch, lr):
        """Helper function to retrieve the scheduled learning rate based on epoch."""
        if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
            return lr
        for i in range(len(LR_SCHEDULE)):
            if epoch == LR_SCHEDULE[i][0]:
                return LR_SCHEDULE[i][1]
        return lr

    model = get_model(keras)
    model.fit(x_train, y_train, batch_size=64, steps_per_epoch=5, epochs=15, verbose=0,
              callbacks=[CustomLearningRateScheduler(lr_schedule)])
    return model, seen


def test_custom_scheduler_changes_the_learning_rate(k, mnist_subset):
    model, seen = scheduler_program(k.keras, np, mnist_subset)
    expected = [0.1] * 4 + [0.05] * 3 + [0.01] * 3 + [0.005] * 3 + [0.001] * 2
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    assert float(np.array(model.optimizer.learning_rate)) == pytest.approx(0.001)
