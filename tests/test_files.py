"""Every file glassnet writes is complete or absent, and readable as the umask allows."""

import os
import stat

import numpy as np
import pytest

import glassnet
from glassnet._files import atomic_write, write_bytes_atomically


@pytest.fixture
def shared_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_weights_saved_by_glassnet_save_are_readable_by_others(tmp_path, shared_umask):
    pytest.importorskip("safetensors")
    path = tmp_path / "w.safetensors"
    glassnet.save({"w": glassnet.ones(3)}, path)
    assert _mode(path) == 0o644


def test_figures_are_readable_by_others(tmp_path, shared_umask):
    pytest.importorskip("matplotlib")
    from glassnet.viz._mpl import pyplot, save_figure

    figure = pyplot().figure()
    path = save_figure(figure, tmp_path / "curve.png")
    assert _mode(path) == 0o644
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_downloads_are_readable_by_others(tmp_path, shared_umask):
    write_bytes_atomically(tmp_path / "labels.gz", b"payload")  # how downloads are written
    assert _mode(tmp_path / "labels.gz") == 0o644


def test_a_strict_umask_is_honoured(tmp_path):
    previous = os.umask(0o077)
    try:
        write_bytes_atomically(tmp_path / "private.bin", b"x")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "private.bin") == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"old weights")

    def crash(temporary):
        with open(temporary, "wb") as out:
            out.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, crash)
    assert target.read_bytes() == b"old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_the_temporary_file_keeps_the_suffix_writers_choose_formats_by(tmp_path):
    seen = []
    atomic_write(tmp_path / "grid.png", lambda temporary: (seen.append(temporary),
                                                           np.save(temporary, np.zeros(1))))
    assert seen[0].endswith(".png")
