"""glassnet.vision.utils: make_grid's layout and normalisation, save_image's file."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError
from glassnet.vision import utils

Image = pytest.importorskip("PIL.Image")


def test_make_grid_tiles_images_with_padding():
    images = glassnet.tensor(np.arange(1, 6, dtype=np.float32).reshape(5, 1, 1, 1) *
                             np.ones((5, 1, 2, 2), dtype=np.float32))
    grid = utils.make_grid(images, nrow=3, padding=1, pad_value=-1)
    # 3 columns x 2 rows of 2x2 cells, 1 pixel apart and around: 2*3 + 4 wide, 2*2 + 3 high
    assert grid.shape == (3, 7, 10)
    plane = grid.numpy()[0]
    assert plane[1:3, 1:3].tolist() == [[1, 1], [1, 1]] and plane[1, 4] == 2 and plane[1, 7] == 3
    assert plane[4, 1] == 4 and plane[4, 4] == 5 and plane[4, 7] == -1  # the missing sixth
    assert plane[0].tolist() == [-1] * 10 and plane[:, 3].tolist() == [-1] * 7
    assert np.array_equal(grid.numpy()[0], grid.numpy()[2])  # one channel shown as three


def test_make_grid_of_one_image_or_a_list():
    single = utils.make_grid(glassnet.ones(3, 4, 5))
    assert single.shape == (3, 4, 5)
    assert utils.make_grid(glassnet.ones(4, 5)).shape == (3, 4, 5)
    listed = utils.make_grid([glassnet.ones(3, 2, 2), glassnet.zeros(3, 2, 2)], padding=0)
    assert listed.shape == (3, 2, 4) and listed.numpy()[:, :, 2:].sum() == 0


def test_make_grid_normalize_maps_the_range_onto_0_1():
    images = glassnet.tensor(np.array([[[[-2.0, 0.0]]], [[[2.0, 6.0]]]], dtype=np.float32))
    whole = utils.make_grid(images, padding=0, normalize=True).numpy()[0]
    assert whole.tolist() == [[0.0, 0.25, 0.5, 1.0]]
    each = utils.make_grid(images, padding=0, normalize=True, scale_each=True).numpy()[0]
    assert each.tolist() == [[0.0, 1.0, 0.0, 1.0]]
    clamped = utils.make_grid(images, padding=0, normalize=True, value_range=(0, 4)).numpy()[0]
    assert clamped.tolist() == [[0.0, 0.0, 0.5, 1.0]]
    assert images.numpy()[0, 0, 0, 0] == -2.0  # the input is not changed
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(images, normalize=True, value_range=[0, 1])


def test_make_grid_errors():
    with pytest.raises(ShapeError, match=r"shaped \(B, C, H, W\).*got \(1, 1, 1, 1, 1\)"):
        utils.make_grid(glassnet.zeros(1, 1, 1, 1, 1))
    with pytest.raises(TypeError, match="expected a tensor or a list of tensors, got str"):
        utils.make_grid("image.png")


def test_save_image_writes_rounded_0_255_pixels(tmp_path):
    images = glassnet.tensor(np.array([0.0, 0.5, 1.0, 2.0], dtype=np.float32).reshape(4, 1, 1, 1))
    path = tmp_path / "grid.png"
    utils.save_image(images, path, nrow=4, padding=1, pad_value=1.0)
    saved = np.asarray(Image.open(path))
    assert saved.shape == (3, 9, 3) and saved.dtype == np.uint8
    assert saved[1, 1::2, 0].tolist() == [0, 128, 255, 255]  # 0.5 * 255 + 0.5 → 128; clamped
    assert saved[0, 0].tolist() == [255, 255, 255]


def test_save_image_to_a_file_object_needs_a_format(tmp_path):
    with open(tmp_path / "x", "wb") as handle:
        utils.save_image(glassnet.rand(2, 3, 4, 4), handle, format="png")
    assert Image.open(tmp_path / "x").size == (14, 8)


def test_save_image_without_pillow_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(utils, "pil_image_module", lambda: None)
    with pytest.raises(ImportError, match="pip install pillow"):
        utils.save_image(glassnet.rand(3, 4, 4), tmp_path / "x.png")
