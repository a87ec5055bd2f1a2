"""Training-loop tools PyTorch code calls: torch.amp's GradScaler and autocast,
torch.utils.tensorboard's SummaryWriter, and nn.init.trunc_normal_."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None


def scaled_training(lib, steps=6, poison=(2,)):
    """SGD through a GradScaler; on the steps in ``poison`` one gradient becomes inf (as an
    float16 overflow would), so that step must be skipped and the scale backed off."""
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        model.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10))
        model.bias.zero_()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    y = lib.tensor(np.linspace(0, 1, 8).reshape(4, 2))
    trail = []
    for step in range(steps):
        optimizer.zero_grad()
        with lib.autocast("cpu"):
            loss = ((model(x) - y) ** 2).mean()
        scaler.scale(loss).backward()
        if step in poison:
            model.bias.grad[0] = float("inf")
        scaler.step(optimizer)
        scaler.update()
        trail.append((scaler.get_scale(), model.weight.detach().numpy().copy()))
    return trail, scaler


def test_grad_scaler_skips_bad_steps_and_moves_its_scale():
    trail, scaler = scaled_training(glassnet)
    assert [scale for scale, _ in trail] == [8.0, 16.0, 8.0, 8.0, 16.0, 16.0]
    assert np.array_equal(trail[1][1], trail[2][1])  # the poisoned step changed nothing
    state = scaler.state_dict()
    other = glassnet.amp.GradScaler()
    other.load_state_dict(state)
    assert other.get_scale() == 16.0 and other.state_dict() == state


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_grad_scaler_matches_pytorch_step_by_step():
    ours, _ = scaled_training(glassnet)
    theirs, _ = scaled_training(torch)
    for (scale_a, weight_a), (scale_b, weight_b) in zip(ours, theirs):
        assert scale_a == scale_b
        np.testing.assert_allclose(weight_a, weight_b, rtol=1e-12)


def test_disabled_and_cuda_scalers_pass_straight_through():
    model = glassnet.nn.Linear(2, 1)
    optimizer = glassnet.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for scaler in (glassnet.amp.GradScaler(enabled=False), glassnet.cuda.amp.GradScaler(),
                       glassnet.amp.GradScaler("cuda")):
            loss = model(glassnet.ones(1, 2)).sum()
            assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            assert not scaler.is_enabled() and scaler.state_dict() == {}
    assert sum("'cuda' is not available" in str(w.message) for w in caught) == 2
    with pytest.raises(RuntimeError, match="already been called"):
        scaler = glassnet.amp.GradScaler()
        model(glassnet.ones(1, 2)).sum().backward()
        scaler.unscale_(optimizer)
        scaler.unscale_(optimizer)


def test_autocast_is_accepted_as_context_and_decorator_and_keeps_float32():
    x = glassnet.ones(2, 2)
    with glassnet.autocast(device_type="cpu", dtype=glassnet.float16):
        assert (x @ x).dtype == glassnet.float32

    @glassnet.autocast("cpu")
    def double(t):
        return t * 2

    assert double(x).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    with pytest.warns(UserWarning, match="'cuda' is not available"):
        with glassnet.cuda.amp.autocast():
            pass
    with pytest.raises(RuntimeError, match="device_type"):
        glassnet.autocast("tpu")


def test_trunc_normal_stays_inside_and_keeps_its_spread():
    w = glassnet.empty(200_000)
    glassnet.nn.init.trunc_normal_(w, std=0.02)
    assert abs(float(w.std()) - 0.02) < 2e-4 and float(w.abs().max()) <= 2.0
    glassnet.nn.init.trunc_normal_(w, mean=0.0, std=1.0, a=-0.5, b=1.0)
    values = w.numpy()
    assert values.min() >= -0.5 and values.max() <= 1.0
    # the truncated normal's mean on [-0.5, 1]: (φ(-0.5) - φ(1)) / (Φ(1) - Φ(-0.5)) ≈ 0.2066
    assert abs(values.mean() - 0.2066) < 0.005
    glassnet.nn.init.trunc_normal_(w, mean=5.0, std=1.0, a=-2.0, b=2.0)  # far in the tail
    assert w.numpy().min() >= -2.0 and w.numpy().max() <= 2.0
    with pytest.raises(ValueError, match="need a < b"):
        glassnet.nn.init.trunc_normal_(w, a=1.0, b=0.0)


def test_summary_writer_takes_glassnet_tensors_and_tensorboard_reads_them(tmp_path):
    pytest.importorskip("tensorboardX")
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from glassnet.utils.tensorboard import SummaryWriter

    model = glassnet.nn.Linear(4, 2)
    with SummaryWriter(log_dir=tmp_path / "run") as writer:
        for epoch in range(3):
            loss = glassnet.tensor(1.0 / (epoch + 1))
            writer.add_scalar("Loss/train", loss, epoch)
            writer.add_scalars("run", {"a": glassnet.tensor(float(epoch)), "b": 2.0}, epoch)
            writer.add_histogram("fc.weight", model.weight, epoch)
        writer.add_image("digit", glassnet.rand(1, 8, 8), 0)
        assert writer.log_dir == str(tmp_path / "run")
        with pytest.raises(NotImplementedError, match="glassnet.viz.draw_model"):
            writer.add_graph(model, glassnet.ones(1, 4))
    events = EventAccumulator(str(tmp_path / "run"), size_guidance={"histograms": 0}).Reload()
    losses = [e.value for e in events.Scalars("Loss/train")]
    assert losses == pytest.approx([1.0, 0.5, 1 / 3])
    assert "fc.weight" in events.Tags()["histograms"] and "digit" in events.Tags()["images"]
