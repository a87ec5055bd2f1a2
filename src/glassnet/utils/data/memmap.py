"""Data larger than memory: arrays read from disk on demand, and a shuffle for streams.

``MemmapDataset`` maps ``.npy`` files (or takes ``np.memmap`` arrays) and reads only the rows a
batch asks for. The operating system keeps the pages it has read in the process's memory
(its resident set) until it needs the room, so a pass over a 2 GB file would still *look* like
2 GB of memory; the dataset therefore hands the pages back (``madvise(MADV_DONTNEED)``: they
stay in the page cache, the process just stops holding them) whenever about
``max_resident_bytes`` may have been mapped, which keeps the process's peak memory bounded
whatever the file's size and the order of access.

Why "may have been": touching one byte maps more than a page. Linux maps a whole 2 MiB folio
of the page cache at once when it has one (large folios, measured on this machine's kernel:
one random 256-byte row made 2 MiB resident), so a batch of random rows is read in groups of
at most ``max_resident_bytes / 2 MiB`` rows, releasing between groups; rows close together
(a contiguous slice) count once per 2 MiB they span.

``shuffle_buffer`` shuffles a stream that cannot be indexed (an ``IterableDataset``), as
``tf.data``'s and webdataset's shuffle buffers do: only ``size`` samples are held at once.
"""

from __future__ import annotations

import mmap
import operator
import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ...errors import ShapeError
from ...random import rng
from ...tensor import Tensor
from .dataset import Dataset

_GRANULE = 2 * 2**20  # the most one touch can map: a PMD-sized large folio (x86-64, arm64 4K)


def _mapping_of(array: np.ndarray) -> mmap.mmap | None:
    """The ``mmap`` an array's memory comes from, if any (walking the chain of views)."""
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


def _open(source) -> np.ndarray:
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not path.endswith(".npy"):
            raise ValueError(f"MemmapDataset: expected a .npy file or an array, got the path "
                             f"{path!r}; wrap a raw binary file as np.memmap(path, dtype=..., "
                             f"mode='r', shape=...) and pass that array")
        return np.load(path, mmap_mode="r")
    if isinstance(source, np.ndarray):
        return source
    raise TypeError(f"MemmapDataset: expected a path to a .npy file or a NumPy array, got "
                    f"{type(source).__name__}")


class MemmapDataset(Dataset):
    """Rows of arrays on disk, read on demand: ``ds[i] == (x[i], y[i])`` as tensors, and
    ``ds.__getitems__(indices)`` a whole batch, read with one fancy index per array (the
    DataLoader's fast path), so that training never holds the whole file in memory.

    Args:
        *sources: paths to ``.npy`` files (opened with ``np.load(path, mmap_mode='r')``) or
            arrays (an ``np.memmap`` over a raw file, or any array), all with the same number
            of rows.
        max_resident_bytes: after about this many bytes read, give the mapped pages back to
            the operating system (see the module docstring); None never does.

    Pickling (for ``spawn`` workers) reopens paths; arrays given directly are pickled whole.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
        >>> np.save(path, np.arange(12, dtype=np.float32).reshape(6, 2))
        >>> ds = MemmapDataset(path)
        >>> len(ds), ds.__getitems__(np.array([4, 1]))[0].tolist()
        (6, [[8.0, 9.0], [2.0, 3.0]])
    """

    def __init__(self, *sources, max_resident_bytes: int | None = 64 * 2**20) -> None:
        if not sources:
            raise ValueError("MemmapDataset: expected at least one .npy path or array, got "
                             "none; pass e.g. MemmapDataset('x.npy', 'y.npy')")
        if max_resident_bytes is not None and max_resident_bytes <= 0:
            raise ValueError(f"MemmapDataset: max_resident_bytes must be positive or None, "
                             f"got {max_resident_bytes}")
        self._sources = sources
        self.max_resident_bytes = max_resident_bytes
        self._open()

    def _open(self) -> None:
        self.arrays = tuple(_open(source) for source in self._sources)
        shapes = [array.shape for array in self.arrays]
        if any(len(shape) == 0 for shape in shapes) or len({s[0] for s in shapes}) > 1:
            raise ShapeError(f"MemmapDataset: expected arrays with the same first dimension "
                             f"(one row per sample), got shapes {shapes}; give one row per "
                             f"sample in every array")
        mappings = (_mapping_of(array) for array in self.arrays)
        self._mappings = [m for m in mappings if m is not None]
        self._mapped_bytes = 0  # an upper bound on what reads may have made resident

    def __getstate__(self) -> dict:
        paths_only = all(isinstance(s, (str, os.PathLike)) for s in self._sources)
        state = {"_sources": self._sources, "max_resident_bytes": self.max_resident_bytes}
        if not paths_only:
            state["arrays"] = self.arrays
        return state

    def __setstate__(self, state: dict) -> None:
        self._sources = state.get("arrays", state["_sources"])
        self.max_resident_bytes = state["max_resident_bytes"]
        self._open()

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.__getitems__(index)
        if isinstance(index, slice):
            return self.__getitems__(np.arange(*index.indices(len(self))))
        position = operator.index(index)
        if not -len(self) <= position < len(self):
            raise IndexError(f"MemmapDataset: index {position} is out of range for "
                             f"{len(self)} samples")
        rows = self.__getitems__(np.array([position % len(self)]))
        return tuple(Tensor._make(row.numpy()[0]) for row in rows)

    def __getitems__(self, indices):
        """The batch at ``indices``: one tensor per array, each a fresh in-memory copy."""
        indices = np.asarray(indices, dtype=np.int64)
        return tuple(Tensor._make(self._gather(array, indices)) for array in self.arrays)

    def _gather(self, array: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """``array[indices]`` as a plain in-memory array, releasing the mapping as often as
        needed for no more than about ``max_resident_bytes`` to be mapped at any time."""
        if self.max_resident_bytes is None or not self._mappings or len(indices) == 0:
            return np.asarray(array[indices]).view(np.ndarray)
        row_bytes = max(array.strides[0], 1) if array.ndim else 1
        regions = np.unique(indices * row_bytes // _GRANULE)
        cost = (len(regions) + 1) * _GRANULE  # +1: a row may straddle two regions
        if self._mapped_bytes + cost <= self.max_resident_bytes:
            self._mapped_bytes += cost
            return np.asarray(array[indices]).view(np.ndarray)
        out = np.empty((len(indices), *array.shape[1:]), dtype=array.dtype)
        group = max(1, self.max_resident_bytes // (2 * _GRANULE))
        for start in range(0, len(indices), group):
            self.release()
            chosen = indices[start:start + group]
            out[start:start + group] = array[chosen]
            self._mapped_bytes = 2 * _GRANULE * len(chosen)
        return out

    def release(self) -> None:
        """Give every mapped page back to the operating system now (the data stays on disk
        and in the page cache; the next read maps it again)."""
        self._mapped_bytes = 0
        if hasattr(mmap, "MADV_DONTNEED"):
            for mapping in self._mappings:
                mapping.madvise(mmap.MADV_DONTNEED)

    def __repr__(self) -> str:
        shapes = ", ".join(str(tuple(array.shape)) for array in self.arrays)
        return f"{type(self).__name__}({shapes})"


def shuffle_buffer(iterable: Iterable, size: int, seed: int | None = None) -> Iterator:
    """Shuffle a stream while holding only ``size`` items: fill a buffer, then for every new
    item yield a buffer entry chosen uniformly at random and put the new item in its place;
    at the end, yield what remains in random order.

    An item can only move up to about ``size`` places earlier, so the shuffle is as good as
    the buffer is large compared with how the stream is ordered (shuffle the files, or the
    chunks, too). ``seed=None`` draws from glassnet's default generator (so
    ``glassnet.manual_seed`` makes it repeatable).

    Example:
        >>> sorted(shuffle_buffer(range(10), size=4, seed=0)) == list(range(10))
        True
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"shuffle_buffer: size must be a positive integer, got {size!r}; "
                         f"use e.g. size=10_000 (items held in memory at once)")
    draw = np.random.default_rng(seed) if seed is not None else rng()
    buffer: list = []
    for item in iterable:
        if len(buffer) < size:
            buffer.append(item)
            continue
        j = int(draw.integers(size))
        yield buffer[j]
        buffer[j] = item
    for j in draw.permutation(len(buffer)).tolist():
        yield buffer[j]


__all__: Sequence[str] = ["MemmapDataset", "shuffle_buffer"]
