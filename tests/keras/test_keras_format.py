"""The .keras file format (Keras 3's zip) and .weights.h5 files: written by glassnet and read by
Keras 3, written by Keras 3 (the fixtures, or live where Keras is installed) and read by
glassnet; the registry that limits what a file may name; damaged and hostile files."""

from __future__ import annotations

import io
import json
import os
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from glassnet import keras

h5py = pytest.importorskip("h5py")
layers = keras.layers
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def reference():
    """Keras 3 on its torch backend, the oracle; the tests that need it skip without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras_ref = pytest.importorskip("keras")
    if keras_ref.backend.backend() != "torch":
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    return keras_ref


@pytest.fixture
def clean_registry():
    """An empty keras.saving registry for one test, restored afterwards (emptied in place:
    the saving modules hold the same dicts)."""
    from glassnet.keras.saving import registry

    saved = dict(registry.GLOBAL_CUSTOM_OBJECTS), dict(registry.GLOBAL_CUSTOM_NAMES)
    for table in (registry.GLOBAL_CUSTOM_OBJECTS, registry.GLOBAL_CUSTOM_NAMES):
        table.clear()
    yield
    for table, contents in zip((registry.GLOBAL_CUSTOM_OBJECTS, registry.GLOBAL_CUSTOM_NAMES),
                               saved):
        table.clear()
        table.update(contents)


def mnist_convnet(k):
    """The Keras guide's MNIST convnet, smaller; ``k`` is glassnet.keras or Keras."""
    return k.Sequential([
        k.Input(shape=(28, 28, 1)),
        k.layers.Conv2D(4, 3, activation="relu"),
        k.layers.MaxPooling2D(pool_size=(2, 2)),
        k.layers.Conv2D(4, 3, padding="same", activation="relu"),
        k.layers.GlobalAveragePooling2D(),
        k.layers.BatchNormalization(),
        k.layers.Dropout(0.5),
        k.layers.Dense(10, activation="softmax"),
    ], name="mnist_convnet")


def mnist_functional(k):
    """The functional API guide's MNIST model, with a merge and a LayerNormalization."""
    inputs = k.Input(shape=(784,), name="digits")
    x = k.layers.Dense(16, activation="relu", name="dense_1")(inputs)
    y = k.layers.Dense(16, activation="tanh", name="dense_2")(inputs)
    x = k.layers.Concatenate()([x, y])
    x = k.layers.LayerNormalization()(x)
    outputs = k.layers.Dense(10, activation="softmax", name="predictions")(x)
    return k.Model(inputs=inputs, outputs=outputs, name="mnist_functional")


def batch(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def fixture_arrays(name):
    stored = np.load(FIXTURES / f"{name}.npz")
    xs = [stored[k] for k in sorted(stored.files) if k.startswith("x")]
    ys = [stored[k] for k in sorted(stored.files) if k.startswith("y")]
    return (xs[0] if len(xs) == 1 else xs), ys


def as_list(outputs):
    return outputs if isinstance(outputs, list) else [outputs]


def trained_convnet():
    keras.utils.set_random_seed(0)
    model = mnist_convnet(keras)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = batch((16, 28, 28, 1)), np.arange(16) % 10
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return model, x


# ----- glassnet → glassnet ---------------------------------------------------------------------
def test_sequential_round_trip_keeps_predictions_and_compile(tmp_path):
    model, x = trained_convnet()
    model.save(tmp_path / "convnet.keras")
    loaded = keras.models.load_model(tmp_path / "convnet.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    assert loaded.name == "mnist_convnet" and loaded.compiled
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.learning_rate == pytest.approx(0.003)
    assert loaded.evaluate(x, np.arange(16) % 10, verbose=0)[0] == pytest.approx(
        model.evaluate(x, np.arange(16) % 10, verbose=0)[0], rel=1e-5)
    assert keras.saving.load_model(tmp_path / "convnet.keras", compile=False).compiled is False


def test_functional_round_trip_with_two_inputs_two_outputs_and_a_nested_model(tmp_path):
    pixels, extra = keras.Input(shape=(6,), name="pixels"), keras.Input(shape=(3,), name="extra")
    encoder = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(4, activation="tanh")],
                               name="encoder")
    shared = layers.Dense(4, name="shared")
    a, b = shared(encoder(pixels)), shared(layers.Dense(4, name="lift")(extra))
    label = layers.Dense(2, activation="softmax", name="label")(layers.Concatenate()([a, b]))
    score = layers.Dense(1, name="score")(layers.Add()([a, b]))
    model = keras.Model([pixels, extra], [label, score], name="two_heads")
    x = [batch((5, 6)), batch((5, 3), 1)]
    model.save(tmp_path / "two_heads.keras")
    loaded = keras.saving.load_model(tmp_path / "two_heads.keras")
    for got, want in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(got, want)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.get_layer("encoder").layers[0].kernel.shape == (6, 4)


def test_training_resumes_where_it_stopped_after_a_round_trip(tmp_path):
    model, x = trained_convnet()
    y = np.arange(16) % 10
    model.save(tmp_path / "convnet.keras")
    loaded = keras.models.load_model(tmp_path / "convnet.keras")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 2
    for each in (model, loaded):
        keras.utils.set_random_seed(7)  # the same dropout masks for both
        each.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for ours, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_the_file_has_keras_3s_members_config_and_weight_groups(tmp_path):
    model, _ = trained_convnet()
    model.save(tmp_path / "convnet.keras")
    with zipfile.ZipFile(tmp_path / "convnet.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    assert set(metadata) >= {"keras_version", "date_saved"}
    assert metadata["keras_version"].startswith("3.")
    assert {"module", "class_name", "config", "registered_name", "build_config",
            "compile_config"} <= set(config)
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    first, conv = config["config"]["layers"][:2]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [
        None, 28, 28, 1]
    assert conv["module"] == "keras.layers" and conv["build_config"] == {
        "input_shape": [None, 28, 28, 1]}
    assert conv["config"]["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    # groups are numbered per class, in layer order; the arrays in Keras' order
    assert h5["layers/conv2d/vars"].attrs["name"] == model.layers[0].name  # its own name
    assert h5["layers/conv2d/vars/0"].shape == (3, 3, 1, 4)
    assert h5["layers/conv2d_1/vars/1"].shape == (4,)
    assert len(h5["layers/batch_normalization/vars"]) == 4
    assert len(h5["layers/dropout/vars"]) == 0 and h5["vars"].attrs["name"] == "mnist_convnet"
    trainable = sum(len(layer.trainable_weights) for layer in model.layers)
    assert len(h5["optimizer/vars"]) == 2 + 2 * trainable  # iteration, rate, Adam's m and v
    assert int(h5["optimizer/vars/0"][()]) == model.optimizer.iterations == 2
    h5.close()


def test_safetensors_paths_keep_glassnet_single_file_form(tmp_path):
    model, x = trained_convnet()
    model.save(tmp_path / "convnet.safetensors")
    assert (tmp_path / "convnet.safetensors").read_bytes()[8:9] == b"{"
    loaded = keras.models.load_model(tmp_path / "convnet.safetensors")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_h5_round_trip_and_load_weights_from_a_keras_file(tmp_path):
    model, x = trained_convnet()
    model.save_weights(tmp_path / "convnet.weights.h5")
    model.save(tmp_path / "convnet.keras")
    for path in ("convnet.weights.h5", "convnet.keras"):
        fresh = mnist_convnet(keras)
        fresh.load_weights(tmp_path / path)
        np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


# ----- Keras-written fixtures → glassnet (no Keras needed) --------------------------------------
def test_loads_a_keras_written_sequential_convnet():
    x, (want,) = fixture_arrays("sequential_convnet")
    model = keras.models.load_model(FIXTURES / "sequential_convnet.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), want, atol=1e-5)
    assert model.name == "convnet" and model.compiled
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.002)
    assert model.layers[4].moving_variance._data.std() > 0  # trained statistics came along
    assert model.optimizer.iterations == 4  # 2 epochs of 2 batches, and Adam's moments:
    assert np.abs(model.optimizer.state[model.layers[0].kernel]["m"]).max() > 0


def test_loads_a_keras_written_functional_model_with_branches():
    x, want = fixture_arrays("functional_branches")
    model = keras.saving.load_model(FIXTURES / "functional_branches.keras")
    for got, expected in zip(as_list(model.predict(x, verbose=0)), want):
        np.testing.assert_allclose(got, expected, atol=1e-5)
    assert [layer.name for layer in model.layers][:3] == ["pixels", "extra", "encoder"]


def test_loads_keras_written_weights_h5_into_a_model_built_the_same_way():
    x, (want,) = fixture_arrays("sequential_convnet")
    model = keras.Sequential([
        keras.Input(shape=(10, 10, 1)), layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(), layers.Flatten(), layers.Dense(8, activation="relu"),
        layers.BatchNormalization(), layers.Dropout(0.25), layers.Dense(3, activation="softmax")])
    model.load_weights(FIXTURES / "sequential_convnet.weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), want, atol=1e-5)


class Scale(layers.Layer):
    """y = x · scale per feature (glassnet's twin of the fixture's custom Keras layer)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                     name="scale")

    def call(self, inputs):
        return inputs * self.scale


GLASSNET_SCALE = Scale


def test_a_custom_class_loads_only_once_registered(clean_registry):
    x, (want,) = fixture_arrays("custom_layer")
    with pytest.raises(ValueError) as info:
        keras.models.load_model(FIXTURES / "custom_layer.keras")
    message = str(info.value)
    assert "'Scale'" in message and "register_keras_serializable" in message
    assert "glassnet_tests>Scale" in message and "custom_objects" in message
    model = keras.models.load_model(FIXTURES / "custom_layer.keras",
                                    custom_objects={"glassnet_tests>Scale": Scale})
    np.testing.assert_allclose(model.predict(x, verbose=0), want, atol=1e-5)
    np.testing.assert_array_equal(model.layers[1].scale._data, [1.0, -2.0, 0.5])
    keras.saving.register_keras_serializable(package="glassnet_tests")(Scale)
    assert keras.saving.get_registered_name(Scale) == "glassnet_tests>Scale"
    assert keras.saving.get_registered_object("glassnet_tests>Scale") is Scale
    np.testing.assert_allclose(keras.models.load_model(FIXTURES / "custom_layer.keras").predict(
        x, verbose=0), want, atol=1e-5)


def mlp_class(k, register):
    """A subclassed model as the Keras guide writes one (``k``: glassnet.keras or Keras)."""

    @register(package="glassnet_tests")
    class MLP(k.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = k.layers.Dense(units, activation="relu")
            self.out = k.layers.Dense(2)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return MLP


def test_a_registered_subclassed_model_round_trips_with_keras_group_paths(tmp_path,
                                                                          clean_registry):
    model = mlp_class(keras, keras.saving.register_keras_serializable)(units=5)
    x = batch((3, 4))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.ones((3, 2), np.float32), epochs=1, verbose=0)
    model.save(tmp_path / "mlp.keras")
    with zipfile.ZipFile(tmp_path / "mlp.keras") as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        # Keras walks attributes in sorted order; its `layers` list comes before "out"
        assert set(h5) == {"hidden", "layers", "optimizer", "vars"}
        assert h5["layers/dense_1/vars/0"].shape == (5, 2)
        h5.close()
    loaded = keras.models.load_model(tmp_path / "mlp.keras")
    assert type(loaded).__name__ == "MLP" and loaded.units == 5 and loaded.compiled
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_registering_a_class_without_get_config_is_refused():
    class NoConfig:
        pass

    with pytest.raises(ValueError, match="has no get_config"):
        keras.saving.register_keras_serializable()(NoConfig)
    assert keras.saving.get_registered_name(NoConfig) == "NoConfig"
    assert keras.saving.get_registered_object("Custom>NoConfig") is None


# ----- hostile or damaged files --------------------------------------------------------------
def rewrite(source: Path, target: Path, config=None, members=None, drop=()):
    """Copy a .keras zip, changing its config or adding raw members."""
    with zipfile.ZipFile(source) as archive:
        contents = {name: archive.read(name) for name in archive.namelist() if name not in drop}
    if config is not None:
        contents["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in {**contents, **(members or {})}.items():
            archive.writestr(name, data)
    return target


def saved_config(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def test_a_file_naming_an_unknown_class_fails_without_importing_anything(tmp_path):
    config = saved_config(FIXTURES / "sequential_convnet.keras")
    config["config"]["layers"][1].update(module="glassnet_test_never_imported",
                                         class_name="Exploit", registered_name=None)
    path = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "evil.keras", config)
    with pytest.raises(ValueError) as info:
        keras.models.load_model(path)
    message = str(info.value)
    assert "'Exploit'" in message and "glassnet_test_never_imported" in message
    assert "register_keras_serializable" in message
    assert "glassnet_test_never_imported" not in sys.modules


def test_an_option_glassnet_lacks_is_named_not_dropped(tmp_path):
    config = saved_config(FIXTURES / "sequential_convnet.keras")
    dense = config["config"]["layers"][4]
    dense["config"]["kernel_constraint"] = {"module": "keras.constraints",
                                            "class_name": "NonNeg", "config": {},
                                            "registered_name": None}
    path = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "constraint.keras", config)
    with pytest.raises(ValueError, match="kernel_constraint=.*not supported by glassnet"):
        keras.models.load_model(path)


def test_damaged_and_hostile_zips_are_refused(tmp_path):
    not_zip = tmp_path / "not_zip.keras"
    not_zip.write_bytes(b"this is not a zip archive")
    with pytest.raises(ValueError, match="not a zip archive"):
        keras.models.load_model(not_zip)
    raw = bytearray((FIXTURES / "sequential_convnet.keras").read_bytes())
    middle = raw.index(b"HDF") + 4000  # inside the stored weights: the CRC no longer matches
    raw[middle:middle + 8] = b"\xff" * 8
    flipped = tmp_path / "flipped.keras"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="damaged"):
        keras.models.load_model(flipped)
    missing = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "missing.keras",
                      drop=("model.weights.h5",))
    with pytest.raises(ValueError, match="exactly one model.weights.h5"):
        keras.models.load_model(missing)
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(FIXTURES / "sequential_convnet.keras") as archive, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("config.json", archive.read("config.json"))
        out.writestr("model.weights.h5", bytes(32 << 20))  # 32 MB of zeros in ~32 KB
    with pytest.raises(ValueError, match="zip bomb"):
        keras.models.load_model(bomb)


def test_other_members_are_never_extracted(tmp_path):
    path = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "extra.keras",
                   members={"../escaped.txt": b"x", "assets/../../escaped2.txt": b"x"})
    keras.models.load_model(path)
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not (tmp_path.parent / "escaped2.txt").exists()


def test_links_out_of_the_weights_file_are_refused(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    model.save_weights(tmp_path / "linked.weights.h5")
    with h5py.File(tmp_path / "linked.weights.h5", "a") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/kernel")
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(tmp_path / "linked.weights.h5")


def test_wrong_suffixes_say_which_ones_work(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"\.keras or \.safetensors"):
        model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match=r"\.keras or \.safetensors"):
        keras.models.load_model(tmp_path / "model.h5")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "model.h5")
    with pytest.raises(ValueError, match=r"\.weights\.h5, \.keras or \.safetensors"):
        model.load_weights(tmp_path / "model.npz")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(tmp_path / "model.keras")
        model.save(tmp_path / "model.keras", overwrite=False)
    assert not list(tmp_path.glob("model.h5*"))


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    path = tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()
    from glassnet.keras.saving import keras_file

    real = zipfile.ZipFile.writestr

    def fail_on_weights(self, name, data, *args, **kwargs):
        if str(getattr(name, "filename", name)) == keras_file.WEIGHTS:
            raise OSError("disk full")
        return real(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail_on_weights)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not the temporary file's 0600


def test_a_weights_file_from_another_model_names_the_layer(tmp_path):
    keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)]).save_weights(
        tmp_path / "small.weights.h5")
    other = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"'dense.*kernel has shape \(4, 2\).*\(3, 2\)"):
        other.load_weights(tmp_path / "small.weights.h5")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        other.load_weights(tmp_path / "small.weights.h5", skip_mismatch=True)
    assert any("skipped 1 layers" in str(w.message) for w in caught)


# ----- both directions against Keras 3 --------------------------------------------------------
def test_glassnet_sequential_and_functional_load_in_keras_with_the_same_predictions(
        tmp_path, reference):
    convnet, x = trained_convnet()
    functional = mnist_functional(keras)
    x_flat = batch((6, 784), 3)
    for model, data, name in ((convnet, x, "convnet"), (functional, x_flat, "functional")):
        model.save(tmp_path / f"{name}.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # e.g. optimizer variables not matching
            theirs = reference.saving.load_model(tmp_path / f"{name}.keras")
        np.testing.assert_allclose(np.asarray(theirs.predict(data, verbose=0)),
                                   model.predict(data, verbose=0), atol=1e-5)
    assert type(theirs).__name__ == "Functional"
    theirs = reference.saving.load_model(tmp_path / "convnet.keras")
    assert theirs.optimizer.__class__.__name__ == "Adam"
    assert int(theirs.optimizer.iterations.numpy()) == convnet.optimizer.iterations
    first = convnet.trainable_weights[0]  # Adam's moments cross too, in Keras' order
    momentum, velocity = (np.asarray(v.numpy()) for v in theirs.optimizer.variables[2:4])
    np.testing.assert_array_equal(momentum, convnet.optimizer.state[first]["m"].reshape(
        momentum.shape))
    np.testing.assert_array_equal(velocity, convnet.optimizer.state[first]["v"].reshape(
        velocity.shape))


def test_keras_sequential_and_functional_load_in_glassnet_with_the_same_predictions(
        tmp_path, reference):
    reference.utils.set_random_seed(0)
    convnet = mnist_convnet(reference)
    convnet.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    x = batch((16, 28, 28, 1))
    convnet.fit(x, np.arange(16) % 10, epochs=1, batch_size=8, verbose=0)
    functional = mnist_functional(reference)
    x_flat = batch((6, 784), 3)
    for model, data, name in ((convnet, x, "convnet"), (functional, x_flat, "functional")):
        model.save(tmp_path / f"{name}.keras")
        ours = keras.models.load_model(tmp_path / f"{name}.keras")
        np.testing.assert_allclose(ours.predict(data, verbose=0),
                                   np.asarray(model.predict(data, verbose=0)), atol=1e-5)
    assert type(ours).__name__ == "Functional" and ours.name == "mnist_functional"
    restored = keras.models.load_model(tmp_path / "convnet.keras")
    assert restored.compiled and type(restored.optimizer).__name__ == "RMSprop"


def test_training_a_keras_file_goes_on_in_glassnet_as_in_keras(tmp_path, reference):
    theirs = reference.Sequential([reference.Input(shape=(5,)),
                                   reference.layers.Dense(4, activation="tanh"),
                                   reference.layers.Dense(3, activation="softmax")])
    theirs.compile(optimizer=reference.optimizers.Adam(0.01),
                   loss="sparse_categorical_crossentropy")
    x, y = batch((16, 5)), np.arange(16) % 3
    theirs.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    theirs.save(tmp_path / "halfway.keras")
    ours = keras.models.load_model(tmp_path / "halfway.keras")
    for model in (theirs, ours):
        model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), atol=1e-5)


def test_a_registered_subclassed_model_crosses_both_ways(tmp_path, reference, clean_registry):
    ours_class = mlp_class(keras, keras.saving.register_keras_serializable)
    mlp_class(reference, reference.saving.register_keras_serializable)
    ours, x = ours_class(units=5), batch((3, 4))
    ours(x)
    ours.save(tmp_path / "ours.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        theirs = reference.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               ours.predict(x, verbose=0), atol=1e-6)
    theirs.save(tmp_path / "theirs.keras")
    back = keras.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), ours.predict(x, verbose=0),
                               atol=1e-6)


def test_weights_h5_files_cross_between_keras_and_glassnet(tmp_path, reference):
    ours, x = trained_convnet()
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs = mnist_convnet(reference)
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               ours.predict(x, verbose=0), atol=1e-5)
    reference.utils.set_random_seed(5)
    theirs = mnist_convnet(reference)
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    ours = mnist_convnet(keras)
    ours.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), atol=1e-5)


def two_heads(k):
    inputs = k.Input(shape=(5,), name="x")
    hidden = k.layers.Dense(4)(inputs)
    label = k.layers.Dense(3, activation="softmax", name="label")(hidden)
    value = k.layers.Dense(1, name="value")(hidden)
    return k.Model(inputs, {"label": label, "value": value}, name="two_heads")


@pytest.mark.parametrize("direction", ["glassnet to keras", "keras to glassnet"])
def test_a_multi_output_compile_crosses_with_losses_weights_and_metrics(
        tmp_path, reference, direction):
    writer, reader = (keras, reference) if direction == "glassnet to keras" else (
        reference, keras)
    model = two_heads(writer)
    model.compile(optimizer=writer.optimizers.Adam(0.01),
                  loss={"label": writer.losses.SparseCategoricalCrossentropy(), "value": "mse"},
                  loss_weights={"label": 1.0, "value": 0.5},
                  metrics={"label": ["accuracy", writer.metrics.SparseCategoricalAccuracy()],
                           "value": ["mae"]})
    x = batch((8, 5))
    y = {"label": np.arange(8) % 3, "value": batch((8, 1), 1)}
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "two_heads.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loaded = reader.saving.load_model(tmp_path / "two_heads.keras")
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-5)


def test_a_registered_custom_layer_crosses_to_keras(tmp_path, reference, clean_registry):
    ours = keras.saving.register_keras_serializable(package="glassnet_tests")(GLASSNET_SCALE)
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(2)(ours(name="scale")(inputs)))
    model.layers[1].scale._data[...] = [1.0, -2.0, 0.5]
    model.save(tmp_path / "scaled.keras")

    # the class's own name must match too: Keras names the weight group after it ("scale")
    @reference.saving.register_keras_serializable(package="glassnet_tests", name="Scale")
    class Scale(reference.layers.Layer):  # noqa: F811
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                         name="scale")

        def call(self, inputs):
            return inputs * self.scale

    theirs = reference.saving.load_model(tmp_path / "scaled.keras")
    x = batch((4, 3))
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               model.predict(x, verbose=0), atol=1e-6)


# ----- every refusal names the problem -------------------------------------------------------
def _dense(config):
    return config["config"]["layers"][4]["config"]


def _set(path_in_config, value):
    def change(config):
        target = config
        for key in path_in_config[:-1]:
            target = target[key]
        target[path_in_config[-1]] = value
    return change


LAYERS_OF = ("config", "layers")
CONFIG_PROBLEMS = {
    "initializer": (_set(LAYERS_OF + (1, "config", "kernel_initializer"), {
        "module": "keras.initializers", "class_name": "LecunNormal", "config": {},
        "registered_name": None}), r"initializer .*LecunNormal.* not supported by glassnet"),
    "dtype": (_set(LAYERS_OF + (4, "config", "dtype"), "mixed_float16"),
              r"dtype 'mixed_float16' is not supported"),
    "unknown option": (_set(LAYERS_OF + (4, "config", "units_per_head"), 2),
                       r"option units_per_head=2 in the file is not one glassnet's Dense has"),
    "activation": (_set(LAYERS_OF + (4, "config", "activation"), "swish"),
                   r"activation 'swish' is not one glassnet has"),
    "regularizer": (_set(LAYERS_OF + (4, "config", "kernel_regularizer"), {
        "module": "keras.regularizers", "class_name": "OrthogonalRegularizer", "config": {},
        "registered_name": None}), r"regularizer .* not supported by glassnet"),
    "sparse input": (_set(LAYERS_OF + (0, "config", "sparse"), True),
                     r"sparse inputs are not supported"),
    "not a layer": (_set(LAYERS_OF + (2,), ["MaxPooling2D"]),
                    r"not a Keras object dict"),
}


@pytest.mark.parametrize("problem", sorted(CONFIG_PROBLEMS))
def test_a_config_glassnet_cannot_honour_is_refused_by_name(tmp_path, problem):
    change, message = CONFIG_PROBLEMS[problem]
    config = saved_config(FIXTURES / "sequential_convnet.keras")
    change(config)
    path = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "changed.keras", config)
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)


def test_config_json_must_be_one_json_object(tmp_path):
    for text, message in ((b"[1, 2]", "must hold one object"), (b"{nope", "not valid JSON")):
        path = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "bad.keras",
                       members={"config.json": text})
        with pytest.raises(ValueError, match=message):
            keras.models.load_model(path)


def test_a_functional_config_must_describe_one_connected_graph(tmp_path):
    source = FIXTURES / "functional_branches.keras"
    config = saved_config(source)
    config["config"]["layers"][1]["name"] = "pixels"
    with pytest.raises(ValueError, match="two layers named 'pixels'"):
        keras.models.load_model(rewrite(source, tmp_path / "twice.keras", config))
    config = saved_config(source)
    node = config["config"]["layers"][3]["inbound_nodes"][0]
    node["args"][0]["config"]["keras_history"][1] = 7  # a call that never happens
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        keras.models.load_model(rewrite(source, tmp_path / "loop.keras", config))
    config = saved_config(source)
    config["config"]["output_layers"][0][0] = "nowhere"
    with pytest.raises(ValueError, match="refers to a layer 'nowhere' it does not list"):
        keras.models.load_model(rewrite(source, tmp_path / "nowhere.keras", config))
    config = saved_config(source)
    encoder_norm = config["config"]["layers"][2]["config"]["layers"][2]["config"]
    encoder_norm["axis"] = [1, 2]
    with pytest.raises(ValueError, match="several axes"):
        keras.models.load_model(rewrite(source, tmp_path / "axes.keras", config))


def _weights_file(tmp_path, name="model.weights.h5"):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    model.save_weights(tmp_path / name)
    return model, tmp_path / name


def test_weight_files_that_do_not_fit_name_the_layer_and_the_problem(tmp_path):
    model, path = _weights_file(tmp_path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/1"]
    with pytest.raises(ValueError, match=r"holds 1 arrays, the layer has 2 \(kernel, bias\)"):
        model.load_weights(path)
    with h5py.File(path, "a") as h5:
        h5["layers/dense/vars/5"] = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match="has 2 entries but no 1;"):
        model.load_weights(path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense"]
    with pytest.raises(ValueError, match="no weights at layers/dense/vars"):
        model.load_weights(path)


def test_soft_links_and_shape_bombs_in_the_weights_are_refused(tmp_path):
    model, path = _weights_file(tmp_path)
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/1"]
        h5["layers/dense/vars/1"] = h5py.SoftLink("/layers/dense/vars/0")
    with pytest.raises(ValueError, match="SoftLink"):
        model.load_weights(path)
    model, path = _weights_file(tmp_path, "bomb.weights.h5")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        h5.create_dataset("layers/dense/vars/0", shape=(1 << 30,), dtype="float32")  # unwritten
    with pytest.raises(ValueError, match="shape bomb"):
        model.load_weights(path)


def test_a_compile_config_glassnet_lacks_loads_the_model_uncompiled_with_a_warning(tmp_path):
    config = saved_config(FIXTURES / "sequential_convnet.keras")
    config["compile_config"]["optimizer"]["class_name"] = "Lion"
    path = rewrite(FIXTURES / "sequential_convnet.keras", tmp_path / "lion.keras", config)
    with pytest.warns(UserWarning, match=r"loaded uncompiled.*'Lion' is not one glassnet has"):
        model = keras.models.load_model(path)
    assert not model.compiled
    x, (want,) = fixture_arrays("sequential_convnet")
    np.testing.assert_allclose(model.predict(x, verbose=0), want, atol=1e-5)


def test_a_loss_without_a_name_saves_the_model_uncompiled_with_a_warning(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=lambda y_true, y_pred: ((y_true - y_pred) ** 2).mean())
    with pytest.warns(UserWarning, match="will load uncompiled.*register_keras_serializable"):
        model.save(tmp_path / "custom_loss.keras")
    assert not keras.models.load_model(tmp_path / "custom_loss.keras").compiled


def test_saving_what_has_no_keras_config_says_how(tmp_path):
    class MLP(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs, training=None):
            return self.dense(inputs)

    model = MLP()
    model(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="cannot save a MLP.*register_keras_serializable"):
        model.save(tmp_path / "mlp.keras")
    built = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    inputs = keras.Input(shape=(3,))
    functional = keras.Model(inputs, layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="Sequential models only.*x.keras"):
        functional.save(tmp_path / "functional.safetensors")
    with pytest.raises(ValueError, match="zipped=False"):
        built.save(tmp_path / "folder", zipped=False)
    with pytest.raises(FileNotFoundError, match="no file at"):
        keras.models.load_model(tmp_path / "absent.keras")
    assert not list(tmp_path.iterdir())
