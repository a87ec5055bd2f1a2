"""Keras' SimpleRNN, LSTM, GRU and Bidirectional on glassnet's fused sequence ops: the same
outputs, states, input and weight gradients as Keras 3 with its weights copied over, Keras 3's
.keras files both ways (weights at <layer>/cell/vars), and the options refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import keras
from tests.keras.test_conv_layers import reference  # noqa: F401

layers = keras.layers

CASES = [
    ("SimpleRNN", {"units": 6}),
    ("SimpleRNN", {"units": 6, "return_sequences": True, "go_backwards": True}),
    ("SimpleRNN", {"units": 6, "activation": "relu", "return_state": True}),
    ("LSTM", {"units": 5}),
    ("LSTM", {"units": 5, "return_sequences": True, "return_state": True}),
    ("LSTM", {"units": 5, "go_backwards": True, "return_sequences": True}),
    ("LSTM", {"units": 5, "use_bias": False}),
    ("GRU", {"units": 7}),
    ("GRU", {"units": 7, "return_sequences": True, "return_state": True, "go_backwards": True}),
]


def sequences(shape=(3, 5, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def outputs_and_gradients(lib_layer, x, make, weights=None):
    """The layer's outputs (a list) and the gradients of their sum w.r.t. x and the weights."""
    if weights is not None:
        lib_layer(x)
        lib_layer.set_weights(weights)
    leaf = make(x)
    out = lib_layer(leaf)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    sum(o.sum() for o in outs).backward()
    return outs, leaf.grad


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CASES)])
def test_recurrent_layer_agrees_with_keras(reference, name, options):  # noqa: F811
    import torch

    x = sequences()
    theirs = getattr(reference.layers, name)(**options)
    their_outs, their_dx = outputs_and_gradients(theirs, x, lambda a: torch.tensor(
        a, requires_grad=True))
    ours = getattr(layers, name)(**options)
    weights = [reference.ops.convert_to_numpy(w) for w in theirs.weights]
    our_outs, our_dx = outputs_and_gradients(ours, x, lambda a: glassnet.tensor(
        a, requires_grad=True), weights)
    assert len(our_outs) == len(their_outs)
    for mine, want in zip(our_outs, their_outs):
        np.testing.assert_allclose(mine.detach().numpy(), want.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(our_dx.numpy(), their_dx.numpy(), atol=1e-5)
    for mine, want in zip(ours.trainable_weights, theirs.trainable_weights):
        np.testing.assert_allclose(mine.grad.numpy(), want.value.grad.numpy(), atol=1e-5)
    assert ours.compute_output_shape((None, 5, 4)) == theirs.compute_output_shape((None, 5, 4))


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_bidirectional_agrees_with_keras(reference, merge_mode):  # noqa: F811
    x = sequences()
    theirs = reference.layers.Bidirectional(reference.layers.LSTM(4, return_sequences=True),
                                            merge_mode=merge_mode)
    ours = layers.Bidirectional(layers.LSTM(4, return_sequences=True), merge_mode=merge_mode)
    want = reference.ops.convert_to_numpy(theirs(x))
    ours(x)
    ours.set_weights([reference.ops.convert_to_numpy(w) for w in theirs.weights])
    np.testing.assert_allclose(ours(x).detach().numpy(), want, atol=1e-5)


def test_bidirectional_takes_each_directions_initial_states(reference):  # noqa: F811
    x = sequences((2, 5, 3))
    states = [sequences((2, 4), seed=i) for i in range(4)]
    theirs = reference.layers.Bidirectional(reference.layers.LSTM(4))
    want = reference.ops.convert_to_numpy(theirs(x, initial_state=states))
    ours = layers.Bidirectional(layers.LSTM(4))
    ours(x)
    ours.set_weights([reference.ops.convert_to_numpy(w) for w in theirs.weights])
    np.testing.assert_allclose(ours(x, initial_state=states).detach().numpy(), want, atol=1e-5)


def test_keras_files_with_recurrent_layers_load_both_ways(reference, tmp_path):  # noqa: F811
    k = reference
    model = k.Sequential([
        k.Input((6, 3)), k.layers.Conv1D(4, 3, padding="causal"),
        k.layers.Bidirectional(k.layers.LSTM(5, return_sequences=True)),
        k.layers.SimpleRNN(3, return_sequences=True), k.layers.GRU(4), k.layers.Dense(2)])
    x = sequences((2, 6, 3))
    model.save(tmp_path / "theirs.keras")
    ours = keras.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(ours.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)
    ours.save(tmp_path / "ours.keras")
    back = k.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)


def test_an_lstm_learns_to_add_up_a_sequence():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (256, 6, 1)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 1)), layers.LSTM(16), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.05 < history.history["loss"][0]


def test_dropout_uses_one_mask_per_sequence_and_only_in_training():
    layer = layers.SimpleRNN(3, dropout=0.5, seed=1)
    x = np.ones((4, 5, 6), np.float32)
    layer(x)
    mask = layer._dropout_mask(glassnet.tensor(x)).numpy()
    assert mask.shape == (4, 1, 6) and set(np.unique(mask)) <= {0.0, 2.0}
    np.testing.assert_array_equal(layer(x, training=False).detach().numpy(),
                                  layer(x).detach().numpy())


@pytest.mark.parametrize("build, message", [
    (lambda: layers.LSTM(4, recurrent_dropout=0.2), "recurrent_dropout and stateful"),
    (lambda: layers.GRU(4, reset_after=False), "reset_after=False"),
    (lambda: layers.LSTM(4, activation="relu"), "activation must be one of"),
    (lambda: layers.SimpleRNN(4, activation="sigmoid"), "activation must be one of"),
    (lambda: layers.Bidirectional(layers.Dense(3)), "expected a SimpleRNN, LSTM or GRU"),
])
def test_what_the_fused_ops_cannot_do_is_refused(build, message):
    with pytest.raises((NotImplementedError, ValueError), match=message):
        build()


def test_a_mask_is_refused():
    layer = layers.LSTM(2)
    with pytest.raises(NotImplementedError, match="masks are not supported"):
        layer(sequences(), mask=np.ones((3, 5), bool))
