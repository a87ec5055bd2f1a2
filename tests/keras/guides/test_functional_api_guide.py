"""The functional API guide (keras-io guides/functional_api.py): the MNIST model trained, saved
to .keras and loaded; an ensemble of models averaged; the ticket classifier with several
inputs and outputs; shared layers; feature extraction from a graph's nodes."""

from __future__ import annotations

import numpy as np

from .conftest import to_numpy


def mnist_program(keras, np, data):
    """The guide's "Training, evaluation, and inference" and "Save and serialize" sections."""
    layers = keras.layers
    (x_train, y_train), (x_test, y_test) = data
    inputs = keras.Input(shape=(784,))
    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=3, validation_split=0.2,
                        verbose=0)
    test_scores = model.evaluate(x_test, y_test, verbose=0)

    model.save("my_model.keras")
    del model
    # Recreate the exact same model purely from the file:
    model = keras.models.load_model("my_model.keras")
    return history, test_scores, model


def test_mnist_model_trains_saves_and_loads_with_the_same_predictions(k, mnist_subset):
    history, test_scores, model = mnist_program(k.keras, np, mnist_subset)
    losses = history.history["loss"]
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert len(test_scores) == 2 and test_scores[1] > 0.8, test_scores

    assert model.name == "mnist_model"
    assert model.layers[0].name.startswith("input_layer")  # numbered after earlier inputs
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer"] + ["Dense"] * 3
    x_test, y_test = mnist_subset[1]
    reloaded_scores = model.evaluate(x_test, y_test, verbose=0)  # compiled from the file
    np.testing.assert_allclose(reloaded_scores, test_scores, rtol=1e-5, atol=1e-6)
    fresh = k.keras.models.load_model("my_model.keras")
    np.testing.assert_array_equal(to_numpy(model.predict(x_test, verbose=0)),
                                  to_numpy(fresh.predict(x_test, verbose=0)))


def test_mnist_file_loads_in_the_other_framework_with_the_same_predictions(both,
                                                                           mnist_subset):
    glassnet, keras3 = both
    _, _, model = mnist_program(glassnet.keras, np, mnist_subset)
    x_test = mnist_subset[1][0]
    other = keras3.keras.models.load_model("my_model.keras")
    np.testing.assert_allclose(to_numpy(other.predict(x_test, verbose=0)),
                               to_numpy(model.predict(x_test, verbose=0)), rtol=1e-4,
                               atol=1e-5)


def ensemble_program(keras, np):
    """The guide's "All models are callable, just like layers": three models averaged."""
    layers = keras.layers

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1 = get_model()
    model2 = get_model()
    model3 = get_model()

    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
    x = np.random.default_rng(0).standard_normal((8, 128)).astype("float32")
    parts = [to_numpy(m.predict(x, verbose=0)) for m in (model1, model2, model3)]
    return ensemble_model, x, parts


def test_ensemble_of_models_averages_their_outputs(k):
    ensemble_model, x, parts = ensemble_program(k.keras, np)
    assert len(ensemble_model.layers) == 5  # the input, three models, the average
    assert [type(layer).__name__ for layer in ensemble_model.layers[1:4]] == ["Functional"] * 3
    assert ensemble_model.count_params() == 3 * 129
    np.testing.assert_allclose(to_numpy(ensemble_model.predict(x, verbose=0)),
                               np.mean(parts, axis=0), rtol=1e-5, atol=1e-6)


def ticket_program(keras, np):
    """The guide's "Models with multiple inputs and outputs" (the LSTMs, which glassnet lacks,
    replaced by average pooling over the words), trained on random data."""
    layers = keras.layers
    num_tags = 12  # Number of unique issue tags
    num_words = 10000  # Size of vocabulary obtained when preprocessing text data
    num_departments = 4  # Number of departments for predictions

    title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
    body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
    tags_input = keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size num_tags

    title_features = layers.Embedding(num_words, 64)(title_input)
    body_features = layers.Embedding(num_words, 64)(body_input)
    title_features = layers.GlobalAveragePooling1D()(title_features)
    body_features = layers.GlobalAveragePooling1D()(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)

    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs={"priority": priority_pred, "department": department_pred},
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )

    # Dummy input data
    title_data = np.random.randint(num_words, size=(1280, 10))
    body_data = np.random.randint(num_words, size=(1280, 100))
    tags_data = np.random.randint(2, size=(1280, num_tags)).astype("float32")
    # Dummy target data
    priority_targets = np.random.random(size=(1280, 1))
    dept_targets = np.random.randint(2, size=(1280, num_departments))

    history = model.fit(
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets},
        epochs=3,
        batch_size=32,
        verbose=0,
    )
    prediction = model.predict({"title": title_data[:5], "body": body_data[:5],
                                "tags": tags_data[:5]}, verbose=0)
    return model, history, prediction


def test_ticket_classifier_with_three_inputs_and_two_outputs_trains(k):
    model, history, prediction = ticket_program(k.keras, np)
    assert [t.name for t in model.inputs] == ["title", "body", "tags"]
    assert sorted(history.history) == ["department_loss", "loss", "priority_loss"]
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses
    assert sorted(prediction) == ["department", "priority"]
    assert to_numpy(prediction["priority"]).shape == (5, 1)
    assert to_numpy(prediction["department"]).shape == (5, 4)
    assert model.count_params() == 2 * 10000 * 64 + (128 + 12 + 1) * 5


def shared_layers_and_feature_extraction_program(keras, np):
    """The guide's "Shared layers" and "Extract and reuse nodes in the graph of layers"."""
    layers = keras.layers
    shared_embedding = layers.Embedding(1000, 128)
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    shared = keras.Model([text_input_a, text_input_b], [encoded_input_a, encoded_input_b])

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(32, activation="relu", name="hidden_1")(inputs)
    x = layers.Dense(16, activation="relu", name="hidden_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)
    vgg_like = keras.Model(inputs, outputs)
    features_list = [layer.output for layer in vgg_like.layers]
    feat_extraction_model = keras.Model(inputs=vgg_like.input, outputs=features_list)
    img = np.random.random((3, 784)).astype("float32")
    extracted_features = feat_extraction_model(img)
    return shared, vgg_like, extracted_features


def test_shared_embedding_and_feature_extraction(k):
    shared, vgg_like, extracted = shared_layers_and_feature_extraction_program(k.keras, np)
    assert shared.count_params() == 1000 * 128  # one embedding, used twice
    a, b = shared.predict([np.array([[1, 2, 3]]), np.array([[1, 2, 3]])], verbose=0)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    assert [to_numpy(f).shape for f in extracted] == [(3, 784), (3, 32), (3, 16), (3, 10)]
    assert [layer.name for layer in vgg_like.layers[1:]] == ["hidden_1", "hidden_2",
                                                           "predictions"]


def toy_resnet_program(keras, np):
    """The guide's "A toy ResNet model" (16x16 images instead of CIFAR-10's 32x32, random
    data, one short epoch)."""
    layers = keras.layers
    inputs = keras.Input(shape=(16, 16, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)

    model = keras.Model(inputs, outputs, name="toy_resnet")
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    x_train = np.random.random((64, 16, 16, 3)).astype("float32")
    y_train = keras.utils.to_categorical(np.random.randint(0, 10, 64), 10)
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_split=0.25,
                        verbose=0)
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return model, history, "\n".join(lines)


def test_toy_resnet_with_skip_connections_trains_and_summarises(k):
    model, history, summary = toy_resnet_program(k.keras, np)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert "Connected to" in summary and "toy_resnet" in summary
    add_layers = [layer for layer in model.layers if type(layer).__name__ == "Add"]
    assert len(add_layers) == 2
    assert model.count_params() == 223242


def custom_dense_program(keras, np):
    """The guide's "Extend the API using custom layers": CustomDense with get_config, and a
    model rebuilt by keras.Model.from_config with custom_objects."""
    ops = keras.ops

    class CustomDense(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    return model, new_model


def test_model_from_config_rebuilds_a_custom_layer(k):
    model, new_model = custom_dense_program(k.keras, np)
    assert [type(layer).__name__ for layer in new_model.layers] == ["InputLayer",
                                                                   "CustomDense"]
    assert new_model.layers[1].units == 10
    assert [tuple(w.shape) for w in new_model.weights] == [(4, 10), (10,)]
    x = np.ones((2, 4), "float32")
    assert tuple(to_numpy(new_model(x)).shape) == (2, 10)


def two_argument_layer_program(keras, np, path):
    """A layer called on two positional tensors (``layer(a, b)``, as the training guide's
    LogisticEndpoint is), registered, saved and loaded."""

    @keras.saving.register_keras_serializable(package="guides")
    class WeightedSum(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, a, b):
            return a * self.factor + b

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    first = keras.Input(shape=(3,), name="first")
    second = keras.Input(shape=(3,), name="second")
    hidden = keras.layers.Dense(3, name="hidden")(first)
    outputs = WeightedSum(0.5, name="weighted_sum")(hidden, second)
    model = keras.Model([first, second], outputs)
    model.save(path)
    return model


def test_a_layer_called_on_two_tensors_saves_and_loads_across_frameworks(both):
    glassnet, keras3 = both
    rng = np.random.default_rng(4)
    x = [rng.random((5, 3)).astype("float32"), rng.random((5, 3)).astype("float32")]
    ours = two_argument_layer_program(glassnet.keras, np, "ours.keras")
    theirs = two_argument_layer_program(keras3.keras, np, "theirs.keras")
    hidden = to_numpy(ours.get_layer("hidden")(x[0]))
    np.testing.assert_allclose(to_numpy(ours.predict(x, verbose=0)), hidden * 0.5 + x[1],
                               rtol=1e-6)
    for saved, model, loader in (("ours.keras", ours, keras3), ("theirs.keras", theirs,
                                                                glassnet)):
        loaded = loader.keras.models.load_model(saved)
        np.testing.assert_allclose(to_numpy(loaded.predict(x, verbose=0)),
                                   to_numpy(model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
        assert len(loaded.get_layer("weighted_sum")._inbound_nodes) >= 1
