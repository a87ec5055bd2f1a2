"""MNIST and Fashion-MNIST: found locally first, downloaded (checksummed) only as a last resort.

Search order for the four IDX files when no ``root`` is given: ``$GLASSNET_DATA``, the
repository's ``data/`` folder, ``~/.cache/glassnet``; in each, ``<folder>/<name>/`` and
``<folder>/`` itself. An explicit ``root`` is searched alone (``<root>/<name>/``, ``<root>/``,
torchvision's ``<root>/MNIST/raw/``) and must exist and hold files; with ``download=True`` the
usual places stand in for the network before it is asked. Files may be gzip-compressed or raw;
checksums, image/label counts and label ranges are checked.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._files import write_bytes_atomically
from ..tensor import Tensor
from ..utils.data import Dataset
from .idx import DataError, parse_idx, read_bytes

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
CACHE = Path.home() / ".cache" / "glassnet"


@dataclass(frozen=True)
class IdxFile:
    """One of a dataset's files, with what its content must hash to."""

    stem: str
    gz_md5: str  # of the published .gz (what a download must match)
    raw_sha256: str | None = None  # of the decompressed bytes (any local copy, gz or raw)


@dataclass(frozen=True)
class Source:
    name: str
    mirrors: tuple[str, ...]
    files: tuple[IdxFile, ...]
    classes: tuple[str, ...]
    torchvision_folder: str = ""  # torchvision keeps the files in <root>/<this>/raw/


MNIST_SOURCE = Source(
    "mnist",
    ("https://ossci-datasets.s3.amazonaws.com/mnist/",
     "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    (IdxFile("train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
     IdxFile("train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432",
             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
     IdxFile("t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3",
             "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
     IdxFile("t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c",
             "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")),
    ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
     "7 - seven", "8 - eight", "9 - nine"),
    "MNIST",
)
FASHION_SOURCE = Source(
    "fashion-mnist",
    ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
     "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    (IdxFile("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
     IdxFile("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"),
     IdxFile("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"),
     IdxFile("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310")),
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
     "Bag", "Ankle boot"),
    "FashionMNIST",
)


def candidate_folders(root, name: str) -> list[Path]:
    """Where to look, in order: root, $GLASSNET_DATA, the repo's data/, ~/.cache/glassnet."""
    folders = []
    for place in (root, os.environ.get("GLASSNET_DATA"), REPO_DATA, CACHE):
        if place:
            folders += [Path(place) / name, Path(place)]
    return folders


def find_file(folders: list[Path], stem: str) -> Path | None:
    for folder in folders:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.is_file():
                return candidate
    return None


def _verify_local(path: Path, spec: IdxFile) -> np.ndarray:
    """Read a local copy, checking what can be checked, and name the fix if it is bad."""
    try:
        raw = path.read_bytes()
        if spec.raw_sha256 is None and raw[:2] == b"\x1f\x8b" and \
                hashlib.md5(raw, usedforsecurity=False).hexdigest() != spec.gz_md5:
            raise DataError(f"{path}: checksum mismatch (md5 of the .gz is not {spec.gz_md5})")
        data = read_bytes(path)
        if spec.raw_sha256 is not None and hashlib.sha256(data).hexdigest() != spec.raw_sha256:
            raise DataError(f"{path}: checksum mismatch (sha256 of the content is not "
                            f"{spec.raw_sha256[:16]}...)")
        return parse_idx(data, str(path))
    except DataError as error:
        raise DataError(f"{error}; the file is truncated or corrupt: delete it and put a good "
                        f"copy of {spec.stem}.gz there") from None


def download(source: Source, spec: IdxFile, folder: Path, opener=None) -> Path:
    """Fetch ``spec`` from the first mirror that answers, check its md5, then move it into
    place in one step (a failed or interrupted download leaves nothing behind)."""
    opener = opener or urllib.request.urlopen
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{spec.stem}.gz"
    failures = []
    for mirror in source.mirrors:
        url = mirror + target.name
        try:
            with opener(url, timeout=30) as response:
                payload = response.read()
        except Exception as error:  # noqa: BLE001 - any network failure means: try the next
            failures.append(f"{url}: {error}")
            continue
        digest = hashlib.md5(payload, usedforsecurity=False).hexdigest()
        if digest != spec.gz_md5:
            failures.append(f"{url}: checksum mismatch (md5 {digest}, expected {spec.gz_md5})")
            continue
        write_bytes_atomically(target, payload)  # mode from the umask: a download is shared
        return target
    raise DataError(
        f"{source.name}: could not download {target.name} ({'; '.join(failures)}). Put the "
        f"file in {folder} by hand, or pass root=/folder/with/the/files"
    )


def check_root(root, name: str, download: bool) -> None:
    """An explicit ``root`` must exist and hold something, unless a download may fill it.

    Without this, ``root='/typo'`` would quietly read whatever the search order finds."""
    if root is None or download:
        return
    folder = Path(root)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DataError(f"{name}: root={str(root)!r} {what}; pass the folder that holds the "
                        f"files, download=True to fetch them there, or root=None to search "
                        f"$GLASSNET_DATA, the repository's data/ and ~/.cache/glassnet")
    if not any(folder.iterdir()):
        raise DataError(f"{name}: root={str(root)!r} is empty; put the files there, pass "
                        f"download=True to fetch them, or root=None to search the usual places")


def search_folders(source: Source, root, download: bool) -> list[Path]:
    """Where to look: only ``root``'s folders when one is given (the search order applies only
    when no location is given); with ``download=True`` the usual places too, as checksummed
    stand-ins for the network (so PyTorch's ``MNIST('../data', download=True)`` works
    offline)."""
    if root is None:
        return candidate_folders(None, source.name)
    folders = [Path(root) / source.name, Path(root)]
    if source.torchvision_folder:  # files torchvision downloaded are found too
        folders.append(Path(root) / source.torchvision_folder / "raw")
    if download:
        folders += [f for f in candidate_folders(None, source.name) if f not in folders]
    return folders


def _keep_copy(path: Path, folder: Path) -> Path:
    """Copy a verified file into ``folder`` (atomically), as ``download=True`` would have."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    write_bytes_atomically(target, path.read_bytes())
    return target


def _verifiable(path: Path | None, spec: IdxFile) -> Path | None:
    """A stand-in for a download only if its checksum can be checked (a raw file of a set
    without raw checksums cannot be, so it is not used)."""
    if path is None or spec.raw_sha256 is not None or path.suffix == ".gz":
        return path
    return None


def check_pair(images: np.ndarray, labels: np.ndarray, source: Source, names) -> None:
    """Images and labels must agree in count and labels must name one of the classes."""
    image_file, label_file = names
    if images.ndim != 3 or labels.ndim != 1:
        raise DataError(f"{image_file}: expected images N x H x W and labels N, found shapes "
                        f"{images.shape} and {labels.shape} in {label_file}; the files are "
                        f"not a {source.name} pair: replace them with good copies")
    if len(images) != len(labels):
        raise DataError(f"{image_file} holds {len(images)} images but {label_file} holds "
                        f"{len(labels)} labels; one of them is from another data set or "
                        f"version: replace both with good copies")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(source.classes)):
        bad = int(labels.max() if labels.max() >= len(source.classes) else labels.min())
        raise DataError(f"{label_file}: label {bad} is outside the {len(source.classes)} "
                        f"classes (0..{len(source.classes) - 1}); the file is corrupt or from "
                        f"another data set: replace it with a good copy")



def load_arrays(source: Source, root=None, download_missing: bool = False, opener=None):
    """((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) images, int64 labels.

    An explicit ``root`` that is missing or empty is an error (unless ``download_missing``);
    counts, label ranges and checksums are checked, each failure naming the file and the fix.
    """
    check_root(root, source.name, download_missing)
    folders = search_folders(source, root, download_missing)
    own = folders if root is None else folders[:3 if source.torchvision_folder else 2]
    arrays, paths = [], []
    for spec in source.files:
        path = find_file(own, spec.stem) or _verifiable(find_file(folders, spec.stem), spec)
        if path is None:
            if not download_missing:
                searched = ", ".join(str(f) for f in folders)
                raise DataError(
                    f"{source.name}: {spec.stem}(.gz) not found; looked in {searched}. Put the "
                    f"four IDX files in one of those folders, pass root=, or allow download."
                )
            destination = Path(root) / source.name if root else CACHE / source.name
            path = download(source, spec, destination, opener)
        arrays.append(_verify_local(path, spec))
        if root is not None and path.parent not in own:  # a verified stand-in: keep a copy
            path = _keep_copy(path, Path(root) / source.name)  # where a download would go
        paths.append(path)
    images, labels, test_images, test_labels = arrays
    check_pair(images, labels, source, paths[:2])
    check_pair(test_images, test_labels, source, paths[2:])
    return ((images, labels.astype(np.int64)), (test_images, test_labels.astype(np.int64)))


def load_mnist(root=None, download: bool = True):
    """MNIST as NumPy arrays in Keras' ``load_data`` layout:
    ``(x_train, y_train), (x_test, y_test)``, uint8 (N, 28, 28) and int64 (N,)."""
    return load_arrays(MNIST_SOURCE, root, download)


def load_fashion_mnist(root=None, download: bool = True):
    """Fashion-MNIST as NumPy arrays, the same layout as ``load_mnist``."""
    return load_arrays(FASHION_SOURCE, root, download)


class MNIST(Dataset):
    """The MNIST digits, torchvision-style: ``ds[i]`` is (1x28x28 float32 image in [0, 1],
    int label); ``.data`` (uint8 N x 28 x 28), ``.targets`` (int64), ``.classes``.

    Batches through a DataLoader are converted from uint8 in one go (``__getitems__``), so the
    whole set stays in memory as bytes, not floats.
    """

    source = MNIST_SOURCE

    def __init__(self, root=None, train: bool = True, download: bool = True, transform=None,
                 target_transform=None) -> None:
        (x, y), (xt, yt) = load_arrays(self.source, root, download)
        images, labels = (x, y) if train else (xt, yt)
        self.data = Tensor._make(images)
        self.targets = Tensor._make(labels)
        self.train, self.transform, self.target_transform = train, transform, target_transform
        self.classes = list(self.source.classes)

    def __len__(self) -> int:
        return len(self.targets._data)

    def __getitem__(self, index: int):
        image = Tensor._make(self.data._data[index][None].astype(np.float32) / np.float32(255))
        label = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __getitems__(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return _collate([self[int(i)] for i in indices])
        images = self.data._data[indices][:, None].astype(np.float32)
        images *= np.float32(1 / 255)
        return Tensor._make(images), Tensor._make(self.targets._data[indices])

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split}, {len(self)} images)"


def _collate(samples):
    from ..utils.data import default_collate

    return default_collate(samples)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format as MNIST, ten kinds of clothing (download only)."""

    source = FASHION_SOURCE
