"""glassnet.distributed: many processes training one model, on MPI (PyTorch's torch.distributed).

Start N processes with MPI's launcher and join them into the default group::

    mpiexec -n 2 python train.py

    import glassnet as torch
    import glassnet.distributed as dist
    dist.init_process_group(backend="mpi")        # rank, world size: from mpiexec
    model = torch.nn.parallel.DistributedDataParallel(net)

- ``process_group.py``: init_process_group, is_initialized, get_rank, get_world_size, ...
- ``collectives.py``: all_reduce, broadcast, all_gather, reduce, barrier, ReduceOp

glassnet does no networking of its own: mpi4py and an MPI library (MPICH or Open MPI) move the
bytes. Install them with ``pip install 'glassnet[mpi]'``. Importing this package works without
them; ``is_available()`` says whether they are there.
"""

from .collectives import ReduceOp, Work, all_gather, all_reduce, barrier, broadcast, reduce
from .process_group import (
    WORLD,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)

__all__ = [
    "ReduceOp", "WORLD", "Work", "all_gather", "all_reduce", "barrier", "broadcast",
    "destroy_process_group", "get_backend", "get_rank", "get_world_size", "group",
    "init_process_group", "is_available", "is_initialized", "is_mpi_available", "reduce",
]
