"""The doctor on convolutional networks: conv layers in the reports, one test per conv finding
(dead filters, BatchNorm2d with too few values per channel, identical filters), and silence on
a healthy LeNet-5."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet import doctor
from glassnet.errors import GlassnetWarning
from glassnet.vision.models import lenet5


@pytest.fixture(scope="module")
def mnist_batch():
    (x, y), _ = glassnet.datasets.load_mnist()
    images = (x[:64].reshape(64, 1, 28, 28) / np.float32(255)).astype(np.float32)
    return glassnet.tensor(images), glassnet.tensor(y[:64])


def codes(findings):
    return [f.code for f in findings]


def lenet5_with_batchnorm():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


@pytest.mark.parametrize("build", [lenet5, lenet5_with_batchnorm])
def test_quiet_on_a_healthy_lenet5(mnist_batch, build):
    x, y = mnist_batch
    glassnet.manual_seed(0)
    model = build()
    optimizer = glassnet.optim.Adam(model.parameters(), lr=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GlassnetWarning)
        assert doctor.check(model, nn.CrossEntropyLoss(), (x, y), optimizer) == []
    assert model.training and all(p.grad is None for p in model.parameters())


def test_gradient_report_lists_conv_layers_like_linear_ones(mnist_batch):
    x, y = mnist_batch
    glassnet.manual_seed(0)
    model = lenet5()
    nn.CrossEntropyLoss()(model(x), y).backward()
    report = doctor.gradient_report(model)
    assert [(row["name"], row["type"]) for row in report.layers] == [
        ("0", "Conv2d"), ("3", "Conv2d"), ("7", "Linear"), ("9", "Linear"), ("11", "Linear")]
    assert report.parameters[0]["shape"] == (6, 1, 5, 5)
    assert all(row["grad_norm"] > 0 for row in report.layers) and not report.flags
    assert "Conv2d" in str(report)


def test_activation_report_counts_filters_after_each_conv_layer(mnist_batch):
    x, _ = mnist_batch
    glassnet.manual_seed(0)
    model = lenet5()
    rows = doctor.activation_report(model, x).layers
    assert [(row["name"], row["after"], row["after_type"], row["channels"]) for row in rows] == [
        ("1", "0", "Conv2d", 6), ("4", "3", "Conv2d", 16), ("8", "7", "Linear", None),
        ("10", "9", "Linear", None)]
    assert rows[0]["dead_channels"] == [] and rows[2]["dead_channels"] is None
    assert "0 (Conv2d)" in str(doctor.activation_report(model, x))


def test_finding_dead_filters(mnist_batch):
    x, y = mnist_batch
    glassnet.manual_seed(0)
    model = lenet5()
    with glassnet.no_grad():
        model[0].bias[1] = -100.0
        model[0].bias[4] = -100.0
    rows = doctor.activation_report(model, x).layers
    assert rows[0]["dead_channels"] == [1, 4] and rows[0]["dead_fraction"] == pytest.approx(2 / 6)
    found = doctor.check(model, nn.CrossEntropyLoss(), (x, y))
    assert codes(found) == ["dead_filters"]
    assert "2 of the 6 filters of 0 (Conv2d) (channels [1, 4]) are dead" in str(found[0])


def test_dead_filters_are_measured_per_channel_not_per_position(mnist_batch):
    """MNIST's blank border leaves many positions at 0 after the ReLU in every image; that is
    not a dead filter (the same weights see the digit elsewhere), so nothing is flagged."""
    x, _ = mnist_batch
    glassnet.manual_seed(0)
    model = lenet5()
    with glassnet.no_grad():
        model[0].bias.fill_(-0.05)
    rows = doctor.activation_report(model, x).layers
    border = model[1](model[0](x)).detach().numpy()[:, :, 0, 0]  # the corner: blank in every image
    assert (border <= 0).all() and rows[0]["dead_channels"] == []


def tiny_batchnorm_net(side: int):
    glassnet.manual_seed(0)
    out = side - 2
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * out * out, 10))


def test_finding_batchnorm2d_with_one_value_per_channel():
    model = tiny_batchnorm_net(3)  # a batch of one 3x3 image: 1x1 maps into the BatchNorm2d
    x, y = glassnet.rand(1, 1, 3, 3), glassnet.tensor([3])
    found = doctor.check(model, nn.CrossEntropyLoss(), (x, y))
    assert "batchnorm2d_one_value" in codes(found)
    message = str(found[codes(found).index("batchnorm2d_one_value")])
    assert "1 (BatchNorm2d) gets input of shape (1, 4, 1, 1)" in message
    assert "Expected more than 1 value per channel" in message
    assert all(m.training for m in model.modules())


def test_finding_batchnorm2d_with_a_tiny_batch():
    model = tiny_batchnorm_net(4)  # two 4x4 images: 2x2 maps, 8 values per channel
    x, y = glassnet.rand(2, 1, 4, 4), glassnet.tensor([3, 5])
    found = doctor.check(model, nn.CrossEntropyLoss(), (x, y))
    assert "batchnorm2d_tiny_batch" in codes(found)
    assert "N·H·W = 2·2·2 = 8 values" in str(found[codes(found).index("batchnorm2d_tiny_batch")])
    assert "batchnorm2d_tiny_batch" not in codes(
        doctor.check(model, nn.CrossEntropyLoss(), (glassnet.rand(4, 1, 4, 4),
                                                     glassnet.tensor([1, 2, 3, 4]))))


def test_finding_identical_filters(mnist_batch):
    x, y = mnist_batch
    model = lenet5()
    nn.init.constant_(model[3].weight, 0.01)
    found = doctor.check(model, nn.CrossEntropyLoss(), (x, y))
    assert "identical_weights" in codes(found)
    assert "every filter of 3 starts with the same weights" in str(found[0])


def test_finding_eval_mode_with_batchnorm2d(mnist_batch):
    x, y = mnist_batch
    model = lenet5_with_batchnorm().eval()
    assert "eval_mode_in_training" in codes(doctor.check(model, nn.CrossEntropyLoss(), (x, y)))


def test_dead_filters_in_a_keras_model_are_counted_on_its_channels_last_axis():
    from glassnet import keras

    glassnet.manual_seed(0)
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)),
                              keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(3)])
    conv = model.layers[0]
    with glassnet.no_grad():
        conv.bias[2] = -100.0
    rows = doctor.activation_report(model, np.random.default_rng(0).random((5, 8, 8, 1))).layers
    assert rows[0]["channels"] == 4 and rows[0]["dead_channels"] == [2]
    assert rows[0]["after_type"] == "Conv2D"
