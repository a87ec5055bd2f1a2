"""MNIST (and Fashion-MNIST, same format): found locally first, downloaded only as a last resort.

Search order for the folder holding the four IDX files: ``root``, ``$GLASSNET_DATA``, the
repository's ``data/`` folder, ``~/.cache/glassnet``. Each looks for ``<folder>/<name>/`` and
``<folder>/`` itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import DataError, read_idx

MNIST_FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
REPO_DATA = Path(__file__).resolve().parents[3] / "data"
CACHE = Path.home() / ".cache" / "glassnet"


def candidate_folders(root, name: str) -> list[Path]:
    places = [root, os.environ.get("GLASSNET_DATA"), REPO_DATA, CACHE]
    folders = []
    for place in places:
        if place:
            folders += [Path(place) / name, Path(place)]
    return folders


def find_file(folders: list[Path], stem: str) -> Path | None:
    for folder in folders:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.is_file():
                return candidate
    return None


def load_arrays(root=None, name: str = "mnist", files: dict | None = None):
    """((x_train, y_train), (x_test, y_test)) as uint8 (N, 28, 28) images and int64 labels."""
    files = MNIST_FILES if files is None else files
    folders = candidate_folders(root, name)
    arrays = {}
    for stem, checksum in files.items():
        path = find_file(folders, stem)
        if path is None:
            searched = ", ".join(str(f) for f in folders)
            raise DataError(
                f"{name}: {stem}(.gz) not found; looked in {searched}. Put the four IDX files "
                f"in one of those folders (or pass root=/path/to/folder)."
            )
        try:
            arrays[stem] = read_idx(path, checksum)
        except DataError as error:
            raise DataError(f"{error}. Replace it with a good copy of {stem}.gz") from None
    stems = list(files)
    return ((arrays[stems[0]], arrays[stems[1]].astype(np.int64)),
            (arrays[stems[2]], arrays[stems[3]].astype(np.int64)))


def load_mnist(root=None):
    """MNIST as NumPy arrays, Keras' ``load_data`` layout:
    ``(x_train, y_train), (x_test, y_test)``, uint8 (N, 28, 28) and int64 (N,)."""
    return load_arrays(root, "mnist", MNIST_FILES)
