"""Attention with PyTorch's names: scaled_dot_product_attention, MultiheadAttention, the
Transformer encoder and the encoder-decoder Transformer. With PyTorch's weights copied over
(float64, evaluation mode), outputs, attention weights and input gradients must agree with
PyTorch's, masks included."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.autograd import gradcheck

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def both(fn, *inputs, grad=True):
    """fn(lib, *tensors) on glassnet and PyTorch (float64): outputs and input gradients."""
    results = []
    for lib in (glassnet, torch):
        leaves = [lib.tensor(x, dtype=lib.float64, requires_grad=grad) for x in inputs]
        out = fn(lib, *leaves)
        outs = out if isinstance(out, tuple) else (out,)
        if grad:
            sum((o * lib.tensor(np.cos(np.arange(o.numel())).reshape(tuple(o.shape)),
                                dtype=lib.float64)).sum() for o in outs if o is not None
                ).backward()
        results.append(([None if o is None else o.detach().numpy() for o in outs],
                        [leaf.grad.numpy() for leaf in leaves] if grad else []))
    return results


def assert_same(results):
    (ours, our_grads), (theirs, their_grads) = results
    for mine, want in zip(ours + our_grads, theirs + their_grads):
        if want is None:
            assert mine is None
        else:
            np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-12)


SDPA = [
    {}, {"is_causal": True}, {"scale": 0.3},
    {"attn_mask": np.tril(np.ones((4, 6), bool))},
    {"attn_mask": np.linspace(-1, 1, 24).reshape(4, 6)},
]


@needs_torch
@pytest.mark.parametrize("options", SDPA, ids=["plain", "causal", "scale", "bool", "float"])
def test_scaled_dot_product_attention_matches_pytorch(options):
    q, k, v = arrays((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7))
    if options.get("is_causal"):
        k, v = k[:, :, :4], v[:, :, :4]

    def run(lib, q, k, v):
        extra = {key: (lib.tensor(value) if isinstance(value, np.ndarray) else value)
                 for key, value in options.items()}
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **extra)

    assert_same(both(run, q, k, v))


def copy_weights(ours, theirs):
    ours.load_state_dict({key: glassnet.tensor(value.detach().numpy())
                          for key, value in theirs.state_dict().items()})


MHA = [
    ({}, {}), ({"batch_first": True}, {}), ({}, {"need_weights": False}),
    ({}, {"average_attn_weights": False}), ({"bias": False}, {}),
    ({}, {"attn_mask": "causal-bool", "is_causal": True}), ({}, {"attn_mask": "float"}),
    ({}, {"key_padding_mask": "padding"}),
]


@needs_torch
@pytest.mark.parametrize("build, call", MHA, ids=[str(i) for i in range(len(MHA))])
def test_multihead_attention_matches_pytorch(build, call):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, **build).double().eval()
    ours = glassnet.nn.MultiheadAttention(8, 2, **build).double().eval()
    copy_weights(ours, theirs)
    assert repr(ours) == repr(theirs)
    shape = (3, 5, 8) if build.get("batch_first") else (5, 3, 8)
    q, k = arrays(shape, shape)

    def run(lib, q, k):
        model = ours if lib is glassnet else theirs
        extra = dict(call)
        if extra.get("attn_mask") == "causal-bool":
            extra["attn_mask"] = lib.tensor(np.triu(np.ones((5, 5), bool), 1))
        elif extra.get("attn_mask") == "float":
            extra["attn_mask"] = lib.tensor(np.linspace(-2, 0, 25).reshape(5, 5))
        if extra.get("key_padding_mask") == "padding":
            extra["key_padding_mask"] = lib.tensor(np.array([[0, 0, 0, 1, 1], [0] * 5,
                                                             [0, 0, 0, 0, 1]], bool))
        return model(q, k, k, **extra)

    assert_same(both(run, q, k))


@needs_torch
@pytest.mark.parametrize("options", [{}, {"norm_first": True, "activation": "gelu"},
                                     {"batch_first": True}])
def test_transformer_encoder_matches_pytorch(options):
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, **options)
    theirs = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(8),
                                         enable_nested_tensor=False).double().eval()
    ours = glassnet.nn.TransformerEncoder(
        glassnet.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, **options), 2,
        norm=glassnet.nn.LayerNorm(8)).double().eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    (x,) = arrays((3, 4, 8) if options.get("batch_first") else (4, 3, 8))  # sequences of 4
    mask = glassnet.nn.Transformer.generate_square_subsequent_mask(4).double()
    np.testing.assert_array_equal(
        mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).double().numpy())

    def run(lib, x):
        model = ours if lib is glassnet else theirs
        causal = lib.tensor(mask.numpy())
        return model(x, mask=causal, is_causal=True)

    assert_same(both(run, x))


@needs_torch
@pytest.mark.parametrize("options", [{}, {"norm_first": True, "batch_first": True}])
def test_the_encoder_decoder_transformer_matches_pytorch(options):
    import warnings

    torch.manual_seed(0)
    with warnings.catch_warnings():  # PyTorch's note about its nested-tensor fast path
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(16, 2, 2, 2, 32, **options).double().eval()
    ours = glassnet.nn.Transformer(16, 2, 2, 2, 32, **options).double().eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    batch_first = options.get("batch_first")
    src, tgt = arrays((3, 5, 16) if batch_first else (5, 3, 16),
                      (3, 4, 16) if batch_first else (4, 3, 16))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4).double().numpy()

    def run(lib, src, tgt):
        model = ours if lib is glassnet else theirs
        return model(src, tgt, tgt_mask=lib.tensor(mask), tgt_is_causal=True)

    assert_same(both(run, src, tgt))


def test_attention_gradchecks_and_trains_a_tiny_transformer():
    q, k, v = (glassnet.tensor(a, dtype=glassnet.float64, requires_grad=True)
               for a in arrays((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    assert gradcheck(lambda *t: glassnet.nn.functional.scaled_dot_product_attention(*t),
                     (q, k, v))
    glassnet.manual_seed(0)
    model = glassnet.nn.Sequential(
        glassnet.nn.TransformerEncoder(glassnet.nn.TransformerEncoderLayer(
            8, 2, 16, dropout=0.0, batch_first=True), 1), glassnet.nn.Flatten(),
        glassnet.nn.Linear(32, 1))
    optimizer = glassnet.optim.Adam(model.parameters(), lr=1e-2)
    x = glassnet.randn(32, 4, 8)
    y = x.sum(dim=(1, 2), keepdim=False).unsqueeze(1)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


def test_what_multihead_attention_does_not_do_is_refused():
    with pytest.raises(ValueError, match="positive multiple of num_heads"):
        glassnet.nn.MultiheadAttention(10, 3)
    with pytest.raises(NotImplementedError, match="kdim/vdim"):
        glassnet.nn.MultiheadAttention(8, 2, kdim=4)
    with pytest.raises(RuntimeError, match="attn_mask is needed"):
        m = glassnet.nn.MultiheadAttention(8, 2)
        x = glassnet.randn(3, 2, 8)
        m(x, x, x, is_causal=True)
