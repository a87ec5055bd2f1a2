"""RNN, LSTM, GRU and their cells: agreement with PyTorch on the same weights, shapes, reprs,
state_dict keys, init and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import nn
from glassnet.errors import ShapeError

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (pip install torch==2.13.0)")


def arr(t):
    return t.detach().numpy()


def twin(kind: str, *args, **options):
    """The same layer in both frameworks, float64, PyTorch's weights loaded into ours."""
    theirs = getattr(torch.nn, kind)(*args, **options).double()
    ours = getattr(nn, kind)(*args, **options).double()
    ours.load_state_dict({k: glassnet.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def both(array, requires_grad=True):
    return (glassnet.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def loss_of(output, states):
    """A loss that weights every output element and every final state differently."""
    total = (output * output).sum() + output.sum()
    for i, s in enumerate(states):
        total = total + (s * (i + 2.0)).tanh().sum()
    return total


def as_list(state):
    return list(state) if isinstance(state, tuple) else [state]


def check_agreement(ours, theirs, x, states, tol=1e-10):
    """Outputs, final states, and gradients of every parameter, the input and initial states."""
    x_ours, x_theirs = x
    s_ours = [s[0] for s in states]
    s_theirs = [s[1] for s in states]
    is_lstm = isinstance(ours, (nn.LSTM, nn.LSTMCell))
    hx_ours = (tuple(s_ours) if is_lstm else s_ours[0]) if states else None
    hx_theirs = (tuple(s_theirs) if is_lstm else s_theirs[0]) if states else None
    out_ours = ours(x_ours, hx_ours)
    out_theirs = theirs(x_theirs, hx_theirs)
    if isinstance(ours, nn.RNNBase):
        (y_ours, f_ours), (y_theirs, f_theirs) = out_ours, out_theirs
        finals_ours, finals_theirs = as_list(f_ours), as_list(f_theirs)
    else:
        finals_ours, finals_theirs = as_list(out_ours), as_list(out_theirs)
        y_ours, y_theirs = finals_ours[0], finals_theirs[0]
    np.testing.assert_allclose(arr(y_ours), arr(y_theirs), rtol=tol, atol=tol)
    for a, b in zip(finals_ours, finals_theirs, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(arr(a), arr(b), rtol=tol, atol=tol)
    loss_of(y_ours, finals_ours).backward()
    loss_of(y_theirs, finals_theirs).backward()
    params = dict(ours.named_parameters())
    assert list(params) == [n for n, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(arr(params[name].grad), p.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=name)
    for mine, reference in [(x_ours, x_theirs), *zip(s_ours, s_theirs)]:
        if reference.requires_grad:
            np.testing.assert_allclose(arr(mine.grad), reference.grad.numpy(), rtol=tol,
                                       atol=tol)


LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False, "batch_first": True},
]


@needs_torch
@pytest.mark.parametrize("kind, options", LAYERS, ids=lambda v: str(v))
@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("with_states", [False, True], ids=["zeros", "initial-states"])
def test_layer_matches_pytorch(kind, options, config, with_states):
    torch.manual_seed(0)
    ours, theirs = twin(kind, 3, 5, **options, **config)
    rng = np.random.default_rng(0)
    L, N = 4, 2
    shape = (N, L, 3) if config.get("batch_first") else (L, N, 3)
    x = both(rng.standard_normal(shape))
    layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
    count = 2 if kind == "LSTM" else 1
    states = [both(rng.standard_normal((layers, N, 5))) for _ in range(count)] if with_states \
        else []
    check_agreement(ours, theirs, x, states)


@needs_torch
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_sequence_matches_pytorch(kind, batch_first):
    torch.manual_seed(1)
    ours, theirs = twin(kind, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    rng = np.random.default_rng(1)
    count = 2 if kind == "LSTM" else 1
    states = [both(rng.standard_normal((4, 4))) for _ in range(count)]
    check_agreement(ours, theirs, both(rng.standard_normal((6, 3))), states)


@needs_torch
def test_gradient_reaches_only_the_inputs_that_want_it():
    torch.manual_seed(2)
    ours, theirs = twin("LSTM", 3, 4)
    rng = np.random.default_rng(2)
    x = both(rng.standard_normal((5, 2, 3)), requires_grad=False)
    h0 = both(rng.standard_normal((1, 2, 4)))
    c0 = both(rng.standard_normal((1, 2, 4)), requires_grad=False)
    check_agreement(ours, theirs, x, [h0, c0])
    assert x[0].grad is None and c0[0].grad is None


@needs_torch
@pytest.mark.parametrize("kind, options", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                           ("LSTMCell", {}), ("GRUCell", {}),
                                           ("GRUCell", {"bias": False})], ids=str)
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_states", [False, True], ids=["zeros", "initial-states"])
def test_cell_matches_pytorch(kind, options, batched, with_states):
    torch.manual_seed(3)
    ours, theirs = twin(kind, 3, 5, **options)
    rng = np.random.default_rng(3)
    lead = (2,) if batched else ()
    count = 2 if kind == "LSTMCell" else 1
    states = [both(rng.standard_normal((*lead, 5))) for _ in range(count)] if with_states \
        else []
    check_agreement(ours, theirs, both(rng.standard_normal((*lead, 3))), states)


@needs_torch
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_state_dict_keys_and_shapes_match_pytorch(kind):
    options = {"num_layers": 2, "bidirectional": True}
    ours, theirs = getattr(nn, kind)(3, 5, **options), getattr(torch.nn, kind)(3, 5, **options)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    cell, torch_cell = getattr(nn, kind + "Cell")(3, 5), getattr(torch.nn, kind + "Cell")(3, 5)
    assert [(k, tuple(v.shape)) for k, v in cell.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in torch_cell.state_dict().items()]


@needs_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.RNN(10, 20),
    lambda lib: lib.nn.RNN(10, 20, 2, nonlinearity="relu", dropout=0.5),
    lambda lib: lib.nn.LSTM(10, 20, num_layers=3, bias=False, batch_first=True,
                            bidirectional=True),
    lambda lib: lib.nn.GRU(4, 8, dropout=0.25, num_layers=2),
    lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="relu", bias=False),
    lambda lib: lib.nn.LSTMCell(3, 4),
    lambda lib: lib.nn.GRUCell(3, 4, bias=False),
])
def test_repr_matches_pytorch(make):
    assert repr(make(glassnet)) == repr(make(torch))


def test_output_shapes_follow_pytorch():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    out, (h, c) = lstm(glassnet.randn(2, 7, 3))
    assert out.shape == (2, 7, 10) and h.shape == (4, 2, 5) and c.shape == (4, 2, 5)
    out, h = nn.GRU(3, 5)(glassnet.randn(7, 3))
    assert out.shape == (7, 5) and h.shape == (1, 5)
    assert nn.RNNCell(3, 5)(glassnet.randn(3)).shape == (5,)


def test_default_dtype_is_kept():
    out, (h, c) = nn.LSTM(3, 4)(glassnet.randn(5, 2, 3))
    assert out.dtype == glassnet.float32 and c.dtype == glassnet.float32


def test_init_is_uniform_within_one_over_sqrt_hidden():
    glassnet.manual_seed(0)
    layer = nn.GRU(6, 16, num_layers=2)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([arr(p).ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    cell = nn.LSTMCell(6, 25)
    assert all(np.abs(arr(p)).max() <= 0.2 for p in cell.parameters())


def test_dropout_between_layers_only_in_training():
    glassnet.manual_seed(0)
    layer = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = glassnet.randn(4, 2, 3)
    first, _ = layer(x)
    second, _ = layer(x)
    assert not np.allclose(arr(first), arr(second))
    layer.eval()
    first, _ = layer(x)
    second, _ = layer(x)
    np.testing.assert_array_equal(arr(first), arr(second))


def test_all_weights_groups_parameters_per_layer_and_direction():
    layer = nn.RNN(3, 4, num_layers=2, bidirectional=True, bias=False)
    assert [len(group) for group in layer.all_weights] == [2, 2, 2, 2]
    assert layer.all_weights[1][0] is layer.weight_ih_l0_reverse
    assert layer.all_weights[2][0].shape == (4, 8)


def _by_hand(kind, cell, x, h, c=None):
    """One step of the cell written with glassnet's own differentiable ops, as the
    formulas read (a reference that needs no PyTorch)."""
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    H = cell.hidden_size
    if kind == "RNNCell":
        return (gi + gh).tanh()
    if kind == "GRUCell":
        r = (gi[:, :H] + gh[:, :H]).sigmoid()
        z = (gi[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
        n = (gi[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
        return (1 - z) * n + z * h
    gates = gi + gh
    i, f = gates[:, :H].sigmoid(), gates[:, H:2 * H].sigmoid()
    g, o = gates[:, 2 * H:3 * H].tanh(), gates[:, 3 * H:].sigmoid()
    c = f * c + i * g
    return glassnet.cat([o * c.tanh(), c], dim=1)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_fused_cell_matches_the_formulas_written_with_plain_ops(kind):
    glassnet.manual_seed(4)
    cell = getattr(nn, kind)(3, 4).double()
    rng = np.random.default_rng(4)
    x = glassnet.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = glassnet.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    c = glassnet.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    seed = glassnet.tensor(rng.standard_normal((2, 8 if kind == "LSTMCell" else 4)))
    results = []
    for fused in (True, False):
        if fused:
            out = cell(x, (h, c)) if kind == "LSTMCell" else cell(x, h)
            out = glassnet.cat(list(out), dim=1) if kind == "LSTMCell" else out
        else:
            out = _by_hand(kind, cell, x, h, c)
        cell.zero_grad()
        x.grad = h.grad = c.grad = None
        (out * seed).sum().backward()
        grads = [arr(t.grad) for t in (x, h, *cell.parameters())]
        results.append((arr(out), grads))
    (fused_out, fused_grads), (plain_out, plain_grads) = results
    np.testing.assert_allclose(fused_out, plain_out, rtol=1e-12, atol=1e-12)
    for a, b in zip(fused_grads, plain_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ----- errors -------------------------------------------------------------------------------

def test_wrong_input_size_names_both_sizes():
    with pytest.raises(ShapeError, match=r"Expected 3, got 4 .*input_size=4"):
        nn.LSTM(3, 5)(glassnet.randn(2, 2, 4))


def test_wrong_input_rank_says_what_shapes_work():
    with pytest.raises(ShapeError, match=r"Expected input to be 2D or 3D, got 4D.*batch_first"):
        nn.GRU(3, 5)(glassnet.randn(2, 2, 2, 3))


def test_wrong_initial_state_shape_names_the_expected_one():
    with pytest.raises(ShapeError, match=r"Expected hidden size \(2, 3, 5\), got \[1, 3, 5\]"):
        nn.RNN(2, 5, num_layers=2)(glassnet.randn(4, 3, 2), glassnet.zeros(1, 3, 5))
    with pytest.raises(ShapeError, match=r"Expected hidden\[1\] size \(1, 3, 5\), got \[1, 2, 5"):
        nn.LSTM(2, 5)(glassnet.randn(4, 3, 2), (glassnet.zeros(1, 3, 5), glassnet.zeros(1, 2, 5)))


def test_state_rank_must_match_the_input():
    with pytest.raises(ShapeError, match="For unbatched 2-D input, hx should also be 2-D"):
        nn.RNN(2, 5)(glassnet.randn(4, 2), glassnet.zeros(1, 1, 5))
    with pytest.raises(ShapeError, match="For batched 3-D input, hx should also be 3-D"):
        nn.GRU(2, 5)(glassnet.randn(4, 1, 2), glassnet.zeros(1, 5))


def test_lstm_state_must_be_a_pair():
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h_0, c_0\)"):
        nn.LSTM(2, 5)(glassnet.randn(4, 1, 2), glassnet.zeros(1, 1, 5))
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h, c\)"):
        nn.LSTMCell(2, 5)(glassnet.randn(1, 2), glassnet.zeros(1, 5))


def test_dtype_mismatch_says_how_to_convert():
    with pytest.raises(ValueError, match=r"does not match weight dtype.*model\.to"):
        nn.RNN(2, 3)(glassnet.randn(4, 1, 2).double())


def test_cell_errors_name_the_fix():
    with pytest.raises(ShapeError, match="inconsistent input_size: got 4 expected 3"):
        nn.GRUCell(3, 5)(glassnet.randn(2, 4))
    with pytest.raises(ShapeError, match=r"Expected input to be 1D or 2D, got 3D.*nn\.RNN"):
        nn.RNNCell(3, 5)(glassnet.randn(2, 2, 3))
    with pytest.raises(ShapeError, match=r"Expected hidden size \(2, 5\), got \[3, 5\]"):
        nn.RNNCell(3, 5)(glassnet.randn(2, 3), glassnet.zeros(3, 5))
    with pytest.raises(ShapeError, match="Expected hidden to be 1D or 2D, got 3D"):
        nn.GRUCell(3, 5)(glassnet.randn(2, 3), glassnet.zeros(1, 2, 5))


def test_constructor_errors():
    with pytest.raises(NotImplementedError, match=r"proj_size=2.*leave proj_size=0"):
        nn.LSTM(3, 5, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 5, proj_size=5)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="Unknown nonlinearity: gelu"):
        nn.RNNCell(3, 5, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"dropout should be a number in range \[0, 1\]"):
        nn.GRU(3, 5, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.RNN(3, 0)
    with pytest.raises(TypeError, match="batch_first should be of type bool"):
        nn.RNN(3, 4, batch_first=1)
    with pytest.raises(RuntimeError, match="glassnet runs on the CPU"):
        nn.GRU(3, 4, device="cuda")


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


def test_unknown_keyword_is_not_swallowed():
    with pytest.raises(TypeError):
        nn.LSTM(3, 4, batchfirst=True)
