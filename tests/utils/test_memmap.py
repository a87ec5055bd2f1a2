"""MemmapDataset (arrays on disk, read on demand) and shuffle_buffer (a shuffle for streams)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError
from glassnet.utils.data import DataLoader, IterableDataset, MemmapDataset, shuffle_buffer


@pytest.fixture
def files(tmp_path):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20, dtype=np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return tmp_path / "x.npy", tmp_path / "y.npy", x, y


def resident_kib(array: np.ndarray) -> int:
    """Resident KiB of the mapping that holds ``array`` (from /proc/self/smaps)."""
    start = array.__array_interface__["data"][0]
    with open("/proc/self/smaps") as smaps:
        lines = smaps.read().splitlines()
    inside = False
    for line in lines:
        if "-" in line.split()[0]:
            low, high = (int(v, 16) for v in line.split()[0].split("-"))
            inside = low <= start < high
        elif inside and line.startswith("Rss:"):
            return int(line.split()[1])
    raise AssertionError("mapping not found")


def test_items_and_batches_are_rows_of_every_array(files):
    x_path, y_path, x, y = files
    ds = MemmapDataset(x_path, y_path)
    assert len(ds) == 20 and repr(ds) == "MemmapDataset((20, 2), (20,))"
    xi, yi = ds[3]
    assert xi.tolist() == x[3].tolist() and yi.item() == 3 and xi.dtype == glassnet.float32
    xb, yb = ds.__getitems__(np.array([5, 1, 7]))
    assert xb.tolist() == x[[5, 1, 7]].tolist() and yb.dtype == glassnet.int64
    assert type(xb.numpy()) is np.ndarray  # a copy in memory, not a view of the file


def test_dataloader_over_a_memmap_equals_one_over_the_arrays(files):
    x_path, y_path, x, y = files
    glassnet.manual_seed(1)
    from_disk = [yb.tolist() for _, yb in DataLoader(MemmapDataset(x_path, y_path),
                                                     batch_size=6, shuffle=True)]
    glassnet.manual_seed(1)
    in_memory = [yb.tolist() for _, yb in DataLoader(glassnet.utils.data.TensorDataset(x, y),
                                                     batch_size=6, shuffle=True)]
    assert from_disk == in_memory


def test_memmap_dataset_works_in_worker_processes(files):
    x_path, y_path, _, _ = files
    loader = DataLoader(MemmapDataset(x_path, y_path), batch_size=8, num_workers=2)
    assert [yb.tolist() for _, yb in loader] == [list(range(0, 8)), list(range(8, 16)),
                                                 list(range(16, 20))]


def test_a_raw_np_memmap_is_accepted(tmp_path):
    path = tmp_path / "raw.f32"
    np.arange(12, dtype=np.float32).tofile(path)
    ds = MemmapDataset(np.memmap(path, dtype=np.float32, mode="r", shape=(4, 3)))
    assert ds.__getitems__([3])[0].tolist() == [[9.0, 10.0, 11.0]]


def test_pickling_reopens_paths_instead_of_copying_the_data(tmp_path):
    x = np.arange(8000, dtype=np.float32).reshape(4000, 2)
    np.save(tmp_path / "x.npy", x)
    blob = pickle.dumps(MemmapDataset(tmp_path / "x.npy"))
    assert len(blob) < 1000 < x.nbytes
    again = pickle.loads(blob)
    assert again[3999][0].tolist() == x[3999].tolist()
    assert len(pickle.dumps(MemmapDataset(x))) > x.nbytes  # an array given directly: whole


def test_reading_does_not_keep_the_file_resident(tmp_path):
    rows = 4096
    np.save(tmp_path / "big.npy", np.ones((rows, 1024), dtype=np.float32))  # 16 MiB
    bounded = MemmapDataset(tmp_path / "big.npy", max_resident_bytes=2 * 2**20)
    unbounded = MemmapDataset(tmp_path / "big.npy", max_resident_bytes=None)
    for ds in (bounded, unbounded):
        for start in range(0, rows, 256):
            ds.__getitems__(np.arange(start, start + 256))
    assert resident_kib(unbounded.arrays[0]) > 12 * 1024  # the pages stay without release()
    assert resident_kib(bounded.arrays[0]) <= 4 * 1024


def test_random_rows_do_not_keep_the_file_resident_either(tmp_path):
    np.save(tmp_path / "big.npy", np.ones((16384, 256), dtype=np.float32))  # 16 MiB
    ds = MemmapDataset(tmp_path / "big.npy", max_resident_bytes=4 * 2**20)
    order = np.random.default_rng(0).permutation(16384)
    for start in range(0, 16384, 512):
        batch, = ds.__getitems__(order[start:start + 512])
        assert resident_kib(ds.arrays[0]) <= 8 * 1024
    assert batch.shape == (512, 256) and float(batch.sum().item()) == 512 * 256


def test_single_items_slices_and_negative_indices(files):
    x_path, y_path, x, _ = files
    ds = MemmapDataset(x_path, y_path)
    assert ds[-1][0].tolist() == x[19].tolist() and ds[-1][1].item() == 19
    assert ds[2:5][1].tolist() == [2, 3, 4]
    with pytest.raises(IndexError, match="index 20 is out of range for 20 samples"):
        ds[20]


@pytest.mark.parametrize("sources, error, match", [
    ((), ValueError, "expected at least one .npy path or array"),
    (("data.csv",), ValueError, "expected a .npy file or an array"),
    ((3,), TypeError, "expected a path to a .npy file or a NumPy array, got int"),
    ((np.zeros((3, 2)), np.zeros(4)), ShapeError, "same first dimension"),
    ((np.array(1.0),), ShapeError, "same first dimension"),
])
def test_bad_sources_name_what_was_expected(sources, error, match):
    with pytest.raises(error, match=match):
        MemmapDataset(*sources)


def test_max_resident_bytes_must_be_positive():
    with pytest.raises(ValueError, match="max_resident_bytes must be positive or None, got 0"):
        MemmapDataset(np.zeros(3), max_resident_bytes=0)


def test_shuffle_buffer_is_a_permutation_repeatable_by_seed():
    once = list(shuffle_buffer(range(100), size=10, seed=4))
    assert sorted(once) == list(range(100)) and once != list(range(100))
    assert once == list(shuffle_buffer(range(100), size=10, seed=4))
    assert once != list(shuffle_buffer(range(100), size=10, seed=5))
    glassnet.manual_seed(0)
    first = list(shuffle_buffer(range(30), size=5))
    glassnet.manual_seed(0)
    assert first == list(shuffle_buffer(range(30), size=5))


def test_shuffle_buffer_moves_items_at_most_a_buffer_earlier():
    order = list(shuffle_buffer(range(1000), size=8, seed=0))
    assert all(position >= item - 8 for position, item in enumerate(order))
    assert list(shuffle_buffer([1, 2], size=10, seed=0)) in ([1, 2], [2, 1])  # short stream


def test_shuffle_buffer_shuffles_an_iterable_dataset_in_a_loader():
    class Shuffled(IterableDataset):
        def __iter__(self):
            return shuffle_buffer(range(20), size=6, seed=2)

    batches = [b.tolist() for b in DataLoader(Shuffled(), batch_size=5)]
    assert sorted(sum(batches, [])) == list(range(20)) and batches[0] != [0, 1, 2, 3, 4]


@pytest.mark.parametrize("size", [0, -1, 2.5, True])
def test_shuffle_buffer_size_must_be_a_positive_integer(size):
    with pytest.raises(ValueError, match="size must be a positive integer"):
        list(shuffle_buffer(range(3), size=size))
