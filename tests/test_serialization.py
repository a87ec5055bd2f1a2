"""Checkpoints: safetensors round trips, and interchange with PyTorch in both directions."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn

pytest.importorskip("safetensors")


def model(lib):
    return lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(6, 4), lib.nn.BatchNorm1d(4),
                             lib.nn.ReLU(), lib.nn.Linear(4, 3))


def test_save_and_load_round_trip(tmp_path):
    net = model(glassnet)
    net(glassnet.randn(5, 6))  # move the running statistics
    glassnet.save(net.state_dict(), tmp_path / "w.safetensors")
    loaded = glassnet.load(tmp_path / "w.safetensors")
    for name, value in net.state_dict().items():
        assert np.array_equal(loaded[name].data, value.data) and \
            loaded[name].shape == value.shape, name
    other = model(glassnet)
    other.load_state_dict(loaded)


def test_save_replaces_a_file_in_one_step(tmp_path):
    path = tmp_path / "w.safetensors"
    glassnet.save({"a": glassnet.ones(2)}, path)
    glassnet.save({"a": glassnet.zeros(2)}, path)
    assert glassnet.load(path)["a"].tolist() == [0.0, 0.0]
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]


def test_loading_a_non_safetensors_file_is_refused_clearly(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x80\x04pickle?")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        glassnet.load(bad)
    with pytest.raises(TypeError, match="only tensors"):
        glassnet.save({"lr": 0.1}, tmp_path / "x.safetensors")


def test_glassnet_weights_load_into_pytorch_and_back(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    ours = model(glassnet).eval()
    glassnet.save(ours.state_dict(), tmp_path / "g.safetensors")
    theirs = model(torch).eval()
    theirs.load_state_dict(load_file(tmp_path / "g.safetensors"))
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(ours(glassnet.tensor(x)).data,
                                   theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    fresh = model(torch).eval()
    save_file(fresh.state_dict(), tmp_path / "t.safetensors")
    back = model(glassnet).eval()
    back.load_state_dict(glassnet.load(tmp_path / "t.safetensors"))
    with torch.no_grad():
        np.testing.assert_allclose(back(glassnet.tensor(x)).data,
                                   fresh(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    assert isinstance(back[1], nn.Linear)
