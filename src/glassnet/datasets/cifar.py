"""CIFAR-10 from its official binary distribution (never the pickled one).

``cifar-10-binary.tar.gz`` unpacks to ``cifar-10-batches-bin/``: ``data_batch_1.bin`` ..
``data_batch_5.bin`` (training), ``test_batch.bin`` and ``batches.meta.txt`` (the ten class
names, one a line). Each record is 3073 bytes: the label, then the 32x32 image channel by
channel (1024 red, 1024 green, 1024 blue bytes, each plane row by row).

Search order, as for MNIST: an explicit ``root`` alone (it must exist and hold something
unless ``download=True``), else ``$GLASSNET_DATA``, the repository's ``data/``,
``~/.cache/glassnet``; in each, ``<folder>/cifar-10/`` and ``<folder>/`` itself, looking for the
unpacked ``cifar-10-batches-bin/`` (or the files themselves), then for the archive. Only then,
if allowed, the archive is downloaded (md5 checked) and unpacked atomically. Record counts,
labels and the class list are checked; the archive's md5 is checked before unpacking (the
unpacked ``.bin`` files have no published checksums).
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np

from . import mnist
from .idx import DataError

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
META_FILE = "batches.meta.txt"
RECORD = 1 + 3 * 32 * 32
# The dataset page (https://www.cs.toronto.edu/~kriz/cifar.html) lists this md5 for the
# binary version; torchvision reads the pickled version (md5 c58f30108f718f92721af3b95e74349a).
SOURCE = mnist.Source(
    "cifar-10", ("https://www.cs.toronto.edu/~kriz/",),
    (mnist.IdxFile("cifar-10-binary.tar", "c32a1d4ab5d03f1284b67883e8d87530"),),
    ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
)


def read_batch(path: Path, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """One ``.bin`` file: (images uint8 (N, 32, 32, 3), labels int64 (N,)); every label must
    name one of ``classes`` classes."""
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error}); check its permissions or unpack "
                        f"{ARCHIVE} again") from None
    if raw.size == 0 or raw.size % RECORD:
        raise DataError(
            f"{path}: {raw.size} bytes is not a whole number of {RECORD}-byte CIFAR-10 records "
            f"(truncated or not a CIFAR-10 binary batch); delete {path.parent} and unpack "
            f"{ARCHIVE} again")
    records = raw.reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= classes:
        raise DataError(f"{path}: found label {labels.max()}, expected 0..{classes - 1}; the "
                        f"file is corrupt or not a CIFAR-10 batch: delete {path.parent} and "
                        f"unpack {ARCHIVE} again")
    # channel-major planes (N, 3, 32, 32) → the (N, 32, 32, 3) layout torchvision keeps
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def read_classes(folder: Path) -> list[str]:
    """The class names from ``batches.meta.txt`` (the official names if it is missing)."""
    meta = folder / META_FILE
    if not meta.is_file():
        return list(SOURCE.classes)
    try:
        names = [line.strip() for line in meta.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{meta}: not a readable list of class names ({error}); delete "
                        f"{folder} and unpack {ARCHIVE} again") from None
    names = [name for name in names if name]
    if len(names) != len(SOURCE.classes):
        raise DataError(f"{meta}: expected {len(SOURCE.classes)} class names, one a line, "
                        f"found {len(names)}; delete {folder} and unpack {ARCHIVE} again")
    return names


def _has_batches(folder: Path) -> bool:
    return all((folder / name).is_file() for name in TRAIN_FILES + TEST_FILES)


def search_folders(root, download: bool) -> list[Path]:
    """Only ``root``'s folders when one is given; with ``download=True`` the usual places
    too, before the network (the archive found there is md5-checked before unpacking)."""
    if root is None:
        return mnist.candidate_folders(None, SOURCE.name)
    folders = [Path(root) / SOURCE.name, Path(root)]
    return folders + (mnist.candidate_folders(None, SOURCE.name) if download else [])


def find_batches(root, download: bool = True) -> Path | None:
    """The first folder holding all six ``.bin`` files, or None."""
    for folder in search_folders(root, download):
        for candidate in (folder / FOLDER, folder):
            if _has_batches(candidate):
                return candidate
    return None


def find_archive(root, download: bool = True) -> Path | None:
    for folder in search_folders(root, download):
        if (folder / ARCHIVE).is_file():
            return folder / ARCHIVE
    return None


def _check_md5(archive: Path) -> None:
    digest = hashlib.md5(usedforsecurity=False)
    with open(archive, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    expected = SOURCE.files[0].gz_md5
    if digest.hexdigest() != expected:
        raise DataError(f"{archive}: checksum mismatch (md5 {digest.hexdigest()}, expected "
                        f"{expected}); delete it and download {URL} again")


def _safe_name(name: str, archive: Path) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or name.startswith(("/", "\\")):
        raise DataError(f"{archive}: refusing to unpack {name!r} (an absolute path or '..' "
                        f"would write outside the data folder); this is not the official "
                        f"archive: delete it and download {URL} again")
    return path


def extract(archive: Path, folder: Path) -> Path:
    """Unpack ``archive`` into ``folder / cifar-10-batches-bin`` in one step: members go to a
    temporary folder beside it, which is renamed into place only when all six batches are
    there. Only regular files and folders are written; links and paths that leave the folder
    are refused."""
    _check_md5(archive)
    target = folder / FOLDER
    if target.exists():
        raise DataError(f"{target} exists but lacks some of the six batch files; delete it so "
                        f"{archive.name} can be unpacked again")
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".cifar-10-unpacking-"))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                path = staging / _safe_name(member.name, archive)
                if member.isdir():
                    path.mkdir(parents=True, exist_ok=True)
                elif member.isfile():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as source, open(path, "wb") as out:
                        shutil.copyfileobj(source, out)
                else:
                    raise DataError(f"{archive}: refusing to unpack {member.name!r} (a link or "
                                    f"device, not a file); download {URL} again")
        if not _has_batches(staging / FOLDER):
            raise DataError(f"{archive}: no complete {FOLDER}/ inside (expected "
                            f"{', '.join(TRAIN_FILES + TEST_FILES)})")
        (staging / FOLDER).rename(target)
    except tarfile.TarError as error:
        raise DataError(f"{archive}: cannot be unpacked ({error}); delete it and download "
                        f"{URL} again") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def locate(root=None, download: bool = False, opener=None) -> Path:
    """The folder with the six batches: found, unpacked from a found archive, or downloaded."""
    mnist.check_root(root, SOURCE.name, download)
    found = find_batches(root, download)
    if found is not None:
        own = [place / sub for place in search_folders(root, False) for sub in (FOLDER, "")]
        return found if root is None or found in own else keep_copy(found, Path(root))
    archive = find_archive(root, download)
    if archive is None and download:
        destination = Path(root) if root else mnist.CACHE
        archive = mnist.download(SOURCE, SOURCE.files[0], destination, opener)
    if archive is None:
        searched = ", ".join(str(f) for f in search_folders(root, download))
        raise DataError(
            f"cifar-10: {FOLDER}/ not found; looked in {searched}. Pass download=True, or "
            f"fetch {URL} by hand and unpack it into one of those folders")
    if root is not None:  # unpacked where a download would go, so root holds it next time
        Path(root).mkdir(parents=True, exist_ok=True)
    return extract(archive, Path(root) if root is not None else archive.parent)


def keep_copy(found: Path, folder: Path) -> Path:
    """Copy the batches found elsewhere (a stand-in for ``download=True``) into
    ``folder / cifar-10-batches-bin`` in one step, as a download would have put them."""
    target = folder / FOLDER
    if target.exists():
        raise DataError(f"{target} exists but lacks some of the six batch files; delete it so "
                        f"the copy in {found} can be put there")
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".cifar-10-copying-"))
    try:
        (staging / FOLDER).mkdir()
        for name in TRAIN_FILES + TEST_FILES + (META_FILE,):
            if (found / name).is_file():
                shutil.copyfile(found / name, staging / FOLDER / name)
        (staging / FOLDER).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_arrays(root=None, download: bool = False, opener=None):
    """((x_train, y_train), (x_test, y_test), classes): uint8 (N, 32, 32, 3) images, int64
    labels, the class names."""
    folder = locate(root, download, opener)
    classes = read_classes(folder)
    train = [read_batch(folder / name, len(classes)) for name in TRAIN_FILES]
    test = read_batch(folder / TEST_FILES[0], len(classes))
    x = np.concatenate([images for images, _ in train])
    y = np.concatenate([labels for _, labels in train])
    return (x, y), test, classes


def load_cifar10(root=None, download: bool = True):
    """CIFAR-10 as NumPy arrays in Keras' ``load_data`` layout: ``(x_train, y_train),
    (x_test, y_test)``, uint8 (N, 32, 32, 3) and int64 (N,)."""
    train, test, _ = load_arrays(root, download)
    return train, test
