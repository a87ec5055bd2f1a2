"""What the guide programs found missing, tested on its own: Embedding and the 1-D global
poolings (the functional guide's text models), keras.random (the subclassing guide's dropout
and VAE), Keras' assign methods on layer weights, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import keras
from glassnet.errors import ShapeError

from .conftest import to_numpy

IDS = np.array([[3, 1, 4, 1], [5, 9, 2, 6]])


def test_embedding_and_pooling_match_keras_with_the_same_table(both):
    results = []
    for framework in both:
        k = framework.keras
        inputs = k.Input(shape=(None,), dtype="int32")
        x = k.layers.Embedding(10, 3)(inputs)
        average = k.layers.GlobalAveragePooling1D()(x)
        maximum = k.layers.GlobalMaxPooling1D(keepdims=True)(x)
        model = k.Model(inputs, [x, average, maximum])
        model.layers[1].set_weights([np.arange(30, dtype="float32").reshape(10, 3) % 7])
        results.append([to_numpy(t) for t in model.predict(IDS, verbose=0)])
        results.append(model.layers[1].get_config())
    ours, our_config, theirs, their_config = results
    for mine, want in zip(ours, theirs):
        np.testing.assert_array_equal(mine, want)
    assert ours[2].shape == (2, 1, 3)
    for key in ("name", "input_dim", "output_dim", "mask_zero"):
        assert (key, our_config[key]) == (key, their_config[key])


def test_embedding_gradient_adds_up_repeated_ids():
    layer = keras.layers.Embedding(10, 2)
    out = layer(IDS)
    out.sum().backward()
    counts = np.bincount(IDS.reshape(-1), minlength=10)
    np.testing.assert_array_equal(layer.embeddings.grad.numpy(), np.repeat(counts[:, None], 2, 1))


def test_embedding_errors_name_the_fix():
    with pytest.raises(ValueError, match="input_dim must be a positive integer, got 0"):
        keras.layers.Embedding(0, 4)
    with pytest.raises(NotImplementedError, match="mask_zero=True needs Keras' masks"):
        keras.layers.Embedding(10, 4, mask_zero=True)
    layer = keras.layers.Embedding(10, 4)
    with pytest.raises(ValueError, match="expected integer token ids"):
        layer(np.array([[0.5, 1.0]]))
    with pytest.raises(IndexError, match=r"ids must lie in \[0, 10\), got 0..12; raise input_dim"):
        layer(np.array([[0, 12]]))


def test_global_pooling_1d_needs_a_3d_input():
    with pytest.raises(ShapeError, match="expected a 3-d input .* got shape \\(2, 4\\)"):
        keras.layers.GlobalAveragePooling1D()(np.ones((2, 4), "float32"))
    channels_first = keras.layers.GlobalAveragePooling1D(data_format="channels_first")
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_allclose(channels_first(x).numpy(), x.mean(axis=2))


def test_random_draws_follow_keras_seed_rules(k):
    random = k.keras.random
    same = [to_numpy(random.normal((3, 2), seed=7)) for _ in range(2)]
    np.testing.assert_array_equal(*same)  # an int seed repeats its numbers
    generator = random.SeedGenerator(1337)
    first, second = (to_numpy(random.uniform((100,), seed=generator)) for _ in range(2))
    assert not np.array_equal(first, second)  # a SeedGenerator moves on
    assert first.dtype == np.float32 and 0 <= first.min() and first.max() < 1
    again = to_numpy(random.uniform((100,), seed=random.SeedGenerator(1337)))
    np.testing.assert_array_equal(first, again)
    ints = to_numpy(random.randint((50,), 0, 3, seed=1))
    assert set(np.unique(ints)) <= {0, 1, 2}
    assert np.abs(to_numpy(random.truncated_normal((500,), seed=2))).max() <= 2
    shuffled = to_numpy(random.shuffle(np.arange(10), seed=3))
    assert sorted(shuffled.tolist()) == list(range(10))


def test_random_refuses_a_bad_seed_and_rate():
    with pytest.raises(ValueError, match="seed must be None, an int or a keras.random"):
        keras.random.normal((2,), seed="1337")
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\), got 1"):
        keras.random.dropout(np.ones(3), rate=1)


def test_dropout_gradient_is_the_scaled_mask():
    x = keras.ops.convert_to_tensor(np.ones((4, 5), "float32"))
    x.requires_grad_(True)
    y = keras.random.dropout(x, rate=0.5, seed=0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_weights_assign_in_place_and_stay_parameters():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    kernel = layer.kernel
    kernel.assign(np.ones((3, 2)))
    kernel.assign_add(np.ones((3, 2)))
    kernel.assign_sub(0.5)
    assert layer.kernel is kernel and kernel.value is kernel
    np.testing.assert_array_equal(kernel.detach().numpy(), np.full((3, 2), 1.5))
    assert [name for name, _ in layer.named_parameters()] == ["kernel", "bias"]


def test_several_tensor_arguments_need_a_call_that_takes_them():
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    with pytest.raises(ValueError, match=r"takes 1 tensor argument\(s\) \(x\), got 2 positional"):
        keras.layers.Dense(2)(a, b)
    with pytest.raises(ValueError, match=r"got KerasTensors in the keywords \['other'\]"):
        keras.layers.Dense(2)(a, other=b)


def gan_parts_program(keras, np):
    """The GAN's generator from the customizing-fit guide (Dense → LeakyReLU → Reshape →
    Conv2DTranspose), smaller, saved and loaded."""
    layers = keras.layers
    latent_dim = 8
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 4),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 4)),
            layers.Conv2DTranspose(4, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
    generator.save("generator.keras")
    return generator


def test_gan_generator_layers_run_save_and_load_across_frameworks(both):
    glassnet, keras3 = both
    ours = gan_parts_program(glassnet.keras, np)
    z = np.random.default_rng(5).standard_normal((2, 8)).astype("float32")
    theirs = keras3.keras.models.load_model("generator.keras")
    np.testing.assert_allclose(to_numpy(theirs.predict(z, verbose=0)),
                               to_numpy(ours.predict(z, verbose=0)), rtol=1e-4, atol=1e-5)
    assert to_numpy(ours.predict(z, verbose=0)).shape == (2, 14, 14, 1)
    keras_made = gan_parts_program(keras3.keras, np)
    back = glassnet.keras.models.load_model("generator.keras")
    np.testing.assert_allclose(to_numpy(back.predict(z, verbose=0)),
                               to_numpy(keras_made.predict(z, verbose=0)), rtol=1e-4,
                               atol=1e-5)
    assert [layer.name.split("_")[0] for layer in back.layers[1:3]] == ["leaky", "reshape"]


def test_reshape_and_leaky_relu_errors_and_minus_one():
    assert keras.layers.Reshape((-1, 2))(np.zeros((4, 6), "float32")).shape == (4, 3, 2)
    with pytest.raises(ValueError, match="at most one -1, got"):
        keras.layers.Reshape((-1, -1))
    with pytest.raises(ShapeError, match=r"\(6 values per sample\) into \(4,\) \(4\); pick"):
        keras.layers.Reshape((4,))(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match="negative_slope must be a number >= 0, got -1"):
        keras.layers.LeakyReLU(negative_slope=-1)
    np.testing.assert_allclose(keras.layers.LeakyReLU()(np.array([-1.0, 2.0])).numpy(),
                               [-0.3, 2.0], rtol=1e-6)
