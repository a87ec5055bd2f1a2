"""The Sequential model guide (keras-io guides/sequential_model.py): add/pop, deferred
building, feature extraction from a Sequential's layers, and transfer learning by freezing
layers (``trainable = False``) with the summary's trainable / non-trainable counts."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import to_numpy


def basics_program(keras, np):
    layers = keras.layers
    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))
    weights_before = list(model.weights)  # no weights yet: the input size is unknown
    model.pop()
    count_after_pop = len(model.layers)
    x = keras.ops.ones((1, 4))
    y = model(x)  # the first call creates the weights
    return model, weights_before, count_after_pop, y


def test_sequential_is_built_on_its_first_call(k):
    model, weights_before, count_after_pop, y = basics_program(k.keras, np)
    assert weights_before == []
    assert count_after_pop == 2
    assert len(model.weights) == 4
    assert tuple(to_numpy(y).shape) == (1, 3)


def feature_extraction_program(keras, np):
    """The guide's "Feature extraction with a Sequential model" (a 50x50 image instead of
    250x250, to keep glassnet's NumPy convolutions quick)."""
    layers = keras.layers
    initial_model = keras.Sequential(
        [
            keras.Input(shape=(50, 50, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=[layer.output for layer in initial_model.layers],
    )
    x = keras.ops.ones((1, 50, 50, 3))
    features = feature_extractor(x)

    one_layer = keras.Model(
        inputs=initial_model.inputs,
        outputs=initial_model.get_layer(name="my_intermediate_layer").output,
    )
    intermediate = one_layer(x)
    return initial_model, features, intermediate


def test_feature_extraction_gives_every_layers_output(k):
    initial_model, features, intermediate = feature_extraction_program(k.keras, np)
    assert [tuple(to_numpy(f).shape) for f in features] == [(1, 23, 23, 32), (1, 21, 21, 32),
                                                            (1, 19, 19, 32)]
    np.testing.assert_allclose(to_numpy(intermediate), to_numpy(features[1]), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(features[-1]),
                               to_numpy(initial_model(np.ones((1, 50, 50, 3), "float32"))),
                               rtol=1e-5, atol=1e-6)


def summary_counts(model) -> dict:
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    return {name: int(count.replace(",", ""))
            for name, count in re.findall(r"^ (\S+) params: ([\d,]+)", text, re.M)}


def freezing_program(keras, np, data):
    """The guide's transfer learning: freeze every layer but the last, recompile, train; then
    a frozen base model (standing in for keras.applications.Xception) under a new head."""
    layers = keras.layers
    (x_train, y_train), _ = data
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.save_weights("pretrained.weights.h5")  # stands in for pre-trained weights
    model.load_weights("pretrained.weights.h5")
    # Freeze all layers except the last one.
    for layer in model.layers[:-1]:
        layer.trainable = False
    frozen_before = [to_numpy(w).copy() for w in model.weights]
    # Recompile and train (this will only update the weights of the last layer).
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x_train[:256], y_train[:256], epochs=1, batch_size=64, verbose=0)
    after = [to_numpy(w) for w in model.weights]

    base_model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64),
                                   layers.BatchNormalization(), layers.Dense(16)])
    base_model.trainable = False
    head = keras.Sequential([base_model, layers.Dense(10)])
    return model, frozen_before, after, head, base_model


def test_frozen_layers_keep_their_weights_and_the_summary_counts_them(k, mnist_subset):
    model, before, after, head, base_model = freezing_program(k.keras, np, mnist_subset)
    for frozen_b, frozen_a in zip(before[:6], after[:6]):
        np.testing.assert_array_equal(frozen_a, frozen_b)
    assert not np.array_equal(before[6], after[6])  # the last kernel learned
    counts = summary_counts(model)
    last = 32 * 10 + 10
    adam = 2 + 2 * last  # iterations, learning rate, and two moments per trainable weight
    assert counts == {"Total": model.count_params() + adam, "Trainable": last,
                      "Non-trainable": model.count_params() - last, "Optimizer": adam}
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 6

    assert head.trainable_weights == head.layers[-1].trainable_weights
    base = base_model.count_params()
    assert summary_counts(head) == {"Total": base + 170, "Trainable": 170,
                                    "Non-trainable": base}
    bn = base_model.layers[1]
    assert len(bn.non_trainable_weights) == 4  # frozen: gamma, beta and the moving stats


def optimizer_summary_program(keras, np, optimizer):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    before = summary_counts(model)
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), verbose=0)
    return before, summary_counts(model)


@pytest.mark.parametrize("name, options", [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("AdamW", {}), ("RMSprop", {}), ("RMSprop", {"momentum": 0.5, "centered": True})])
def test_summary_counts_the_optimizer_variables_once_training_starts_as_keras(both, name,
                                                                           options):
    counts = [optimizer_summary_program(f.keras, np, getattr(f.keras.optimizers, name)(
        **options)) for f in both]
    assert counts[0] == counts[1]
    before, after = counts[0]
    assert "Optimizer" not in before and after["Optimizer"] > 0
