"""The functional API: keras.Input, layers called on KerasTensors, keras.Model(inputs, outputs)
with several inputs and outputs, shared layers, merging layers, feature extraction, nesting,
summary's "Connected to" column; checked against Keras 3 (torch backend) where installed."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

from glassnet import keras
from glassnet.errors import ShapeError
from glassnet.keras.functional import Functional

layers = keras.layers


@pytest.fixture(scope="module")
def reference():
    """Keras 3 on its torch backend, the oracle; the tests that need it skip without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


def data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def numpy(value):
    """A glassnet or torch tensor (or a list/dict of them) as NumPy."""
    if isinstance(value, dict):
        return {k: numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [numpy(v) for v in value]
    if hasattr(value, "detach"):
        value = value.detach()
    return value.cpu().numpy() if hasattr(value, "cpu") else np.asarray(value.numpy())


def summary_rows(text: str) -> list[tuple[str, ...]]:
    """The table's rows as tuples of cell texts (a cell's wrapped lines joined by a space)."""
    rows, current = [], None
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            current = cells if current is None else [f"{a} {b}".strip() for a, b in
                                                     zip(current, cells)]
        elif line.startswith(("├", "└")) and current is not None:
            rows.append(tuple(re.sub(r"\s+", " ", c) for c in current))
            current = None
    return rows


def summary_text(model) -> str:
    lines = []
    model.summary(print_fn=lambda text, *args, **kwargs: lines.append(text))
    return "\n".join(lines)


def two_tower(ks):
    """Two inputs, two outputs, a shared layer and every kind of merge, with explicit names
    (Keras and glassnet number unnamed layers from their own counters)."""
    L = ks.layers
    pixels = ks.Input(shape=(6,), name="pixels")
    extra = ks.Input(shape=(4,), name="extra")
    a = L.Dense(5, activation="relu", name="tower_a")(pixels)
    b = L.Dense(5, activation="tanh", name="tower_b")(extra)
    shared = L.Dense(5, name="shared")
    sa, sb = shared(a), shared(b)
    joined = L.concatenate([a, b], name="joined")
    mixed = L.Add(name="sum")([sa, sb])
    mixed = L.Average(name="mean")([mixed, L.Multiply(name="product")([sa, sb])])
    mixed = L.Subtract(name="difference")([mixed, L.Maximum(name="largest")([sa, sb])])
    mixed = L.Minimum(name="smallest")([mixed, sb])
    similarity = L.Dot(axes=1, normalize=True, name="cosine")([a, b])
    digit = L.Dense(3, activation="softmax", name="digit")(joined)
    value = L.Dense(1, name="value")(L.concatenate([mixed, similarity], name="with_cosine"))
    return ks.Model([pixels, extra], [digit, value], name="two_tower")


# ----- symbolic tensors ------------------------------------------------------------------------
def test_input_returns_a_symbolic_tensor_with_a_none_batch():
    x = keras.Input(shape=(28, 28, 1), name="image")
    assert isinstance(x, keras.KerasTensor)
    assert (x.shape, x.dtype, x.name, x.ndim) == ((None, 28, 28, 1), "float32", "image", 4)
    assert repr(x) == ("<KerasTensor shape=(None, 28, 28, 1), dtype=float32, sparse=False, "
                       "ragged=False, name=image>")
    assert keras.Input(shape=(3,), batch_size=8).shape == (8, 3)
    assert keras.Input(batch_shape=(None, 5), dtype="int32").dtype == "int32"
    with pytest.raises(TypeError, match="symbolic KerasTensor .* no values"):
        np.asarray(x)


def test_input_needs_a_shape():
    with pytest.raises(ValueError, match=r"needs the shape of one sample, e\.g\. "
                                         r"keras\.Input\(shape=\(784,\)\)"):
        keras.Input()
    with pytest.raises(ValueError, match="either shape= .* or batch_shape="):
        keras.Input(shape=(3,), batch_shape=(None, 3))


def test_calling_a_layer_on_a_keras_tensor_builds_it_and_records_a_node():
    inputs = keras.Input(shape=(7,))
    dense = layers.Dense(3)
    out = dense(inputs)
    assert isinstance(out, keras.KerasTensor) and out.shape == (None, 3)
    assert dense.built and tuple(dense.kernel.shape) == (7, 3)
    assert out._keras_history == (dense, 0, 0)
    assert dense.input is inputs and dense.output is out
    assert dense._inbound_nodes[0].inbound == [(inputs._keras_history.operation.name, 0, 0)]


def test_a_layer_never_called_has_no_output():
    with pytest.raises(AttributeError, match="has never been called .* call it on a keras.Input"):
        _ = layers.Dense(2).output


def test_symbolic_and_real_inputs_cannot_be_mixed():
    inputs = keras.Input(shape=(3,))
    with pytest.raises(TypeError, match="cannot mix KerasTensors with data"):
        layers.Add()([inputs, np.ones((1, 3), np.float32)])


# ----- the model --------------------------------------------------------------------------------
def test_model_with_inputs_and_outputs_is_functional_and_lists_layers_as_keras():
    model = two_tower(keras)
    assert isinstance(model, Functional) and isinstance(model, keras.Model)
    assert model.output_names == ["digit", "value"]
    names = [layer.name for layer in model.layers]
    assert names[:2] == ["pixels", "extra"] and names[-2:] == ["digit", "value"]
    assert [x.name for x in model.inputs] == ["pixels", "extra"]
    assert [tuple(x.shape) for x in model.outputs] == [(None, 3), (None, 1)]
    assert model.get_layer("shared") is model.get_layer(index=names.index("shared"))


def test_layer_order_and_connections_match_keras(reference):
    ours, theirs = two_tower(keras), two_tower(reference)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers]
    assert summary_rows(summary_text(ours)) == summary_rows(summary_text(theirs))


def test_summary_has_keras_connected_to_column():
    text = summary_text(two_tower(keras))
    assert "Connected to" in text
    rows = {row[0]: row for row in summary_rows(text)}
    assert rows["shared (Dense)"][1:] == ("(None, 5)", "30", "tower_a[0][0], tower_b[0][0]")
    assert rows["sum (Add)"][3] == "shared[0][0], shared[1][0]"
    assert rows["pixels (InputLayer)"][1:] == ("(None, 6)", "0", "-")
    total = 6 * 5 + 5 + 4 * 5 + 5 + 30 + 10 * 3 + 3 + 6 * 1 + 1
    assert f"Total params: {total:,}" in text


def test_a_chain_has_no_connected_to_column():
    inputs = keras.Input(shape=(4,), name="x")
    model = keras.Model(inputs, layers.Dense(2, name="out")(layers.Dense(3, name="h")(inputs)))
    rows = summary_rows(summary_text(model))
    assert rows == [("x (InputLayer)", "(None, 4)", "0"), ("h (Dense)", "(None, 3)", "15"),
                    ("out (Dense)", "(None, 2)", "8")]


def test_predictions_match_keras_with_the_same_weights(reference):
    ours, theirs = two_tower(keras), two_tower(reference)
    theirs.set_weights(ours.get_weights())
    x = [data(5, 6), data(5, 4, seed=1)]
    for got, want in zip(ours(x), theirs(x)):
        np.testing.assert_allclose(numpy(got), numpy(want), rtol=1e-5, atol=1e-5)


def test_a_shared_layer_has_one_set_of_weights_and_gets_both_gradients():
    inputs = keras.Input(shape=(3,))
    shared = layers.Dense(2, use_bias=False)
    model = keras.Model(inputs, layers.Add()([shared(inputs), shared(inputs)]))
    assert len(model.weights) == 1 and len(shared._inbound_nodes) == 2
    x = data(4, 3)
    out = model(x)
    out.sum().backward()
    np.testing.assert_allclose(numpy(shared.kernel.grad), 2 * x.sum(0)[:, None].repeat(2, 1),
                               rtol=1e-5)


def test_dict_inputs_and_outputs():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(3,), name="b")
    joined = layers.concatenate([a, b])
    model = keras.Model({"a": a, "b": b}, {"z": layers.Dense(1, name="z_layer")(joined),
                                           "y": layers.Dense(2, name="y_layer")(joined)})
    out = model({"b": np.ones((4, 3)), "a": np.ones((4, 2))})
    assert list(out) == ["y", "z"]  # sorted, as Keras' tree packs dicts
    assert tuple(out["y"].shape) == (4, 2) and tuple(out["z"].shape) == (4, 1)
    assert model.output_names == ["y_layer", "z_layer"]
    with pytest.raises(ValueError, match=r"missing inputs \['b'\]"):
        model({"a": np.ones((4, 2))})


def test_a_list_model_takes_a_dict_keyed_by_input_names():
    a, b = keras.Input(shape=(2,), name="left"), keras.Input(shape=(2,), name="right")
    model = keras.Model([a, b], layers.Subtract()([a, b]))
    out = model({"right": np.ones((1, 2)), "left": 3 * np.ones((1, 2))})
    np.testing.assert_allclose(numpy(out), 2 * np.ones((1, 2)))


def test_feature_extraction_over_intermediate_outputs():
    inputs = keras.Input(shape=(5,))
    h1 = layers.Dense(4, activation="relu")(inputs)
    h2 = layers.Dense(3)(h1)
    model = keras.Model(inputs, layers.Dense(2)(h2))
    features = keras.Model(model.inputs, [layer.output for layer in model.layers])
    x = data(6, 5)
    values = features(x)
    assert [tuple(v.shape) for v in values] == [(6, 5), (6, 4), (6, 3), (6, 2)]
    np.testing.assert_allclose(numpy(values[-1]), numpy(model(x)), rtol=1e-6)
    backbone = keras.Model(h1, h2)  # from an intermediate tensor to another
    np.testing.assert_allclose(numpy(backbone(values[1])), numpy(values[2]), rtol=1e-6)


def test_feature_extraction_from_a_sequential_model_as_in_keras_guide():
    initial = keras.Sequential([keras.Input(shape=(8, 8, 1)),
                                layers.Conv2D(4, 3, activation="relu"),
                                layers.Conv2D(2, 3, activation="relu")])
    extractor = keras.Model(inputs=initial.inputs,
                            outputs=[layer.output for layer in initial.layers])
    features = extractor(data(2, 8, 8, 1))
    assert [tuple(f.shape) for f in features] == [(2, 6, 6, 4), (2, 4, 4, 2)]


def test_nested_models_match_keras(reference):
    def build(ks):
        L = ks.layers
        inner_in = ks.Input(shape=(4,), name="inner_in")
        inner = ks.Model(inner_in, L.Dense(3, activation="relu", name="inner_dense")(inner_in),
                         name="inner")
        head = ks.Sequential([L.Dense(3, name="seq_a"), L.Dense(2, name="seq_b")], name="head")
        inputs = ks.Input(shape=(4,), name="outer_in")
        x = inner(inputs)
        y = inner(L.Dense(4, name="pre")(inputs))  # the nested model shared, as a layer
        return ks.Model(inputs, head(L.add([x, y], name="both")), name="outer")

    ours, theirs = build(keras), build(reference)
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers]
    theirs.set_weights(ours.get_weights())
    x = data(3, 4)
    np.testing.assert_allclose(numpy(ours(x)), numpy(theirs(x)), rtol=1e-5, atol=1e-6)
    assert summary_rows(summary_text(ours)) == summary_rows(summary_text(theirs))


def test_calling_a_model_on_data_checks_the_input_shape():
    inputs = keras.Input(shape=(3,), name="features")
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    with pytest.raises(ShapeError, match=r"input 'features' expects shape \(None, 3\) .* "
                                         r"got \(2, 4\)"):
        model(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"expected 1 inputs \(\['features'\]\), got 2"):
        model([np.ones((2, 3)), np.ones((2, 3))])


def test_graph_errors_say_what_to_fix():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(2,), name="b")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match=r"cannot be computed from the inputs \['a'\] "
                                         r"\(graph disconnected\)"):
        keras.Model(a, out)
    with pytest.raises(TypeError, match="must be KerasTensors .* got ndarray"):
        keras.Model(a, np.ones(2))
    x = layers.Dense(2, name="twin")(a)
    with pytest.raises(ValueError, match='the name "twin" is used 2 times'):
        keras.Model(a, layers.Dense(2, name="twin")(x))


def test_get_layer_errors_match_keras():
    inputs = keras.Input(shape=(2,), name="only_input")
    model = keras.Model(inputs, layers.Dense(1, name="only_dense")(inputs))
    with pytest.raises(ValueError, match=r"No such layer: nope. Existing layers are: "
                                         r"\['only_input', 'only_dense'\]"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()
    with pytest.raises(ValueError, match="at index 5 but model only has 2 layers"):
        model.get_layer(index=5)


def test_training_flag_reaches_layers_inside_the_graph():
    inputs = keras.Input(shape=(200,))
    model = keras.Model(inputs, layers.Dropout(0.5)(inputs))
    x = np.ones((2, 200), np.float32)
    assert np.all(numpy(model(x)) == 1)  # model(x) is inference, as in Keras
    dropped = numpy(model(x, training=True))
    assert (dropped == 0).mean() > 0.3 and set(np.unique(dropped)) <= {0.0, 2.0}
    pinned_in = keras.Input(shape=(200,))
    pinned = keras.Model(pinned_in, layers.Dropout(0.5)(pinned_in, training=False))
    assert np.all(numpy(pinned(x, training=True)) == 1)  # training=False kept on the node


def test_forward_with_logits_gives_the_softmax_output_logits():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(4, activation="softmax")(layers.Dense(5)(inputs)))
    output, logits, activation = model.forward_with_logits(data(2, 3))
    assert activation == "softmax"
    np.testing.assert_allclose(numpy(output), np.exp(numpy(logits)) / np.exp(
        numpy(logits)).sum(1, keepdims=True), rtol=1e-5)


# ----- merging layers ---------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("Add", lambda a, b: a + b), ("Subtract", lambda a, b: a - b),
    ("Multiply", lambda a, b: a * b), ("Average", lambda a, b: (a + b) / 2),
    ("Maximum", np.maximum), ("Minimum", np.minimum),
    ("Concatenate", lambda a, b: np.concatenate([a, b], -1)),
])
def test_merge_layers_compute_their_formula_on_data(name, expected):
    a, b = data(3, 4), data(3, 4, seed=1)
    np.testing.assert_allclose(numpy(getattr(layers, name)()([a, b])), expected(a, b),
                               rtol=1e-6)


@pytest.mark.parametrize("name, options", [
    ("Add", {}), ("Subtract", {}), ("Multiply", {}), ("Average", {}), ("Maximum", {}),
    ("Minimum", {}), ("Concatenate", {"axis": 1}), ("Dot", {"axes": 1}),
    ("Dot", {"axes": (2, 2), "normalize": True}),
])
def test_merge_layers_match_keras_values_and_shapes(reference, name, options):
    three_d = options.get("axes") == (2, 2)
    shape = (3, 2, 4) if three_d else (3, 4)
    a, b = data(*shape), data(*shape, seed=1)
    ours = getattr(layers, name)(**options)([a, b])
    theirs = getattr(reference.layers, name)(**options)([a, b])
    np.testing.assert_allclose(numpy(ours), numpy(theirs), rtol=1e-5, atol=1e-6)
    symbolic = [keras.Input(shape=shape[1:]), keras.Input(shape=shape[1:])]
    reference_symbolic = [reference.Input(shape=shape[1:]), reference.Input(shape=shape[1:])]
    assert getattr(layers, name)(**options)(symbolic).shape == getattr(
        reference.layers, name)(**options)(reference_symbolic).shape


def test_merge_gradients_reach_every_input():
    import glassnet

    a = glassnet.tensor(data(2, 3), requires_grad=True)
    b = glassnet.tensor(data(2, 3, seed=1), requires_grad=True)
    layers.Maximum()([a, b]).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy() + b.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(a.grad.numpy(), (numpy(a) >= numpy(b)).astype(np.float32))
    a.grad = b.grad = None
    layers.Concatenate()([a, b]).sum().backward()
    assert a.grad.numpy().tolist() == b.grad.numpy().tolist() == np.ones((2, 3)).tolist()


def test_function_forms_make_the_layers():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    for fn, cls in ((layers.add, "Add"), (layers.subtract, "Subtract"),
                    (layers.multiply, "Multiply"), (layers.average, "Average"),
                    (layers.maximum, "Maximum"), (layers.minimum, "Minimum"),
                    (layers.concatenate, "Concatenate")):
        out = fn([a, b])
        assert type(out._keras_history.operation).__name__ == cls
    assert layers.concatenate([a, b], axis=-1).shape == (None, 6)
    assert layers.dot([a, b], axes=1).shape == (None, 1)


def test_merge_errors_name_what_was_expected():
    a = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layers.Add()(a)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=-1)([keras.Input(shape=(2, 3)), keras.Input(shape=(4, 3))])
    with pytest.raises(ShapeError, match=r"incompatible shapes. Received shapes \(None, 4\) "
                                         r"and \(None, 3\)"):
        layers.Add()([keras.Input(shape=(4,)), a])


# ----- training -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mnist_subset():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train[:3000].reshape(-1, 784).astype(np.float32) / 255
    x_test = x_test[:1000].reshape(-1, 784).astype(np.float32) / 255
    return (x_train, y_train[:3000]), (x_test, y_test[:1000])


def test_functional_mnist_with_two_inputs_and_two_outputs_trains(mnist_subset):
    """The top and bottom halves of each digit as two inputs; outputs: the digit (softmax)
    and whether it is even (sigmoid), as the Keras guide's multi-input, multi-output model."""
    (x_train, y_train), (x_test, y_test) = mnist_subset
    keras.utils.set_random_seed(0)
    top, bottom = keras.Input(shape=(392,), name="top"), keras.Input(shape=(392,), name="bottom")
    features = layers.concatenate([layers.Dense(64, activation="relu")(top),
                                   layers.Dense(64, activation="relu")(bottom)])
    digit = layers.Dense(10, activation="softmax", name="digit")(features)
    even = layers.Dense(1, activation="sigmoid", name="even")(features)
    model = keras.Model(inputs=[top, bottom], outputs=[digit, even])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss={"digit": "sparse_categorical_crossentropy", "even": "binary_crossentropy"},
                  metrics={"digit": ["accuracy"], "even": ["accuracy"]})

    def split(x, y):
        return [x[:, :392], x[:, 392:]], {"digit": y, "even": (y % 2 == 0).astype(np.float32)}

    history = model.fit(*split(x_train, y_train), batch_size=64, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    results = model.evaluate(*split(x_test, y_test), verbose=0, return_dict=True)
    # 3 epochs of 3,000 digits: chance is 0.1 and 0.5; such runs land near 0.9
    assert results["digit_accuracy"] > 0.8 and results["even_accuracy"] > 0.8, results
    digit_probs, even_probs = model.predict(split(x_test, y_test)[0], verbose=0)
    assert digit_probs.shape == (1000, 10) and even_probs.shape == (1000, 1)


# ----- layers without compute_output_shape, and the remaining error messages ----------------------
class Pairs(layers.Layer):
    """(batch, 2n) → (batch, n, 2), with no compute_output_shape: the shape is learned by
    running the layer once on zeros, as Keras traces it."""

    def call(self, inputs):
        self.add_loss(keras.ops.sum(inputs))  # ignored while the shape is being learned
        return keras.ops.reshape(inputs, (-1, inputs.shape[1] // 2, 2))


def test_a_layer_without_compute_output_shape_is_run_once_to_learn_it():
    inputs = keras.Input(shape=(6,))
    pairs = Pairs()
    out = pairs(inputs)
    assert out.shape == (None, 3, 2) and pairs._added_losses == []
    model = keras.Model(inputs, layers.Flatten()(out))
    assert tuple(model(data(4, 6)).shape) == (4, 6) and len(model.losses) == 1


def test_a_layer_whose_shape_cannot_be_learned_says_to_define_compute_output_shape():
    class Broken(layers.Layer):
        def call(self, inputs):
            raise RuntimeError("boom")

    with pytest.raises(ValueError, match=r"could not work out its output shape .* \(boom\). "
                                         r"Define compute_output_shape"):
        Broken()(keras.Input(shape=(2,)))


@pytest.mark.parametrize("make, error, message", [
    (lambda: bool(keras.Input(shape=(2,))), TypeError, "truth value is unknown"),
    (lambda: keras.Input(shape=(2,)) + 1, TypeError, r"use the merging layers \(keras.layers."
                                                      r"add\(\[a, b\]\)"),
    (lambda: layers.Dense(2)(keras.Input(shape=(2,)), keras.Input(shape=(2,))), ValueError,
     r"pass them as layer\(\[a, b\]\)"),
    (lambda: keras.Model([], keras.Input(shape=(2,))), ValueError, "`inputs` is empty"),
    (lambda: keras.Model(keras.Input(shape=(2,)), keras.KerasTensor((None, 2))), ValueError,
     "was not made by a layer"),
    (lambda: keras.Input(shape=(2,), sparse=True), NotImplementedError, "sparse= is not "
                                                                        "supported"),
    (lambda: layers.Layer(activity_regularizer="l2"), NotImplementedError,
     r"call self.add_loss\(...\) in call\(\)"),
    (lambda: layers.Dense(2, dtype="float16"), ValueError, "compute in float32"),
    (lambda: layers.Dot(axes=0)([keras.Input(shape=(2,)), keras.Input(shape=(2,))]),
     ValueError, "names the batch axis"),
    (lambda: layers.Dot(axes=1)([keras.Input(shape=(2,)), keras.Input(shape=(3,))]),
     ShapeError, "dimension incompatibility: 2 .* != 3"),
    (lambda: layers.Dot(axes=1)([keras.Input(shape=(2,))] * 3), ValueError, "exactly 2 inputs"),
    (lambda: layers.Add().call(np.ones(2)), ValueError, "takes a list of tensors"),
    (lambda: layers.Layer()(np.ones((1, 2), np.float32)), NotImplementedError,
     r"must define call\(self, inputs\)"),
    (lambda: keras.Sequential().pop(), IndexError, "there are no layers"),
])
def test_error_messages(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_sequential_pop_rebuilds_the_graph():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2)])
    model.pop()
    assert model.outputs[0].shape == (None, 4) and len(model.layers) == 1


def test_input_structure_errors_name_the_expected_inputs():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(2,), name="b")
    listed = keras.Model([a, b], layers.Add()([a, b]))
    with pytest.raises(ValueError, match=r"named \['a', 'b'\]; missing \['b'\]"):
        listed({"a": np.ones((1, 2))})
    keyed = keras.Model({"a": a, "b": b}, layers.Add()([a, b]))
    with pytest.raises(ValueError, match=r"takes a dict of inputs with keys \['a', 'b'\]"):
        keyed(np.ones((1, 2)))


def test_summary_options_glassnet_lacks_are_refused():
    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    with pytest.raises(NotImplementedError, match="expand_nested and show_trainable"):
        model.summary(expand_nested=True)
    with pytest.raises(NotImplementedError, match="line_length= is not supported"):
        model.summary(line_length=120)


def test_a_functional_convnet_with_a_residual_join_matches_keras(reference):
    def build(ks):
        L = ks.layers
        inputs = ks.Input(shape=(8, 8, 2), name="img")
        x = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inputs)
        y = L.Conv2D(4, 3, padding="same", name="c2")(x)
        y = L.BatchNormalization(name="bn")(y)
        x = L.add([x, y], name="residual")
        x = L.MaxPooling2D(name="pool")(x)
        x = L.GlobalAveragePooling2D(name="gap")(x)
        x = L.Dropout(0.5, name="drop")(x)
        return ks.Model(inputs, L.Dense(3, activation="softmax", name="probs")(x), name="res")

    ours, theirs = build(keras), build(reference)
    weights = [w + 0.1 * np.random.default_rng(i).standard_normal(w.shape).astype(np.float32)
               for i, w in enumerate(ours.get_weights())]  # moving statistics away from 0/1
    weights[-4] = np.abs(weights[-4]) + 0.5  # a positive moving variance
    ours.set_weights(weights)
    theirs.set_weights(weights)
    x = data(2, 8, 8, 2)
    np.testing.assert_allclose(ours.predict(x, verbose=0), numpy(theirs(x)), rtol=1e-5,
                               atol=1e-6)
    assert summary_rows(summary_text(ours)) == summary_rows(summary_text(theirs))
