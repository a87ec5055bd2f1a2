"""utils.data: batching, shuffling, collation, subsets and splits."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def make_dataset(n=10):
    return TensorDataset(glassnet.arange(n * 2.0).reshape(n, 2), glassnet.arange(n))


def test_batches_in_order_with_the_last_one_short():
    batches = list(DataLoader(make_dataset(), batch_size=4))
    assert [len(y) for _, y in batches] == [4, 4, 2]
    assert batches[0][1].tolist() == [0, 1, 2, 3] and batches[0][0].shape == (4, 2)
    assert len(DataLoader(make_dataset(), batch_size=4)) == 3


def test_drop_last():
    loader = DataLoader(make_dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(y) for _, y in loader] == [4, 4]


def test_shuffle_reshuffles_every_epoch_and_covers_everything():
    loader = DataLoader(make_dataset(100), batch_size=100, shuffle=True)
    first, second = (next(iter(loader))[1].tolist() for _ in range(2))
    assert first != second and sorted(first) == list(range(100))


def test_generator_makes_the_order_repeatable():
    def order(seed):
        g = glassnet.Generator().manual_seed(seed)
        return [y.tolist() for _, y in DataLoader(make_dataset(), batch_size=3, shuffle=True,
                                                   generator=g)]

    assert order(1) == order(1) and order(1) != order(2)


def test_tensor_dataset_batches_without_a_python_loop_over_samples():
    dataset = make_dataset()
    calls = []
    original = TensorDataset.__getitem__
    TensorDataset.__getitem__ = lambda self, i: calls.append(i) or original(self, i)
    try:
        list(DataLoader(dataset, batch_size=5, shuffle=True))
    finally:
        TensorDataset.__getitem__ = original
    assert calls == []


def test_generic_dataset_is_collated_field_by_field():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(3, i, dtype=np.float32), i * i

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xb.shape == (5, 3) and yb.tolist() == [0, 1, 4, 9, 16] and yb.dtype is glassnet.int64
    batch = default_collate([{"a": 1.0}, {"a": 2.0}])
    assert batch["a"].tolist() == [1.0, 2.0]


def test_subset_and_random_split():
    dataset = make_dataset(10)
    sub = Subset(dataset, [9, 0])
    assert sub[0][1].item() == 9 and len(sub) == 2
    glassnet.manual_seed(0)
    train, val = random_split(dataset, [0.8, 0.2])
    assert len(train) == 8 and len(val) == 2
    seen = sorted(int(i) for i in np.concatenate([train.indices, val.indices]))
    assert seen == list(range(10))
    with pytest.raises(ValueError, match="add up to"):
        random_split(dataset, [3, 3])


def test_tensor_dataset_needs_equal_lengths():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(glassnet.ones(3, 2), glassnet.ones(4))
