"""The serialization and saving guide (keras-io guides/serialization_and_saving.py) and the
compile state a .keras file keeps: metric objects, per-output metric dicts, a registered
Metric subclass and a registered loss function, restored so the loaded model evaluates alike."""

from __future__ import annotations

import json
import zipfile

import numpy as np

from .conftest import to_numpy


def register_custom_objects(keras):
    """The guide's registered custom function and a Metric subclass with add_variable."""
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    @keras.saving.register_keras_serializable(package="my_package")
    class SumOfErrors(keras.metrics.Metric):
        def __init__(self, name="sum_of_errors", scale=1.0, **kwargs):
            super().__init__(name=name, **kwargs)
            self.scale = scale
            self.total = self.add_variable(shape=(), name="total", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            error = ops.sum(ops.abs(ops.cast(y_true, "float32") - y_pred))
            self.total.assign_add(error * self.scale)

        def result(self):
            return self.total.value

        def reset_state(self):
            self.total.assign(0.0)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    return custom_fn, SumOfErrors


def metric_objects_program(keras, np):
    """One output: metric objects with their own names and options, a string, a registered
    Metric subclass and a registered loss function; saved, then loaded."""
    custom_fn, SumOfErrors = register_custom_objects(keras)  # noqa: N806 - a class
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(3, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=custom_fn,
        metrics=[keras.metrics.CategoricalAccuracy(name="acc"), "mae",
                 keras.metrics.TopKCategoricalAccuracy(k=2, name="top2"),
                 SumOfErrors(scale=0.5)],
    )
    rng = np.random.default_rng(0)
    x = rng.random((64, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 64)]
    model.fit(x, y, epochs=1, verbose=0)
    scores = model.evaluate(x, y, return_dict=True, verbose=0)
    model.save("metrics.keras")
    loaded = keras.models.load_model("metrics.keras")
    return scores, loaded, x, y


def test_metric_objects_and_custom_metrics_survive_save_and_load(k):
    scores, loaded, x, y = metric_objects_program(k.keras, np)
    assert sorted(scores) == ["acc", "loss", "mae", "sum_of_errors", "top2"]
    reloaded = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert sorted(reloaded) == sorted(scores)
    for key, value in scores.items():
        np.testing.assert_allclose(reloaded[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    with zipfile.ZipFile("metrics.keras") as archive:
        compile_config = json.loads(archive.read("config.json"))["compile_config"]
    first, second, third, fourth = compile_config["metrics"]
    assert (first["class_name"], first["config"]["name"]) == ("CategoricalAccuracy", "acc")
    assert second == "mae"
    assert (third["class_name"], third["config"]["k"]) == ("TopKCategoricalAccuracy", 2)
    assert fourth["registered_name"] == "my_package>SumOfErrors"
    assert fourth["config"]["scale"] == 0.5
    # Keras 3 writes a registered function by its registered name
    assert compile_config["loss"] == {"module": "builtins", "class_name": "function",
                                      "config": "my_package>custom_fn",
                                      "registered_name": "function"}


def test_a_registered_function_in_the_older_form_loads_too():
    from glassnet import keras
    from glassnet.keras.saving.compile_config import compile_from_keras

    custom_fn, _ = register_custom_objects(keras)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    older = {"module": "my_module", "class_name": "function", "config": "custom_fn",
             "registered_name": "my_package>custom_fn"}
    assert compile_from_keras(model, {"optimizer": "sgd", "loss": older, "metrics": [older]})
    assert getattr(model.loss, "fn", model.loss) is custom_fn


def test_an_unregistered_metric_object_saves_uncompiled_with_a_warning():
    import pytest

    from glassnet import keras

    class Unregistered(keras.metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[Unregistered()])
    with pytest.warns(UserWarning, match="has no name a file can hold"):
        model.save("unregistered.keras")
    loaded = keras.models.load_model("unregistered.keras")  # the layers and weights load
    assert not loaded.compiled
    x = np.ones((2, 2), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_metric_objects_file_loads_in_the_other_framework(both):
    glassnet, keras3 = both
    scores, _, x, y = metric_objects_program(glassnet.keras, np)
    register_custom_objects(keras3.keras)
    other = keras3.keras.models.load_model("metrics.keras")
    theirs = other.evaluate(x, y, return_dict=True, verbose=0)
    assert sorted(theirs) == sorted(scores)
    for key, value in scores.items():
        np.testing.assert_allclose(theirs[key], value, rtol=1e-4, atol=1e-5, err_msg=key)


def per_output_metrics_program(keras, np):
    """Two outputs, a dict of metrics per output (objects and strings)."""
    inputs = keras.Input(shape=(4,), name="features")
    score = keras.layers.Dense(1, name="score")(inputs)
    label = keras.layers.Dense(3, activation="softmax", name="label")(inputs)
    model = keras.Model(inputs, {"score": score, "label": label})
    model.compile(
        optimizer="rmsprop",
        loss={"score": "mse", "label": keras.losses.CategoricalCrossentropy()},
        loss_weights={"score": 1.0, "label": 0.5},
        metrics={"score": [keras.metrics.MeanAbsoluteError(name="mae")],
                 "label": ["accuracy", keras.metrics.CategoricalAccuracy(name="cat_acc")]},
    )
    rng = np.random.default_rng(1)
    x = rng.random((32, 4)).astype("float32")
    y = {"score": rng.random((32, 1)).astype("float32"),
         "label": np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]}
    model.fit(x, y, epochs=1, verbose=0)
    scores = model.evaluate(x, y, return_dict=True, verbose=0)
    model.save("outputs.keras")
    return scores, keras.models.load_model("outputs.keras"), x, y


def test_per_output_metric_dicts_survive_save_and_load(k):
    scores, loaded, x, y = per_output_metrics_program(k.keras, np)
    assert sorted(scores) == ["label_accuracy", "label_cat_acc", "label_loss", "loss",
                              "score_loss", "score_mae"]
    reloaded = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert sorted(reloaded) == sorted(scores)
    for key, value in scores.items():
        np.testing.assert_allclose(reloaded[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_per_output_metrics_file_loads_in_the_other_framework(both):
    glassnet, keras3 = both
    scores, _, x, y = per_output_metrics_program(glassnet.keras, np)
    theirs = keras3.keras.models.load_model("outputs.keras").evaluate(
        x, y, return_dict=True, verbose=0)
    assert sorted(theirs) == sorted(scores)
    for key, value in scores.items():
        np.testing.assert_allclose(theirs[key], value, rtol=1e-4, atol=1e-5, err_msg=key)


def weights_program(keras, np):
    """The guide's save_weights / load_weights between two models of the same architecture."""

    def create_layer():
        layer = keras.layers.Dense(64, activation="relu", name="dense_2")
        layer.build((None, 784))
        return layer

    layer_1 = create_layer()
    layer_2 = create_layer()
    layer_2.set_weights(layer_1.get_weights())

    def get_model():
        inputs = keras.Input(shape=(784,), name="digits")
        x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
        x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
        outputs = keras.layers.Dense(10, name="predictions")(x)
        return keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")

    model = get_model()
    model.save_weights("my_model.weights.h5")
    other = get_model()
    other.load_weights("my_model.weights.h5")
    return layer_1, layer_2, model, other


def test_weights_transfer_between_layers_and_through_weight_files(k):
    layer_1, layer_2, model, other = weights_program(k.keras, np)
    for a, b in zip(layer_1.get_weights(), layer_2.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(2).random((3, 784)).astype("float32")
    np.testing.assert_array_equal(to_numpy(model.predict(x, verbose=0)),
                                  to_numpy(other.predict(x, verbose=0)))


def define_custom_layer(keras):
    ops = keras.ops

    class CustomLayer(keras.layers.Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return ops.multiply(x, self.factor)

        def get_config(self):
            config = super().get_config()
            config.update({"factor": self.factor})
            return config

    return CustomLayer


def custom_objects_program(keras, np, path="custom_objects.keras"):
    """The guide's "Passing custom objects to load_model": an unregistered layer class named
    in custom_objects (with an embedding and 1-D pooling, the functional guide's text layers)."""
    CustomLayer = define_custom_layer(keras)  # noqa: N806 - a class
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(50, 8)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = CustomLayer(0.5, name="half")(x)
    outputs = keras.layers.Dense(2)(x)
    model = keras.Model(inputs, outputs)
    model.save(path)
    ids = np.random.default_rng(3).integers(0, 50, (4, 7))
    return model, CustomLayer, ids


def test_unregistered_layers_load_through_custom_objects(k):
    model, custom_layer, ids = custom_objects_program(k.keras, np)
    loaded = k.keras.models.load_model("custom_objects.keras",
                                       custom_objects={"CustomLayer": custom_layer})
    assert loaded.get_layer("half").factor == 0.5
    np.testing.assert_allclose(to_numpy(loaded.predict(ids, verbose=0)),
                               to_numpy(model.predict(ids, verbose=0)), rtol=1e-6)


def test_without_custom_objects_the_error_says_how_to_load_it():
    import pytest

    from glassnet import keras

    custom_objects_program(keras, np)
    with pytest.raises(ValueError, match="custom_objects=.*'CustomLayer'"):
        keras.models.load_model("custom_objects.keras")


def test_embedding_and_custom_layer_files_load_across_frameworks(both):
    glassnet, keras3 = both
    ours, our_class, ids = custom_objects_program(glassnet.keras, np, "ours.keras")
    theirs, their_class, _ = custom_objects_program(keras3.keras, np, "theirs.keras")
    loaded = keras3.keras.models.load_model("ours.keras",
                                            custom_objects={"CustomLayer": their_class})
    np.testing.assert_allclose(to_numpy(loaded.predict(ids, verbose=0)),
                               to_numpy(ours.predict(ids, verbose=0)), rtol=1e-5, atol=1e-6)
    back = glassnet.keras.models.load_model("theirs.keras",
                                            custom_objects={"CustomLayer": our_class})
    np.testing.assert_allclose(to_numpy(back.predict(ids, verbose=0)),
                               to_numpy(theirs.predict(ids, verbose=0)), rtol=1e-5,
                               atol=1e-6)
