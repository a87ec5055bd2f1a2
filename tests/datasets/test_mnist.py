"""Datasets: the IDX reader, the search order, checksums, downloads (offline, with a fake
network), and the torchvision-style MNIST dataset."""

from __future__ import annotations

import gzip
import hashlib
import io

import numpy as np
import pytest

import glassnet
from glassnet.datasets import mnist as M
from glassnet.datasets.idx import DataError, parse_idx
from glassnet.utils.data import DataLoader

REAL_DATA = M.REPO_DATA


def idx_bytes(array: np.ndarray) -> bytes:
    code = {np.uint8: 0x08}[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def tiny_source(tmp_path, name="tiny"):
    """A four-file IDX dataset with 6 training and 4 test images, and its published md5s."""
    rng = np.random.default_rng(0)
    parts = {"train-images-idx3-ubyte": rng.integers(0, 255, (6, 28, 28), dtype=np.uint8),
             "train-labels-idx1-ubyte": np.arange(6, dtype=np.uint8),
             "t10k-images-idx3-ubyte": rng.integers(0, 255, (4, 28, 28), dtype=np.uint8),
             "t10k-labels-idx1-ubyte": np.arange(4, dtype=np.uint8)}
    payloads = {stem: gzip.compress(idx_bytes(a), mtime=0) for stem, a in parts.items()}
    files = tuple(M.IdxFile(stem, hashlib.md5(p).hexdigest()) for stem, p in payloads.items())
    source = M.Source(name, ("https://mirror-a/", "https://mirror-b/"), files,
                      tuple(str(i) for i in range(10)))
    return source, payloads, parts


class FakeNetwork:
    """Serves payloads by file name; mirrors listed in ``down`` fail."""

    def __init__(self, payloads, down=(), corrupt=False):
        self.payloads, self.down, self.corrupt, self.asked = payloads, down, corrupt, []

    def __call__(self, url, timeout=None):
        self.asked.append(url)
        if any(url.startswith(m) for m in self.down):
            raise OSError("connection refused")
        data = self.payloads[url.rsplit("/", 1)[1].removesuffix(".gz")]
        return io.BytesIO(data[:-10] if self.corrupt else data)


@pytest.fixture
def no_local_data(monkeypatch, tmp_path):
    monkeypatch.setattr(M, "REPO_DATA", tmp_path / "repo-data")
    monkeypatch.setattr(M, "CACHE", tmp_path / "cache")
    monkeypatch.delenv("GLASSNET_DATA", raising=False)


def test_idx_reader_reads_gzip_and_raw(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(array))
    (tmp_path / "b.gz").write_bytes(gzip.compress(idx_bytes(array)))
    for name in ("a", "b.gz"):
        assert np.array_equal(glassnet.datasets.read_idx(tmp_path / name), array)


def test_truncated_and_non_idx_data_are_named():
    data = idx_bytes(np.zeros((2, 28, 28), dtype=np.uint8))
    with pytest.raises(DataError, match="expected 1584 bytes.*truncated"):
        parse_idx(data[:-5], "train-images")
    with pytest.raises(DataError, match="not an IDX file"):
        parse_idx(b"hello world", "x")


def test_vendored_mnist_loads_with_the_documented_counts():
    (x, y), (xt, yt) = glassnet.datasets.load_mnist()
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8 and y.dtype == np.int64
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert round(float(x.mean() / 255), 4) == 0.1307


def test_search_order_prefers_root(tmp_path, no_local_data):
    source, payloads, parts = tiny_source(tmp_path)
    folder = tmp_path / "mine"
    folder.mkdir()
    for stem, payload in payloads.items():
        (folder / f"{stem}.gz").write_bytes(payload)
    (x, y), _ = M.load_arrays(source, root=folder)
    assert np.array_equal(x, parts["train-images-idx3-ubyte"]) and y.dtype == np.int64


def test_missing_files_say_where_we_looked(tmp_path, no_local_data):
    source, _, _ = tiny_source(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("not the data")
    with pytest.raises(DataError, match="train-images-idx3-ubyte.*not found; looked in"):
        M.load_arrays(source, root=tmp_path / "elsewhere")


def test_corrupt_local_file_names_the_file_and_the_fix(tmp_path, no_local_data):
    source, payloads, _ = tiny_source(tmp_path)
    for stem, payload in payloads.items():
        (tmp_path / f"{stem}.gz").write_bytes(payload)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz.*put a good copy"):
        M.load_arrays(source, root=tmp_path)


def test_mnist_checksum_catches_a_changed_raw_file(tmp_path, no_local_data):
    (x, y), (xt, yt) = glassnet.datasets.load_mnist(root=REAL_DATA)
    changed = yt.astype(np.uint8).copy()
    changed[0] = (changed[0] + 1) % 10
    for stem, array in (("train-images-idx3-ubyte", x), ("train-labels-idx1-ubyte",
                                                         y.astype(np.uint8)),
                        ("t10k-images-idx3-ubyte", xt), ("t10k-labels-idx1-ubyte", changed)):
        (tmp_path / stem).write_bytes(idx_bytes(array))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte: checksum mismatch"):
        glassnet.datasets.load_mnist(root=tmp_path, download=False)


def test_download_verifies_and_writes_atomically(tmp_path, no_local_data):
    source, payloads, parts = tiny_source(tmp_path)
    network = FakeNetwork(payloads, down=("https://mirror-a/",))
    (_, _), (xt, yt) = M.load_arrays(source, root=tmp_path / "root", download_missing=True,
                                     opener=network)
    assert np.array_equal(xt, parts["t10k-images-idx3-ubyte"])
    assert sorted(p.name for p in (tmp_path / "root" / "tiny").iterdir()) == sorted(
        f"{s}.gz" for s in payloads)  # no temporary files left
    assert network.asked[0].startswith("https://mirror-a/")


def test_download_with_a_bad_checksum_leaves_nothing(tmp_path, no_local_data):
    source, payloads, _ = tiny_source(tmp_path)
    with pytest.raises(DataError, match="checksum mismatch.*by hand"):
        M.load_arrays(source, root=tmp_path / "root", download_missing=True,
                      opener=FakeNetwork(payloads, corrupt=True))
    assert list((tmp_path / "root" / "tiny").iterdir()) == []


def test_mnist_dataset_is_torchvision_like():
    ds = glassnet.datasets.MNIST(train=False)
    image, label = ds[0]
    assert len(ds) == 10000 and image.shape == (1, 28, 28) and image.dtype is glassnet.float32
    assert 0.0 <= image.min().item() and image.max().item() <= 1.0 and label == 7
    assert ds.data.dtype is glassnet.uint8 and ds.targets.dtype is glassnet.int64
    assert ds.classes[7] == "7 - seven"
    xb, yb = next(iter(DataLoader(ds, batch_size=32)))
    assert xb.shape == (32, 1, 28, 28) and yb.tolist()[:3] == [7, 2, 1]
    assert np.allclose(xb[0].data, image.data)


def test_fashion_mnist_uses_the_same_reader(tmp_path, no_local_data, monkeypatch):
    source, payloads, _ = tiny_source(tmp_path, "fashion-mnist")
    source = M.Source(source.name, source.mirrors, source.files, M.FASHION_SOURCE.classes)
    monkeypatch.setattr(glassnet.datasets.FashionMNIST, "source", source)
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for stem, payload in payloads.items():
        (folder / f"{stem}.gz").write_bytes(payload)
    ds = glassnet.datasets.FashionMNIST(root=tmp_path, train=True)
    assert len(ds) == 6 and ds.classes[0] == "T-shirt/top"
