"""Keras layers learners' image and sequence models use beyond issue 10's list: Conv1D (causal
too), DepthwiseConv2D, SeparableConv2D, 1-D pooling, Rescaling, UpSampling2D, Cropping2D,
ReLU / Softmax / ELU, Permute, RepeatVector, Identity, Lambda, and the training-only random
layers (RandomFlip, GaussianNoise, GaussianDropout, SpatialDropout2D). The weighted and
deterministic ones are compared with Keras 3 (torch backend) with Keras' weights copied over:
outputs, input and weight gradients, output shapes; models holding them save and load."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import keras
from tests.keras.test_conv_layers import assert_agree, images, reference, run_both  # noqa: F401

layers = keras.layers

AGREE = [
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
     (2, 9, 3)),
    ("Conv1D", {"filters": 5, "kernel_size": 4, "strides": 2, "padding": "same",
                "activation": "tanh"}, (2, 9, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "groups": 2, "use_bias": False}, (2, 7, 4)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "padding": "same",
                         "strides": 2}, (2, 7, 7, 3)),
    ("DepthwiseConv2D", {"kernel_size": (2, 3), "dilation_rate": 2}, (1, 8, 8, 2)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "padding": "same",
                         "depth_multiplier": 2, "activation": "relu"}, (2, 6, 6, 3)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "use_bias": False},
     (1, 7, 7, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 9, 3)),
    ("AveragePooling1D", {"pool_size": 2}, (2, 9, 3)),
    ("Rescaling", {"scale": 1 / 127.5, "offset": -1.0}, (2, 4, 4, 3)),
    ("UpSampling2D", {"size": (2, 3)}, (2, 3, 3, 2)),
    ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, (2, 3, 3, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 5, 6, 2)),
    ("ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, (2, 3, 4)),
    ("Softmax", {"axis": 1}, (2, 3, 4)),
    ("ELU", {"alpha": 0.5}, (2, 3, 4)),
    ("Permute", {"dims": (2, 1)}, (2, 3, 4)),
    ("RepeatVector", {"n": 3}, (2, 4)),
]


@pytest.mark.parametrize("name, options, shape", AGREE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(AGREE)])
def test_layer_agrees_with_keras(reference, name, options, shape):  # noqa: F811
    assert_agree(run_both(reference, name, options, images(shape)))
    theirs = getattr(reference.layers, name)(**options)
    ours = getattr(layers, name)(**options)
    assert tuple(ours.compute_output_shape((None, *shape[1:]))) == \
        tuple(theirs.compute_output_shape((None, *shape[1:])))
    shared = {"name", "dtype", "trainable", "activity_regularizer"}
    keys = {k for k in theirs.get_config() if "constraint" not in k} - shared
    assert keys == set(ours.get_config()) - shared


def test_same_average_pooling_counts_only_real_steps_as_tensorflow():
    # TensorFlow's rule (and glassnet's 2-D layer): the window [6, 7, padding] averages to 6.5
    x = np.arange(8, dtype=np.float32).reshape(1, 8, 1)
    out = layers.AveragePooling1D(3, 2, padding="same")(x)
    assert out.numpy().ravel().tolist() == [1.0, 3.0, 5.0, 6.5]


def test_depthwise_and_separable_weights_have_keras_names_and_shapes():
    x = images((1, 5, 5, 3))
    depthwise = layers.DepthwiseConv2D(3, depth_multiplier=2)
    separable = layers.SeparableConv2D(4, 3)
    depthwise(x), separable(x)
    for layer, names in ((depthwise, ("kernel", "bias")),
                         (separable, ("depthwise_kernel", "pointwise_kernel", "bias"))):
        assert [w is getattr(layer, n) for w, n in zip(layer.weights, names)] == \
            [True] * len(names)
    assert [tuple(w.shape) for w in depthwise.weights] == [(3, 3, 3, 2), (6,)]
    assert [tuple(w.shape) for w in separable.weights] == [(3, 3, 3, 1), (1, 1, 3, 4), (4,)]


def _augmented(layer, x, seed=0):
    keras.utils.set_random_seed(seed)
    return layer(x, training=True).detach().numpy()


def test_random_layers_change_nothing_in_inference():
    x = images((4, 5, 5, 3))
    for layer in (layers.RandomFlip(), layers.GaussianNoise(0.3), layers.GaussianDropout(0.4),
                  layers.SpatialDropout2D(0.5)):
        assert np.array_equal(layer(x, training=False).numpy(), x), layer.name


def test_random_flip_flips_whole_images_in_training():
    x = images((64, 4, 5, 1))
    out = _augmented(layers.RandomFlip("horizontal"), x)
    kept = [np.array_equal(o, i) for o, i in zip(out, x)]
    flipped = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)]
    assert all(k or f for k, f in zip(kept, flipped)) and 16 < sum(flipped) < 48
    both = _augmented(layers.RandomFlip(), x, seed=1)
    assert all(any(np.array_equal(o, v) for v in (i, i[::-1], i[:, ::-1], i[::-1, ::-1]))
               for o, i in zip(both, x))
    with pytest.raises(ValueError, match="mode must be one of"):
        layers.RandomFlip("diagonal")


def test_noise_layers_have_the_stated_moments_in_training():
    x = np.ones((200, 50, 10), np.float32)
    noisy = _augmented(layers.GaussianNoise(0.5), x) - 1
    assert abs(noisy.mean()) < 0.01 and abs(noisy.std() - 0.5) < 0.01
    scaled = _augmented(layers.GaussianDropout(0.2), x)
    assert abs(scaled.mean() - 1) < 0.01 and abs(scaled.std() - 0.5) < 0.01  # √(0.2 / 0.8)
    dropped = _augmented(layers.SpatialDropout2D(0.25), np.ones((400, 3, 3, 8), np.float32))
    per_map = dropped[:, 0, 0, :]
    assert np.all(dropped == per_map[:, None, None, :])  # whole maps kept or dropped
    assert set(np.unique(per_map)) == {0.0, np.float32(1 / 0.75)}
    assert abs((per_map == 0).mean() - 0.25) < 0.03


def test_a_seed_gives_a_reproducible_stream():
    x = images((8, 3, 3, 2))
    first = layers.RandomFlip(seed=7)
    second = layers.RandomFlip(seed=7)
    assert np.array_equal(first(x, training=True).numpy(), second(x, training=True).numpy())


def test_identity_and_lambda():
    x = images((2, 3))
    assert layers.Identity()(x).numpy().tolist() == x.tolist()
    halve = layers.Lambda(lambda t, factor: t / factor, arguments={"factor": 2.0})
    assert np.allclose(halve(x).numpy(), x / 2)
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(lambda t: t * 2),
                              layers.Dense(1)])
    assert model(x).shape == (2, 1)
    with pytest.raises(NotImplementedError, match="a Lambda layer holds Python code"):
        model.get_config()


def test_a_model_of_the_new_layers_trains_saves_and_loads(tmp_path):
    glassnet.manual_seed(0)
    model = keras.Sequential([
        keras.Input((12, 12, 3)), layers.Rescaling(1 / 255), layers.RandomFlip("horizontal"),
        layers.SeparableConv2D(8, 3, padding="same", activation="relu"),
        layers.DepthwiseConv2D(3, depth_multiplier=2), layers.ReLU(6.0),
        layers.SpatialDropout2D(0.1), layers.UpSampling2D(), layers.Cropping2D(2),
        layers.GaussianNoise(0.01), layers.Permute((3, 1, 2)), layers.Reshape((16, -1)),
        layers.Conv1D(4, 3, padding="causal"), layers.MaxPooling1D(), layers.Flatten(),
        layers.Dense(3), layers.Softmax()])
    x = np.random.default_rng(0).uniform(0, 255, (16, 12, 12, 3)).astype(np.float32)
    y = np.arange(16) % 3
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "layers.keras")
    loaded = keras.models.load_model(tmp_path / "layers.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]


def test_a_layer_called_on_its_own_runs_in_inference_as_in_keras(reference):  # noqa: F811
    x = np.ones((4, 6), np.float32)
    for name in ("Dropout", "GaussianNoise", "GaussianDropout"):
        options = {"rate": 0.5} if name != "GaussianNoise" else {"stddev": 0.5}
        ours = getattr(layers, name)(**options)(x).numpy()
        theirs = reference.ops.convert_to_numpy(getattr(reference.layers, name)(**options)(x))
        assert np.array_equal(ours, theirs) and np.array_equal(ours, x), name
    assert not np.array_equal(layers.Dropout(0.5)(x, training=True).numpy(), x)


# ----- Normalization, and the geometric augmentations -----------------------------------------
NORMALIZE = [{}, {"axis": (1, 2)}, {"axis": None}, {"invert": True},
             {"mean": 2.0, "variance": 4.0},
             {"axis": 1, "mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 9.0, 16.0]}]


@pytest.mark.parametrize("options", NORMALIZE, ids=[str(o) for o in NORMALIZE])
def test_normalization_adapts_and_standardises_as_keras(reference, options):  # noqa: F811
    data = (images((50, 4, 3)) * [1, 5, 10] + [0, 3, -7]).astype(np.float32)
    x = images((2, 4, 3), seed=3) * 3
    theirs = reference.layers.Normalization(**options)
    ours = layers.Normalization(**options)
    if "mean" not in options:
        theirs.adapt(data)
        ours.adapt(data)
    np.testing.assert_allclose(ours(x).numpy(), reference.ops.convert_to_numpy(theirs(x)),
                               atol=5e-6)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]


def test_normalization_adapts_from_batches_and_survives_saving(tmp_path):
    data = (images((64, 3)) * [1, 10, 100] + [5, -5, 50]).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(iter([data[:20], data[20:]]))  # two batches give the statistics of all of it
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.variance.numpy(), data.var(0), rtol=1e-4)
    assert int(norm.count.numpy()) == 64
    model = keras.Sequential([keras.Input((3,)), norm, layers.Dense(1)])
    model.save(tmp_path / "norm.keras")
    loaded = keras.models.load_model(tmp_path / "norm.keras")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               atol=1e-5)
    with pytest.raises(ValueError, match="give both mean and variance"):
        layers.Normalization(mean=1.0)


AFFINE = [
    ("RandomRotation", {"factor": (0.25, 0.25)}),
    ("RandomRotation", {"factor": (0.1, 0.1)}),
    ("RandomRotation", {"factor": (-0.07, -0.07), "fill_mode": "constant", "fill_value": 0.5}),
    ("RandomRotation", {"factor": (0.13, 0.13), "fill_mode": "wrap"}),
    ("RandomRotation", {"factor": (0.13, 0.13), "fill_mode": "nearest",
                        "interpolation": "nearest"}),
    ("RandomZoom", {"height_factor": (0.3, 0.3)}),
    ("RandomZoom", {"height_factor": (-0.2, -0.2), "width_factor": (0.4, 0.4),
                    "fill_mode": "constant"}),
    ("RandomTranslation", {"height_factor": (0.2, 0.2), "width_factor": (-0.3, -0.3)}),
    ("RandomTranslation", {"height_factor": (0.1, 0.1), "width_factor": (0.25, 0.25),
                           "fill_mode": "wrap"}),
]


@pytest.mark.parametrize("name, options", AFFINE, ids=[f"{a}-{i}" for i, (a, _) in
                                                       enumerate(AFFINE)])
def test_geometric_augmentation_matches_keras_for_a_fixed_draw(reference, name,  # noqa: F811
                                                                options):
    # a range with lower == upper draws one value, so both libraries make the same transform
    x = images((2, 7, 9, 3))
    theirs = getattr(reference.layers, name)(**options)
    ours = getattr(layers, name)(**options)
    np.testing.assert_allclose(ours(x, training=True).numpy(),
                               reference.ops.convert_to_numpy(theirs(x, training=True)),
                               atol=1e-5)
    assert set(ours.get_config()) - {"dtype"} == set(theirs.get_config()) - {"dtype"}
    assert np.array_equal(ours(x, training=False).numpy(), x)


def test_a_quarter_turn_is_rot90_and_random_angles_stay_in_range():
    x = images((3, 5, 5, 2))
    turned = layers.RandomRotation((0.25, 0.25))(x, training=True).numpy()
    np.testing.assert_allclose(turned, np.rot90(x, k=1, axes=(1, 2)), atol=1e-5)  # anticlockwise
    keras.utils.set_random_seed(0)
    layer = layers.RandomRotation(0.1)
    angles = np.rad2deg(np.arctan2(layer._matrices(500, 5, 5)[:, 3],
                                   layer._matrices(500, 5, 5)[:, 0]))
    assert angles.min() >= -36 and angles.max() <= 36 and angles.std() > 15


SIZED = [
    ("Resizing", (5, 7), {}, False), ("Resizing", (16, 12), {}, False),
    ("Resizing", (5, 7), {"interpolation": "nearest"}, False),
    ("Resizing", (13, 6), {"interpolation": "nearest"}, False),
    ("Resizing", (6, 6), {"crop_to_aspect_ratio": True}, False),
    ("Resizing", (6, 6), {"pad_to_aspect_ratio": True, "fill_value": 3.0}, False),
    ("Resizing", (9, 4), {"pad_to_aspect_ratio": True}, False),
    ("CenterCrop", (4, 6), {}, False), ("CenterCrop", (5, 5), {}, False),
    ("CenterCrop", (12, 6), {}, False),
    ("RandomContrast", ((-0.5, 0.5),), {}, True),  # a fixed factor of 1.5
    ("RandomBrightness", ((0.2, 0.2),), {}, True),
    ("RandomBrightness", ((-0.3, -0.3),), {"value_range": (0, 1)}, True),
]


@pytest.mark.parametrize("name, args, options, training", SIZED,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SIZED)])
def test_resizing_cropping_and_colour_layers_match_keras(reference, name, args,  # noqa: F811
                                                         options, training):
    x = np.random.default_rng(0).uniform(0, 255, (2, 8, 10, 3)).astype(np.float32)
    theirs = getattr(reference.layers, name)(*args, **options)
    ours = getattr(layers, name)(*args, **options)
    np.testing.assert_allclose(ours(x, training=training).numpy(),
                               reference.ops.convert_to_numpy(theirs(x, training=training)),
                               atol=1e-4)
    assert set(ours.get_config()) - {"dtype"} == set(theirs.get_config()) - {"dtype"}


def test_random_crop_takes_a_window_in_training_and_resizes_otherwise():
    x = np.arange(2 * 8 * 10, dtype=np.float32).reshape(2, 8, 10, 1)
    crop = layers.RandomCrop(4, 6, seed=3)
    out = crop(x, training=True).numpy()
    assert out.shape == (2, 4, 6, 1)
    top, left = divmod(int(out[0, 0, 0, 0]), 10)
    np.testing.assert_array_equal(out, x[:, top:top + 4, left:left + 6])  # one offset per batch
    # inference: the centred window with the target's aspect ratio, resized, as Keras documents
    resized = layers.RandomCrop(4, 6)(x, training=False).numpy()
    expected = layers.Resizing(4, 6, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_allclose(resized, expected)


def test_augmentations_called_alone_augment_as_in_keras_and_models_follow_fit():
    x = np.random.default_rng(1).uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    for layer in (layers.RandomRotation(0.2), layers.RandomContrast(0.5, value_range=(0, 1)),
                  layers.RandomBrightness(0.3, value_range=(0, 1))):
        assert not np.allclose(layer(x).numpy(), x), layer.name  # training defaults to True
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.RandomRotation(0.2)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)  # predict never augments
