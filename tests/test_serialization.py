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


# ----- PyTorch's signatures, and no pickle whatever the keywords say -------------------------
@pytest.mark.parametrize("weights_only", [True, False, None])
@pytest.mark.parametrize("map_location", [None, "cpu", glassnet.device("cpu"), {"cuda:0": "cpu"},
                                          {"cuda:0": "cuda:1"}, {glassnet.device("cpu"): "cpu"}])
def test_load_takes_pytorchs_keywords(tmp_path, weights_only, map_location):
    # a dict maps saved locations; every glassnet tensor was saved from "cpu", so an entry for
    # "cuda:0" does not apply (PyTorch's DDP tutorial passes {"cuda:0": f"cuda:{rank}"})
    glassnet.save({"w": glassnet.arange(3.0)}, tmp_path / "w.pth")
    loaded = glassnet.load(tmp_path / "w.pth", map_location=map_location,
                           weights_only=weights_only)
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0]


def test_load_calls_a_map_location_function_with_each_tensor_and_the_cpu(tmp_path):
    glassnet.save({"a": glassnet.ones(2), "b": glassnet.zeros(1)}, tmp_path / "w.pth")
    seen = []
    loaded = glassnet.load(tmp_path / "w.pth",
                           map_location=lambda storage, location: seen.append(location) or storage)
    assert seen == ["cpu", "cpu"] and loaded["a"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="must return a tensor"):
        glassnet.load(tmp_path / "w.pth", map_location=lambda storage, location: location)


def test_load_refuses_what_it_cannot_do_naming_the_fix(tmp_path):
    glassnet.save({"w": glassnet.ones(1)}, tmp_path / "w.pth")
    with pytest.raises(RuntimeError, match="runs on the CPU"):
        glassnet.load(tmp_path / "w.pth", map_location="cuda:0")
    with pytest.raises(RuntimeError, match="runs on the CPU"):
        glassnet.load(tmp_path / "w.pth", map_location={"cpu": "cuda"})
    with pytest.raises(ValueError, match="never unpickles.*drop pickle_module="):
        glassnet.load(tmp_path / "w.pth", pickle_module=__import__("pickle"))
    with pytest.raises(ValueError, match="mmap=True is not supported"):
        glassnet.load(tmp_path / "w.pth", mmap=True)
    with pytest.raises(TypeError, match="weights_only must be True, False or None"):
        glassnet.load(tmp_path / "w.pth", weights_only="yes")
    with pytest.raises(TypeError):
        glassnet.load(tmp_path / "w.pth", weight_only=True)  # a typo is not swallowed


class _Boom:
    """A pickle that creates a file when it is loaded: what weights_only=False risks."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_weights_only_false_never_unpickles(tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pth"
    evil.write_bytes(pickle.dumps(_Boom(marker)))
    with pytest.raises(ValueError, match=r"looks like a pickle.*never unpickles.*save_file"):
        glassnet.load(evil, weights_only=False)
    assert not marker.exists()


def test_a_pytorch_checkpoint_is_refused_with_the_conversion(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "t.pth")
    with pytest.raises(ValueError, match=r"a PyTorch checkpoint.*safetensors.torch.save_file"):
        glassnet.load(tmp_path / "t.pth", weights_only=False)


def test_saving_a_whole_module_is_refused_naming_the_fix(tmp_path):
    net = model(glassnet)
    with pytest.raises(TypeError, match=r"whole Sequential module.*"
                                        r"glassnet.save\(model.state_dict\(\), path\)"):
        glassnet.save(net, tmp_path / "model.pth")
    with pytest.raises(TypeError, match=r"wrap a lone tensor"):
        glassnet.save(glassnet.ones(2), tmp_path / "x.pth")
    assert list(tmp_path.iterdir()) == []


def test_save_and_load_take_file_objects(tmp_path):
    import io

    buffer = io.BytesIO()
    glassnet.save({"w": glassnet.arange(4.0).reshape(2, 2)}, buffer)
    buffer.seek(0)
    assert glassnet.load(buffer, weights_only=True)["w"].tolist() == [[0.0, 1.0], [2.0, 3.0]]
    (tmp_path / "w.safetensors").write_bytes(buffer.getvalue())
    with open(tmp_path / "w.safetensors", "rb") as handle:
        assert glassnet.load(handle)["w"].shape == (2, 2)
