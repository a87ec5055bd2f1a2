"""The ``.keras`` file: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``,
laid out as Keras 3 writes it (keras/src/saving/saving_lib.py), and the ``.weights.h5`` file.

The weights file holds one HDF5 group per object, found by walking the model as Keras does:
the model's own ``vars`` at the root, each layer at ``layers/<class in snake_case>`` (a second
Dense is ``dense_1``: Keras numbers by class, not by the layer's name, so files from two
differently named but equal models match), its arrays as datasets ``vars/0``, ``vars/1``... in
Keras' order (the trainable weights, then the others), a nested model's layers below its own
path, and the optimizer's variables at ``optimizer/vars``.

Reading trusts nothing in the file: only the three known zip members are read, each with a
size limit; HDF5 links that point elsewhere (soft, external, virtual) are refused; a dataset
whose declared size is far beyond what it stores is refused. Writing goes to a temporary file
in the same folder, renamed over the target only when complete.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import zipfile
import zlib
from contextlib import contextmanager

import numpy as np

from ..._files import umask

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose files this writer matches
MAX_JSON_BYTES = 64 << 20
MAX_WEIGHTS_BYTES = 16 << 30
MAX_EXPANSION = 100  # Keras stores members uncompressed; deflate cannot exceed ~1032:1 anyway
_SMALL = 1 << 20


def require_h5py():
    try:
        import h5py
    except ImportError as error:
        raise ImportError("the .keras and .weights.h5 formats need h5py: pip install "
                          "'glassnet[keras-files]' (or pip install h5py), or save to a "
                          ".safetensors path instead") from error
    return h5py


# ----- writing -----------------------------------------------------------------------------
@contextmanager
def atomic_path(filepath):
    """A temporary path in ``filepath``'s folder, renamed over ``filepath`` when the block ends
    without an error (and removed if it raises): a reader never sees a half-written file."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.",
                                         suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as done:
            os.fsync(done.fileno())
        os.chmod(temporary, _file_mode(filepath))  # mkstemp made it private (0600)
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _file_mode(filepath: str) -> int:
    """The mode an ordinary new file would get (or the replaced file's own)."""
    if os.path.exists(filepath):
        return os.stat(filepath).st_mode & 0o777
    return 0o666 & ~umask()


def weights_bytes(write) -> bytes:
    """An HDF5 file made in memory by ``write(h5file)``."""
    h5py = require_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write(h5)
    return buffer.getvalue()


def write_keras_zip(filepath, config: dict, weights: bytes) -> None:
    metadata = {"keras_version": KERAS_FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "saved_by": "glassnet"}
    with atomic_path(filepath) as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, json.dumps(metadata))
            archive.writestr(CONFIG, json.dumps(config))
            archive.writestr(WEIGHTS, weights)


def write_group(h5, path: str, name: str | None, arrays: list) -> None:
    """``path/vars`` with the object's name as an attribute and ``arrays`` as "0", "1", ..."""
    group = h5.require_group(f"{path}/vars" if path else "vars")
    if name is not None:
        group.attrs["name"] = name
    for i, array in enumerate(arrays):
        group.create_dataset(str(i), data=np.asarray(array))


# ----- reading -----------------------------------------------------------------------------
def read_keras_zip(filepath) -> tuple[dict, bytes]:
    """(config, weights bytes) from a ``.keras`` file, reading only the two members needed."""
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile as error:
        raise ValueError(f"{filepath} is not a .keras file (not a zip archive: {error}); was it "
                         f"saved by Keras 3 or glassnet's model.save('x.keras')?") from error
    with archive:
        names = archive.namelist()
        for member in (CONFIG, WEIGHTS):
            if names.count(member) != 1:
                raise ValueError(f"{filepath}: a .keras file holds exactly one {member}, this "
                                 f"one has {names.count(member)}; the file is damaged or not "
                                 f"a Keras 3 model")
        text = _read_member(archive, CONFIG, MAX_JSON_BYTES, filepath)
        weights = _read_member(archive, WEIGHTS, MAX_WEIGHTS_BYTES, filepath)
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{filepath}: config.json is not valid JSON ({error})") from error
    if not isinstance(config, dict):
        raise ValueError(f"{filepath}: config.json must hold one object, got "
                         f"{type(config).__name__}")
    return config, weights


def _read_member(archive, name: str, limit: int, filepath) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"{filepath}: {name} declares {info.file_size:,} bytes, more than the "
                         f"{limit:,} allowed; refusing to read it")
    if info.file_size > _SMALL and info.file_size > MAX_EXPANSION * max(info.compress_size, 1):
        raise ValueError(f"{filepath}: {name} declares {info.file_size:,} bytes but stores "
                         f"{info.compress_size:,}; refusing a likely zip bomb")
    chunks, total = [], 0
    try:
        with archive.open(info) as member:  # zipfile stops at the declared size, checks CRC
            while chunk := member.read(1 << 20):
                total += len(chunk)
                if total > info.file_size:
                    raise ValueError(f"{filepath}: {name} is longer than it declares; the "
                                     f"file is damaged")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise ValueError(f"{filepath}: {name} cannot be read ({error}); the file is damaged "
                         f"or was changed after saving") from error
    return b"".join(chunks)


@contextmanager
def open_weights(source):
    """An h5py File for a path or bytes, read-only."""
    h5py = require_h5py()
    target = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    try:
        h5 = h5py.File(target, "r")
    except OSError as error:
        raise ValueError(f"the weights are not a readable HDF5 file ({error})") from error
    with h5:
        yield h5


def read_group(h5, path: str) -> list[np.ndarray] | None:
    """The arrays at ``path/vars`` ("0", "1", ... in order), or None if the group is absent."""
    h5py = require_h5py()
    group = h5
    for part in [p for p in path.split("/") if p] + ["vars"]:
        if part not in group:
            return None
        link = group.get(part, getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"weights file: {path}/{part} is a {type(link).__name__}; links "
                             f"out of the file are not allowed")
        group = group[part]
        if not isinstance(group, h5py.Group):
            raise ValueError(f"weights file: {path}/{part} should be a group")
    arrays = []
    for i in range(len(group)):
        if str(i) not in group:
            raise ValueError(f"weights file: {path}/vars has {len(group)} entries but no "
                             f"{i}; expected datasets named 0..{len(group) - 1}")
        arrays.append(_dataset(group, str(i), f"{path}/vars/{i}", h5py))
    return arrays


def _dataset(group, name: str, where: str, h5py) -> np.ndarray:
    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"weights file: {where} is a {type(link).__name__}; not allowed")
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"weights file: {where} should be a dataset")
    if dataset.external or dataset.is_virtual:
        raise ValueError(f"weights file: {where} keeps its data outside the file; not allowed")
    declared = int(np.prod(dataset.shape, dtype=np.int64)) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > _SMALL and declared > 1000 * max(stored, 1):
        raise ValueError(f"weights file: {where} declares {declared:,} bytes but stores "
                         f"{stored:,}; refusing a likely shape bomb")
    return dataset[()]
