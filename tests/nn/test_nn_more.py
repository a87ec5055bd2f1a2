"""The nn modules of issue 12 §4 that are neither activations, losses nor recurrent layers,
part 1: ParameterList, ParameterDict, Embedding, EmbeddingBag (part 2, the layers and norms, is
test_nn_more_layers.py). Values, gradients, state_dict names and reprs against PyTorch on the
same weights (float64), and the errors they promise."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import glassnet
from glassnet import nn
from glassnet.errors import ShapeError
from glassnet.nn import functional as F

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def same_weights(ours, theirs):
    """Make ``ours`` (a glassnet module) hold ``theirs``' parameters and buffers, in float64."""
    theirs.double()
    ours.double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def assert_close(ours, theirs, rtol=1e-12, atol=1e-13):
    np.testing.assert_allclose(np.asarray(ours.detach().numpy()), theirs.detach().numpy(),
                               rtol=rtol, atol=atol)


def backward_both(ours, theirs, seed=1):
    g = np.random.default_rng(seed).standard_normal(tuple(theirs.shape))
    ours.backward(glassnet.tensor(g))
    theirs.backward(torch.tensor(g))


def torch_repr(module) -> str:
    return repr(module).replace("torch.", "glassnet.")


# ----- ParameterList / ParameterDict -------------------------------------------------------------
class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ParameterList([nn.Parameter(glassnet.ones(2)), glassnet.zeros(3)])
        self.named = nn.ParameterDict({"scale": glassnet.ones(1)})


def test_parameter_list_registers_parameters_under_their_positions():
    model = Holder()
    assert list(model.state_dict()) == ["layers.0", "layers.1", "named.scale"]
    assert len(list(model.parameters())) == 3
    assert isinstance(model.layers[1], nn.Parameter)  # a plain tensor became a Parameter
    assert model.layers[1].requires_grad
    assert model.layers[-1] is model.layers[1]


def test_parameter_list_append_extend_slice_and_objects():
    params = nn.ParameterList()
    params.append(glassnet.ones(2)).extend([glassnet.ones(3)])
    params += [glassnet.ones(4)]
    params.append("not a tensor")
    assert len(params) == 4 and [p.shape[0] for p in list(params)[:3]] == [2, 3, 4]
    assert list(params.state_dict()) == ["0", "1", "2"]  # the string is kept, not registered
    part = params[1:3]
    assert isinstance(part, nn.ParameterList) and part[0] is params[1]
    params[0] = glassnet.zeros(5)
    assert params[0].shape == (5,) and isinstance(params[0], nn.Parameter)


def test_parameter_list_errors_name_the_fix():
    params = nn.ParameterList([glassnet.ones(2)])
    with pytest.raises(IndexError, match="out of range for 1"):
        params[1]
    with pytest.raises(TypeError, match="wrap a single one in a list"):
        params.extend(glassnet.ones(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        params(glassnet.ones(2))


def test_parameter_dict_sorts_a_plain_dict_and_keeps_an_ordered_one():
    assert list(nn.ParameterDict({"b": glassnet.ones(1), "a": glassnet.ones(1)})) == ["a", "b"]
    ordered = OrderedDict([("b", glassnet.ones(1)), ("a", glassnet.ones(1))])
    assert list(nn.ParameterDict(ordered)) == ["b", "a"]
    assert list(nn.ParameterDict([("z", glassnet.ones(1)), ("y", glassnet.ones(1))])) == ["z", "y"]


def test_parameter_dict_behaves_as_a_dict():
    params = nn.ParameterDict({"w": glassnet.ones(2)})
    params["b"] = nn.Parameter(glassnet.zeros(2))
    assert "b" in params and len(params) == 2 and list(params.keys()) == ["w", "b"]
    assert list(params.state_dict()) == ["w", "b"]
    assert params.get("missing") is None and params.setdefault("c", glassnet.ones(1)).shape == (1,)
    popped = params.pop("w")
    assert popped.shape == (2,) and "w" not in params and list(params.state_dict()) == ["b", "c"]
    del params["b"]
    assert list(params.items())[0][0] == "c" and len(params | {"d": glassnet.ones(1)}) == 2
    params.clear()
    assert len(params) == 0 and list(params.parameters()) == []


def test_parameter_dict_errors_name_the_fix():
    params = nn.ParameterDict()
    with pytest.raises(TypeError, match="use str"):
        params[0] = glassnet.ones(1)
    with pytest.raises(ValueError, match="element #0 .* pair"):
        params.update([("a", glassnet.ones(1), 3)])
    with pytest.raises(TypeError, match="mapping or an iterable"):
        params.update(5)
    with pytest.raises(KeyError):
        params["missing"]
    with pytest.raises(RuntimeError, match="should not be called"):
        params()


@needs_torch
def test_parameter_container_reprs_match_pytorch():
    ours = nn.ParameterList([glassnet.ones(3, 4), glassnet.ones(2, dtype=glassnet.float64), 3])
    theirs = torch.nn.ParameterList([torch.ones(3, 4), torch.ones(2, dtype=torch.float64), 3])
    assert repr(ours) == torch_repr(theirs)
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList())
    ours = nn.ParameterDict({"b": glassnet.ones(3), "a": glassnet.ones(2, 2).double()})
    theirs = torch.nn.ParameterDict({"b": torch.ones(3), "a": torch.ones(2, 2).double()})
    assert repr(ours) == torch_repr(theirs)
    ours_seq = nn.Sequential(nn.Linear(2, 2))
    ours_seq.add_module("p", nn.ParameterList([glassnet.ones(2)]))
    theirs_seq = torch.nn.Sequential(torch.nn.Linear(2, 2))
    theirs_seq.add_module("p", torch.nn.ParameterList([torch.ones(2)]))
    assert repr(ours_seq) == torch_repr(theirs_seq)


# ----- Embedding ---------------------------------------------------------------------------------
EMBEDDING_OPTIONS = [{}, {"padding_idx": 1}, {"padding_idx": -2}, {"scale_grad_by_freq": True},
                     {"padding_idx": 0, "scale_grad_by_freq": True}]


@needs_torch
@pytest.mark.parametrize("options", EMBEDDING_OPTIONS, ids=str)
def test_embedding_matches_pytorch(options):
    indices = [[0, 2, 2, 4], [4, 1, 0, 2], [2, 2, 3, 1]]
    theirs = torch.nn.Embedding(6, 3, **options)
    ours = nn.Embedding(6, 3, **options)
    same_weights(ours, theirs)
    out, ref = ours(glassnet.tensor(indices)), theirs(torch.tensor(indices))
    assert_close(out, ref)
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"
    backward_both(out, ref)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert repr(ours) == repr(theirs) and ours.padding_idx == theirs.padding_idx


def test_embedding_accumulates_repeated_indices_and_zeroes_the_padding_row():
    table = nn.Embedding(4, 2, padding_idx=3)
    assert np.all(table.weight.detach().numpy()[3] == 0)  # the padding row starts at zero
    table(glassnet.tensor([1, 1, 1, 3, 0, 3])).sum().backward()
    np.testing.assert_array_equal(table.weight.grad.numpy(), [[1, 1], [3, 3], [0, 0], [0, 0]])


@needs_torch
def test_embedding_max_norm_renormalises_the_rows_it_reads_as_pytorch():
    table = np.array([[3.0, 0, 0], [0.1, 0, 0], [0, 4, 0], [1, 1, 1]])
    ours = nn.Embedding.from_pretrained(glassnet.tensor(table), max_norm=1.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), max_norm=1.0)
    assert_close(ours(glassnet.tensor([0, 1, 0, 3])), theirs(torch.tensor([0, 1, 0, 3])))
    assert_close(ours.weight, theirs.weight)  # row 2 was not read, so it kept its norm 4
    assert ours.weight.detach().numpy()[2, 1] == 4


@needs_torch
def test_embedding_from_pretrained_shares_and_freezes_as_pytorch():
    table = glassnet.tensor(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(table, padding_idx=1)
    assert not frozen.weight.requires_grad
    assert frozen.weight.detach().numpy()[1, 0] == 2  # padding_idx's row is not zeroed
    assert np.shares_memory(frozen.weight.detach().numpy(), table.numpy())
    trained = nn.Embedding.from_pretrained(table, freeze=False)
    assert trained.weight.requires_grad
    theirs = torch.nn.Embedding.from_pretrained(torch.ones(3, 2), padding_idx=1)
    assert repr(frozen) == repr(theirs)
    assert list(frozen.state_dict()) == list(theirs.state_dict()) == ["weight"]


@needs_torch
def test_embedding_default_init_and_reprs_match_pytorch():
    for options in [{}, {"padding_idx": 0, "max_norm": 1.0, "norm_type": 1.0,
                         "scale_grad_by_freq": True}]:
        assert repr(nn.Embedding(10, 3, **options)) == repr(torch.nn.Embedding(10, 3, **options))
    weight = nn.Embedding(1000, 20).weight.detach().numpy()  # N(0, 1), as PyTorch's normal_
    assert abs(weight.mean()) < 0.03 and abs(weight.std() - 1) < 0.03


def test_embedding_errors_name_the_fix():
    table = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index 5 is out of range for a table of 5 rows"):
        table(glassnet.tensor([1, 5]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        table(glassnet.tensor([-1]))
    with pytest.raises(RuntimeError, match=r"expected integer indices .* \.long\(\)"):
        table(glassnet.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=-6)
    with pytest.raises(ShapeError, match=r"_weight must have shape \(5, 2\)"):
        nn.Embedding(5, 2, _weight=glassnet.ones(4, 2))
    with pytest.raises(ShapeError, match="embeddings must be 2-d"):
        nn.Embedding.from_pretrained(glassnet.ones(4))


def test_embedding_sparse_warns_and_gives_the_dense_gradient():
    table = nn.Embedding(3, 2, sparse=True)
    assert repr(table) == "Embedding(3, 2, sparse=True)"
    with pytest.warns(UserWarning, match="no sparse tensors"):
        table(glassnet.tensor([0, 0])).sum().backward()
    np.testing.assert_array_equal(table.weight.grad.numpy(), [[2, 2], [0, 0], [0, 0]])


# ----- EmbeddingBag ------------------------------------------------------------------------------
BAG_INDICES, BAG_OFFSETS = [1, 2, 2, 0, 5, 2, 4, 4, 3], [0, 3, 3, 5, 8]
BAG_OPTIONS = [
    {"mode": "sum"}, {"mode": "mean"}, {"mode": "max"},
    {"mode": "sum", "padding_idx": 2}, {"mode": "mean", "padding_idx": 2},
    {"mode": "max", "padding_idx": 4}, {"mode": "sum", "include_last_offset": True},
    {"mode": "max", "include_last_offset": True},
]


@needs_torch
@pytest.mark.parametrize("options", BAG_OPTIONS, ids=str)
def test_embedding_bag_with_offsets_matches_pytorch(options):
    theirs = torch.nn.EmbeddingBag(6, 3, **options)
    ours = nn.EmbeddingBag(6, 3, **options)
    same_weights(ours, theirs)
    offsets = BAG_OFFSETS + [9] if options.get("include_last_offset") else BAG_OFFSETS
    out = ours(glassnet.tensor(BAG_INDICES), glassnet.tensor(offsets))
    ref = theirs(torch.tensor(BAG_INDICES), torch.tensor(offsets))
    assert_close(out, ref)
    assert type(out.grad_fn).__name__ == "EmbeddingBagBackward0"
    backward_both(out, ref)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert repr(ours) == repr(theirs)


@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_of_a_2d_input_matches_pytorch(mode):
    indices = [[1, 2, 2], [3, 3, 3], [0, 5, 1]]  # bag 1 is all padding: zeros
    theirs = torch.nn.EmbeddingBag(6, 4, mode=mode, padding_idx=3)
    ours = nn.EmbeddingBag(6, 4, mode=mode, padding_idx=3)
    same_weights(ours, theirs)
    out, ref = ours(glassnet.tensor(indices)), theirs(torch.tensor(indices))
    assert_close(out, ref)
    assert np.all(out.detach().numpy()[1] == 0)
    backward_both(out, ref)
    assert_close(ours.weight.grad, theirs.weight.grad)


@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_divides_by_each_index_count(mode):
    """PyTorch 2.13's CPU embedding_bag divides some rows by another index's count
    (pytorch/pytorch#190063, fixed upstream by #190264); glassnet follows the documented rule,
    checked here against PyTorch's embedding, which is right, followed by the bag reduction."""
    indices, offsets = [1, 2, 2, 0, 5, 2, 4, 4, 3], [0, 3, 3, 5, 8]
    ours = nn.EmbeddingBag(6, 3, mode=mode, scale_grad_by_freq=True).double()
    table = torch.tensor(ours.weight.detach().numpy(), requires_grad=True)
    out = ours(glassnet.tensor(indices), glassnet.tensor(offsets))
    rows = torch.nn.functional.embedding(torch.tensor(indices), table, scale_grad_by_freq=True)
    reduce = torch.sum if mode == "sum" else torch.mean
    bags = [reduce(rows[a:b], 0) if b > a else rows.new_zeros(3)
            for a, b in zip(offsets, offsets[1:] + [len(indices)])]
    ref = torch.stack(bags)
    assert_close(out, ref)
    backward_both(out, ref)
    assert_close(ours.weight.grad, table.grad)


@needs_torch
def test_embedding_bag_per_sample_weights_match_pytorch():
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(BAG_INDICES))
    ours_w = glassnet.tensor(weights, requires_grad=True)
    theirs_w = torch.tensor(weights, requires_grad=True)
    theirs = torch.nn.EmbeddingBag(6, 3, mode="sum", padding_idx=2)
    ours = nn.EmbeddingBag(6, 3, mode="sum", padding_idx=2)
    same_weights(ours, theirs)
    out = ours(glassnet.tensor(BAG_INDICES), glassnet.tensor(BAG_OFFSETS), ours_w)
    ref = theirs(torch.tensor(BAG_INDICES), torch.tensor(BAG_OFFSETS), theirs_w)
    assert_close(out, ref)
    backward_both(out, ref)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours_w.grad, theirs_w.grad)


@needs_torch
def test_embedding_bag_from_pretrained_and_reprs_match_pytorch():
    table = np.arange(12.0).reshape(4, 3)
    ours = nn.EmbeddingBag.from_pretrained(glassnet.tensor(table), mode="max")
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), mode="max")
    assert not ours.weight.requires_grad and repr(ours) == repr(theirs)
    assert_close(ours(glassnet.tensor([[0, 3]])), theirs(torch.tensor([[0, 3]])))
    for options in [{}, {"mode": "sum", "max_norm": 2.0, "scale_grad_by_freq": True},
                    {"padding_idx": -1, "norm_type": 1.0}]:
        assert repr(nn.EmbeddingBag(7, 2, **options)) == \
            repr(torch.nn.EmbeddingBag(7, 2, **options))


def test_embedding_bag_errors_name_the_fix():
    bag = nn.EmbeddingBag(5, 2)
    with pytest.raises(ValueError, match="needs offsets"):
        bag(glassnet.tensor([1, 2]))
    with pytest.raises(ValueError, match="offsets must be None"):
        bag(glassnet.tensor([[1, 2]]), glassnet.tensor([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        bag(glassnet.tensor([1, 2]), glassnet.tensor([0]), glassnet.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="must start at 0"):
        bag(glassnet.tensor([1, 2]), glassnet.tensor([1]))
    with pytest.raises(ValueError, match="never decrease and not exceed the input's length 2"):
        bag(glassnet.tensor([1, 2]), glassnet.tensor([0, 3]))
    with pytest.raises(ValueError, match="never decrease"):
        bag(glassnet.tensor([1, 2, 3]), glassnet.tensor([0, 2, 1]))
    with pytest.raises(ValueError, match="must equal the input's length 3 .* append 3"):
        F.embedding_bag(glassnet.tensor([1, 2, 3]), glassnet.ones(5, 2), glassnet.tensor([0, 2]),
                        include_last_offset=True)
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(5, 2, mode="median")
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(glassnet.tensor([[1]]), glassnet.ones(5, 2), mode="median")
    with pytest.raises(ShapeError, match=r"per_sample_weights must have the input's shape"):
        F.embedding_bag(glassnet.tensor([[1, 2]]), glassnet.ones(5, 2), mode="sum",
                        per_sample_weights=glassnet.ones(2))
    with pytest.raises(ShapeError, match="input must be 1-d .* or 2-d"):
        bag(glassnet.tensor([[[1]]]))
    with pytest.raises(ShapeError, match="offsets must be a non-empty 1-d tensor"):
        bag(glassnet.tensor([1, 2]), glassnet.tensor([[0]]))
    with pytest.raises(ShapeError, match="weight must be 2-d"):
        F.embedding(glassnet.tensor([1]), glassnet.ones(5))
