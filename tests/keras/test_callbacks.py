"""Callbacks: EarlyStopping mirrors Keras 3's rule exactly; the others do what Keras does."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from glassnet import keras


class FakeModel:
    """Just what callbacks touch: weights that change every epoch, and stop_training."""

    def __init__(self):
        self.epoch, self.stop_training, self.restored = 0, False, None

    def get_weights(self):
        return [np.array([self.epoch])]

    def set_weights(self, weights):
        self.restored = int(weights[0][0])


def drive(callback, values, monitor="val_loss"):
    """Run epochs with the given monitored values until the callback stops training."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    ran = 0
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_end(epoch, {monitor: value, "loss": 1.0})
        ran += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, model


def test_stops_after_patience_epochs_without_improvement():
    ran, model = drive(keras.callbacks.EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.96, 0.5])
    assert ran == 4  # best at epoch 1; epochs 2 and 3 do not improve → stop after epoch 3
    assert model.restored is None


def test_patience_zero_stops_at_the_first_non_improvement_but_never_at_epoch_0():
    ran, _ = drive(keras.callbacks.EarlyStopping(patience=0), [1.0, 1.1, 0.5])
    assert ran == 2


def test_restore_best_weights_at_stop_and_also_when_patience_never_ran_out():
    ran, model = drive(keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True),
                       [1.0, 0.8, 0.9, 0.95])
    assert ran == 4 and model.restored == 1
    ran, model = drive(keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True),
                       [1.0, 0.7, 0.8])
    assert ran == 3 and model.restored == 1  # Keras 3 restores at train end regardless


def test_min_delta_counts_small_gains_as_no_improvement():
    ran, _ = drive(keras.callbacks.EarlyStopping(patience=1, min_delta=0.1),
                   [1.0, 0.95, 0.92, 0.5])
    assert ran == 2


def test_mode_max_for_accuracy_and_auto_inference():
    ran, _ = drive(keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1),
                   [0.5, 0.6, 0.55, 0.9], monitor="val_accuracy")
    assert ran == 3


def test_start_from_epoch_ignores_the_warm_up():
    ran, model = drive(keras.callbacks.EarlyStopping(patience=1, start_from_epoch=2,
                                                     restore_best_weights=True),
                       [0.1, 0.2, 1.0, 1.1, 1.2])
    assert ran == 4 and model.restored == 2


def test_baseline_keeps_waiting_unless_beaten():
    ran, model = drive(keras.callbacks.EarlyStopping(patience=2, baseline=0.5,
                                                     restore_best_weights=True),
                       [1.0, 0.9, 0.95, 0.96])
    # improvements that do not beat the baseline do not reset the wait (1, 2, then 3 at the
    # first non-improvement, which stops); the best epoch is still restored
    assert ran == 3 and model.restored == 1


def test_a_missing_monitor_raises_listing_the_keys():
    with pytest.raises(KeyError, match="val_loss.*available: loss"):
        keras.callbacks.EarlyStopping().on_epoch_end(0, {"loss": 1.0})


def make_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.random.rand(32, 2).astype(np.float32)
    return model, x, x.sum(axis=1, keepdims=True)


def test_stop_training_works_from_any_callback():
    model, x, y = make_model()
    stopper = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", epoch == 1))
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 2


def test_model_checkpoint_save_best_only(tmp_path):
    model, x, y = make_model()
    path = tmp_path / "best-{epoch:02d}.safetensors"
    values = iter([1.0, 0.5, 0.7])

    class FakeValidation(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(values)

    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        FakeValidation(), keras.callbacks.ModelCheckpoint(str(path), save_best_only=True)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-01.safetensors",
                                                         "best-02.safetensors"]
    assert keras.models.load_model(tmp_path / "best-02.safetensors").count_params() == 3


def test_learning_rate_scheduler_and_reduce_on_plateau():
    model, x, y = make_model()
    seen = []
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1)),
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda e, logs: seen.append(model.optimizer.learning_rate))])
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    model, x, y = make_model()
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                                min_delta=10.0)  # nothing counts as better
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[plateau])
    # the log holds the rate the epoch ran with; the first epoch always improves on +inf
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.0125)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_and_csv_logger(tmp_path):
    model, x, y = make_model()
    model.compile(optimizer=keras.optimizers.SGD(1e6), loss="mse")  # diverges to inf
    log = tmp_path / "log.csv"
    history = model.fit(x * 1e3, y * 1e3, epochs=5, verbose=0, callbacks=[
        keras.callbacks.TerminateOnNaN(), keras.callbacks.CSVLogger(str(log))])
    losses = history.history["loss"]
    assert len(losses) < 5 and not np.isfinite(losses[-1]) and np.isfinite(losses[:-1]).all()
    rows = list(csv.DictReader(open(log)))
    assert rows[0]["epoch"] == "0" and "loss" in rows[0]


def test_history_object_records_every_epoch():
    model, x, y = make_model()
    history = model.fit(x, y, epochs=3, validation_data=(x, y), verbose=0)
    assert history.epoch == [0, 1, 2] and model.history is history
    assert len(history.history["val_loss"]) == 3
