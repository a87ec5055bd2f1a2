"""The callback classes of keras.callbacks, each on a tiny model, against Keras 3 (torch
backend) running the same program where it is installed."""

from __future__ import annotations

import csv
import json
import os
import struct
import sys

import numpy as np
import pytest

from glassnet import keras

callbacks = keras.callbacks


@pytest.fixture(scope="module")
def reference():
    """Keras 3 on its torch backend, the oracle; the tests that need it skip without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


def data(n=32):
    x = np.random.default_rng(0).random((n, 2), dtype=np.float32)
    return x, x.sum(axis=1, keepdims=True)


def tiny(lr=0.1, metrics=None):
    """Dense(1) on 2 inputs, built, compiled with SGD and mse."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.build((None, 2))
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse", metrics=metrics)
    return model


def tiny_reference(reference, lr=0.1, metrics=None):
    reference.utils.set_random_seed(0)
    model = reference.Sequential([reference.Input((2,)), reference.layers.Dense(1)])
    model.compile(optimizer=reference.optimizers.SGD(lr), loss="mse", metrics=metrics)
    return model


def injector(library, **values_per_epoch):
    """A callback (of ``library``'s Callback class) that overwrites log keys at each epoch's
    end, so that monitored values are the same in glassnet and Keras."""

    class Inject(library.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for key, values in values_per_epoch.items():
                logs[key] = values[epoch]

    return Inject()


class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate, self.iterations = learning_rate, 0


class FakeModel:
    """What the monitoring callbacks touch: weights that change every epoch, an optimizer."""

    def __init__(self, learning_rate=0.1):
        self.epoch, self.stop_training, self.restored = 0, False, None
        self.optimizer = FakeOptimizer(learning_rate)

    def get_weights(self):
        return [np.array([self.epoch])]

    def set_weights(self, weights):
        self.restored = int(np.asarray(weights[0])[0])


def drive(callback, values, monitor="val_loss"):
    """Epochs with the given monitored values until the callback stops training: (epochs
    run, the weights restored at the end, the learning rate of each epoch)."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin({})
    ran, rates = 0, []
    for epoch, value in enumerate(values):
        model.epoch = epoch
        logs = {monitor: value, "loss": 1.0}
        callback.on_epoch_end(epoch, logs)
        rates.append(logs.get("learning_rate"))
        ran += 1
        if model.stop_training:
            break
    callback.on_train_end({})
    return ran, model.restored, rates


# ----- the protocol --------------------------------------------------------------------------
def test_callback_list_cleans_logs_once_and_shares_them_along_the_list():
    seen = []

    class AddKey(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1

    class Look(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(dict(logs))

    original = {"loss": np.float32(0.5), "b": np.array(2)}
    callbacks.CallbackList([AddKey(), Look()]).on_epoch_end(0, original)
    assert seen == [{"b": 2.0, "loss": 0.5, "extra": 1}]
    assert type(seen[0]["loss"]) is float and list(seen[0])[:2] == ["b", "loss"]
    assert "extra" not in original  # as Keras: the trainer's own dict is not changed


def test_callback_list_keras_form_sets_params_model_and_history():
    model = tiny()
    history = callbacks.History()
    listed = callbacks.CallbackList([history], add_history=True, add_progbar=True,
                                    model=model, epochs=3, steps=2, verbose=0)
    assert [type(c).__name__ for c in listed.callbacks] == ["History", "ProgbarLogger"]
    assert history.params == {"epochs": 3, "steps": 2, "verbose": 0}
    assert model.history is history and history.model is model
    with pytest.raises(ValueError, match="'on_epoch_ned' is not a callback hook"):
        listed.call("on_epoch_ned", 0, {})


def test_train_batch_hooks_call_the_older_batch_names():
    batches = []

    class Old(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            batches.append((batch, sorted(logs)))

    model = tiny()
    x, y = data()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[Old()])
    assert batches == [(0, ["loss"]), (1, ["loss"])]


def test_lambda_callback_takes_any_hook_by_keyword_and_names_a_typo():
    ended = []
    hook = callbacks.LambdaCallback(on_test_end=lambda logs: ended.append(sorted(logs)))
    model = tiny()
    x, y = data()
    model.evaluate(x, y, verbose=0, callbacks=[hook])
    assert ended == [["loss"]]
    with pytest.raises(TypeError, match="on_epoch_ned=.*did you mean on_epoch_end"):
        callbacks.LambdaCallback(on_epoch_ned=print)


# ----- EarlyStopping and ReduceLROnPlateau against Keras' own classes -------------------------
EARLY_STOPPING_CASES = [
    (dict(patience=2), [1.0, 0.9, 0.95, 0.96, 0.5]),
    (dict(patience=2, restore_best_weights=True), [1.0, 0.8, 0.9, 0.95]),
    (dict(patience=5, restore_best_weights=True), [1.0, 0.7, 0.8]),
    (dict(patience=1, min_delta=0.1), [1.0, 0.95, 0.92, 0.5]),
    (dict(patience=1, start_from_epoch=2, restore_best_weights=True), [0.1, 0.2, 1.0, 1.1]),
    (dict(patience=2, baseline=0.5, restore_best_weights=True), [1.0, 0.9, 0.95, 0.96]),
    (dict(patience=1, mode="max"), [0.5, 0.6, 0.55, 0.9]),
]


@pytest.mark.parametrize("options, values", EARLY_STOPPING_CASES)
def test_early_stopping_stops_and_restores_as_keras(reference, options, values):
    ours = drive(callbacks.EarlyStopping(**options), values)
    theirs = drive(reference.callbacks.EarlyStopping(**options), values)
    assert ours[:2] == theirs[:2]


PLATEAU_CASES = [
    (dict(factor=0.5, patience=1), [1.0, 1.0, 1.0, 0.5, 0.6, 0.7]),
    (dict(factor=0.5, patience=1, cooldown=2), [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]),
    (dict(factor=0.1, patience=2, min_lr=0.005), [1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]),
    (dict(factor=0.5, patience=1, min_delta=0.2), [1.0, 0.9, 0.5, 0.45, 0.4]),
]


@pytest.mark.parametrize("options, values", PLATEAU_CASES)
def test_reduce_lr_on_plateau_follows_keras_rates(reference, options, values):
    ours = drive(callbacks.ReduceLROnPlateau(**options), values)
    theirs = drive(reference.callbacks.ReduceLROnPlateau(**options), values)
    assert ours[2] == pytest.approx(theirs[2])


def test_reduce_lr_on_plateau_refuses_a_factor_of_one_and_unknown_keywords():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.raises(TypeError):
        callbacks.ReduceLROnPlateau(epsilon=1e-4)  # Keras swallows it; here it is a typo


def test_monitor_direction_follows_the_name_and_refuses_unknown_modes():
    assert drive(callbacks.EarlyStopping(monitor="val_accuracy", patience=0),
                 [0.5, 0.6, 0.55], monitor="val_accuracy")[0] == 3
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'mx'"):
        callbacks.EarlyStopping(mode="mx")
    with pytest.raises(ValueError, match="pass mode='min' or mode='max'"):
        drive(callbacks.EarlyStopping(monitor="val_widgets"), [1.0], monitor="val_widgets")


# ----- LearningRateScheduler ----------------------------------------------------------------
def schedule(epoch, lr):
    return lr if epoch < 1 else lr * 0.5


def test_learning_rate_scheduler_sets_and_logs_the_rates_keras_does(reference):
    x, y = data()
    model = tiny()
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        callbacks=[callbacks.LearningRateScheduler(schedule)])
    theirs = tiny_reference(reference).fit(
        x, y, epochs=3, batch_size=16, verbose=0,
        callbacks=[reference.callbacks.LearningRateScheduler(schedule)])
    assert history.history["learning_rate"] == pytest.approx(
        theirs.history["learning_rate"])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_learning_rate_scheduler_of_the_epoch_alone_and_a_non_float(capsys):
    model = FakeModel(learning_rate=1.0)
    one_argument = callbacks.LearningRateScheduler(lambda epoch: 0.5 ** epoch, verbose=1)
    one_argument.set_model(model)
    one_argument.on_epoch_begin(2)
    assert model.optimizer.learning_rate == 0.25
    assert "Epoch 3: LearningRateScheduler setting learning rate to 0.25." in \
        capsys.readouterr().out
    model.optimizer = None
    with pytest.raises(ValueError, match="must have a learning_rate attribute.*compile"):
        one_argument.on_epoch_begin(0)
    model = FakeModel(learning_rate=1.0)
    integer = callbacks.LearningRateScheduler(lambda epoch, lr: 1)
    integer.set_model(model)
    with pytest.raises(ValueError, match="should be a float. Got: 1 .*float\\(rate\\)"):
        integer.on_epoch_begin(0)


# ----- TerminateOnNaN ----------------------------------------------------------------------
def test_terminate_on_nan_stops_at_the_first_bad_batch(capsys):
    class Poison(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                logs["loss"] = float("nan")

    ran = []
    model = tiny()
    x, y = data(64)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[
        Poison(), callbacks.TerminateOnNaN(),
        callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: ran.append(b))])
    assert ran == [0, 1]  # batch 1 of epoch 0 is the last one run
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_can_raise():
    stopper = callbacks.TerminateOnNaN(raise_error=True)
    stopper.set_model(FakeModel())
    stopper.on_train_batch_end(0, {"loss": 1.0})
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 4"):
        stopper.on_train_batch_end(4, {"loss": float("inf")})


# ----- ModelCheckpoint ----------------------------------------------------------------------
def checkpoint_names(library, model, folder, epochs=3, batch_size=16, n=32, inject=None,
                     **options):
    """Fit with a ModelCheckpoint into ``folder``; the sorted names of the files written."""
    x, y = data(n)
    pattern = str(folder / options.pop("filepath"))
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=False,
              callbacks=[injector(library, **(inject or {})),
                         library.callbacks.ModelCheckpoint(pattern, **options)])
    return sorted(os.listdir(folder))


CHECKPOINT_CASES = [
    dict(filepath="w-{epoch:02d}-{val_loss:.2f}.weights.h5", save_weights_only=True,
         save_best_only=True, inject={"val_loss": [0.5, 0.7, 0.25]}),
    dict(filepath="acc-{epoch:02d}.weights.h5", save_weights_only=True, save_best_only=True,
         monitor="val_acc", mode="max", initial_value_threshold=0.6,
         inject={"val_acc": [0.5, 0.7, 0.65]}),
    dict(filepath="b-{epoch}-{batch}.weights.h5", save_weights_only=True, save_freq=3, n=64),
    dict(filepath="every-{epoch:03d}.weights.h5", save_weights_only=True),
]


@pytest.mark.parametrize("case", CHECKPOINT_CASES, ids=lambda case: case["filepath"])
def test_model_checkpoint_writes_the_files_keras_writes(reference, tmp_path, case):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    expected = checkpoint_names(reference, tiny_reference(reference), theirs, **dict(case))
    assert checkpoint_names(keras, tiny(), ours, **dict(case)) == expected
    assert expected  # each case writes something


def test_model_checkpoint_files_load_back(tmp_path):
    model = tiny()
    names = checkpoint_names(keras, model, tmp_path, epochs=2,
                             filepath="model-{epoch}.safetensors")
    assert names == ["model-1.safetensors", "model-2.safetensors"]
    loaded = keras.models.load_model(tmp_path / "model-2.safetensors")
    for mine, theirs in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def keras_format_checkpoints(folder):
    """A fit writing ``m-{epoch}.keras`` and ``w-{epoch}.weights.h5``; (model, x)."""
    model = tiny()
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(str(folder / "m-{epoch}.keras")),
        callbacks.ModelCheckpoint(str(folder / "w-{epoch}.weights.h5"),
                                  save_weights_only=True)])
    return model, x


def test_model_checkpoint_keras_suffixes_load_back_in_glassnet(tmp_path):
    model, x = keras_format_checkpoints(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["m-1.keras", "m-2.keras", "w-1.weights.h5",
                                            "w-2.weights.h5"]
    loaded = keras.models.load_model(tmp_path / "m-2.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    fresh = tiny()
    fresh.load_weights(tmp_path / "w-2.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_model_checkpoint_files_load_in_keras(reference, tmp_path):
    model, x = keras_format_checkpoints(tmp_path)
    theirs = reference.models.load_model(tmp_path / "m-2.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    weights_only = tiny_reference(reference)
    weights_only.load_weights(tmp_path / "w-2.weights.h5")
    np.testing.assert_allclose(weights_only.predict(x, verbose=0),
                               model.predict(x, verbose=0), atol=1e-6)


def test_model_checkpoint_hands_the_keras_path_to_model_save(tmp_path):
    model = tiny()
    saved = []

    def save(path):
        saved.append(os.path.basename(path))
        with open(path, "wb") as handle:
            handle.write(b"zip")

    model.save = save
    checkpoint_names(keras, model, tmp_path, epochs=1, filepath="m-{epoch}.keras")
    assert saved == ["m-1.keras"]  # the model picks the format from the real suffix
    assert sorted(os.listdir(tmp_path)) == ["m-1.keras"]


SUFFIXES = [("x.keras", True), ("x.h5", True), ("x.txt", False), ("x.weights", False),
            ("x.weights.h5", True), ("x.keras", False), ("x.h5", False)]


@pytest.mark.parametrize("path, weights_only", SUFFIXES)
def test_model_checkpoint_suffix_rules_are_keras(reference, path, weights_only):
    def accepts(library):
        try:
            library.callbacks.ModelCheckpoint(path, save_weights_only=weights_only)
        except ValueError as error:
            return str(error)
        return True

    assert (accepts(keras) is True) == (accepts(reference) is True)
    if accepts(keras) is not True:
        assert "must end in `." in accepts(keras)


def test_model_checkpoint_takes_safetensors_and_names_bad_keys_and_freqs(tmp_path):
    callbacks.ModelCheckpoint("w.safetensors", save_weights_only=True)
    callbacks.ModelCheckpoint("m.safetensors")
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a whole number"):
        callbacks.ModelCheckpoint("m.keras", save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format.*val_los.*the keys are epoch, loss"):
        checkpoint_names(keras, tiny(), tmp_path, epochs=1, filepath="{val_los:.2f}.keras")


def test_model_checkpoint_refuses_a_folder_a_missing_or_an_array_monitor(tmp_path):
    (tmp_path / "taken.keras").mkdir()
    with pytest.raises(OSError, match="non-directory filepath.*taken.keras"):
        checkpoint_names(keras, tiny(), tmp_path, epochs=1, filepath="taken.keras")
    with pytest.raises(KeyError, match="monitor='val_loss' is not in the epoch logs; "
                                       "available: loss"):
        checkpoint_names(keras, tiny(), tmp_path, epochs=1, filepath="b.keras",
                         save_best_only=True)
    with pytest.raises(ValueError, match="save_best_only needs a scalar monitor"):
        checkpoint_names(keras, tiny(), tmp_path, epochs=1, filepath="c.keras",
                         save_best_only=True, inject={"val_loss": [np.ones(3)]})


def test_model_checkpoint_never_leaves_a_half_written_file(tmp_path):
    model = tiny()
    target = tmp_path / "w.weights.h5"
    target.write_bytes(b"the previous checkpoint")

    def crash(path):
        with open(path, "wb") as handle:
            handle.write(b"half")
        raise KeyboardInterrupt

    model.save_weights = crash
    with pytest.raises(KeyboardInterrupt):
        checkpoint_names(keras, model, tmp_path, epochs=1, filepath="w.weights.h5",
                         save_weights_only=True)
    assert target.read_bytes() == b"the previous checkpoint"
    assert os.listdir(tmp_path) == ["w.weights.h5"]  # no temporary file or folder left


def test_model_checkpoint_verbose_messages(tmp_path, capsys):
    checkpoint_names(keras, tiny(), tmp_path, epochs=2, filepath="b.safetensors",
                     save_best_only=True, verbose=1, inject={"val_loss": [0.5, 0.6]})
    out = capsys.readouterr().out
    assert f"Epoch 1: val_loss improved from None to 0.50000, saving model to " \
           f"{tmp_path / 'b.safetensors'}" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out


# ----- CSVLogger -----------------------------------------------------------------------------
def csv_lines(library, model, path, validation, **options):
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0,
              validation_data=(x, y) if validation else None,
              callbacks=[library.callbacks.CSVLogger(str(path), **options)])
    with open(path, newline="") as handle:
        return handle.read().split("\r\n")


@pytest.mark.parametrize("validation", [True, False])
def test_csv_logger_columns_and_rows_are_keras(reference, tmp_path, validation):
    ours = csv_lines(keras, tiny(metrics=["mae"]), tmp_path / "ours.csv", validation)
    theirs = csv_lines(reference, tiny_reference(reference, metrics=["mae"]),
                       tmp_path / "theirs.csv", validation)
    assert ours[0] == theirs[0]  # the header, with \r\n line ends as Keras writes them
    assert len(ours) == len(theirs) == 4 and ours[-1] == ""
    for mine, keras_row in zip(ours[1:3], theirs[1:3]):
        mine, keras_row = mine.split(","), keras_row.split(",")
        assert [v == "NA" for v in mine] == [v == "NA" for v in keras_row]
        assert mine[0] == keras_row[0]  # the epoch


def test_csv_logger_appends_under_one_header_with_the_separator(tmp_path):
    path = tmp_path / "log.csv"
    for _ in range(2):
        csv_lines(keras, tiny(), path, validation=False, separator=";", append=True)
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "0", "1"]
    assert all(row[2] == "NA" and float(row[1]) > 0 for row in rows[1:])


# ----- BackupAndRestore ------------------------------------------------------------------------
class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("the job was killed")


def interrupted_then_resumed(library, make, folder):
    """Fit 4 epochs, killed after epoch 2 (index 1), then the same fit again on a new model;
    (the resumed fit's history epochs, its final weights, weights seen at train begin)."""
    x, y = data()
    interrupt = Interrupt() if library is keras else type(
        "Interrupt", (library.callbacks.Callback,), {"on_epoch_end": Interrupt.on_epoch_end})()
    first = make()
    with pytest.raises(RuntimeError, match="killed"):
        first.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                  callbacks=[library.callbacks.BackupAndRestore(str(folder)), interrupt])
    resumed, seen = make(), []
    history = resumed.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0, callbacks=[
        library.callbacks.BackupAndRestore(str(folder)),
        library.callbacks.LambdaCallback(
            on_train_begin=lambda logs: seen.append(resumed.get_weights()))])
    return history.epoch, resumed.get_weights(), seen[0], first.get_weights()


def test_backup_and_restore_writes_loads_and_deletes_the_backup(tmp_path):
    folder = tmp_path / "backup"
    _, _, at_begin, when_killed = interrupted_then_resumed(keras, tiny, folder)
    for restored, saved in zip(at_begin, when_killed):
        np.testing.assert_array_equal(restored, saved)  # loaded before the first epoch
    assert not folder.exists()  # the finished fit deleted it


def test_backup_metadata_and_double_checkpoint_fallback(tmp_path):
    model = tiny()
    backup = callbacks.BackupAndRestore(str(tmp_path), double_checkpoint=True,
                                        delete_checkpoint=False)
    backup.set_model(model)
    backup.on_epoch_end(0)
    backup.on_epoch_end(1)
    assert json.loads((tmp_path / "training_metadata.json").read_text()) == {
        "epoch": 2, "batch": 0}
    assert json.loads((tmp_path / "training_metadata.json.bkp").read_text())["epoch"] == 1
    by_batch = callbacks.BackupAndRestore(str(tmp_path / "batches"), save_freq=3)
    by_batch.set_model(model)
    for batch in range(4):
        by_batch.on_train_batch_end(batch)
    assert json.loads((tmp_path / "batches" / "training_metadata.json").read_text()) == {
        "epoch": 0, "batch": 2}
    (tmp_path / "latest.weights.h5").write_bytes(b"corrupt")
    restored = tiny()
    backup.set_model(restored)
    backup.on_train_begin()
    assert restored._initial_epoch == 1  # the previous backup, since the latest is broken


def test_backup_and_restore_needs_a_built_model_and_a_folder(tmp_path):
    with pytest.raises(ValueError, match="backup_dir is empty"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a whole number"):
        callbacks.BackupAndRestore(str(tmp_path), save_freq=0)
    backup = callbacks.BackupAndRestore(str(tmp_path))
    backup.set_model(keras.Sequential([keras.layers.Dense(1)]))
    with pytest.raises(RuntimeError, match="must be built before you call fit"):
        backup.on_train_begin()


def test_backup_and_restore_resumes_at_the_right_epoch(reference, tmp_path):
    epochs, weights, *_ = interrupted_then_resumed(keras, tiny, tmp_path / "ours")
    theirs, *_ = interrupted_then_resumed(reference, lambda: tiny_reference(reference),
                                          tmp_path / "theirs")
    assert epochs == theirs == [2, 3]
    straight = tiny()
    x, y = data()
    straight.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    for resumed, uninterrupted in zip(weights, straight.get_weights()):
        np.testing.assert_allclose(resumed, uninterrupted, rtol=1e-6)


# ----- ProgbarLogger ---------------------------------------------------------------------------
def progress_text(library, capsys, verbose, epochs=2):
    bar = library.callbacks.ProgbarLogger()
    bar.set_params({"verbose": verbose, "epochs": epochs, "steps": 2})
    bar.on_train_begin()
    for epoch in range(epochs):
        bar.on_epoch_begin(epoch)
        for batch in range(2):
            bar.on_train_batch_begin(batch)
            bar.on_train_batch_end(batch, {"loss": 0.5, "tiny": 1e-5})
        bar.on_epoch_end(epoch, {"loss": 0.25, "tiny": 1e-5})
    bar.on_train_end()
    text = capsys.readouterr().out
    return text


def normalized(text):
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return re.sub(r"\d+(ms|us|s)/step", "Tstep", re.sub(r" \d+s ", " Ts ", text))


def test_progbar_logger_one_line_per_epoch_as_keras(reference, capsys):
    ours = progress_text(keras, capsys, verbose=2)
    theirs = progress_text(reference, capsys, verbose=2)
    assert normalized(ours) == normalized(theirs)
    assert "Epoch 2/2\n2/2 - " in ours and "loss: 0.2500 - tiny: 1.0000e-05\n" in ours


def evaluation_text(library, capsys):
    bar = library.callbacks.ProgbarLogger()
    bar.set_params({"verbose": 1, "epochs": 1, "steps": 2})
    bar.on_test_begin()
    for batch in range(2):
        bar.on_test_batch_begin(batch)
        bar.on_test_batch_end(batch, {"loss": 0.5})
    bar.on_test_end({"loss": 0.25})
    return capsys.readouterr().out


@pytest.mark.parametrize("run", ["fit", "evaluate"])
def test_progbar_logger_final_bar_as_keras(reference, capsys, run):
    def final_line(library):
        text = progress_text(library, capsys, verbose=1, epochs=1) if run == "fit" else \
            evaluation_text(library, capsys)
        pieces = normalized(text).replace("\b", "").replace("\r", "\n").split("\n")
        return [piece.rstrip() for piece in pieces if piece.strip()][-1]

    assert final_line(keras) == final_line(reference)


def test_progbar_logger_bar_and_single_epoch_header(capsys):
    text = progress_text(keras, capsys, verbose=1, epochs=1)
    assert "Epoch" not in text  # Keras prints "Epoch i/n" only when there are several
    assert text.startswith("2/2 " + "━" * 20) and text.endswith("loss: 0.2500 - tiny: "
                                                                 "1.0000e-05\n")
    assert progress_text(keras, capsys, verbose=0) == ""


# ----- TensorBoard ------------------------------------------------------------------------------
def read_events(folder):
    """Every event in a run folder, read with tensorboardX's protobuf classes from the
    length-prefixed record format (TFRecord), checking each record's CRC."""
    from tensorboardX.crc32c import crc32c
    from tensorboardX.proto.event_pb2 import Event

    def masked(data):
        crc = crc32c(data)
        return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

    events = []
    for name in sorted(os.listdir(folder)):
        blob = (folder / name).read_bytes()
        while blob:
            header, blob = blob[:12], blob[12:]
            (length,), (length_crc,) = struct.unpack("<Q", header[:8]), struct.unpack(
                "<I", header[8:])
            assert masked(header[:8]) == length_crc
            body, (body_crc,), blob = blob[:length], struct.unpack(
                "<I", blob[length:length + 4]), blob[length + 4:]
            assert masked(body) == body_crc
            events.append(Event.FromString(body))
    return events


def scalars(folder) -> dict:
    found = {}
    for event in read_events(folder):
        for value in event.summary.value:
            if value.WhichOneof("value") == "simple_value":
                found.setdefault(value.tag, []).append((event.step, value.simple_value))
    return found


@pytest.fixture
def board_run(tmp_path):
    pytest.importorskip("tensorboardX")
    model = tiny(metrics=["mae"])
    x, y = data()
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(x, y),
                        callbacks=[callbacks.TensorBoard(str(tmp_path), histogram_freq=1,
                                                         update_freq=1, write_images=True,
                                                         write_steps_per_second=True)])
    return tmp_path, model, history.history


def test_tensorboard_epoch_scalars_read_back(board_run):
    folder, model, history = board_run
    train, validation = scalars(folder / "train"), scalars(folder / "validation")
    for key in ("loss", "mae"):
        for run, logged in ((train, history[key]), (validation, history[f"val_{key}"])):
            steps, values = zip(*run[f"epoch_{key}"])
            assert steps == (0, 1) and values == pytest.approx(logged, rel=1e-6)
    assert train["epoch_learning_rate"] == [(0, pytest.approx(0.1)), (1, pytest.approx(0.1))]
    assert [step for step, _ in train["batch_loss"]] == [1, 2, 3, 4]
    assert all(rate > 0 for _, rate in train["epoch_steps_per_second"])
    assert not any(tag.startswith("epoch_val_") for tag in train)


def test_tensorboard_histograms_images_and_model_config(board_run):
    folder, model, _ = board_run
    events = read_events(folder / "train")
    kinds = {(v.tag, v.WhichOneof("value")) for e in events for v in e.summary.value}
    layer = model.layers[0].name
    for weight in ("kernel", "bias"):
        assert (f"{model.name}/{layer}/{weight}/histogram", "histo") in kinds
    assert (f"{model.name}/{layer}/kernel/image", "image") in kinds
    assert (f"{model.name}/{layer}/bias/image", "image") not in kinds  # a scalar: Keras skips
    kernels = [(e.step, v.histo) for e in events for v in e.summary.value
               if v.tag.endswith("kernel/histogram")]
    assert [step for step, _ in kernels] == [0, 1] and kernels[1][1].num == 2
    assert kernels[1][1].sum == pytest.approx(model.get_weights()[0].sum(), rel=1e-5)
    config = [v for e in events for v in e.summary.value if v.tag == "keras"]
    assert config[0].metadata.plugin_data.plugin_name == "graph_keras_model"
    assert "Dense" in config[0].tensor.string_val[0].decode()


def test_tensorboard_files_open_in_tensorboard(board_run):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder, model, history = board_run
    train = EventAccumulator(str(folder / "train"), size_guidance={"histograms": 0}).Reload()
    validation = EventAccumulator(str(folder / "validation")).Reload()
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate", "batch_loss"} <= set(
        train.Tags()["scalars"])
    assert [e.value for e in validation.Scalars("epoch_loss")] == pytest.approx(
        history["val_loss"])
    assert f"{model.name}/{model.layers[0].name}/kernel/histogram" in train.Tags()["histograms"]


def test_tensorboard_evaluation_scalars_during_fit(board_run):
    folder, _, history = board_run
    steps, values = zip(*scalars(folder / "validation")["evaluation_loss_vs_iterations"])
    assert steps == (2, 4) and values == pytest.approx(history["val_loss"], rel=1e-6)


def test_tensorboard_evaluate_after_fit_adds_a_file_and_loses_nothing(board_run):
    folder, model, history = board_run
    board = callbacks.TensorBoard(str(folder))
    x, y = data()
    loss = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[board])["loss"]
    validation = scalars(folder / "validation")
    assert [step for step, _ in validation["epoch_loss"]] == [0, 1]  # fit's, still there
    (step, value), = validation["evaluation_loss_vs_iterations"][-1:]
    assert step == model.optimizer.iterations == 4 and value == pytest.approx(loss, rel=1e-6)


def test_tensorboard_without_tensorboardx_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install tensorboardX \(or pip install "
                                          r"'glassnet\[tensorboard\]'\)"):
        callbacks.TensorBoard()


def test_tensorboard_refuses_what_it_does_not_write():
    pytest.importorskip("tensorboardX")
    with pytest.raises(ValueError, match="profile_batch=2 \\(must be 0\\)"):
        callbacks.TensorBoard(profile_batch=2)
    with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch'"):
        callbacks.TensorBoard(update_freq="sometimes")
    with pytest.raises(ValueError, match="embedding projector"):
        callbacks.TensorBoard(embeddings_freq=1)
