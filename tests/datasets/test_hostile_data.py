"""Data files are checked (issue 13 §5): an explicit root that is missing or empty is named,
images and labels must agree in count, labels must name a class, checksums must match, and any
bytes at all thrown at IDX and CIFAR-10 files end in one line of DataError, nothing written.
Also random_split's lengths (§3)."""

from __future__ import annotations

import gzip
import hashlib
import os
import warnings

import numpy as np
import pytest

import glassnet
from glassnet.datasets import cifar
from glassnet.datasets import mnist as M
from glassnet.datasets.idx import DataError, parse_idx, read_bytes
from glassnet.utils.data import TensorDataset, random_split
from glassnet.vision import datasets as vision_datasets

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


@pytest.fixture
def no_local_data(monkeypatch, tmp_path):
    monkeypatch.setattr(M, "REPO_DATA", tmp_path / "repo-data")
    monkeypatch.setattr(M, "CACHE", tmp_path / "cache")
    monkeypatch.delenv("GLASSNET_DATA", raising=False)


@pytest.fixture
def data_elsewhere(monkeypatch, tmp_path):
    """A good copy of the vendored MNIST in $GLASSNET_DATA: what a typo'd root fell back to."""
    monkeypatch.setattr(M, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("GLASSNET_DATA", str(M.REPO_DATA))


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_set(folder, train_images=6, train_labels=6, test=4, label_max=9):
    """Four gzip IDX files and a Source whose md5s match them."""
    rng = np.random.default_rng(0)
    parts = {"train-images-idx3-ubyte": rng.integers(0, 255, (train_images, 28, 28)),
             "train-labels-idx1-ubyte": np.minimum(np.arange(train_labels) * 3, label_max),
             "t10k-images-idx3-ubyte": rng.integers(0, 255, (test, 28, 28)),
             "t10k-labels-idx1-ubyte": np.arange(test) % 10}
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for stem, array in parts.items():
        payload = gzip.compress(idx_bytes(array), mtime=0)
        (folder / f"{stem}.gz").write_bytes(payload)
        files.append(M.IdxFile(stem, hashlib.md5(payload).hexdigest()))
    return M.Source("tiny", ("https://nowhere/",), tuple(files),
                    tuple(str(i) for i in range(10)))


def write_cifar_folder(folder, records=4, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for name in cifar.TRAIN_FILES + cifar.TEST_FILES:
        labels = rng.integers(0, 10, (records, 1), dtype=np.uint8)
        pixels = rng.integers(0, 256, (records, 3072), dtype=np.uint8)
        (folder / name).write_bytes(np.concatenate([labels, pixels], axis=1).tobytes())
    (folder / cifar.META_FILE).write_text("\n".join(CLASSES) + "\n")


def one_line(info) -> str:
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# ----- an explicit root --------------------------------------------------------------------------
LOADERS = {
    "datasets.MNIST": lambda root: glassnet.datasets.MNIST(root=root, download=False),
    "datasets.FashionMNIST": lambda root: glassnet.datasets.FashionMNIST(root=root,
                                                                         download=False),
    "datasets.load_mnist": lambda root: glassnet.datasets.load_mnist(root=root, download=False),
    "datasets.load_cifar10": lambda root: glassnet.datasets.load_cifar10(root=root,
                                                                         download=False),
    "vision.MNIST": lambda root: vision_datasets.MNIST(root),
    "vision.FashionMNIST": lambda root: vision_datasets.FashionMNIST(root),
    "vision.CIFAR10": lambda root: vision_datasets.CIFAR10(root),
}


@pytest.mark.parametrize("loader", LOADERS, ids=str)
def test_a_missing_root_is_named_not_replaced_by_the_search_order(loader, tmp_path,
                                                                  data_elsewhere):
    typo = tmp_path / "typo"
    with pytest.raises(DataError) as info:
        LOADERS[loader](typo)
    assert f"root='{typo}' does not exist" in one_line(info)
    assert "root=None to search" in one_line(info)


@pytest.mark.parametrize("loader", LOADERS, ids=str)
def test_an_empty_root_is_named(loader, tmp_path, data_elsewhere):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError) as info:
        LOADERS[loader](empty)
    assert f"root='{empty}' is empty" in one_line(info)


def test_a_file_given_as_root_is_named(tmp_path, data_elsewhere):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="notes.txt' is not a folder"):
        glassnet.datasets.load_mnist(root=tmp_path / "notes.txt", download=False)


def test_a_root_holding_other_things_does_not_fall_back_either(tmp_path, data_elsewhere):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "photo.png").write_bytes(b"x")
    with pytest.raises(DataError, match=r"not found; looked in .*mine/mnist, .*mine, "
                                        r".*mine/MNIST/raw\. Put"):
        glassnet.datasets.load_mnist(root=tmp_path / "mine", download=False)


def test_without_root_the_search_order_still_applies(data_elsewhere):
    (x, _), _ = glassnet.datasets.load_mnist(download=False)
    assert x.shape == (60000, 28, 28)


def test_download_true_keeps_a_verified_copy_in_root_as_torchvision_would(tmp_path,
                                                                          data_elsewhere):
    root = tmp_path / "fresh"
    first = vision_datasets.MNIST(root, train=False, download=True)
    again = vision_datasets.MNIST(root, train=False)  # the files are in root now
    assert len(first) == len(again) == 10000
    assert sorted(p.name for p in (root / "mnist").iterdir()) == sorted(
        f"{spec.stem}.gz" for spec in M.MNIST_SOURCE.files)
    mask = os.umask(0o22)
    os.umask(mask)
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~mask for p in (root / "mnist").iterdir())


def test_cifar_found_elsewhere_with_download_true_is_kept_in_root(tmp_path, monkeypatch):
    monkeypatch.setattr(M, "REPO_DATA", tmp_path / "repo-data")
    monkeypatch.setattr(M, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "shared"))
    write_cifar_folder(tmp_path / "shared" / "cifar-10-batches-bin")
    root = tmp_path / "fresh"
    first = vision_datasets.CIFAR10(root, train=False, download=True)
    again = vision_datasets.CIFAR10(root, train=False)
    assert len(first) == len(again) == 4 and first.classes == again.classes == CLASSES
    assert sorted(p.name for p in root.iterdir()) == ["cifar-10-batches-bin"]  # no leftovers


# ----- counts, labels, checksums ----------------------------------------------------------------
def test_images_and_labels_of_different_counts_are_named(tmp_path, no_local_data):
    source = write_idx_set(tmp_path / "d", train_images=6, train_labels=5)
    with pytest.raises(DataError) as info:
        M.load_arrays(source, root=tmp_path / "d")
    message = one_line(info)
    assert "train-images-idx3-ubyte.gz holds 6 images but" in message
    assert "train-labels-idx1-ubyte.gz holds 5 labels" in message and "replace both" in message


def test_a_label_outside_the_classes_is_named(tmp_path, no_local_data):
    source = write_idx_set(tmp_path / "d", label_max=12)
    with pytest.raises(DataError) as info:
        M.load_arrays(source, root=tmp_path / "d")
    assert "train-labels-idx1-ubyte.gz: label 12 is outside the 10 classes (0..9)" in \
        one_line(info)


def test_labels_with_the_wrong_shape_are_named(tmp_path, no_local_data):
    source = write_idx_set(tmp_path / "d")
    (tmp_path / "d" / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros((4, 2)))))
    source = M.Source(source.name, source.mirrors, source.files[:3] + (
        M.IdxFile("t10k-labels-idx1-ubyte", hashlib.md5(
            (tmp_path / "d" / "t10k-labels-idx1-ubyte.gz").read_bytes()).hexdigest()),),
        source.classes)
    with pytest.raises(DataError, match=r"expected images N x H x W and labels N"):
        M.load_arrays(source, root=tmp_path / "d")


def test_a_gz_whose_checksum_differs_names_the_file_and_the_fix(tmp_path, no_local_data):
    source = write_idx_set(tmp_path / "d")
    other = gzip.compress(idx_bytes(np.arange(6) % 10), mtime=1)  # same content, other bytes
    (tmp_path / "d" / "train-labels-idx1-ubyte.gz").write_bytes(other)
    with pytest.raises(DataError) as info:
        M.load_arrays(source, root=tmp_path / "d")
    assert "train-labels-idx1-ubyte.gz: checksum mismatch" in one_line(info)
    assert "put a good copy" in one_line(info)


def test_a_cifar_label_outside_the_classes_names_the_batch(tmp_path, no_local_data):
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar_folder(folder)
    raw = bytearray((folder / "data_batch_3.bin").read_bytes())
    raw[cifar.RECORD] = 10
    (folder / "data_batch_3.bin").write_bytes(bytes(raw))
    with pytest.raises(DataError) as info:
        vision_datasets.CIFAR10(tmp_path)
    assert "data_batch_3.bin: found label 10, expected 0..9" in one_line(info)


def test_a_cifar_class_list_that_is_not_ten_names_is_named(tmp_path, no_local_data):
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar_folder(folder)
    (folder / cifar.META_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="batches.meta.txt: not a readable list"):
        vision_datasets.CIFAR10(tmp_path)
    (folder / cifar.META_FILE).write_text("cat\ndog\n")
    with pytest.raises(DataError, match="expected 10 class names, one a line, found 2"):
        vision_datasets.CIFAR10(tmp_path)


def test_a_gzip_bomb_is_refused_without_unpacking_it_all(tmp_path, monkeypatch):
    from glassnet.datasets import idx

    monkeypatch.setattr(idx, "MAX_UNPACKED_BYTES", 1 << 20)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(bytes(4 << 20)))
    with pytest.raises(DataError, match="unpacks to more than 1 MB"):
        read_bytes(tmp_path / "bomb.gz")


def test_an_idx_header_promising_more_than_int64_holds_is_a_data_error():
    header = bytes([0, 0, 0x08, 3]) + (2**32 - 1).to_bytes(4, "big") * 3
    with pytest.raises(DataError, match="truncated"):
        parse_idx(header + b"\0" * 10, "huge")


# ----- any bytes at all -------------------------------------------------------------------------
def damaged(data: bytes, rng) -> list[bytes]:
    """Random bytes, truncations and flipped bytes of ``data`` (gzip and raw forms)."""
    cases = [b"", rng.bytes(3), rng.bytes(int(rng.integers(4, 5000)))]
    for _ in range(12):
        cases.append(data[:int(rng.integers(0, len(data)))])
        flipped = bytearray(data)
        for at in rng.integers(0, len(data), size=int(rng.integers(1, 8))):
            flipped[at] = int(rng.integers(0, 256))
        cases.append(bytes(flipped))
    cases.append(b"\x1f\x8b" + rng.bytes(100))  # gzip magic, garbage stream
    cases.append(gzip.compress(data)[:-7])  # gzip cut short
    return cases


def test_random_and_damaged_idx_files_give_one_line_and_write_nothing(tmp_path, no_local_data):
    rng = np.random.default_rng(13)
    good = tmp_path / "good"
    source = write_idx_set(good)
    originals = {p.name: gzip.decompress(p.read_bytes()) for p in good.iterdir()}
    thrown = loaded = 0
    for name, data in originals.items():
        for case in damaged(data, rng):
            # raw (only the IDX header can be checked) and gzip (the md5 catches any change)
            for stored, payload in ((name.removesuffix(".gz"), case),
                                    (name, gzip.compress(case, mtime=0))):
                folder = tmp_path / "case"
                folder.mkdir()
                for other, content in originals.items():
                    if other != name:
                        (folder / other).write_bytes(gzip.compress(content, mtime=0))
                (folder / stored).write_bytes(payload)
                before = sorted(p.name for p in tmp_path.rglob("*"))
                try:
                    M.load_arrays(source, root=folder)
                except DataError as error:
                    message = str(error)
                    assert "\n" not in message and (stored in message or "holds" in message)
                    thrown += 1
                else:  # a raw file with a changed pixel is still a valid IDX file
                    loaded += 1
                assert sorted(p.name for p in tmp_path.rglob("*")) == before
                for path in folder.iterdir():
                    path.unlink()
                folder.rmdir()
    assert thrown >= 150 and loaded < thrown / 4


def test_random_and_damaged_cifar_batches_give_one_line_and_write_nothing(tmp_path,
                                                                          no_local_data):
    rng = np.random.default_rng(7)
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar_folder(folder)
    good = (folder / "test_batch.bin").read_bytes()
    thrown = outcomes = 0
    for case in damaged(good, rng):
        (folder / "test_batch.bin").write_bytes(case)
        before = sorted(p.name for p in tmp_path.rglob("*"))
        try:
            vision_datasets.CIFAR10(tmp_path, train=False)
        except DataError as error:
            assert "\n" not in str(error) and "test_batch.bin" in str(error)
            thrown += 1
        else:  # a flipped pixel byte is still a valid record: nothing to detect
            outcomes += 1
        assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert thrown >= 10


# ----- random_split (§3) ------------------------------------------------------------------------
def ten():
    return TensorDataset(np.arange(10))


def test_random_split_refuses_a_negative_length():
    with pytest.raises(ValueError, match="length at index 0 is -1, a negative length"):
        random_split(ten(), [-1, 11])


def test_random_split_refuses_fractions_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of "
                                         "the input dataset!.*fractions must add up to 1"):
        random_split(ten(), [0.5, 0.3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(ten(), [1.5, -0.5])
    with pytest.raises(TypeError, match="length at index 0 is 2.5"):
        random_split(ten(), [2.5, 7.5])


def test_random_split_fractions_and_lengths_match_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import random_split as torch_split

    data = torch.utils.data.TensorDataset(torch.arange(10))
    for lengths in ([0.7, 0.3], [0.33, 0.33, 0.34], [0.5, 0.5, 0.0], [3, 7], [1, 0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = [len(s) for s in random_split(ten(), lengths)]
            theirs = [len(s) for s in torch_split(data, lengths)]
        assert ours == theirs, lengths
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        random_split(ten(), [0.5, 0.5, 0.0])
