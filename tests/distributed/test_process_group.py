"""glassnet.distributed in this process: a world of one (MPI's singleton start), and errors."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import glassnet as torch
import glassnet.distributed as dist

from ._mpi import mpiexec_command

pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install 'glassnet[mpi]'")


@pytest.fixture
def world():
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def test_world_of_one_without_mpiexec(world):
    assert dist.is_available() and dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
    t = torch.tensor([1.5, -2.0], dtype=torch.float32)
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.MAX, dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT):
        dist.all_reduce(t, op=op)
    assert t.tolist() == [1.5, -2.0]


def test_destroy_leaves_the_group():
    dist.init_process_group()
    dist.destroy_process_group()
    assert not dist.is_initialized()


def test_rank_before_init_names_init_process_group():
    with pytest.raises(ValueError, match="call init_process_group"):
        dist.get_rank()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.all_reduce(torch.ones(2))


def test_init_twice_is_an_error(world):
    with pytest.raises(RuntimeError, match="twice"):
        dist.init_process_group("mpi")


def test_other_backends_are_refused_naming_mpi():
    with pytest.raises(ValueError, match="expected backend='mpi' or 'gloo'.*got backend='nccl'"
                                         ".*NCCL is for GPUs"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="got backend='ucc'; start the processes with mpiexec"):
        dist.init_process_group("ucc")
    assert not dist.is_initialized()


@pytest.mark.parametrize("backend", ["gloo", "cpu:gloo"])
def test_pytorchs_cpu_backend_name_runs_on_mpi(backend):
    # CPU DDP scripts written for PyTorch pass "gloo"; the collectives are the same on MPI
    dist.init_process_group(backend)
    try:
        assert dist.get_backend() == backend and dist.get_world_size() == 1
        t = torch.tensor([2.0])
        dist.all_reduce(t)
        assert t.tolist() == [2.0]
    finally:
        dist.destroy_process_group()


def test_world_size_that_disagrees_with_the_launcher_is_an_error():
    with pytest.raises(ValueError, match="world_size=4 was passed.*world_size=1"):
        dist.init_process_group("mpi", world_size=4)
    with pytest.raises(ValueError, match="init_method"):
        dist.init_process_group("mpi", init_method="tcp://10.0.0.1:23456")
    with pytest.raises(ValueError, match="timeout=None"):
        dist.init_process_group("mpi", timeout=30)


def test_missing_mpi4py_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now fails
    assert not dist.is_available()
    with pytest.raises(ImportError) as caught:
        dist.init_process_group("mpi")
    message = str(caught.value)
    assert "pip install 'glassnet[mpi]'" in message and "\n" not in message


def test_unsupported_dtype_and_op_and_group_are_refused(world):
    with pytest.raises(TypeError, match="float32, float64, int32 or int64.*bool"):
        dist.all_reduce(torch.tensor([True, False]))
    with pytest.raises(ValueError, match="ReduceOp.SUM, PRODUCT, MIN or MAX"):
        dist.all_reduce(torch.ones(2), op="mean")
    with pytest.raises(ValueError, match="only the default process group"):
        dist.barrier(group="workers")
    with pytest.raises(TypeError, match="expected a glassnet Tensor.*ndarray"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(ValueError, match="src to be a rank in 0..0, got src=1"):
        dist.broadcast(torch.ones(2), src=1)


def test_all_gather_checks_the_list(world):
    with pytest.raises(ValueError, match="list of world_size=1 tensors, got 2"):
        dist.all_gather([torch.zeros(2), torch.zeros(2)], torch.ones(2))
    with pytest.raises(ValueError, match=r"tensor_list\[0\] must have the tensor's shape"):
        dist.all_gather([torch.zeros(3)], torch.ones(2))
    out = [torch.zeros(2, dtype=torch.int64)]
    dist.all_gather(out, torch.tensor([4, 5]))
    assert out[0].tolist() == [4, 5]


def test_async_op_returns_completed_work(world):
    work = dist.broadcast(torch.ones(3), src=0, async_op=True)
    assert work.is_completed() and work.wait()
    assert dist.reduce(torch.ones(3), dst=0) is None


SHARE = """
import os, sys
import glassnet
import glassnet.distributed as dist

dist.init_process_group("mpi")
print(f"rank {dist.get_rank()} threads {glassnet.get_num_threads()}", file=sys.stderr)
"""


def test_ranks_on_one_machine_split_its_cores_between_their_ops(tmp_path):
    """Under a bare mpiexec each rank would otherwise split every op over all the cores."""
    script = tmp_path / "share.py"
    script.write_text(SHARE)
    environ = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    done = subprocess.run([*mpiexec_command(2), sys.executable, str(script)],
                          capture_output=True, text=True, timeout=60, env=environ)
    assert done.returncode == 0, done.stderr
    counts = re.findall(r"rank \d threads (\d+)", done.stderr)
    assert counts == [str(max(1, cores // 2))] * 2, done.stderr
