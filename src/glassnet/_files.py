"""Writing a file so that it is never half-written and gets the permissions the umask allows.

Every file glassnet writes (weights, figures, downloads, run files) goes through ``atomic_write``:
the bytes go to a temporary file beside the target, which is renamed over the target only once
complete, so a crash or Ctrl-C leaves the old file or the new one, never a mixture. ``mkstemp``
makes its file 0600 whatever the umask, which hid shared files from colleagues; the temporary
file is given 0666 minus the umask before the rename, as ``open(path, "w")`` would have.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def umask() -> int:
    """The process's umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write: Callable[[str], None]) -> Path:
    """Call ``write(temporary_path)``, then rename the finished file to ``path``.

    The temporary file keeps ``path``'s suffix (some writers choose the format from it) and is
    deleted if ``write`` fails or is interrupted.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                         suffix=path.suffix)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomically(path, payload: bytes) -> Path:
    """``atomic_write`` for bytes already in memory."""
    return atomic_write(path, lambda temporary: Path(temporary).write_bytes(payload))
