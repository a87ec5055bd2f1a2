"""Every callback hook fires where Keras 3 fires it, with the same logs: a recording callback
runs the same tiny program on glassnet and on Keras 3 and the two records are compared."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet import keras

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end"]


@pytest.fixture(scope="module")
def reference():
    """Keras 3 on its torch backend, the oracle; the tests that need it skip without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


def recorder(k, stop_at=None):
    """A callback of keras module ``k`` recording (hook, index, logs) for every hook; with
    ``stop_at=(epoch, batch)`` it sets model.stop_training there."""

    class Recorder(k.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls, self.epoch = [], None

        def _record(self, hook, index, logs):
            self.calls.append((hook, index, dict(logs) if logs is not None else None))

    def make(hook):
        takes_index = "batch" in hook or hook in ("on_epoch_begin", "on_epoch_end")

        def method(self, *args, logs=None):
            index = args[0] if takes_index else None
            logs = args[1] if takes_index and len(args) > 1 else (
                args[0] if args and not takes_index else logs)
            if hook == "on_epoch_begin":
                self.epoch = index
            self._record(hook, index, logs)
            if hook == "on_train_batch_end" and stop_at == (self.epoch, index):
                self.model.stop_training = True
        return method

    for hook in HOOKS:
        setattr(Recorder, hook, make(hook))
    return Recorder()


rng = np.random.default_rng(0)
X = rng.standard_normal((10, 3)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)
KERNEL = rng.standard_normal((3, 2)).astype(np.float32)


def run(k, program, **options):
    """Build, compile and run ``program`` on keras module ``k``; the recorder's calls."""
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input(shape=(3,)), k.layers.Dense(2, activation="softmax")])
    model.set_weights([KERNEL, np.zeros(2, np.float32)])  # the same start in both
    model.compile(optimizer=k.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callback = recorder(k, **options)
    return program(model, callback), callback, model


def keys(calls):
    """(hook, index, sorted log keys); predict outputs checked apart."""
    return [(hook, index, None if logs is None else sorted(logs)) for hook, index, logs in calls]


def fit_program(model, callback):
    return model.fit(X, Y, batch_size=4, epochs=2, validation_data=(X, Y), shuffle=False,
                     callbacks=[callback], verbose=0)


def test_fit_with_validation_fires_the_same_hooks_with_the_same_logs_as_keras(reference):
    history, ours, model = run(keras, fit_program)
    their_history, theirs, their_model = run(reference, fit_program)
    assert keys(ours.calls) == keys(theirs.calls)
    for (hook, _, mine), (_, _, want) in zip(ours.calls, theirs.calls):
        for key in mine or {}:
            np.testing.assert_allclose(mine[key], float(want[key]), rtol=2e-4, err_msg=hook)
    assert history.params == their_history.params
    assert list(history.history) == list(their_history.history)
    assert ours.calls[-1][0] == "on_train_end" and ours.calls[-1][2] == ours.calls[-2][2]


@pytest.mark.parametrize("stop_at", [(0, 1), (1, 0)])
def test_stop_training_set_in_a_batch_hook_ends_fit_as_keras(reference, stop_at):
    _, ours, _ = run(keras, fit_program, stop_at=stop_at)
    _, theirs, _ = run(reference, fit_program, stop_at=stop_at)
    assert keys(ours.calls) == keys(theirs.calls)


def evaluate_program(model, callback):
    return model.evaluate(X, Y, batch_size=3, callbacks=[callback], verbose=0)


def test_evaluate_calls_the_test_hooks_of_its_callbacks(reference):
    result, ours, _ = run(keras, evaluate_program)
    their_result, theirs, _ = run(reference, evaluate_program)
    assert keys(ours.calls) == keys(theirs.calls)
    assert [c[0] for c in ours.calls][:3] == ["on_test_begin", "on_test_batch_begin",
                                              "on_test_batch_end"]
    np.testing.assert_allclose(result, their_result, rtol=1e-5)


def predict_program(model, callback):
    return model.predict(X, batch_size=4, callbacks=[callback], verbose=0)


def test_predict_calls_the_predict_hooks_with_the_batch_outputs(reference):
    outputs, ours, _ = run(keras, predict_program)
    _, theirs, _ = run(reference, predict_program)
    assert keys(ours.calls) == keys(theirs.calls)
    batches = [logs["outputs"] for hook, _, logs in ours.calls
               if hook == "on_predict_batch_end"]
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(batches), outputs)


def test_hooks_fire_without_keras_in_the_documented_order():
    history, callback, _ = run(keras, fit_program)
    hooks = [call[0] for call in callback.calls]
    epoch = (["on_epoch_begin"] + ["on_train_batch_begin", "on_train_batch_end"] * 3 +
             ["on_test_begin"] + ["on_test_batch_begin", "on_test_batch_end"] * 3 +
             ["on_test_end", "on_epoch_end"])
    assert hooks == ["on_train_begin"] + epoch * 2 + ["on_train_end"]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    last_logs = callback.calls[-1][2]
    assert last_logs == {k: v[-1] for k, v in history.history.items()}


def test_train_batch_logs_are_running_means_over_the_epoch():
    _, callback, _ = run(keras, lambda m, c: m.fit(X, Y, batch_size=5, epochs=1, shuffle=False,
                                                   callbacks=[c], verbose=0))
    ends = [logs for hook, _, logs in callback.calls if hook == "on_train_batch_end"]
    epoch_logs = [logs for hook, _, logs in callback.calls if hook == "on_epoch_end"][0]
    assert ends[-1] == epoch_logs and ends[0] != ends[1]
