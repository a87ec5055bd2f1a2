"""The IDX file format MNIST ships in: a magic number, the dims, then raw big-endian values.

Files may be gzip-compressed or raw; checksums are of the decompressed bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import zlib
from pathlib import Path

import numpy as np

_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# MNIST's largest file is 47 MB unpacked; a gzip stream that unpacks past this is refused
# rather than allowed to fill the memory (a few hundred bytes can unpack to gigabytes).
MAX_UNPACKED_BYTES = 1 << 28


class DataError(RuntimeError):
    """A data file is missing, truncated or corrupt; the message says which and what to do."""


def read_bytes(path: Path) -> bytes:
    """The file's decompressed contents (gzip detected by its magic bytes, not its name)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error}); check the file's "
                        f"permissions or put a readable copy there") from None
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_UNPACKED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: the gzip stream is damaged ({error}); delete the file and "
                        f"put a good copy there") from None
    if len(data) > MAX_UNPACKED_BYTES:
        raise DataError(f"{path}: unpacks to more than {MAX_UNPACKED_BYTES >> 20} MB, far more "
                        f"than any IDX data set; it is not the file expected: delete it")
    return data


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode IDX bytes into an array, checking the header against the length."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _TYPES:
        raise DataError(f"{name}: not an IDX file (bad magic number {data[:4].hex()})")
    dtype = np.dtype(_TYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: truncated header")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if len(data) != expected:
        raise DataError(
            f"{name}: expected {expected} bytes for shape {shape}, found {len(data)} "
            f"({'truncated' if len(data) < expected else 'trailing data'})"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(
        dtype.newbyteorder("="), copy=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_idx(path: Path, expected_sha256: str | None = None) -> np.ndarray:
    """Read one IDX file, verifying its decompressed checksum when one is given."""
    data = read_bytes(path)
    if expected_sha256 is not None and sha256(data) != expected_sha256:
        raise DataError(
            f"{path}: checksum mismatch (sha256 {sha256(data)[:12]}..., expected "
            f"{expected_sha256[:12]}...); the file is corrupt or a different version"
        )
    return parse_idx(data, str(path))
