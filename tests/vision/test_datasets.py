"""glassnet.vision.datasets: torchvision's MNIST / FashionMNIST / CIFAR10 on glassnet's
readers; CIFAR-10 tested on small files in the official binary format (no network)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile

import numpy as np
import pytest

import glassnet
from glassnet.datasets import cifar
from glassnet.datasets import mnist as M
from glassnet.datasets.idx import DataError
from glassnet.utils.data import DataLoader
from glassnet.vision import _image, datasets, transforms

VENDORED_MNIST = M.REPO_DATA / "mnist"
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


@pytest.fixture
def no_local_data(monkeypatch, tmp_path):
    monkeypatch.setattr(M, "REPO_DATA", tmp_path / "repo-data")
    monkeypatch.setattr(M, "CACHE", tmp_path / "cache")
    monkeypatch.delenv("GLASSNET_DATA", raising=False)


@pytest.fixture
def without_pillow(monkeypatch):
    monkeypatch.setattr(_image, "pil_image_module", lambda: None)
    for module in ("glassnet.vision.datasets", "glassnet.vision.utils"):
        monkeypatch.setattr(f"{module}.pil_image_module", lambda: None)


def cifar_batches(records: int = 20, seed: int = 0):
    """Six batches in the official layout: label byte, then 1024 R, 1024 G, 1024 B bytes."""
    rng = np.random.default_rng(seed)
    batches = {}
    for name in cifar.TRAIN_FILES + cifar.TEST_FILES:
        images = rng.integers(0, 256, (records, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, records, dtype=np.uint8)
        planes = images.transpose(0, 3, 1, 2).reshape(records, 3072)
        batches[name] = (np.concatenate([labels[:, None], planes], axis=1).tobytes(), images,
                         labels)
    return batches


def write_cifar_folder(folder, batches):
    folder.mkdir(parents=True)
    for name, (payload, _, _) in batches.items():
        (folder / name).write_bytes(payload)
    (folder / "batches.meta.txt").write_text("\n".join(CLASSES) + "\n\n")


def cifar_archive(batches, extra: tarfile.TarInfo | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        files = {name: payload for name, (payload, _, _) in batches.items()}
        files["batches.meta.txt"] = "\n".join(CLASSES).encode()
        for name, payload in files.items():
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        if extra is not None:
            tar.addfile(extra, io.BytesIO(b"x" * extra.size) if extra.isfile() else None)
    return buffer.getvalue()


class FakeNetwork:
    def __init__(self, payload: bytes):
        self.payload, self.asked = payload, []

    def __call__(self, url, timeout=None):
        self.asked.append(url)
        return io.BytesIO(self.payload)


def use_archive(monkeypatch, payload: bytes):
    """Make ``payload`` the archive whose md5 the loader expects."""
    spec = cifar.SOURCE.files[0]
    fake = M.IdxFile(spec.stem, hashlib.md5(payload).hexdigest())
    monkeypatch.setattr(cifar, "SOURCE", M.Source(cifar.SOURCE.name, cifar.SOURCE.mirrors,
                                                  (fake,), cifar.SOURCE.classes))


# ----- MNIST ---------------------------------------------------------------------------------
def test_mnist_items_are_pil_images_and_int_targets_as_in_torchvision():
    ds = datasets.MNIST(None, train=False)
    image, target = ds[0]
    assert image.mode == "L" and image.size == (28, 28) and target == 7
    assert type(target) is int and len(ds) == 10000
    assert ds.data.shape == (10000, 28, 28) and ds.data.dtype is glassnet.uint8
    assert ds.targets.dtype is glassnet.int64 and ds.classes[7] == "7 - seven"
    assert ds.class_to_idx["7 - seven"] == 7
    assert np.array_equal(np.asarray(image), ds.data[0].numpy())


def test_the_classic_example_call_reads_the_vendored_files_without_the_network(tmp_path,
                                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)  # ../data does not exist from here
    asked = []
    monkeypatch.setattr(M, "download", lambda *args: asked.append(args))
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST("../data", train=True, download=True, transform=transform)
    image, target = ds[0]
    assert len(ds) == 60000 and target == 5 and asked == []
    assert image.shape == (1, 28, 28) and image.dtype is glassnet.float32
    expected = (ds.data[0].numpy().astype(np.float32) / np.float32(255) - np.float32(0.1307)) \
        / np.float32(0.3081)
    np.testing.assert_allclose(image.numpy()[0], expected, rtol=1e-6)
    # the verified copy is kept in ../data, as a download would be, so the example's next
    # call, MNIST('../data', train=False) without download, finds it there
    assert len(datasets.MNIST("../data", train=False)) == 10000 and asked == []
    assert (tmp_path.parent / "data" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()


def test_batches_convert_in_one_go_with_the_values_of_item_by_item():
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(None, train=False, transform=transform)
    xb, yb = next(iter(DataLoader(ds, batch_size=16)))
    one_by_one = np.stack([ds[i][0].numpy() for i in range(16)])
    assert xb.shape == (16, 1, 28, 28) and np.array_equal(xb.numpy(), one_by_one)
    assert yb.tolist() == [int(ds.targets[i]) for i in range(16)]


def test_random_transforms_and_target_transforms_go_item_by_item():
    transform = transforms.Compose([transforms.RandomCrop(28, padding=2), transforms.ToTensor()])
    ds = datasets.MNIST(None, train=False, transform=transform,
                        target_transform=lambda t: t + 100)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.tolist() == [107, 102, 101, 100]


def test_a_subset_by_replacing_data_and_targets_works_as_in_torchvision():
    ds = datasets.MNIST(None, train=False, transform=transforms.ToTensor())
    keep = (ds.targets == 3).numpy()
    ds.data, ds.targets = ds.data[keep], ds.targets[keep]
    assert len(ds) == 1010 and ds[0][1] == 3
    _, yb = next(iter(DataLoader(ds, batch_size=8)))
    assert set(yb.tolist()) == {3}


def test_without_pillow_items_are_uint8_arrays(without_pillow):
    ds = datasets.MNIST(None, train=False)
    image, _ = ds[0]
    assert isinstance(image, np.ndarray) and image.shape == (28, 28) and image.dtype == np.uint8
    tensor = transforms.ToTensor()(image)
    assert tensor.shape == (1, 28, 28) and tensor.max().item() == 1.0


def test_torchvision_folder_layout_is_found(tmp_path, no_local_data):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for spec in M.MNIST_SOURCE.files:
        os.symlink(VENDORED_MNIST / f"{spec.stem}.gz", raw / f"{spec.stem}.gz")
    assert len(datasets.MNIST(tmp_path, train=False)) == 10000


def test_missing_mnist_without_download_names_where_it_looked(tmp_path, no_local_data):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("not the data")
    with pytest.raises(DataError, match="not found; looked in"):
        datasets.FashionMNIST(tmp_path / "elsewhere", download=False)


# ----- CIFAR-10 ------------------------------------------------------------------------------
def test_cifar10_reads_the_binary_records_channel_major(tmp_path, no_local_data):
    batches = cifar_batches()
    write_cifar_folder(tmp_path / "cifar-10-batches-bin", batches)
    train = datasets.CIFAR10(tmp_path, train=True)
    test = datasets.CIFAR10(tmp_path, train=False)
    assert len(train) == 100 and len(test) == 20
    assert train.data.shape == (100, 32, 32, 3) and train.data.dtype == np.uint8
    assert isinstance(train.data, np.ndarray) and isinstance(train.targets, list)
    _, images, labels = batches["data_batch_2.bin"]
    assert np.array_equal(train.data[20:40], images)
    assert train.targets[20:40] == labels.tolist() and type(train.targets[0]) is int
    assert np.array_equal(test.data, batches["test_batch.bin"][1])
    assert train.classes == CLASSES and train.class_to_idx["truck"] == 9
    image, target = train[25]
    assert image.mode == "RGB" and image.size == (32, 32) and target == labels[5]
    assert np.array_equal(np.asarray(image), images[5])


def test_cifar10_pixel_layout_by_hand(tmp_path, no_local_data):
    record = np.zeros(3073, dtype=np.uint8)
    record[0] = 4
    record[1 + 0 * 1024 + 1 * 32 + 2] = 10  # red, row 1, column 2
    record[1 + 2 * 1024 + 31 * 32 + 0] = 30  # blue, row 31, column 0
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    for name in cifar.TRAIN_FILES + cifar.TEST_FILES:
        (folder / name).write_bytes(record.tobytes())
    ds = datasets.CIFAR10(tmp_path, train=False)
    assert ds.targets == [4] and ds.data[0, 1, 2].tolist() == [10, 0, 0]
    assert ds.data[0, 31, 0].tolist() == [0, 0, 30] and ds.data.sum() == 40
    assert ds.classes == CLASSES  # no batches.meta.txt: the official names


def test_cifar10_without_pillow_gives_hwc_arrays_and_transforms_apply(tmp_path, no_local_data,
                                                                     without_pillow):
    batches = cifar_batches()
    write_cifar_folder(tmp_path / "cifar-10-batches-bin", batches)
    ds = datasets.CIFAR10(tmp_path, train=False, transform=transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))]))
    raw, _ = datasets.CIFAR10(tmp_path, train=False)[0]
    assert isinstance(raw, np.ndarray) and raw.shape == (32, 32, 3)
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    assert xb.shape == (5, 3, 32, 32) and yb.tolist() == batches["test_batch.bin"][2][:5].tolist()


def test_cifar10_missing_without_download_is_one_clear_line(tmp_path, no_local_data):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("not the data")
    with pytest.raises(DataError) as info:
        datasets.CIFAR10(tmp_path / "elsewhere", download=False)
    message = str(info.value)
    assert "cifar-10-batches-bin/ not found; looked in" in message and "\n" not in message
    assert "download=True" in message and cifar.URL in message


def test_cifar10_truncated_batch_names_the_file(tmp_path, no_local_data):
    batches = cifar_batches()
    write_cifar_folder(tmp_path / "cifar-10-batches-bin", batches)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(DataError, match="data_batch_3.bin: 61453 bytes is not a whole number"):
        datasets.CIFAR10(tmp_path)


def test_cifar10_download_checks_the_md5_and_unpacks_atomically(tmp_path, no_local_data,
                                                                 monkeypatch):
    batches = cifar_batches()
    payload = cifar_archive(batches)
    use_archive(monkeypatch, payload)
    network = FakeNetwork(payload)
    monkeypatch.setattr("urllib.request.urlopen", network)
    ds = datasets.CIFAR10(tmp_path / "root", train=False, download=True)
    assert network.asked == [cifar.URL]
    assert np.array_equal(ds.data, batches["test_batch.bin"][1])
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == [
        "cifar-10-batches-bin", "cifar-10-binary.tar.gz"]  # no temporary folders left
    datasets.CIFAR10(tmp_path / "root", download=True)  # found locally now
    assert len(network.asked) == 1


def test_cifar10_official_md5_is_the_one_on_the_dataset_page():
    assert cifar.SOURCE.files[0].gz_md5 == "c32a1d4ab5d03f1284b67883e8d87530"
    assert cifar.SOURCE.mirrors[0] + cifar.SOURCE.files[0].stem + ".gz" == cifar.URL


def test_cifar10_download_with_a_bad_checksum_leaves_nothing(tmp_path, no_local_data,
                                                             monkeypatch):
    payload = cifar_archive(cifar_batches())
    monkeypatch.setattr("urllib.request.urlopen", FakeNetwork(payload))  # the real md5 fails
    with pytest.raises(DataError, match="checksum mismatch.*by hand"):
        datasets.CIFAR10(tmp_path / "root", download=True)
    assert list((tmp_path / "root").iterdir()) == []


def test_a_local_archive_is_unpacked_without_the_network(tmp_path, no_local_data, monkeypatch):
    payload = cifar_archive(cifar_batches())
    use_archive(monkeypatch, payload)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(payload)
    assert len(datasets.CIFAR10(tmp_path, train=True)) == 100
    assert (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").is_file()


@pytest.mark.parametrize("name", ["/tmp/evil.bin", "cifar-10-batches-bin/../../evil.bin"])
def test_archive_members_outside_the_folder_are_refused(tmp_path, no_local_data, monkeypatch,
                                                        name):
    evil = tarfile.TarInfo(name)
    evil.size = 4
    payload = cifar_archive(cifar_batches(), extra=evil)
    use_archive(monkeypatch, payload)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(payload)
    with pytest.raises(DataError, match="refusing to unpack.*absolute path or '..'"):
        datasets.CIFAR10(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-binary.tar.gz"]
    assert not (tmp_path.parent / "evil.bin").exists()


def test_archive_links_are_refused(tmp_path, no_local_data, monkeypatch):
    link = tarfile.TarInfo("cifar-10-batches-bin/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    payload = cifar_archive(cifar_batches(), extra=link)
    use_archive(monkeypatch, payload)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(payload)
    with pytest.raises(DataError, match="a link or device"):
        datasets.CIFAR10(tmp_path)


def test_glassnet_datasets_still_loads_arrays_and_cifar10(tmp_path, no_local_data):
    batches = cifar_batches()
    write_cifar_folder(tmp_path / "cifar-10" / "cifar-10-batches-bin", batches)
    (x, y), (xt, yt) = glassnet.datasets.load_cifar10(root=tmp_path)
    assert x.shape == (100, 32, 32, 3) and y.dtype == np.int64 and xt.shape == (20, 32, 32, 3)
