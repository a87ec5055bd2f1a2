"""keras.Sequential: building, summary, weights in Keras layout, saving, the seeds' networks."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import keras

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def section_14_14_model():
    return keras.Sequential([
        keras.layers.Dense(128, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(10, activation="softmax"),
    ])


def test_summary_counts_match_keras_for_the_14_14_model():
    model = section_14_14_model()
    model.build((None, 784))
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "Total params: 102,282 (399.54 KB)" in text
    assert "Trainable params: 102,026 (398.54 KB)" in text
    assert "Non-trainable params: 256 (1.00 KB)" in text
    assert "│ dense (Dense)" in text or "(Dense)" in text
    assert "(None, 128)" in text and "(None, 10)" in text
    assert model.count_params() == 102_282


def test_an_unbuilt_model_says_every_way_to_build_it():
    with pytest.raises(ValueError) as info:
        section_14_14_model().summary()
    message = str(info.value)
    for way in ("keras.Input", "model.build", "model(x)", "model.fit"):
        assert way in message


def test_lazy_build_on_first_call_and_input_fixes_the_size():
    model = keras.Sequential([keras.layers.Dense(4)])
    assert not model.built
    out = model(np.ones((3, 7), dtype=np.float32))
    assert out.shape == (3, 4) and model.layers[0].kernel.shape == (7, 4)
    fixed = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(2)])
    assert fixed.built and fixed.count_params() == 12 and len(fixed.layers) == 1
    grown = keras.Sequential()
    grown.add(keras.Input(shape=(3,)))
    grown.add(keras.layers.Dense(1))
    assert grown.count_params() == 4


def test_seed_004_2_3_1_network():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1)])  # no activation: identity output
    assert model.count_params() == (2 * 3 + 3) + (3 * 1 + 1)
    assert model.predict(np.array([[0.5, 0.5]], dtype=np.float32)).shape == (1, 1)


def test_xor_with_the_lectures_weights_via_set_weights():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="relu"),
                              keras.layers.Dense(1)])
    model.set_weights([np.ones((2, 2)), np.array([0.0, -1.0]), np.array([[1.0], [-2.0]]),
                       np.zeros(1)])
    assert model.predict(XOR_X).ravel().tolist() == [0.0, 1.0, 1.0, 0.0]
    kernel = model.get_weights()[0]
    assert kernel.shape == (2, 2)  # Keras layout: (in, out)


def test_xor_is_learned_by_fit():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(XOR_X, XOR_Y, epochs=300, batch_size=4, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(model.predict(XOR_X).round().ravel(), [0, 1, 1, 0])


def test_set_weights_checks_count_and_shapes():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="2 weight arrays"):
        model.set_weights([np.ones((2, 2))])
    with pytest.raises(ValueError, match=r"kernel has shape \(2, 2\)"):
        model.set_weights([np.ones((3, 2)), np.ones(2)])


def test_save_and_load_model_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    model = section_14_14_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.rand(64, 20).astype(np.float32)
    y = np.random.randint(0, 10, 64)
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "model.safetensors"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Dense", "BatchNormalization", "Dropout", "Dense"]
    assert loaded.compiled and loaded.evaluate(x, y, verbose=0)[0] == pytest.approx(
        model.evaluate(x, y, verbose=0)[0], rel=1e-6)
    raw = path.read_bytes()
    assert b"pickle" not in raw and raw[8:9] == b"{"  # a safetensors JSON header, no code


def test_calling_a_model_on_arrays_returns_a_tensor():
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    out = model(np.random.rand(4, 5))
    assert out.shape == (4, 3) and np.allclose(out.detach().numpy().sum(axis=1), 1.0, atol=1e-6)
