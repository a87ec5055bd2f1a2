"""nn.Module: registration, traversal, modes, dtypes, state_dict, hooks, containers, repr."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet.errors import ShapeError


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.fc2 = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc2(self.drop(self.bn(self.fc1(x)).relu()))


def test_parameters_buffers_children_and_modules_are_registered_by_assignment():
    model = TwoLayer()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in model.named_buffers()] == ["bn.running_mean", "bn.running_var",
                                                     "bn.num_batches_tracked"]
    assert [type(c).__name__ for c in model.children()] == ["Linear", "BatchNorm1d", "Linear",
                                                            "Dropout"]
    assert len(list(model.modules())) == 5
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())


def test_train_eval_switch_every_submodule():
    model = TwoLayer().eval()
    assert not model.training and not model.drop.training and not model.bn.training
    model.train()
    assert model.drop.training


def test_to_double_and_float_cast_parameters_and_buffers():
    model = TwoLayer().double()
    assert all(p.dtype is glassnet.float64 for p in model.parameters())
    assert model.bn.running_mean.dtype is glassnet.float64
    assert model.float().fc1.weight.dtype is glassnet.float32
    assert model.to(glassnet.float64).fc2.bias.dtype is glassnet.float64


def test_zero_grad_clears_every_parameter():
    model = TwoLayer()
    model(glassnet.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_round_trip():
    a, b = TwoLayer(), TwoLayer()
    a.bn.running_mean.detach().numpy()[:] = 3.0
    b.load_state_dict(a.state_dict())
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert np.array_equal(x.detach().numpy(), y.detach().numpy()), name


def test_load_state_dict_lists_missing_unexpected_and_mismatched():
    model = TwoLayer()
    state = model.state_dict()
    del state["fc1.bias"]
    state["extra.weight"] = glassnet.zeros(1)
    state["fc2.weight"] = glassnet.zeros(5, 5)
    with pytest.raises(ShapeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "missing keys: fc1.bias" in message
    assert "unexpected keys: extra.weight" in message
    assert "fc2.weight: checkpoint (5, 5), model (2, 4)" in message


def test_load_state_dict_non_strict_loads_what_matches():
    model = TwoLayer()
    result = model.load_state_dict({"fc1.bias": glassnet.ones(4)}, strict=False)
    assert model.fc1.bias.tolist() == [1.0] * 4
    assert "fc1.weight" in result.missing_keys


def test_forward_hook_sees_input_and_output_and_can_be_removed():
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    layer(glassnet.ones(4, 3))
    handle.remove()
    layer(glassnet.ones(4, 3))
    assert seen == [(4, 2)]


def test_full_backward_hook_reports_grad_input_and_grad_output():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))

    def run(lib):
        layer = lib.nn.Linear(3, 2, bias=False).double()
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(w_np))
        got = {}
        layer.register_full_backward_hook(
            lambda m, gin, gout: got.update(gin=gin[0].detach().numpy().copy(),
                                            gout=gout[0].detach().numpy().copy()))
        x = lib.tensor(x_np, requires_grad=True)
        (layer(x) ** 2).sum().backward()
        return got

    ours, theirs = run(glassnet), run(torch)
    np.testing.assert_allclose(ours["gin"], theirs["gin"])
    np.testing.assert_allclose(ours["gout"], theirs["gout"])


def test_apply_visits_every_module():
    model = TwoLayer()
    model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
    assert model.fc1.bias.tolist() == [0.0] * 4 and model.fc2.bias.tolist() == [0.0] * 2


def test_repr_looks_like_pytorch():
    text = repr(nn.Sequential(nn.Linear(3, 4), nn.ReLU()))
    assert text == ("Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n"
                    "  (1): ReLU()\n)")


def test_sequential_indexing_slicing_len_append():
    mlp = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert len(mlp) == 3 and isinstance(mlp[0], nn.Linear) and isinstance(mlp[-1], nn.Linear)
    head = mlp[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head(glassnet.ones(1, 3)).shape == (1, 4)
    mlp.append(nn.Sigmoid())
    assert len(mlp) == 4 and len(list(mlp.parameters())) == 4


def test_module_list_and_dict_register_their_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6 and len(layers) == 3
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert list(heads.keys()) == ["a", "b"] and len(list(heads.parameters())) == 4


def test_assigning_before_super_init_says_what_to_do():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Broken()


def test_parameter_repr_and_buffers_follow_state_dict():
    p = nn.Parameter(glassnet.ones(2))
    assert repr(p).startswith("Parameter containing:\ntensor([1., 1.], requires_grad=True)")
    m = nn.Module()
    m.register_buffer("counts", glassnet.zeros(3))
    m.register_buffer("scratch", glassnet.zeros(1), persistent=False)
    assert list(m.state_dict()) == ["counts"]
