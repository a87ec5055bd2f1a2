"""glassnet.vision.transforms against hand-computed values, on PIL images, NumPy arrays and
tensors alike (torchvision is not installed, so it cannot be the oracle here)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import glassnet
from glassnet.errors import ShapeError
from glassnet.vision import transforms as T
from glassnet.vision._image import bilinear_weights


def grey(values):
    return np.asarray(values, dtype=np.uint8)


def as_pil(array):
    return Image.fromarray(array)


def test_to_tensor_scales_uint8_into_0_1_and_moves_channels_first():
    hwc = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    for pic in (hwc, as_pil(hwc)):
        out = T.ToTensor()(pic)
        assert out.shape == (3, 2, 3) and out.dtype is glassnet.float32
        assert out.numpy()[1, 0, 2].item() == pytest.approx(70 / 255)  # pixel (0, 2), green
    hw = T.ToTensor()(grey([[0, 255], [51, 102]]))
    assert hw.shape == (1, 2, 2) and hw.numpy().ravel().tolist() == pytest.approx(
        [0, 1, 0.2, 0.4])
    floats = T.ToTensor()(np.full((2, 2, 1), 3.5, dtype=np.float32))
    assert floats.numpy().ravel().tolist() == [3.5] * 4  # non-uint8 values are not scaled


def test_pil_to_tensor_keeps_uint8():
    out = T.PILToTensor()(as_pil(grey([[1, 2], [3, 4]])))
    assert out.dtype is glassnet.uint8 and out.shape == (1, 2, 2) and out.sum().item() == 10
    out.numpy()[0, 0, 0] = 9  # a writable copy, not PIL's read-only buffer


def test_to_tensor_refuses_tensors_and_bad_shapes():
    with pytest.raises(TypeError, match="already a tensor, so drop ToTensor"):
        T.ToTensor()(glassnet.zeros(1, 2, 2))
    with pytest.raises(ShapeError, match=r"expected an H x W or H x W x C array, got shape \(2,\)"):
        T.ToTensor()(np.zeros(2, dtype=np.uint8))


def test_normalize_subtracts_mean_and_divides_by_std_per_channel():
    x = glassnet.tensor(np.stack([np.full((2, 2), 0.5), np.full((2, 2), 1.0)]).astype(
        np.float32))
    out = T.Normalize((0.5, 0.2), (0.25, 0.4))(x)
    assert out.numpy()[0].tolist() == [[0.0, 0.0]] * 2
    np.testing.assert_allclose(out.numpy()[1], 2.0, rtol=1e-6)  # (1 - 0.2) / 0.4
    assert x.numpy()[1, 0, 0] == 1.0  # not in place by default
    same = T.Normalize((0.5,), (0.5,), inplace=True)(x)
    assert same is x and x.numpy()[1, 0, 0] == 1.0 and x.numpy()[0, 0, 0] == 0.0
    batch = T.Normalize((1.0, 2.0), (1.0, 1.0))(glassnet.ones(4, 2, 3, 3))
    assert batch.numpy()[:, 1].max() == -1.0


def test_normalize_errors_name_the_fix():
    with pytest.raises(TypeError, match="put ToTensor\\(\\) before Normalize"):
        T.Normalize((0.5,), (0.5,))(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(TypeError, match="expected a float tensor, got glassnet.uint8"):
        T.Normalize((0.5,), (0.5,))(glassnet.zeros(1, 2, 2, dtype=glassnet.uint8))
    with pytest.raises(ValueError, match="std .* has a zero"):
        T.Normalize((0.5,), (0.0,))(glassnet.zeros(1, 2, 2))
    with pytest.raises(ShapeError, match="mean has 2 values but the image has 3 channels"):
        T.Normalize((0.5, 0.5), (1.0,))(glassnet.zeros(3, 2, 2))


def test_center_crop_takes_the_middle_and_pads_small_images():
    image = np.arange(25, dtype=np.uint8).reshape(5, 5)
    for form, back in ((image, np.asarray), (as_pil(image), np.asarray),
                       (glassnet.tensor(image[None]), lambda t: t.numpy()[0])):
        assert back(T.CenterCrop(3)(form)).tolist() == [[6, 7, 8], [11, 12, 13], [16, 17, 18]]
    # top = round(3 / 2) = 2 and left = round(1 / 2) = 0 (Python rounds halves to even)
    assert T.CenterCrop((2, 4))(image).tolist() == [[10, 11, 12, 13], [15, 16, 17, 18]]
    padded = T.CenterCrop(4)(grey([[9, 9], [9, 9]]))
    assert padded.tolist() == [[0, 0, 0, 0], [0, 9, 9, 0], [0, 9, 9, 0], [0, 0, 0, 0]]


def test_random_crop_with_padding_is_seeded_and_pads_with_fill():
    image = np.arange(16, dtype=np.uint8).reshape(4, 4) + 1
    crop = T.RandomCrop(4, padding=2, fill=0)
    glassnet.manual_seed(3)
    first = [crop(image) for _ in range(20)]
    glassnet.manual_seed(3)
    again = [crop(image) for _ in range(20)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert len({a.tobytes() for a in first}) > 5  # different windows
    for window in first:  # every crop is a 4x4 window of the zero-padded 8x8 image
        padded = np.pad(image, 2)
        assert any(np.array_equal(window, padded[i:i + 4, j:j + 4])
                   for i in range(5) for j in range(5))


def test_random_crop_same_window_for_pil_arrays_and_tensors():
    rgb = np.random.default_rng(0).integers(0, 255, (6, 7, 3), dtype=np.uint8)
    crop = T.RandomCrop((3, 4), padding=(1, 2), padding_mode="reflect")
    results = []
    for form in (rgb, as_pil(rgb), glassnet.tensor(rgb.transpose(2, 0, 1).copy())):
        glassnet.manual_seed(7)
        out = crop(form)
        results.append(out.numpy().transpose(1, 2, 0) if isinstance(out, glassnet.Tensor)
                       else np.asarray(out))
    assert results[0].shape == (3, 4, 3)
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[0], results[2])


def test_random_crop_padding_modes_and_pad_if_needed():
    row = grey([[1, 2, 3]])
    assert T.RandomCrop((1, 7), padding=(2, 0), padding_mode="edge")(row).tolist() == [
        [1, 1, 1, 2, 3, 3, 3]]
    assert T.RandomCrop((1, 7), padding=(2, 0), padding_mode="reflect")(row).tolist() == [
        [3, 2, 1, 2, 3, 2, 1]]
    assert T.RandomCrop((1, 7), padding=(2, 0), padding_mode="symmetric")(row).tolist() == [
        [2, 1, 1, 2, 3, 3, 2]]
    rgb = np.zeros((1, 1, 3), dtype=np.uint8)
    out = T.RandomCrop(1, padding=1, fill=(10, 20, 30))(rgb)
    assert out.shape == (1, 1, 3)
    big = T.RandomCrop((5, 5), pad_if_needed=True, fill=7)(grey([[1]]))
    assert big.shape == (5, 5) and big.sum() in (7 * 24 + 1, 7 * 25)
    with pytest.raises(ShapeError, match=r"crop size \(5, 5\) is larger than the image \(1, 1\)"):
        T.RandomCrop(5)(grey([[1]]))
    with pytest.raises(ValueError, match="padding_mode should be one of"):
        T.RandomCrop(5, padding_mode="wrap")


def test_random_crop_fill_per_channel_on_tensors():
    out = T.CenterCrop(3)(glassnet.zeros(2, 1, 1))
    assert out.shape == (2, 3, 3)
    filled = T.RandomCrop(3, padding=1, fill=(1.0, 2.0))(glassnet.zeros(2, 1, 1))
    assert filled.numpy()[0].sum() == 8.0 and filled.numpy()[1].sum() == 16.0


def test_random_horizontal_flip_mirrors_with_probability_p():
    image = grey([[1, 2, 3]])
    assert T.RandomHorizontalFlip(p=1.0)(image).tolist() == [[3, 2, 1]]
    assert T.RandomHorizontalFlip(p=0.0)(image).tolist() == [[1, 2, 3]]
    assert np.asarray(T.RandomHorizontalFlip(1.0)(as_pil(image))).tolist() == [[3, 2, 1]]
    assert T.RandomHorizontalFlip(1.0)(glassnet.tensor([[[1.0, 2.0]]])).tolist() == [[[2., 1.]]]
    glassnet.manual_seed(0)
    flips = sum(T.RandomHorizontalFlip()(image)[0, 0] == 3 for _ in range(400))
    assert 160 < flips < 240


def test_bilinear_weights_by_hand():
    up = bilinear_weights(2, 4, antialias=True)  # centres at 0.25, 0.75, 1.25, 1.75 of 2
    np.testing.assert_allclose(up, [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])
    # shrinking by 2: output 0 is centred at 1.0, the tent is 2 wide: 1 - |j + 0.5 - 1| / 2
    down = bilinear_weights(4, 2, antialias=True)
    np.testing.assert_allclose(down, np.array([[3, 3, 1, 0], [0, 1, 3, 3]]) / 7)
    plain = bilinear_weights(4, 2, antialias=False)  # the two nearest pixels, half each
    np.testing.assert_allclose(plain, [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])


def test_resize_to_height_width_and_by_shorter_side():
    x = glassnet.tensor([[[0.0, 4.0], [8.0, 12.0]]])
    out = T.Resize((4, 4))(x)
    np.testing.assert_allclose(out.numpy()[0, 0], [0, 1, 3, 4])
    np.testing.assert_allclose(out.numpy()[0, :, 0], [0, 2, 6, 8])
    assert T.Resize(3)(glassnet.zeros(1, 4, 8)).shape == (1, 3, 6)
    assert T.Resize(3)(np.zeros((8, 4, 3), dtype=np.uint8)).shape == (6, 3, 3)
    assert T.Resize(3)(as_pil(np.zeros((8, 4), dtype=np.uint8))).size == (3, 6)
    assert T.Resize(4, max_size=6)(glassnet.zeros(1, 4, 8)).shape == (1, 3, 6)
    shrunk = T.Resize((1, 1))(glassnet.tensor([[[0.0, 4.0], [8.0, 12.0]]]))
    assert shrunk.numpy().item() == pytest.approx(6.0)


def test_resize_of_uint8_arrays_matches_pil_within_rounding():
    image = np.random.default_rng(1).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    for size in ((6, 8), (24, 20), (7, 5)):
        ours = T.Resize(size)(image).astype(int)
        theirs = np.asarray(T.Resize(size)(as_pil(image))).astype(int)
        assert ours.shape == theirs.shape and np.abs(ours - theirs).max() <= 1


def test_resize_refuses_unknown_interpolation_and_bad_sizes():
    with pytest.raises(ValueError, match="interpolation 'bicubic' is not implemented"):
        T.Resize(4, interpolation="bicubic")
    with pytest.raises(ValueError, match="max_size is only allowed with a single size"):
        T.Resize((4, 4), max_size=8)


def test_grayscale_uses_itu_r_601_2_luma_like_pil():
    rgb = np.random.default_rng(2).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    ours, theirs = T.Grayscale()(rgb), np.asarray(T.Grayscale()(as_pil(rgb)))
    assert ours.shape == (5, 6) and np.array_equal(ours, theirs)
    assert T.Grayscale()(grey([[[255, 0, 0], [0, 255, 0]]]).reshape(1, 2, 3)).tolist() == [
        [76, 150]]  # 0.299 * 255, 0.587 * 255
    three = T.Grayscale(num_output_channels=3)(as_pil(rgb))
    assert three.mode == "RGB" and np.array_equal(np.asarray(three)[..., 2], theirs)
    x = glassnet.tensor(np.array([1.0, 0.0, 0.0], dtype=np.float32).reshape(3, 1, 1))
    assert T.Grayscale()(x).numpy().item() == pytest.approx(0.2989)
    assert T.Grayscale(3)(x).shape == (3, 1, 1)
    with pytest.raises(ShapeError, match="1 or 3 channels, got 2"):
        T.Grayscale()(glassnet.zeros(2, 4, 4))
    with pytest.raises(ValueError, match="num_output_channels should be 1 or 3"):
        T.Grayscale(2)


def test_lambda_and_compose_apply_in_order():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2)])
    assert pipeline(grey([[255]])).tolist() == [[[2.0]]]
    with pytest.raises(TypeError, match="expected a callable"):
        T.Lambda(3)


def test_reprs_match_torchvision():
    pipeline = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
                          T.ToTensor(), T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243,
                                                                               0.261))])
    assert repr(pipeline) == (
        "Compose(\n    RandomCrop(size=(32, 32), padding=4)\n    RandomHorizontalFlip(p=0.5)\n"
        "    ToTensor()\n    Normalize(mean=(0.4914, 0.4822, 0.4465), std=(0.247, 0.243, "
        "0.261))\n)")
    assert repr(T.Resize(256)) == ("Resize(size=256, interpolation=bilinear, max_size=None, "
                                   "antialias=True)")
    assert repr(T.CenterCrop(224)) == "CenterCrop(size=(224, 224))"
    assert repr(T.Grayscale()) == "Grayscale(num_output_channels=1)"
    assert repr(T.Lambda(abs)) == "Lambda()" and repr(T.PILToTensor()) == "PILToTensor()"


def test_batch_form_equals_item_by_item_and_declines_random_transforms():
    images = np.random.default_rng(3).integers(0, 256, (5, 4, 4, 3), dtype=np.uint8)
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.1, 0.2, 0.3), (0.5, 0.6, 0.7))])
    together = pipeline.batch(images).numpy()
    apart = np.stack([pipeline(image).numpy() for image in images])
    assert np.array_equal(together, apart)
    assert T.Compose([T.RandomHorizontalFlip(), T.ToTensor()]).batch(images) is None
    assert T.Compose([T.Normalize((0.5,), (0.5,))]).batch(images) is None
