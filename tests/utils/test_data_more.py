"""utils.data beyond the basics: iterable datasets, samplers, DataLoader options, collation.

Where the outcome is deterministic the result is compared with torch.utils.data (skipped
without torch); seeded orders cannot match torch's RNG, so those tests check properties.
"""

from __future__ import annotations

import collections
import inspect

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError
from glassnet.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
)

Point = collections.namedtuple("Point", ["x", "y"])


def plain(value):
    """A structure of glassnet or torch tensors as comparable Python values."""
    if type(value).__module__.startswith("torch") and hasattr(value, "tolist"):
        return ("tensor", str(value.dtype).removeprefix("torch."), value.tolist())
    if isinstance(value, glassnet.Tensor):
        return ("tensor", str(value.dtype).removeprefix("glassnet."), value.tolist())
    if isinstance(value, dict):
        return (type(value).__name__, {k: plain(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value


def torch_data():
    torch = pytest.importorskip("torch")
    return torch, torch.utils.data


class Stream(IterableDataset):
    """0..n-1 as a stream; with_len adds __len__."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i}


def tensor_dataset(n=10):
    return TensorDataset(glassnet.arange(n * 2.0).reshape(n, 2), glassnet.arange(n))


# ----- IterableDataset and ChainDataset ---------------------------------------------------------

@pytest.mark.parametrize("batch_size, drop_last",
                         [(3, False), (3, True), (5, False), (None, False)])
def test_iterable_dataset_batches_as_torch_does(batch_size, drop_last):
    ours = DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last)
    got = [plain(b) for b in ours]
    if batch_size is not None:
        sizes = [len(b[2]) for b in got]
        assert sum(sizes) == (9 if drop_last else 10) and len(ours) == len(got)
    torch, data = torch_data()

    class TorchStream(data.IterableDataset):
        def __iter__(self):
            return iter(range(10))

        def __len__(self):
            return 10

    theirs = data.DataLoader(TorchStream(), batch_size=batch_size, drop_last=drop_last)
    assert got == [plain(b) for b in theirs] and len(ours) == len(theirs)


@pytest.mark.parametrize("option, message", [
    ({"shuffle": True}, "expected unspecified shuffle option, but got shuffle=True"),
    ({"sampler": [0, 1]}, "expected unspecified sampler option"),
    ({"batch_sampler": [[0, 1]]}, "expected unspecified batch_sampler option"),
])
def test_iterable_dataset_refuses_orderings(option, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Stream(4), **option)


def test_iterable_dataset_allows_shuffle_false():
    assert [b.tolist() for b in DataLoader(Stream(3), batch_size=2, shuffle=False)] == [[0, 1],
                                                                                          [2]]


def test_chain_dataset_and_plus_chain_streams():
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([Stream(2), tensor_dataset()]))


# ----- ConcatDataset -----------------------------------------------------------------------------

def test_concat_dataset_indexes_across_parts_as_torch_does():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]

    class Wrap(Dataset):
        def __init__(self, items):
            self.items = items

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i]

    ours = ConcatDataset([Wrap(p) for p in parts])
    assert len(ours) == 9 and [ours[i] for i in range(-9, 9)] == (sum(parts, []) * 2)
    assert ours.cumulative_sizes == [3, 5, 9]
    assert isinstance(Wrap(parts[0]) + Wrap(parts[1]), ConcatDataset)
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        ours[-10]
    with pytest.raises(AssertionError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Wrap(parts[0]), Stream(3)])
    torch, data = torch_data()
    theirs = data.ConcatDataset([p for p in parts])
    assert [theirs[i] for i in range(-9, 9)] == [ours[i] for i in range(-9, 9)]
    assert theirs.cumulative_sizes == ours.cumulative_sizes


def test_dataloader_over_concat_of_tensor_datasets():
    joined = ConcatDataset([tensor_dataset(3), tensor_dataset(2)])
    ys = [y.tolist() for _, y in DataLoader(joined, batch_size=2)]
    assert ys == [[0, 1], [2, 0], [1]]


# ----- samplers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                      (2, 5, False), (2, 5, True)])
def test_batch_sampler_groups_as_torch_does(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    assert [list(map(int, b)) for b in ours._index_batches()] == list(ours)
    _, data = torch_data()
    theirs = data.BatchSampler(data.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("make", [
    lambda: BatchSampler(range(4), 0, False),
    lambda: BatchSampler(range(4), True, False),
    lambda: BatchSampler(range(4), 2, 1),
    lambda: RandomSampler(range(4), num_samples=0),
    lambda: RandomSampler([]),
    lambda: WeightedRandomSampler([1.0, 2.0], 0),
    lambda: WeightedRandomSampler([1.0, 2.0], 2, replacement=1),
    lambda: WeightedRandomSampler([[1.0, 2.0]], 2),
])
def test_sampler_argument_errors_match_torch(make):
    with pytest.raises(ValueError) as ours:
        make()
    torch, data = torch_data()
    source = inspect.getsource(make).split("lambda: ", 1)[1].rstrip(",\n")
    with pytest.raises(ValueError) as theirs:
        eval(source, {**vars(data), "range": range})
    assert str(ours.value) == str(theirs.value)


def test_random_sampler_replacement_must_be_a_bool():
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(4), replacement=1)


def test_sequential_sampler_and_base_class():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3] and len(SequentialSampler([1])) == 1
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_random_sampler_is_a_permutation_that_changes_each_epoch():
    sampler = RandomSampler(range(50))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(50)) and first != second and len(sampler) == 50
    assert all(type(i) is int for i in first)


def test_random_sampler_more_samples_than_data_repeats_whole_permutations():
    order = list(RandomSampler(range(4), num_samples=10))
    assert len(order) == 10 and sorted(order[:4]) == sorted(order[4:8]) == [0, 1, 2, 3]
    assert len(set(order[8:])) == 2


def test_random_sampler_with_replacement_draws_uniformly_and_repeats():
    glassnet.manual_seed(0)
    order = np.array(list(RandomSampler(range(5), replacement=True, num_samples=5000)))
    assert len(order) == 5000 and set(order.tolist()) == set(range(5))
    assert np.all(np.abs(np.bincount(order) / 5000 - 0.2) < 0.03)


def test_manual_seed_and_generator_make_sampler_orders_repeatable():
    def draw(generator=None):
        return list(RandomSampler(range(30), generator=generator))

    glassnet.manual_seed(3)
    first = draw()
    glassnet.manual_seed(3)
    assert draw() == first
    g = glassnet.Generator().manual_seed(7)
    with_g = draw(g)
    assert draw(glassnet.Generator().manual_seed(7)) == with_g != draw(g)


def test_subset_random_sampler_permutes_the_given_indices():
    indices = [5, 7, 11, 13]
    order = list(SubsetRandomSampler(indices))
    assert sorted(order) == indices and len(SubsetRandomSampler(indices)) == 4
    g1, g2 = (glassnet.Generator().manual_seed(1) for _ in range(2))
    assert list(SubsetRandomSampler(indices, g1)) == list(SubsetRandomSampler(indices, g2))


def test_weighted_random_sampler_follows_the_weights():
    glassnet.manual_seed(0)
    sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000)
    counts = np.bincount(list(sampler), minlength=3)
    assert counts[0] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03 and len(sampler) == 4000
    assert sampler.weights.dtype is glassnet.float64 and sampler.replacement is True
    once = list(WeightedRandomSampler([1.0, 1.0, 5.0, 1.0], 4, replacement=False))
    assert sorted(once) == [0, 1, 2, 3]


@pytest.mark.parametrize("weights, num_samples, message", [
    ([1.0, 0.0, 1.0], 3, "cannot draw 3 samples without replacement from 2 indices"),
    ([1.0, -1.0], 1, "finite and non-negative"),
    ([0.0, 0.0], 1, "sum to zero"),
])
def test_weighted_random_sampler_refuses_impossible_draws(weights, num_samples, message):
    with pytest.raises(RuntimeError, match=message):
        list(WeightedRandomSampler(weights, num_samples, replacement=False))


# ----- DataLoader options ---------------------------------------------------------------------

def test_dataloader_signature_matches_torch():
    ours = inspect.signature(DataLoader).parameters
    _, data = torch_data()
    theirs = inspect.signature(data.DataLoader).parameters
    assert [(p.name, p.default, p.kind) for p in ours.values()] == \
        [(p.name, p.default, p.kind) for p in theirs.values()]


@pytest.mark.parametrize("typo, suggestion", [("shufle", "shuffle"), ("batchsize", "batch_size"),
                                              ("num_worker", "num_workers")])
def test_unknown_keyword_names_the_closest_one(typo, suggestion):
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{typo}'; did you mean "
                                        f"'{suggestion}'"):
        DataLoader(tensor_dataset(), **{typo: 1})


def test_unrelated_keyword_lists_the_valid_ones():
    with pytest.raises(TypeError, match="the keywords are dataset, batch_size, shuffle"):
        DataLoader(tensor_dataset(), xyz=1)


@pytest.mark.parametrize("options", [
    {"sampler": [0, 1], "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
    {"multiprocessing_context": "spawn"},
])
def test_conflicting_options_raise_as_in_torch(options):
    with pytest.raises(ValueError) as ours:
        DataLoader(tensor_dataset(), **options)
    _, data = torch_data()
    with pytest.raises(ValueError) as theirs:
        data.DataLoader(list(range(10)), **options)
    assert str(ours.value).split(";")[0].split(", got")[0] == \
        str(theirs.value).split(";")[0].split(", got")[0]


def test_sampler_and_batch_sampler_choose_the_batches():
    dataset = tensor_dataset(10)
    ys = [y.tolist() for _, y in DataLoader(dataset, batch_size=2, sampler=[9, 8, 7])]
    assert ys == [[9, 8], [7]]
    batches = [[3, 1], [0], [4, 5, 6]]
    loader = DataLoader(dataset, batch_sampler=batches)
    assert [y.tolist() for _, y in loader] == batches and len(loader) == 3
    assert loader.batch_size is None and loader.drop_last is False
    _, data = torch_data()
    theirs = data.DataLoader(Squares(), batch_sampler=batches)
    assert [plain(b) for b in DataLoader(Squares(), batch_sampler=batches)] == \
        [plain(b) for b in theirs]


def test_random_sampler_as_sampler_keeps_the_one_fancy_index_path():
    dataset = tensor_dataset(20)
    calls = []
    original = TensorDataset.__getitem__
    TensorDataset.__getitem__ = lambda self, i: calls.append(i) or original(self, i)
    try:
        ys = [y for _, y in DataLoader(dataset, batch_size=6, sampler=RandomSampler(dataset))]
    finally:
        TensorDataset.__getitem__ = original
    assert calls == [] and sorted(np.concatenate([y.numpy() for y in ys])) == list(range(20))


def test_a_sampler_subclass_that_overrides_iter_is_honoured():
    class Backwards(RandomSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    dataset = tensor_dataset(5)
    ys = [y.tolist() for _, y in DataLoader(dataset, batch_size=2, sampler=Backwards(dataset))]
    assert ys == [[4, 3], [2, 1], [0]]


def test_shuffle_order_is_repeatable_under_manual_seed():
    def epoch():
        glassnet.manual_seed(11)
        return [y.tolist() for _, y in DataLoader(tensor_dataset(12), batch_size=5,
                                                   shuffle=True)]

    assert epoch() == epoch()


def test_collate_fn_and_no_batching_match_torch():
    def collate(samples):
        return [s["y"] for s in samples]

    ours = DataLoader(Squares(), batch_size=3, collate_fn=collate)
    assert list(ours) == [[0, 1, 4], [9, 16, 25], [36]]
    unbatched = [plain(s) for s in DataLoader(Squares(), batch_size=None)]
    _, data = torch_data()
    assert list(data.DataLoader(Squares(), batch_size=3, collate_fn=collate)) == list(ours)
    assert unbatched == [plain(s) for s in data.DataLoader(Squares(), batch_size=None)]


def test_default_collated_batches_match_torch():
    ours = [plain(b) for b in DataLoader(Squares(), batch_size=3)]
    _, data = torch_data()
    assert ours == [plain(b) for b in data.DataLoader(Squares(), batch_size=3)]


def test_torch_style_getitems_returning_samples_is_collated():
    class Pairs(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return (i, float(i))

        def __getitems__(self, indices):
            seen.append(indices)
            return [self[i] for i in indices]

    seen = []
    first, second = next(iter(DataLoader(Pairs(), batch_size=4)))
    assert first.tolist() == [0, 1, 2, 3] and second.dtype is glassnet.float64
    assert seen == [[0, 1, 2, 3]] and type(seen[0][0]) is int
    batches = list(DataLoader(Pairs(), batch_size=3, collate_fn=lambda samples: samples))
    assert batches == [[(0, 0.0), (1, 1.0), (2, 2.0)], [(3, 3.0)]] and len(seen) == 3
    xb = next(iter(DataLoader(Subset(Squares(), [6, 1]), batch_size=2)))
    assert xb["y"].tolist() == [36, 1]
    first, _ = next(iter(DataLoader(Subset(Pairs(), [3, 2]), batch_size=2)))
    assert first.tolist() == [3, 2] and seen[-1] == [3, 2]


def test_subset_of_a_tensor_dataset_keeps_the_one_fancy_index_path():
    subset = Subset(tensor_dataset(10), [9, 4, 2])
    calls = []
    original = TensorDataset.__getitem__
    TensorDataset.__getitem__ = lambda self, i: calls.append(i) or original(self, i)
    try:
        ys = [y.tolist() for _, y in DataLoader(subset, batch_size=2)]
    finally:
        TensorDataset.__getitem__ = original
    assert calls == [] and ys == [[9, 4], [2]]


def test_num_workers_loads_the_same_batches():  # worker processes: tests/utils/test_workers.py
    single = [y.tolist() for _, y in DataLoader(tensor_dataset(), batch_size=4)]
    loader = DataLoader(tensor_dataset(), batch_size=4, num_workers=2, persistent_workers=True)
    assert [y.tolist() for _, y in loader] == single and loader.prefetch_factor == 2
    assert get_worker_info() is None


def test_loader_attributes_cannot_be_reassigned():
    loader = DataLoader(tensor_dataset(), batch_size=4)
    assert isinstance(loader.sampler, SequentialSampler)
    assert isinstance(loader.batch_sampler, BatchSampler) and loader.collate_fn is default_collate
    with pytest.raises(ValueError, match="batch_size attribute should not be set after"):
        loader.batch_size = 8
    loader.num_workers = 0


# ----- collation ---------------------------------------------------------------------------------

COLLATE_CASES = {
    "floats": [1.0, 2.5],
    "ints": [1, 2],
    "bools": [True, False],
    "ints and floats": [1, 2.5],
    "numpy scalars": [np.float32(1), np.float32(2)],
    "numpy int scalars": [np.int32(1), np.int32(2)],
    "zero-dim arrays": [np.array(1.0), np.array(2.0)],
    "arrays": [np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)],
    "int arrays": [np.arange(3), np.arange(3)],
    "strings": ["a", "b"],
    "tuples": [(1, 2.0, "a"), (3, 4.0, "b")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"a": 1, "b": {"c": (np.ones(2), 1.0)}}, {"a": 2, "b": {"c": (np.zeros(2), 0.5)}}],
    "ordered dicts": [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
}


@pytest.mark.parametrize("name", list(COLLATE_CASES))
def test_default_collate_matches_torch(name):
    batch = COLLATE_CASES[name]
    ours = default_collate(batch)
    torch, data = torch_data()
    assert plain(ours) == plain(data.default_collate(batch))
    assert type(ours) is type(data.default_collate(batch)) or isinstance(ours, glassnet.Tensor)


def test_default_collate_stacks_tensors_and_keeps_their_graph():
    x = glassnet.ones(3, requires_grad=True)
    batch = default_collate([x, x * 2])
    assert batch.shape == (2, 3) and batch.requires_grad
    batch.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("batch, error, message", [
    ([[1, 2], [3]], RuntimeError, "each element in list of batch should be of equal size"),
    ([object(), object()], TypeError, "batch must contain tensors, numpy arrays"),
    ([np.array(["a"]), np.array(["b"])], TypeError, "batch must contain tensors, numpy arrays"),
    ([glassnet.ones(2), glassnet.ones(3)], ShapeError, "at entry 0 and \\[3\\] at entry 1"),
])
def test_default_collate_errors(batch, error, message):
    with pytest.raises(error, match=message):
        default_collate(batch)


@pytest.mark.parametrize("value", [
    np.arange(3), np.float64(2.0), (np.ones(2), 3), [np.zeros(1), "a"], {"k": np.ones(2)},
    Point(np.ones(1), 2), "text", 5, np.array(["s"]),
])
def test_default_convert_matches_torch(value):
    ours = default_convert(value)
    _, data = torch_data()
    theirs = data.default_convert(value)
    if isinstance(theirs, np.ndarray):
        assert ours is value
    else:
        assert plain(ours) == plain(theirs)


def test_default_collate_uses_torchs_dtypes_and_containers():
    floats, ints, flags = default_collate([(1.0, 1, True), (2.0, 2, False)])
    assert (floats.dtype, ints.dtype, flags.dtype) == (glassnet.float64, glassnet.int64,
                                                       glassnet.bool)
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)
    assert isinstance(default_collate([Point(1, 2)]), Point)
    assert default_collate([np.float32(1)]).dtype is glassnet.float32
    assert default_collate(["a", "b"]) == ["a", "b"]
