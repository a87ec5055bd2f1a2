"""Turning a photo into the input a run's network expects.

MNIST (and, the same way, Fashion-MNIST) was made like this: white ink on black, the digit
scaled to fit a 20x20 box keeping its aspect ratio, then placed in a 28x28 frame so that its
centre of mass is in the middle. A photo (any size, RGB, dark ink on light paper, digit
anywhere) gets the same treatment.

CIFAR-10 images are whole 32x32 colour photos, so a photo is simply resized to 32x32 (the
whole picture, aspect ratio not kept, as the dataset's makers squashed theirs) in colour.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from ..errors import GlassnetWarning

# A photo is untrusted input: its header may promise any size, and a few hundred bytes of PNG
# can unpack to gigabytes. Above this many pixels (a 40-megapixel camera's full frame) the file
# is refused from its header alone, before any pixel is decoded.
MAX_PIXELS = 40_000_000
# Larger photos are shrunk (a box average) right after decoding: the digit ends up 20x20 and a
# CIFAR input 32x32, so more pixels only cost memory. JPEGs decode at reduced scale directly.
WORKING_SIDE = 2048


class ImageError(ValueError):
    """The file is not an image, is too large, or no digit could be found in it."""


def load_grayscale(path) -> np.ndarray:
    """The image as float32 in [0, 1] (0 = black), whatever its format and colours."""
    return _read(path, lambda image: image.convert("L"))


def _read(path, convert) -> np.ndarray:
    """``convert(PIL image)`` as float32 in [0, 1], the image as a person sees it: upright
    (EXIF orientation applied), transparent parts white, the first frame of an animation (with
    a warning). One line of error for a missing file, no Pillow, a file that is not an image
    or one larger than ``MAX_PIXELS``."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("reading photos needs Pillow: pip install 'glassnet[viz]'") from None
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: " + ("not a file (a folder or a device); give an image file"
                                        if path.exists() else "no such file"))
    try:
        with warnings.catch_warnings():
            # our budget is below Pillow's warning threshold, so its warning adds nothing
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                check_pixel_budget(image.size, path)
                frames = getattr(image, "n_frames", 1)
                if frames > 1:
                    warnings.warn(f"{path}: an animated image ({frames} frames); only the "
                                  f"first frame is read", GlassnetWarning, stacklevel=3)
                upright = _upright_on_white(image)
            return np.asarray(convert(upright), dtype=np.float32) / 255
    except ImageError:
        raise
    except Image.DecompressionBombError as error:  # Pillow refuses before we see the size
        raise ImageError(f"{path}: more than the {MAX_PIXELS / 1e6:.0f} megapixels accepted "
                         f"({error}); shrink the photo and try again") from None
    except Exception as error:  # noqa: BLE001 - decoders of hostile files raise OSError,
        # ValueError, SyntaxError, struct.error, EOFError...: all mean "not a readable image"
        # and all get the same one line
        raise ImageError(f"{path}: not an image Pillow can read (PNG, JPEG, ...): "
                         f"{type(error).__name__}: {error}") from None


def check_pixel_budget(size: tuple[int, int], path) -> None:
    """Refuse an image whose header says it has more than ``MAX_PIXELS`` pixels."""
    width, height = size
    if width * height > MAX_PIXELS:
        raise ImageError(f"{path}: {width}x{height} is {width * height / 1e6:.0f} megapixels, "
                         f"more than the {MAX_PIXELS / 1e6:.0f} accepted; shrink the photo "
                         f"(a digit needs no more than 1000x1000) and try again")


def _upright_on_white(image):
    """The first frame, decoded at no more than about ``WORKING_SIDE`` pixels a side, turned
    by its EXIF orientation, with any transparency composited onto white paper."""
    from PIL import Image, ImageOps

    image.draft(image.mode, (WORKING_SIDE, WORKING_SIDE))  # JPEG: decode at 1/2, 1/4, 1/8
    ImageOps.exif_transpose(image, in_place=True)
    factor = math.ceil(max(image.size) / WORKING_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba).convert("RGB")
    return image


def digit_to_mnist(gray: np.ndarray, name: str = "image") -> np.ndarray:
    """A float image in [0, 1] → 28x28 float32, bright digit on black, centred as MNIST."""
    from PIL import Image

    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 1 - gray if np.median(border) > 0.5 else gray.copy()  # light paper: invert
    background = np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
    ink = np.clip(ink - background, 0, None)
    if ink.max() <= 0.1:
        raise ImageError(f"{name}: no digit found (the image is nearly uniform)")
    ink /= ink.max()
    ink[ink < 0.25] = 0  # paper texture and noise
    rows, cols = np.nonzero(ink)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    height, width = crop.shape
    scale = 20 / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize(
        size, Image.Resampling.LANCZOS), dtype=np.float32) / 255
    frame = np.zeros((28, 28), dtype=np.float32)
    top, left = (28 - small.shape[0]) // 2, (28 - small.shape[1]) // 2
    frame[top:top + small.shape[0], left:left + small.shape[1]] = small
    return _centre_by_mass(np.clip(frame, 0, 1))


def _centre_by_mass(frame: np.ndarray) -> np.ndarray:
    total = frame.sum()
    ys, xs = np.indices(frame.shape)
    shift_y = int(round(13.5 - (ys * frame).sum() / total))
    shift_x = int(round(13.5 - (xs * frame).sum() / total))
    out = np.zeros_like(frame)
    src_y = slice(max(0, -shift_y), min(28, 28 - shift_y))
    src_x = slice(max(0, -shift_x), min(28, 28 - shift_x))
    dst_y = slice(max(0, shift_y), min(28, 28 + shift_y))
    dst_x = slice(max(0, shift_x), min(28, 28 + shift_x))
    out[dst_y, dst_x] = frame[src_y, src_x]
    return out


def load_cifar(path, size: int = 32) -> np.ndarray:
    """The whole photo resized to ``size`` x ``size`` RGB, float32 in [0, 1], shape (H, W, 3).

    Bilinear resampling with antialiasing, as torchvision's Resize; transparent parts become
    white and gray photos get three equal channels."""
    return _read(path, lambda image: _rgb_resized(image, size))


def _rgb_resized(image, size: int):
    from PIL import Image  # _read has checked that Pillow is there

    return image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)


def prepare(path, dataset: str = "mnist") -> np.ndarray:
    """Read ``path`` and return the network input for ``dataset``: 28x28 gray in [0, 1] for
    mnist and fashion-mnist, 32x32x3 RGB in [0, 1] for cifar10 (standardised later, with the
    run's statistics, by ``trainer.to_inputs``)."""
    if dataset == "cifar10":
        return load_cifar(path)
    return digit_to_mnist(load_grayscale(path), str(path))
