"""DistributedDataParallel in one process (world of one): wrapping, state_dict keys, errors.
The averaging over two ranks is checked under mpiexec in test_mpi_ranks.py."""

import numpy as np
import pytest

import glassnet as torch
import glassnet.distributed as dist
from glassnet import nn
from glassnet.nn.parallel import DistributedDataParallel

pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install 'glassnet[mpi]'")


@pytest.fixture
def world():
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def test_forward_passes_through_and_module_is_the_wrapped_model(world):
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ddp = DistributedDataParallel(net)
    x = torch.randn(5, 3)
    assert ddp.module is net
    assert np.array_equal(ddp(x).detach().numpy(), net(x).detach().numpy())
    assert list(ddp.parameters()) == list(net.parameters())


def test_state_dict_keys_start_with_module_as_pytorch(world):
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ddp = DistributedDataParallel(net)
    keys = list(ddp.state_dict())
    assert keys == ["module." + k for k in net.state_dict()]  # as PyTorch (oracle test below)
    assert keys[0] == "module.0.weight"
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    other.load_state_dict(ddp.module.state_dict())  # the plain keys a plain model loads


def test_state_dict_keys_and_repr_match_torch_ddp(world, tmp_path):
    torch_ = pytest.importorskip("torch")
    torch_dist = torch_.distributed
    if not torch_dist.is_available() or not torch_dist.is_gloo_available():
        pytest.skip("this torch build has no gloo backend to run its DDP as the oracle")
    torch_dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                                  world_size=1)
    try:
        theirs = torch_.nn.parallel.DistributedDataParallel(
            torch_.nn.Sequential(torch_.nn.Linear(3, 4), torch_.nn.BatchNorm1d(4)))
        keys, text = list(theirs.state_dict()), repr(theirs)
    finally:
        torch_dist.destroy_process_group()
    ours = DistributedDataParallel(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)))
    assert list(ours.state_dict()) == keys
    assert repr(ours) == text


def test_backward_in_a_world_of_one_keeps_the_gradient(world):
    torch.manual_seed(0)
    net = nn.Linear(3, 2).double()
    plain = nn.Linear(3, 2).double()
    plain.load_state_dict(net.state_dict())
    ddp = DistributedDataParallel(net)
    x = torch.randn(4, 3, dtype=torch.float64)
    for _ in range(2):  # .grad accumulates over two backward passes, as without DDP
        ddp(x).pow(2).sum().backward()
        plain(x).pow(2).sum().backward()
    for p, q in zip(net.parameters(), plain.parameters()):
        assert np.allclose(p.grad.numpy(), q.grad.numpy(), rtol=0, atol=1e-12)


def test_no_sync_restores_the_flag(world):
    ddp = DistributedDataParallel(nn.Linear(2, 1))
    with ddp.no_sync():
        assert ddp.require_backward_grad_sync is False
        ddp(torch.ones(1, 2)).sum().backward()
    assert ddp.require_backward_grad_sync is True


def test_unused_parameter_raises_at_the_next_forward_naming_it(world):
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(2, 1)
            self.unused = nn.Linear(2, 1)

        def forward(self, x):
            return self.used(x)

    ddp = DistributedDataParallel(TwoHeads())
    ddp(torch.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match=r"finished reduction.*'unused.weight', 'unused.bias'"):
        ddp(torch.ones(1, 2))


def test_two_backward_passes_in_one_iteration_raise(world):
    net = nn.Linear(2, 1)
    ddp = DistributedDataParallel(net)
    ddp(torch.ones(1, 2))  # arms the sync; two losses that reach only the weight follow
    net.weight.sum().backward()
    with pytest.raises(RuntimeError, match="ready only once.*'weight'"):
        (net.weight.sum() * 2).backward()


def test_model_without_trainable_parameters_is_refused(world):
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DistributedDataParallel(nn.ReLU())


def test_unsupported_options_are_refused(world):
    with pytest.raises(NotImplementedError, match="find_unused_parameters"):
        DistributedDataParallel(nn.Linear(2, 1), find_unused_parameters=True)
    with pytest.raises(ValueError, match="device_ids must be None"):
        DistributedDataParallel(nn.Linear(2, 1), device_ids=[0])
    with pytest.raises(TypeError, match="expected an nn.Module"):
        DistributedDataParallel(lambda x: x)


def test_needs_an_initialised_group():
    with pytest.raises(ValueError, match="init_process_group"):
        DistributedDataParallel(nn.Linear(2, 1))


def test_autograd_grad_through_ddp_is_refused(world):
    ddp = DistributedDataParallel(nn.Linear(2, 1))
    with pytest.raises(RuntimeError, match="autograd.grad.*call loss.backward"):
        torch.autograd.grad(ddp(torch.ones(1, 2)).sum(), list(ddp.parameters()))


def test_casting_after_wrapping_still_averages_in_the_new_dtype(world):
    net = nn.Linear(2, 1)
    ddp = DistributedDataParallel(net)
    net.double()
    ddp(torch.ones(3, 2, dtype=torch.float64)).sum().backward()
    assert net.weight.grad.dtype == torch.float64
    assert net.weight.grad.tolist() == [[3.0, 3.0]] and net.bias.grad.tolist() == [3.0]
