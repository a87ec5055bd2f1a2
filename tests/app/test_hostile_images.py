"""Untrusted photos (issue 13 §4): bounded in size before decoding, read upright (EXIF), with
transparency on white, animations reduced to their first frame with a warning, and any bytes at
all ending in one line of ImageError, never a traceback, never a file written."""

from __future__ import annotations

import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image")

import glassnet  # noqa: E402
from glassnet.app import photos  # noqa: E402
from glassnet.app.photos import ImageError, prepare  # noqa: E402
from glassnet.errors import GlassnetWarning  # noqa: E402


@pytest.fixture(scope="module")
def two():
    """An MNIST test 2 drawn as dark ink on white paper, 112x112, uint8 (0 = black)."""
    (_, _), (xt, yt) = glassnet.datasets.load_mnist()
    digit = xt[int(np.flatnonzero(yt == 2)[0])]
    big = Image.fromarray(digit).resize((112, 112), Image.Resampling.BICUBIC)
    return 255 - np.asarray(big)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_blank_png(path, width: int, height: int) -> None:
    """A valid grey PNG of any size, all black, compressed row by row (a 12000x12000 one
    is about 140 KB on disk and 144 MB decoded)."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + width)  # filter byte 0, then the pixels
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
                     + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b""))


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# ----- size ------------------------------------------------------------------------------------
def test_a_12000_pixel_square_png_is_refused_from_its_header_without_decoding(tmp_path):
    path = tmp_path / "huge.png"
    write_blank_png(path, 12000, 12000)
    assert path.stat().st_size < 1_000_000
    code = ("import resource, sys\n"
            "from glassnet.app.photos import prepare, ImageError\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n    prepare(sys.argv[1])\nexcept ImageError as e:\n    print(e)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, timeout=120)
    message, grown_kb = result.stdout.strip().splitlines()
    assert "12000x12000 is 144 megapixels, more than the 40 accepted" in message
    assert int(grown_kb) < 50_000  # decoding alone would take 144 MB (and 2.3 GB before)
    assert result.stderr == ""


def test_a_20000_pixel_square_png_is_one_line_not_a_decompression_bomb_traceback(tmp_path):
    path = tmp_path / "bomb.png"
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)  # RGB: Pillow's own limit
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
                     + png_chunk(b"IDAT", zlib.compress(b"\0" * 100)) + png_chunk(b"IEND", b""))
    with pytest.raises(ImageError) as error:
        prepare(path)
    assert "megapixels" in one_line(error) and "shrink the photo" in one_line(error)


def test_the_budget_is_the_header_size_so_a_photo_just_under_it_is_read(tmp_path, two):
    path = tmp_path / "big.png"
    paper = np.full((2400, 2400), 255, dtype=np.uint8)
    paper[600:1720, 700:1820] = np.asarray(Image.fromarray(two).resize((1120, 1120)))
    Image.fromarray(paper).save(path)
    small = tmp_path / "small.png"
    Image.fromarray(two).save(small)
    big, reference = prepare(path), prepare(small)
    assert big.shape == (28, 28) and np.abs(big - reference).mean() < 0.05


def test_pixel_budget_check_names_size_and_limit():
    photos.check_pixel_budget((6000, 6000), "ok.png")  # 36 megapixels: accepted
    with pytest.raises(ImageError, match=r"x\.png: 7000x7000 is 49 megapixels"):
        photos.check_pixel_budget((7000, 7000), "x.png")


# ----- how a person sees it ------------------------------------------------------------------
def test_exif_orientation_is_applied(tmp_path, two):
    upright = tmp_path / "upright.png"
    Image.fromarray(two).save(upright)
    for orientation, turn in ((6, Image.Transpose.ROTATE_90), (3, Image.Transpose.ROTATE_180),
                              (8, Image.Transpose.ROTATE_270)):
        stored = Image.fromarray(two).transpose(turn)  # the camera stores it turned...
        exif = Image.Exif()
        exif[0x0112] = orientation  # ...and says how to turn it back
        path = tmp_path / f"phone-{orientation}.png"
        stored.save(path, exif=exif)
        assert np.array_equal(prepare(path), prepare(upright)), orientation


def test_black_ink_on_a_transparent_png_reads_as_a_digit(tmp_path, two):
    rgba = np.zeros((*two.shape, 4), dtype=np.uint8)  # transparent black everywhere...
    rgba[..., 3] = 255 - two  # ...except the ink, opaque black
    path = tmp_path / "ink.png"
    Image.fromarray(rgba, "RGBA").save(path)
    on_paper = tmp_path / "paper.png"
    Image.fromarray(two).save(on_paper)
    assert np.abs(prepare(path) - prepare(on_paper)).max() < 0.02
    colour = photos.load_cifar(path)
    assert colour.shape == (32, 32, 3) and colour[0, 0].tolist() == [1.0, 1.0, 1.0]


def test_palette_transparency_is_white_too(tmp_path, two):
    image = Image.fromarray(255 - two).convert("P")  # ink as palette colours, paper index 0
    image.info["transparency"] = 0
    path = tmp_path / "palette.png"
    image.save(path, transparency=0)
    assert photos.load_grayscale(path)[0, 0] == 1.0


def test_an_animated_image_reads_its_first_frame_and_says_so(tmp_path, two):
    first = Image.fromarray(two).convert("P")
    second = Image.fromarray(np.full_like(two, 255)).convert("P")
    path = tmp_path / "moving.gif"
    first.save(path, save_all=True, append_images=[second], duration=100)
    still = tmp_path / "still.gif"
    first.save(still)
    with pytest.warns(GlassnetWarning, match=r"moving\.gif: an animated image \(2 frames\); "
                                             r"only the first frame is read"):
        moving = prepare(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.array_equal(moving, prepare(still))  # and a still image warns nothing


# ----- any bytes at all ------------------------------------------------------------------------
def hostile_files(tmp_path, two):
    """(name, bytes): random bytes, truncations and flipped bytes of real PNG/JPEG/GIF files."""
    rng = np.random.default_rng(13)
    originals = {}
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif")):
        source = tmp_path / f"source.{ext}"
        Image.fromarray(two).save(source, fmt)
        originals[ext] = source.read_bytes()
        source.unlink()
    cases = [("empty.png", b""), ("text.png", b"hello, I am not a picture\n")]
    cases += [(f"random{i}.png", rng.bytes(int(rng.integers(1, 4000)))) for i in range(20)]
    for ext, data in originals.items():
        for i in range(15):
            cut = int(rng.integers(1, len(data)))
            cases.append((f"cut{i}.{ext}", data[:cut]))
            flipped = bytearray(data)
            for at in rng.integers(0, len(data), size=int(rng.integers(1, 20))):
                flipped[at] = int(rng.integers(0, 256))
            cases.append((f"flip{i}.{ext}", bytes(flipped)))
        cases.append((f"header-only.{ext}", data[:64] + rng.bytes(200)))
    return cases


def test_random_bytes_and_damaged_images_give_one_line_and_write_nothing(tmp_path, two):
    cases = hostile_files(tmp_path, two)
    folder = tmp_path / "in"
    folder.mkdir()
    outcomes = {"read": 0, "refused": 0}
    for name, data in cases:
        (folder / name).write_bytes(data)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for name, _ in cases:
        for dataset in ("mnist", "cifar10"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GlassnetWarning)
                try:
                    array = prepare(folder / name, dataset)
                except ImageError as error:
                    message = str(error)
                    assert "\n" not in message and name in message, message
                    outcomes["refused"] += 1
                else:  # a flipped byte may leave a readable picture: then it is a proper input
                    assert np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1
                    outcomes["read"] += 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert len(cases) >= 100 and outcomes["refused"] > len(cases)


def test_a_missing_file_and_a_folder_are_one_line(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        prepare(tmp_path / "nothing.png")
    with pytest.raises(ImageError, match="not a file"):
        prepare(tmp_path)
