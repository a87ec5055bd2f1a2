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
    with pytest.raises(TypeError, match=r"net is a whole Sequential module.*state_dict\(\)"):
        glassnet.save({"epoch": 1, "net": net}, tmp_path / "model.pth")
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


# ----- nested checkpoints: what torch.load(weights_only=True) reads, without pickle ----------
def general_checkpoint(lib, net, optimizer, epoch=5, loss=0.25):
    """PyTorch's "saving and loading a general checkpoint" recipe, for either library."""
    return {"epoch": epoch, "model_state_dict": net.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": loss}


def one_step(net, optimizer, x):
    optimizer.zero_grad()
    loss = net(x).pow(2).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def test_a_general_checkpoint_resumes_training_exactly(tmp_path):
    glassnet.manual_seed(0)
    net = model(glassnet)
    optimizer = glassnet.optim.Adam(net.parameters(), lr=0.01)
    x = glassnet.randn(8, 6)
    one_step(net, optimizer, x)
    glassnet.save(general_checkpoint(glassnet, net, optimizer), tmp_path / "ckpt.pt")

    resumed = model(glassnet)
    resumed_optimizer = glassnet.optim.Adam(resumed.parameters(), lr=0.5)
    checkpoint = glassnet.load(tmp_path / "ckpt.pt", weights_only=True)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    assert (checkpoint["epoch"], checkpoint["loss"]) == (5, 0.25)
    assert resumed_optimizer.param_groups[0]["lr"] == 0.01
    for _ in range(3):  # the moments and the step count came back too: the same steps follow
        assert one_step(resumed, resumed_optimizer, x) == one_step(net, optimizer, x)
    for a, b in zip(net.parameters(), resumed.parameters()):
        assert np.array_equal(a.data, b.data)


def test_nested_checkpoints_keep_pytorchs_types_and_values(tmp_path):
    torch = pytest.importorskip("torch")
    leaves = {"epoch": 7, "loss": 0.125, "ratio": float("inf"), "name": "run-1", "best": None,
              "done": False, "betas": (0.9, 0.999), "history": [1.5, 2.5], "by_id": {3: "c"}}
    net = model(glassnet)
    net(glassnet.randn(4, 6))
    glassnet.save({**leaves, "state": net.state_dict(), "stack": [glassnet.ones(2, 3)]},
                  tmp_path / "g.pt")
    torch.save({**leaves, "state": model(torch).state_dict(), "stack": [torch.ones(2, 3)]},
               tmp_path / "t.pt")
    ours = glassnet.load(tmp_path / "g.pt", weights_only=True)
    theirs = torch.load(tmp_path / "t.pt", weights_only=True)

    def shape_of(value):  # the structure, with each tensor replaced by its shape
        if isinstance(value, dict):
            return type(value).__name__, {k: shape_of(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value).__name__, [shape_of(v) for v in value]
        if hasattr(value, "shape"):
            return "tensor", tuple(value.shape)
        return value

    assert shape_of(ours) == shape_of(theirs)
    assert list(ours["state"]) == list(theirs["state"])  # order kept
    for name, value in net.state_dict().items():
        assert np.array_equal(ours["state"][name].data, value.data)


def test_a_lone_tensor_and_arrays_round_trip(tmp_path):
    glassnet.save(glassnet.arange(3.0), tmp_path / "x.pt")
    assert glassnet.load(tmp_path / "x.pt").tolist() == [0.0, 1.0, 2.0]
    glassnet.save([np.arange(2), {"w": glassnet.ones(1)}], tmp_path / "l.pt")
    array, inner = glassnet.load(tmp_path / "l.pt")
    assert isinstance(array, np.ndarray) and array.tolist() == [0, 1]
    assert inner["w"].tolist() == [1.0]


def test_nested_tensors_are_named_by_their_path_in_the_file(tmp_path):
    from safetensors import safe_open

    glassnet.save({"model": {"fc.weight": glassnet.ones(2)}, "model/fc.weight": glassnet.zeros(1),
                   "epoch": 1}, tmp_path / "c.pt")
    with safe_open(str(tmp_path / "c.pt"), "np") as handle:
        assert sorted(handle.keys()) == ["model/fc.weight", "model/fc.weight#2"]
    loaded = glassnet.load(tmp_path / "c.pt")
    assert loaded["model"]["fc.weight"].tolist() == [1.0, 1.0]
    assert loaded["model/fc.weight"].tolist() == [0.0]


def test_a_plain_state_dict_has_no_outline(tmp_path):
    from safetensors import safe_open

    glassnet.save({"w": glassnet.ones(1)}, tmp_path / "w.pt", metadata={"by": "me"})
    with safe_open(str(tmp_path / "w.pt"), "np") as handle:
        assert handle.metadata() == {"by": "me"}


def test_what_cannot_be_stored_is_refused_naming_where_it_is(tmp_path):
    with pytest.raises(TypeError, match=r"save: config/device is a device, which glassnet cannot "
                                        r"store: it saves tensors and arrays, and dicts"):
        glassnet.save({"config": {"device": glassnet.device("cpu")}}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="'glassnet.outline' is glassnet's own"):
        glassnet.save({"w": glassnet.ones(1)}, tmp_path / "x.pt",
                      metadata={"glassnet.outline": "{}"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("outline", ['{"dict": [[1]]}', '{"tensor": "missing"}', "[1, 2]",
                                     '{"set": []}', '{"a": 1, "b": 2}', "not json"])
def test_a_damaged_outline_is_one_clear_error(tmp_path, outline):
    from safetensors.numpy import save_file

    save_file({"w": np.ones(1, np.float32)}, str(tmp_path / "bad.pt"),
              metadata={"glassnet.outline": outline})
    with pytest.raises(ValueError, match=r"^load: the file's outline of its contents is damaged"):
        glassnet.load(tmp_path / "bad.pt")
