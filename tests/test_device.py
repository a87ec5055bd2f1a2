"""Devices as on a CPU-only PyTorch: device objects, cuda / mps / accelerator answering "no",
device= accepted for the CPU and refused, with the fix, for anything else."""

from __future__ import annotations

import pickle

import pytest

import glassnet
from glassnet import nn
from glassnet.devices import DeviceError


def test_device_objects_have_type_index_and_pytorch_reprs():
    cpu = glassnet.device("cpu")
    assert (cpu.type, cpu.index) == ("cpu", None) and repr(cpu) == "device(type='cpu')"
    assert str(cpu) == "cpu"
    numbered = glassnet.device("cpu", 0)
    assert repr(numbered) == "device(type='cpu', index=0)" and str(numbered) == "cpu:0"
    assert glassnet.device("cpu:0") == numbered == glassnet.device(type="cpu", index=0)
    assert glassnet.device(type="cpu") == cpu and glassnet.device(cpu) == cpu
    assert numbered != cpu and cpu != glassnet.device("cuda")
    assert glassnet.device("cuda", 1).index == 1 and str(glassnet.device("cuda:1")) == "cuda:1"
    assert pickle.loads(pickle.dumps(numbered)) == numbered


def test_devices_compare_as_in_pytorch_and_hash_alike():
    assert glassnet.device("cpu") != "cpu", "PyTorch: a device never equals a string"
    assert glassnet.device("cpu") == glassnet.device("cpu:0".split(":")[0])
    assert glassnet.device("cpu") != "cuda" and glassnet.device("cpu") != "not a device"
    assert glassnet.device("cpu") != 3
    assert len({glassnet.device("cpu"), glassnet.device("cpu"), glassnet.device("cpu", 0)}) == 2


def test_bad_device_strings_say_what_was_expected():
    with pytest.raises(DeviceError, match=r"device\('gpu'\): expected one of cpu, cuda"):
        glassnet.device("gpu")
    with pytest.raises(DeviceError, match="invalid device string; write 'cpu' or 'cpu:0'"):
        glassnet.device("cpu:x")
    with pytest.raises(DeviceError, match="index must be an int >= 0"):
        glassnet.device("cpu", -1)
    with pytest.raises(DeviceError, match="a bare number names an accelerator"):
        glassnet.device(0)
    with pytest.raises(TypeError, match="expected a string like 'cpu'"):
        glassnet.device(1.5)


def test_cpu_only_pytorch_answers():
    assert glassnet.cuda.is_available() is False and glassnet.cuda.device_count() == 0
    assert glassnet.backends.mps.is_available() is False and not glassnet.backends.mps.is_built()
    assert glassnet.backends.cudnn.is_available() is False
    assert glassnet.accelerator.is_available() is False
    assert glassnet.accelerator.current_accelerator() is None
    assert glassnet.accelerator.current_accelerator(check_available=True) is None
    assert glassnet.accelerator.device_count() == 0
    glassnet.cuda.manual_seed(0)  # ignored without CUDA, as in PyTorch
    glassnet.cuda.manual_seed_all(0)
    with pytest.raises(DeviceError, match="no CUDA device"):
        glassnet.cuda.current_device()
    with pytest.raises(DeviceError, match="none is available"):
        glassnet.accelerator.current_device_index()


def test_the_classic_mnist_example_device_line_picks_the_cpu():
    use_accel = glassnet.accelerator.is_available()
    device = glassnet.accelerator.current_accelerator() if use_accel else glassnet.device("cpu")
    model = nn.Linear(3, 2).to(device)
    x = glassnet.ones(4, 3).to(device)
    assert model(x).device == glassnet.device("cpu") and x.device.type == "cpu"


def test_default_device_is_the_cpu():
    glassnet.set_default_device("cpu")
    glassnet.set_default_device(None)
    glassnet.set_default_device(glassnet.device("cpu"))
    assert glassnet.get_default_device() == glassnet.device("cpu")
    with pytest.raises(DeviceError, match="runs on the CPU"):
        glassnet.set_default_device("cuda")


def test_tensors_live_on_the_cpu_and_move_there_freely():
    x = glassnet.ones(2, 3)
    assert x.device == glassnet.device("cpu") and repr(x.device) == "device(type='cpu')"
    assert x.is_cuda is False and x.cpu() is x and x.to("cpu") is x
    assert x.to(glassnet.device("cpu")) is x and x.to("cpu:0") is x
    assert x.to("cpu", glassnet.float64).dtype is glassnet.float64
    assert x.to(device="cpu", dtype=glassnet.float64).dtype is glassnet.float64
    assert x.to(glassnet.device("cpu"), glassnet.float64).dtype is glassnet.float64


@pytest.mark.parametrize("make", [
    lambda d: glassnet.zeros(2, device=d), lambda d: glassnet.ones(2, device=d),
    lambda d: glassnet.empty(2, device=d), lambda d: glassnet.full((2,), 1.0, device=d),
    lambda d: glassnet.tensor([1.0], device=d), lambda d: glassnet.as_tensor([1.0], device=d),
    lambda d: glassnet.arange(3, device=d), lambda d: glassnet.linspace(0, 1, 3, device=d),
    lambda d: glassnet.eye(2, device=d), lambda d: glassnet.rand(2, device=d),
    lambda d: glassnet.randn(2, device=d), lambda d: glassnet.randint(0, 3, (2,), device=d),
    lambda d: glassnet.randperm(3, device=d),
    lambda d: glassnet.zeros_like(glassnet.ones(2), device=d),
    lambda d: glassnet.ones_like(glassnet.ones(2), device=d),
    lambda d: glassnet.empty_like(glassnet.ones(2), device=d),
    lambda d: glassnet.full_like(glassnet.ones(2), 3.0, device=d),
    lambda d: glassnet.rand_like(glassnet.ones(2), device=d),
    lambda d: glassnet.randn_like(glassnet.ones(2), device=d),
])
def test_creation_functions_accept_the_cpu_and_refuse_accelerators(make):
    for cpu in (None, "cpu", "cpu:0", glassnet.device("cpu")):
        assert make(cpu).device == glassnet.device("cpu")
    for accelerator in ("cuda", "cuda:0", glassnet.device("mps")):
        with pytest.raises(DeviceError, match="runs on the CPU with NumPy only.*device='cpu'"):
            make(accelerator)


def test_asking_for_cuda_or_mps_anywhere_gives_one_clear_runtime_error():
    x, model = glassnet.ones(2), nn.Linear(2, 2)
    attempts = [lambda: x.cuda(), lambda: x.to("cuda"), lambda: x.to("mps"),
                lambda: x.to(device="cuda:0"), lambda: x.to(glassnet.device("cuda")),
                lambda: x.to(0), lambda: model.to("cuda"), lambda: model.to(device="mps")]
    for attempt in attempts:
        with pytest.raises(RuntimeError, match="glassnet runs on the CPU") as info:
            attempt()
        assert isinstance(info.value, DeviceError) and "\n" not in str(info.value)
