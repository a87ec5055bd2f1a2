"""viz for convnets: filters, feature maps (forward hooks) and saliency (checked against finite
differences); every function leaves the model as it found it."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet import viz
from glassnet.errors import ShapeError
from glassnet.vision.models import lenet5

pytest.importorskip("matplotlib")


def images_in(figure) -> list:
    return [image for axis in figure.axes for image in axis.get_images()]


def untouched(model, modes) -> bool:
    """No hook left, every module in the mode it had, no parameter gradient."""
    return all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules()) and \
        [m.training for m in model.modules()] == modes and \
        all(p.grad is None for p in model.parameters())


def test_plot_filters_draws_each_kernel_on_one_scale_centred_at_zero(tmp_path):
    glassnet.manual_seed(0)
    conv = nn.Conv2d(2, 4, 3)
    figure = viz.plot_filters(conv, path=tmp_path / "filters.png")
    kernels = images_in(figure)
    largest = float(np.abs(conv.weight.detach().numpy()).max())
    assert len(kernels) == 2 * 4 and (tmp_path / "filters.png").stat().st_size > 1000
    assert all(image.get_clim() == pytest.approx((-largest, largest)) for image in kernels)
    np.testing.assert_allclose(kernels[0].get_array(), conv.weight.detach().numpy()[0, 0])
    assert len(figure.axes) == 2 * 4 + 1  # and a colourbar
    assert "4 filters of 3x3 (2 input channels)" in figure._suptitle.get_text()


def test_plot_filters_shows_rgb_kernels_as_colour_images_with_grey_at_zero():
    conv = nn.Conv2d(3, 5, 3)
    with glassnet.no_grad():
        conv.weight[1] = 0.0
    kernels = images_in(viz.plot_filters(conv))
    assert len(kernels) == 5 and kernels[0].get_array().shape == (3, 3, 3)
    np.testing.assert_allclose(kernels[1].get_array(), 0.5)


def test_plot_filters_caps_the_number_of_filters():
    figure = viz.plot_filters(nn.Conv2d(1, 40, 3), max_filters=20)
    assert len(images_in(figure)) == 20 and "first 20 of 40" in figure._suptitle.get_text()


def test_plot_filters_errors_say_what_to_pass():
    with pytest.raises(TypeError, match="expected a Conv2d layer.*got Linear"):
        viz.plot_filters(nn.Linear(3, 4))
    with pytest.raises(ShapeError, match="needs 3 input channels; the kernels have 2"):
        viz.plot_filters(nn.Conv2d(2, 4, 3), rgb=True)
    with pytest.raises(ShapeError, match=r"got \(4, 3\)"):
        viz.plot_filters(np.zeros((4, 3)))


def test_feature_maps_capture_each_conv_output_and_leave_the_model_as_it_was():
    glassnet.manual_seed(0)
    model = lenet5()
    model[1].eval()  # a module in its own mode must stay there
    modes = [m.training for m in model.modules()]
    image = glassnet.rand(1, 28, 28)
    maps = viz.feature_maps(model, image)
    assert {name: m.shape for name, m in maps.items()} == {"0": (6, 28, 28), "3": (16, 10, 10)}
    with glassnet.no_grad():
        np.testing.assert_allclose(maps["0"], model[0](image[None]).detach().numpy()[0], rtol=1e-6)
    assert untouched(model, modes)


def test_feature_maps_take_layer_names_or_modules_and_name_the_choices():
    model = lenet5()
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    assert list(viz.feature_maps(model, image, layers=["3"])) == ["3"]
    assert list(viz.feature_maps(model, image, layers=[model[0]])) == ["0"]
    with pytest.raises(KeyError, match=r"no layer 'conv9'; its conv layers are \['0', '3'\]"):
        viz.feature_maps(model, image, layers=["conv9"])
    with pytest.raises(ValueError, match="not part of the model"):
        viz.feature_maps(model, image, layers=[nn.Conv2d(1, 2, 3)])
    with pytest.raises(ValueError, match="has no Conv2d or ConvTranspose2d layer"):
        viz.feature_maps(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), image)
    with pytest.raises(ShapeError, match=r"one image of shape \(C, H, W\).*got \(2, 1, 28, 28\)"):
        viz.feature_maps(model, np.zeros((2, 1, 28, 28)))


def test_plot_feature_maps_draws_the_input_and_every_channel(tmp_path):
    model = lenet5()
    figure = viz.plot_feature_maps(model, glassnet.rand(1, 1, 28, 28), path=tmp_path / "f.png")
    assert len(images_in(figure)) == 1 + 6 + 16
    assert (tmp_path / "f.png").stat().st_size > 1000
    assert len(images_in(viz.plot_feature_maps(model, glassnet.rand(1, 28, 28),
                                               max_channels=4))) == 1 + 4 + 4


def tiny_model():
    glassnet.manual_seed(1)
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(3 * 5 * 5, 4)).double()


def test_saliency_is_the_gradient_of_the_class_score_by_finite_differences():
    model = tiny_model()
    image = np.random.default_rng(2).normal(size=(2, 5, 5))
    target = 2
    heat = viz.saliency(model, image, target)

    def score(x):
        with glassnet.no_grad():
            return model(glassnet.tensor(x[None]))[0, target].item()

    eps = 1e-6
    numeric = np.zeros_like(image)
    for index in np.ndindex(image.shape):
        step = np.zeros_like(image)
        step[index] = eps
        numeric[index] = (score(image + step) - score(image - step)) / (2 * eps)
    assert heat.shape == (5, 5)
    np.testing.assert_allclose(heat, np.abs(numeric).max(axis=0), rtol=1e-5, atol=1e-8)


def test_saliency_defaults_to_the_predicted_class_and_leaves_the_model_alone():
    model = tiny_model()
    modes = [m.training for m in model.modules()]
    image = glassnet.randn(2, 5, 5, dtype=glassnet.float64)
    with glassnet.no_grad():
        predicted = int(model(image[None]).argmax(dim=1).item())
    np.testing.assert_array_equal(viz.saliency(model, image),
                                  viz.saliency(model, image, predicted))
    assert untouched(model, modes)


def test_saliency_errors_name_the_classes_and_the_shape():
    model = tiny_model()
    with pytest.raises(IndexError, match="target 4 is not a class of this model \\(0 to 3\\)"):
        viz.saliency(model, np.zeros((2, 5, 5)), target=4)
    with pytest.raises(ShapeError, match=r"got \(5,\)"):
        viz.saliency(model, np.zeros(5))
    with pytest.raises(ShapeError, match=r"scores of shape \(1, classes\).*got \(1, 3, 5, 5\)"):
        viz.saliency(model[0], np.zeros((2, 5, 5)))


def test_plot_saliency_draws_a_row_per_image(tmp_path):
    model = lenet5()
    images = glassnet.rand(3, 1, 28, 28)
    figure = viz.plot_saliency(model, images, path=tmp_path / "s.png")
    assert len(figure.axes) == 9 and len(images_in(figure)) == 3 * 4
    assert figure.axes[0].get_title().startswith("predicted ")
    assert (tmp_path / "s.png").stat().st_size > 1000
    one = viz.plot_saliency(model, images[0], target=7)
    assert one.axes[1].get_title() == "|∂score[7]/∂pixel|"
    with pytest.raises(ValueError, match="3 images but 2 targets"):
        viz.plot_saliency(model, images, target=[1, 2])
