"""DataLoader(num_workers=N): real worker processes that load what the main process asks for."""

from __future__ import annotations

import gc
import os
import time

import numpy as np
import pytest

import glassnet
from glassnet.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
    get_worker_info,
)


class WhoLoads(Dataset):
    """Sample i is (i, the loading worker's id or -1, its pid); no __getitems__ (collated)."""

    def __init__(self, n: int = 24, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if index == self.fail_at:
            raise ZeroDivisionError(f"sample {index} is broken")
        info = get_worker_info()
        return index, -1 if info is None else info.id, os.getpid()


class Range(IterableDataset):
    def __init__(self, n: int, split: bool) -> None:
        self.n, self.split = n, split

    def __iter__(self):
        info = get_worker_info()
        if not self.split or info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Slow(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index):
        time.sleep(3)
        return index


class Dies(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index):
        os._exit(3)


def tensor_dataset(n: int = 50) -> TensorDataset:
    return TensorDataset(np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n))


def labels(loader) -> list:
    return [y.tolist() for _, y in loader]


def test_batches_and_order_equal_num_workers_zero_given_a_seed():
    glassnet.manual_seed(3)
    single = labels(DataLoader(tensor_dataset(), batch_size=4, shuffle=True))
    glassnet.manual_seed(3)
    loader = DataLoader(tensor_dataset(), batch_size=4, shuffle=True, num_workers=2)
    assert labels(loader) == single and sorted(sum(single, [])) == list(range(50))
    assert loader.prefetch_factor == 2


def test_each_worker_loads_its_share_in_its_own_process():
    batches = list(DataLoader(WhoLoads(), batch_size=4, num_workers=2))
    indices = [b[0].tolist() for b in batches]
    assert indices == [list(range(i, i + 4)) for i in range(0, 24, 4)]
    workers = [set(b[1].tolist()) for b in batches]
    assert workers == [{0}, {1}] * 3  # round robin, one worker per batch
    assert os.getpid() not in {pid for b in batches for pid in b[2].tolist()}
    assert get_worker_info() is None  # in the main process


def test_batch_size_none_with_workers_passes_samples_through():
    samples = list(DataLoader(WhoLoads(6), batch_size=None, num_workers=2))
    assert [s[0] for s in samples] == list(range(6))


def test_worker_init_fn_is_called_in_every_worker_with_its_info(tmp_path):
    def init(worker_id):
        info = get_worker_info()
        (tmp_path / f"{worker_id}").write_text(
            f"{info.id} {info.num_workers} {info.seed} {type(info.dataset).__name__}")

    glassnet.manual_seed(0)
    list(DataLoader(WhoLoads(8), batch_size=2, num_workers=3, worker_init_fn=init))
    notes = [(tmp_path / str(i)).read_text().split() for i in range(3)]
    assert [(n[0], n[1], n[3]) for n in notes] == [(str(i), "3", "WhoLoads") for i in range(3)]
    seeds = [int(n[2]) for n in notes]
    assert seeds == [seeds[0] + i for i in range(3)]  # base seed + worker id, as PyTorch
    glassnet.manual_seed(0)
    list(DataLoader(WhoLoads(8), batch_size=2, num_workers=3, worker_init_fn=init))
    assert int((tmp_path / "0").read_text().split()[2]) == seeds[0]  # repeatable


def test_workers_are_seeded_apart():
    class Draws(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return float(glassnet.rand(1).item())

    draws = [b.tolist() for b in DataLoader(Draws(), batch_size=1, num_workers=2)]
    assert draws[0] != draws[1]


def test_worker_info_is_read_only():
    def init(worker_id):
        get_worker_info().id = 7

    loader = DataLoader(WhoLoads(4), batch_size=2, num_workers=1, worker_init_fn=init)
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        next(iter(loader))


def test_a_workers_exception_is_raised_in_the_main_process_with_its_id():
    loader = DataLoader(WhoLoads(12, fail_at=5), batch_size=4, num_workers=2)
    iterator = iter(loader)
    assert next(iterator)[0].tolist() == [0, 1, 2, 3]
    with pytest.raises(ZeroDivisionError, match="in DataLoader worker process 1") as caught:
        next(iterator)
    assert "sample 5 is broken" in str(caught.value) and "Traceback" in str(caught.value)
    assert next(iterator)[0].tolist() == [8, 9, 10, 11]  # as PyTorch, the loader goes on


def test_an_error_in_worker_init_fn_is_raised_in_the_main_process():
    def init(worker_id):
        raise ValueError("no GPU here")

    with pytest.raises(ValueError, match="(?s)worker process 0.*no GPU here"):
        list(DataLoader(WhoLoads(4), batch_size=2, num_workers=1, worker_init_fn=init))


def test_a_batch_that_cannot_be_pickled_is_an_error_not_a_hang():
    loader = DataLoader(WhoLoads(4), batch_size=2, num_workers=1,
                        collate_fn=lambda samples: (lambda: samples))
    with pytest.raises(RuntimeError, match="in DataLoader worker process 0"):
        next(iter(loader))


def test_persistent_workers_are_reused_across_epochs():
    loader = DataLoader(WhoLoads(8), batch_size=4, num_workers=2, persistent_workers=True)
    first = {pid for b in loader for pid in b[2].tolist()}
    second = {pid for b in loader for pid in b[2].tolist()}
    assert first == second and len(first) == 2
    fresh = DataLoader(WhoLoads(8), batch_size=4, num_workers=2)
    assert {p for b in fresh for p in b[2].tolist()} != {p for b in fresh for p in b[2].tolist()}


def test_persistent_workers_restart_cleanly_after_an_early_break():
    loader = DataLoader(Range(10, split=True), batch_size=2, num_workers=2,
                        persistent_workers=True)
    for _ in loader:
        break
    assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]


def test_workers_stop_when_the_iterator_is_dropped_after_a_break():
    iterator = iter(DataLoader(WhoLoads(40), batch_size=2, num_workers=2))
    next(iterator)
    workers = list(iterator._workers)
    assert all(w.is_alive() for w in workers)
    del iterator
    gc.collect()
    assert not any(w.is_alive() for w in workers)


def test_workers_stop_at_the_end_of_an_epoch():
    iterator = iter(DataLoader(WhoLoads(4), batch_size=2, num_workers=2))
    list(iterator)
    assert not any(w.is_alive() for w in iterator._workers)


def test_iterable_dataset_is_copied_whole_into_each_worker_unless_split():
    whole = [b.tolist() for b in DataLoader(Range(4, split=False), batch_size=2, num_workers=2)]
    assert whole == [[0, 1], [0, 1], [2, 3], [2, 3]]  # PyTorch duplicates, too
    split = [b.tolist() for b in DataLoader(Range(7, split=True), batch_size=2, num_workers=2,
                                            drop_last=True)]
    assert split == [[0, 2], [1, 3], [4, 6]]  # worker 1's last batch [5] is short: dropped


def test_timeout_raises_when_a_batch_takes_too_long():
    loader = DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.3)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        next(iter(loader))
    assert time.perf_counter() - start < 2


def test_a_worker_that_dies_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        list(DataLoader(Dies(), batch_size=1, num_workers=1))


def test_spawn_start_method_loads_the_same_batches():
    loader = DataLoader(tensor_dataset(10), batch_size=3, num_workers=1,
                        multiprocessing_context="spawn")
    assert labels(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_an_unknown_start_method_names_the_valid_ones():
    loader = DataLoader(tensor_dataset(), num_workers=1, multiprocessing_context="fork2")
    with pytest.raises(ValueError, match="valid start method in"):
        iter(loader)


def test_persistent_workers_stop_when_the_loader_is_collected():
    loader = DataLoader(WhoLoads(8), batch_size=4, num_workers=2, persistent_workers=True)
    list(loader)
    workers = list(loader._workers_iterator._workers)
    assert all(w.is_alive() for w in workers)
    del loader
    gc.collect()
    assert not any(w.is_alive() for w in workers)
