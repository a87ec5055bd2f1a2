"""DistributedSampler in one process: PyTorch's partition rules, shuffling, set_epoch, errors."""

import numpy as np
import pytest

import glassnet as torch
from glassnet.utils.data import DataLoader, TensorDataset
from glassnet.utils.data.distributed import DistributedSampler
from glassnet.utils.data.sampler import epoch_indices

CASES = [(n, replicas, drop_last) for n in (1, 2, 5, 10, 11, 12, 13)
         for replicas in (1, 2, 3, 4, 7) for drop_last in (False, True)]


def shares(n, replicas, **options):
    return [list(DistributedSampler(range(n), num_replicas=replicas, rank=r, **options))
            for r in range(replicas)]


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_unshuffled_shares_equal_pytorchs(n, replicas, drop_last):
    torch_ = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        theirs = TorchSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                              drop_last=drop_last)
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                  drop_last=drop_last)
        assert list(ours) == list(theirs), (n, replicas, rank, drop_last)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size
    assert torch_.__version__


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_shuffled_shares_follow_the_same_partition_rules(n, replicas, drop_last):
    parts = shares(n, replicas, shuffle=True, seed=5, drop_last=drop_last)
    lengths = {len(p) for p in parts}
    assert len(lengths) == 1  # every rank takes the same number of steps
    union = [i for p in parts for i in p]
    if drop_last:
        assert len(set(union)) == len(union) == replicas * (n // replicas)
    else:
        assert set(union) == set(range(n))  # everything visited; only the padding repeats
        assert len(union) == replicas * -(-n // replicas)


def test_padding_repeats_the_start_of_the_epoch_order():
    assert shares(5, 4, shuffle=False) == [[0, 4], [1, 0], [2, 1], [3, 2]]
    assert shares(1, 3, shuffle=False) == [[0], [0], [0]]  # padding longer than the data


def test_set_epoch_reshuffles_and_the_same_seed_repeats():
    a = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    b = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    first = list(a)
    assert first == list(b) and first == list(a)  # same epoch, same order
    a.set_epoch(1)
    assert list(a) != first and a.epoch == 1
    b.set_epoch(1)
    assert list(a) == list(b)
    assert list(DistributedSampler(range(50), num_replicas=2, rank=0, seed=2)) != first


def test_dataloader_takes_it_as_sampler_with_the_array_fast_path():
    data = TensorDataset(torch.arange(10) * 10)
    sampler = DistributedSampler(data, num_replicas=3, rank=1, shuffle=False)
    assert epoch_indices(sampler).tolist() == [1, 4, 7, 0]
    batches = [b.tolist() for (b,) in DataLoader(data, batch_size=3, sampler=sampler)]
    assert batches == [[10, 40, 70], [0]]


def test_invalid_rank_names_the_interval():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)


def test_defaults_need_an_initialised_group():
    pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install 'glassnet[mpi]'")
    with pytest.raises(ValueError, match="init_process_group"):
        DistributedSampler(range(4))


def test_defaults_without_mpi4py_name_the_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(RuntimeError, match=r"pip install 'glassnet\[mpi\]'"):
        DistributedSampler(range(4))


def test_indices_are_int64_arrays_for_the_loader():
    idx = epoch_indices(DistributedSampler(range(7), num_replicas=2, rank=0))
    assert idx.dtype == np.int64
