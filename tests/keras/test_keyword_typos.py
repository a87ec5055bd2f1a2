"""Keras' training methods have Keras' explicit signatures (issue 13 §3): a typo such as
``fit(..., epoch=10)`` raises TypeError naming the closest keyword instead of training one epoch,
options glassnet lacks are refused by name, and the ones it has do what Keras' do."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

from glassnet import keras


def model():
    net = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    net.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return net


def data(n=64):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 3, n)


@pytest.mark.parametrize("call, typo, closest", [
    (lambda m, x, y, **k: m.fit(x, y, verbose=0, **k), "epoch", "epochs"),
    (lambda m, x, y, **k: m.fit(x, y, verbose=0, **k), "batchsize", "batch_size"),
    (lambda m, x, y, **k: m.fit(x, y, verbose=0, **k), "validation_spilt", "validation_split"),
    (lambda m, x, y, **k: m.evaluate(x, y, verbose=0, **k), "return_dic", "return_dict"),
    (lambda m, x, y, **k: m.predict(x, verbose=0, **k), "batch_sizes", "batch_size"),
    (lambda m, x, y, **k: m.compile(loss="mse", **k), "metric", "metrics"),
    (lambda m, x, y, **k: keras.Sequential(**k), "layer", "layers"),
])
def test_a_mistyped_keyword_raises_naming_the_closest_one(call, typo, closest):
    net, (x, y) = model(), data()
    weights = [w.copy() for w in net.get_weights()]
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{typo}'; did you mean "
                                        f"'{closest}'"):
        call(net, x, y, **{typo: 10})
    assert all(np.array_equal(a, b) for a, b in zip(weights, net.get_weights()))  # no training


def test_an_unknown_keyword_without_a_close_one_lists_them_all():
    net, (x, y) = model(), data()
    with pytest.raises(TypeError, match="'colour'; the keywords are x, y, batch_size, epochs"):
        net.fit(x, y, colour="red")


def test_the_signatures_are_keras_own():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    reference = pytest.importorskip("keras")
    if reference.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    for name in ("compile", "fit", "evaluate", "predict"):
        ours = inspect.signature(getattr(keras.Sequential, name)).parameters
        theirs = inspect.signature(getattr(reference.Sequential, name)).parameters
        theirs = {k: p for k, p in theirs.items() if p.kind is not p.VAR_KEYWORD}
        assert list(ours) == list(theirs), name
        assert [p.default for p in ours.values()] == [p.default for p in theirs.values()], name
    ours = inspect.signature(keras.Sequential.__init__).parameters
    assert list(ours) == list(inspect.signature(reference.Sequential.__init__).parameters)


@pytest.mark.parametrize("option, value", [("epochs", -1), ("epochs", 2.5),
                                           ("validation_freq", 0), ("steps_per_epoch", 0),
                                           ("initial_epoch", -2)])
def test_fit_counts_are_checked_up_front(option, value):
    net, (x, y) = model(), data()
    with pytest.raises(ValueError, match=f"fit: {option} must be a whole number"):
        net.fit(x, y, verbose=0, **{option: value})


class Count(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append("train")

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append("test")

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append("predict")


def test_steps_validation_freq_and_batch_sizes_are_honoured():
    net, (x, y) = model(), data(64)
    counter = Count()
    history = net.fit(x, y, batch_size=8, epochs=4, steps_per_epoch=3, verbose=0,
                      validation_data=(x, y), validation_freq=2, callbacks=[counter])
    assert counter.calls.count("train") == 12  # 3 batches per epoch, not 8
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    counter = Count()
    net.evaluate(x, y, batch_size=8, steps=2, verbose=0, callbacks=[counter])
    assert counter.calls == ["test", "test"]
    counter = Count()
    out = net.predict(x, batch_size=8, steps=3, verbose=0, callbacks=[counter])
    assert out.shape == (24, 3) and counter.calls == ["predict"] * 3


def test_a_frozen_sequential_has_no_trainable_weights():
    frozen = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)], trainable=False)
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2
