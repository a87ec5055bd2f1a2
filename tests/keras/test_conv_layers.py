"""Keras' convnet layers (Conv2D, Conv2DTranspose, pooling, BatchNormalization on images):
shapes, weights, errors, and agreement with Keras 3 itself (torch backend) where installed."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import glassnet
from glassnet import keras
from glassnet.errors import ShapeError

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


def images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def run_both(reference, name, options, x, grad_seed=1):
    """The same layer in Keras and glassnet with Keras' weights copied over: (outputs, input
    gradients, weight gradients) of both, for the output gradient g."""
    import torch

    theirs = getattr(reference.layers, name)(**options)
    x_ref = torch.tensor(x, requires_grad=True)
    out_ref = theirs(x_ref)
    ours = getattr(layers, name)(**options)
    ours(x)
    ours.set_weights(theirs.get_weights())
    x_ours = glassnet.tensor(x, requires_grad=True)
    out_ours = ours(x_ours)
    assert tuple(out_ours.shape) == tuple(out_ref.shape)
    g = images(tuple(out_ref.shape), grad_seed)
    out_ref.backward(torch.tensor(g))
    out_ours.backward(glassnet.tensor(g))
    grads_ref = [w.value.grad.numpy() for w in theirs.trainable_weights]
    grads_ours = [w.grad.numpy() for w in ours.trainable_weights]
    return ((out_ours.detach().numpy(), out_ref.detach().numpy()),
            (x_ours.grad.numpy(), x_ref.grad.numpy()), list(zip(grads_ours, grads_ref)))


def assert_agree(pairs, atol=2e-5):
    outputs, input_grads, weight_grads = pairs
    for ours, theirs in (outputs, input_grads, *weight_grads):
        np.testing.assert_allclose(ours, theirs, atol=atol, rtol=1e-4)


CONV_CASES = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, padding="same"),
    dict(filters=4, kernel_size=3, strides=2),
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=4, kernel_size=4, padding="same"),  # even kernel: the extra pixel bottom/right
    dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same"),
    dict(filters=6, kernel_size=3, groups=3),
    dict(filters=4, kernel_size=3, dilation_rate=2, padding="same"),
    dict(filters=4, kernel_size=3, use_bias=False, activation="relu"),
    dict(filters=4, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
]


@pytest.mark.parametrize("options", CONV_CASES, ids=str)
def test_conv2d_agrees_with_keras(reference, options):
    shape = (2, 3, 9, 10) if options.get("data_format") == "channels_first" else (2, 9, 10, 3)
    assert_agree(run_both(reference, "Conv2D", options, images(shape)))


POOL_CASES = [
    dict(pool_size=2),
    dict(pool_size=3, strides=2),
    dict(pool_size=2, padding="same"),  # 9 rows: one padding row at the bottom
    dict(pool_size=3, strides=1, padding="same"),  # an even split
    dict(pool_size=(3, 2), strides=2, padding="same"),
    dict(pool_size=2, data_format="channels_first"),
]


@pytest.mark.parametrize("name", ["MaxPooling2D", "AveragePooling2D"])
@pytest.mark.parametrize("options", POOL_CASES, ids=str)
def test_pooling_agrees_with_keras(reference, name, options):
    shape = (2, 3, 9, 10) if options.get("data_format") == "channels_first" else (2, 9, 10, 3)
    assert_agree(run_both(reference, name, options, images(shape)))


@pytest.mark.parametrize("name", ["GlobalAveragePooling2D", "GlobalMaxPooling2D"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_agrees_with_keras(reference, name, keepdims):
    assert_agree(run_both(reference, name, dict(keepdims=keepdims), images((2, 5, 6, 3))))


TRANSPOSE_CASES = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, strides=2),
    dict(filters=4, kernel_size=2, strides=3),  # kernel < stride: the output grows
    dict(filters=4, kernel_size=3, padding="same"),
    dict(filters=4, kernel_size=4, strides=2, padding="same"),
    dict(filters=4, kernel_size=2, strides=2, padding="same"),
    dict(filters=4, kernel_size=3, strides=2, output_padding=1),
    dict(filters=4, kernel_size=(3, 2), strides=(1, 2), use_bias=False),
]


@pytest.mark.parametrize("options", TRANSPOSE_CASES, ids=str)
def test_conv2d_transpose_agrees_with_keras(reference, options):
    assert_agree(run_both(reference, "Conv2DTranspose", options, images((2, 5, 6, 3))))


@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(padding, strides):
    # <conv(y), x> = <y, conv_transpose(x)> for the same kernel: TensorFlow's definition, which
    # also fixes the crop where Keras' torch backend warns it cannot follow (3x3, stride 2)
    conv = layers.Conv2D(4, 3, strides=strides, padding=padding, use_bias=False)
    y = images((1, 8, 8, 3))
    x = images(tuple(conv(y).shape), seed=1)
    transpose = layers.Conv2DTranspose(3, 3, strides=strides, padding=padding, use_bias=False,
                                       output_padding=None if padding == "same" else
                                       (8 - 3) % strides)
    assert tuple(transpose(x).shape) == y.shape
    transpose.set_weights(conv.get_weights())
    left = float((conv(y).detach().numpy() * x).sum())
    right = float((y * transpose(x).detach().numpy()).sum())
    assert left == pytest.approx(right, rel=1e-4)


@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_on_images_agrees_with_keras(reference, training):
    import torch

    x = images((4, 5, 6, 3)) * 3 + 1
    theirs = reference.layers.BatchNormalization()
    ours = layers.BatchNormalization()
    theirs(x)
    ours(x)
    weights = [images((3,), seed) for seed in range(2)] + [images((3,), 2),
                                                              np.abs(images((3,), 3)) + 0.5]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    out_ref = theirs(torch.tensor(x), training=training).detach().numpy()
    out_ours = ours(x, training=training).detach().numpy()
    np.testing.assert_allclose(out_ours, out_ref, atol=2e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):  # the moving statistics moved
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_zero_padding_agrees_with_keras(reference):
    for padding in (1, (2, 1), ((1, 2), (0, 3))):
        assert_agree(run_both(reference, "ZeroPadding2D", dict(padding=padding),
                              images((2, 4, 5, 3))))


def test_to_categorical_is_keras(reference):
    for labels, classes in (([0, 2], 3), (np.array([[1], [0]], np.uint8), None),
                            (np.array([[1, 2], [0, 1]]), 4), ([3, 1], 0)):
        ours = keras.utils.to_categorical(labels, classes)
        theirs = reference.utils.to_categorical(labels, classes)
        assert ours.dtype == theirs.dtype == np.float64
        np.testing.assert_array_equal(ours, theirs)


# ----- without the oracle ------------------------------------------------------------------
def classic_mnist_convnet():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def test_classic_mnist_convnet_summary_matches_keras():
    model = classic_mnist_convnet()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert model.count_params() == 34_826
    for shape, params in (("(None, 26, 26, 32)", "320"), ("(None, 13, 13, 32)", "0"),
                          ("(None, 11, 11, 64)", "18,496"), ("(None, 5, 5, 64)", "0"),
                          ("(None, 1600)", "0"), ("(None, 10)", "16,010")):
        assert any(shape in line and line.rstrip("│ ").endswith(params)
                   for line in text.splitlines()), (shape, text)
    assert "Total params: 34,826" in text
    for pattern in (r"│ conv2d(_\d+)? \(Conv2D\)", r"│ max_pooling2d(_\d+)? \(MaxPooling2D\)"):
        assert len(re.findall(pattern, text)) == 2, text  # Keras' names, not conv2_d
    assert tuple(model(np.zeros((2, 28, 28, 1), np.float32)).shape) == (2, 10)


def test_conv2d_weights_have_keras_names_shapes_and_order():
    layer = layers.Conv2D(8, (3, 5), groups=2)
    layer(np.zeros((1, 10, 10, 4), np.float32))
    assert layer._weight_order == ["kernel", "bias"]
    assert [w.shape for w in layer.get_weights()] == [(3, 5, 2, 8), (8,)]
    transpose = layers.Conv2DTranspose(8, 3)
    transpose(np.zeros((1, 4, 4, 5), np.float32))
    assert [w.shape for w in transpose.get_weights()] == [(3, 3, 8, 5), (8,)]
    norm = layers.BatchNormalization()
    norm(np.zeros((2, 4, 4, 6), np.float32))
    assert norm._weight_order == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.shape for w in norm.get_weights()] == [(6,)] * 4


def test_conv2d_glorot_limit_uses_the_receptive_field():
    layer = layers.Conv2D(64, 3)
    layer(np.zeros((1, 8, 8, 32), np.float32))
    limit = np.sqrt(6 / (9 * 32 + 9 * 64))
    kernel = layer.kernel.detach().numpy()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit


def test_batch_normalization_normalises_each_channel_of_images():
    norm = layers.BatchNormalization()
    x = images((8, 5, 5, 3)) * np.array([1, 5, 10], np.float32) + np.array([0, 3, -7])
    out = norm(x, training=True).detach().numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-2)
    np.testing.assert_allclose(norm.moving_mean.numpy(), 0.01 * x.mean(axis=(0, 1, 2)),
                               rtol=1e-4)


def test_flatten_keeps_keras_channels_last_order_and_dropout_keeps_image_shape():
    x = images((2, 3, 4, 5))
    np.testing.assert_array_equal(layers.Flatten()(x).detach().numpy(), x.reshape(2, -1))
    dropout = layers.Dropout(0.5)
    out = dropout(np.ones((4, 8, 8, 3), np.float32), training=True).detach().numpy()
    assert out.shape == (4, 8, 8, 3) and set(np.unique(out)) <= {0.0, 2.0}
    assert 0.3 < (out == 0).mean() < 0.7


def test_same_average_pooling_does_not_count_the_padding():
    out = layers.AveragePooling2D(2, padding="same")(np.ones((1, 3, 3, 1), np.float32))
    np.testing.assert_array_equal(out.detach().numpy(), np.ones((1, 2, 2, 1)))


def test_same_max_pooling_never_picks_the_padding():
    out = layers.MaxPooling2D(2, padding="same")(-np.ones((1, 3, 3, 1), np.float32))
    np.testing.assert_array_equal(out.detach().numpy(), -np.ones((1, 2, 2, 1)))


def test_a_saved_convnet_loads_back_with_the_same_predictions(tmp_path):
    pytest.importorskip("safetensors")
    model = keras.Sequential([
        keras.Input(shape=(12, 12, 2)),
        layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2DTranspose(3, 2, strides=2),
        layers.AveragePooling2D(3, strides=1, padding="same"),
        layers.ZeroPadding2D(1),
        layers.MaxPooling2D(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2),
    ])
    x = images((3, 12, 12, 2))
    model.save(tmp_path / "convnet.safetensors")
    loaded = keras.models.load_model(tmp_path / "convnet.safetensors")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_aliases_are_the_same_layers():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool2D is layers.AveragePooling2D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D


# ----- errors ------------------------------------------------------------------------------
def test_conv2d_names_the_channels_it_was_built_for():
    layer = layers.Conv2D(4, 3)
    layer(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(ShapeError, match="expected inputs with 3 channels.*got shape"):
        layer(np.zeros((1, 8, 8, 1), np.float32))


def test_conv2d_asks_for_the_channel_axis_of_gray_images():
    with pytest.raises(ShapeError, match=r"expected a 4-D input.*np.expand_dims\(x, -1\)"):
        layers.Conv2D(4, 3)(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ShapeError, match="expected a 4-D input"):
        layers.MaxPooling2D()(np.zeros((2, 28, 28), np.float32))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        layers.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2 ints"):
        layers.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="strides > 1 together with dilation_rate > 1"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"filters \(6\) must be divisible by groups \(4\)"):
        layers.Conv2D(6, 3, groups=4)
    with pytest.raises(ShapeError, match="5 channels are not divisible by groups=2"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 6, 6, 5), np.float32))
    with pytest.raises(ValueError, match="output_padding .* must be smaller than strides"):
        layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="data_format must be 'channels_last' or"):
        layers.MaxPooling2D(data_format="NHWC")
    with pytest.raises(ValueError, match="the channel axis of the input must be known"):
        layers.Conv2D(4, 3).build((None, 8, 8, None))


def test_pooling_larger_than_the_image_is_named():
    with pytest.raises(ShapeError, match=r"input is smaller than pool_size \(3, 3\)"):
        layers.MaxPooling2D(3)(np.zeros((1, 2, 2, 1), np.float32))


def test_batch_normalization_axis_errors():
    with pytest.raises(ValueError, match="axis must be one int naming the feature axis"):
        layers.BatchNormalization(axis=0)
    with pytest.raises(ValueError, match="axis 2 of a 4-D input is not supported"):
        layers.BatchNormalization(axis=2)(np.zeros((2, 3, 3, 3), np.float32))


# ----- data helpers ------------------------------------------------------------------------
@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty data folder as $GLASSNET_DATA, with the repository's and the cache's hidden."""
    from glassnet.datasets import mnist

    monkeypatch.setattr(mnist, "REPO_DATA", tmp_path / "no-repo-data")
    monkeypatch.setattr(mnist, "CACHE", tmp_path / "no-cache")
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def test_cifar10_load_data_has_keras_shapes_and_dtypes(data_dir):
    folder = data_dir / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    planes = {}
    for i, name in enumerate([f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]):
        labels = np.array([i % 10, (i + 3) % 10], np.uint8)
        pixels = rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8)  # channel-major planes
        planes[name] = (labels, pixels)
        (folder / name).write_bytes(np.concatenate([labels[:, None], pixels.reshape(2, -1)],
                                                   axis=1).tobytes())
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (2, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    labels, pixels = planes["data_batch_2.bin"]
    np.testing.assert_array_equal(y_train[2:4, 0], labels)
    np.testing.assert_array_equal(x_train[2:4], pixels.transpose(0, 2, 3, 1))  # channels_last
    np.testing.assert_array_equal(y_test[:, 0], planes["test_batch.bin"][0])
    assert keras.utils.to_categorical(y_train, 10).shape == (10, 10)


def test_fashion_mnist_load_data_has_keras_shapes_and_dtypes(data_dir):
    folder = data_dir / "fashion-mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for stem, n in (("train", 6), ("t10k", 4)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = bytes([0, 0, 8, array.ndim]) + b"".join(
                int(d).to_bytes(4, "big") for d in array.shape)
            (folder / f"{stem}-{kind}-ubyte").write_bytes(header + array.tobytes())
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (6, 28, 28) and x_test.shape == (4, 28, 28)
    assert y_train.tolist() == list(range(6)) and y_test.shape == (4,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


def test_mnist_load_data_gives_keras_uint8_labels():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == np.uint8


def test_batch_normalization_channels_first_matches_channels_last():
    x = images((4, 5, 6, 3)) * 2 + 1
    last, first = layers.BatchNormalization(), layers.BatchNormalization(axis=1)
    last.train(True)
    first.train(True)
    out_last = last(x).detach().numpy()
    out_first = first(x.transpose(0, 3, 1, 2)).detach().numpy()
    np.testing.assert_allclose(out_first.transpose(0, 2, 3, 1), out_last, atol=1e-5)
    np.testing.assert_allclose(first.moving_variance.numpy(), last.moving_variance.numpy(),
                               rtol=1e-5)
