"""The default process group on MPI: who am I (rank), how many are we (world size).

glassnet does no networking of its own. ``init_process_group(backend="mpi")`` asks the MPI
library (through mpi4py) for the rank and world size the launcher gave this process, exactly as
PyTorch's ``mpi`` backend does::

    mpiexec -n 2 python train.py        # rank 0 and rank 1, world size 2

A script started without ``mpiexec`` is a world of one (MPI's singleton start), so the same code
runs unchanged on a laptop.
"""

from __future__ import annotations

from .. import _threads

INSTALL_HINT = "pip install 'glassnet[mpi]'"
# PyTorch's CPU backend names: "gloo" (what CPU DDP scripts pass) runs on MPI too, since the
# collectives mean the same on CPU tensors whatever moves the bytes
_BACKENDS = ("mpi", "gloo", "cpu:gloo", "cpu:mpi")


class _State:
    """The one default group: the communicator and the backend name, or None before init."""

    comm = None
    backend: str | None = None


def _import_mpi():
    """mpi4py's MPI module, or an ImportError that names the install command."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            f"glassnet.distributed needs mpi4py and an MPI library, which are not installed "
            f"({error}); install them with: {INSTALL_HINT}"
        ) from None
    return MPI


def is_available() -> bool:
    """True when the distributed package can be used here (mpi4py imports)."""
    try:
        _import_mpi()
    except ImportError:
        return False
    return True


def is_mpi_available() -> bool:
    """True when the ``mpi`` backend is available (the only backend glassnet has)."""
    return is_available()


def is_initialized() -> bool:
    """True between ``init_process_group()`` and ``destroy_process_group()``."""
    return _State.comm is not None


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout=None, world_size: int = -1, rank: int = -1,
                       group_name: str = "") -> None:
    """Join the default process group; rank and world size come from the MPI launcher.

    Args:
        backend: ``"mpi"`` (the default) or ``"gloo"``, PyTorch's CPU backend, which CPU DDP
            scripts pass: glassnet runs both on MPI (``get_backend()`` returns the name given).
        init_method: must be None or ``"env://"``: MPI's launcher already connects the processes.
        timeout: accepted for PyTorch compatibility; MPI has no collective timeout, so it must
            be None.
        world_size, rank: -1 (read from MPI); any other value must equal what MPI reports.
        group_name: ignored name, as in PyTorch (the default group has no name).

    Example:
        >>> import glassnet.distributed as dist
        >>> dist.init_process_group("mpi")       # doctest: +SKIP
        >>> dist.get_rank(), dist.get_world_size()  # doctest: +SKIP
        (0, 1)
    """
    if is_initialized():
        raise RuntimeError(
            "trying to initialize the default process group twice! Call "
            "destroy_process_group() first, or check is_initialized() before init."
        )
    backend = "mpi" if backend is None else str(backend).lower()
    if backend not in _BACKENDS:
        gpu = "nccl" in backend or "cuda" in backend
        raise ValueError(
            f"init_process_group: expected backend='mpi' or 'gloo' (glassnet runs both on MPI, "
            f"on the CPU), got backend={backend!r}"
            + ("; NCCL is for GPUs, which glassnet does not use: pass 'gloo' or 'mpi'" if gpu
               else "; start the processes with mpiexec and pass backend='mpi'")
        )
    if init_method not in (None, "env://"):
        raise ValueError(
            f"init_process_group: init_method={init_method!r} is not supported; the MPI "
            f"launcher (mpiexec) connects the processes, so leave init_method=None"
        )
    if timeout is not None:
        raise ValueError("init_process_group: MPI collectives have no timeout; pass timeout=None")
    MPI = _import_mpi()
    comm = MPI.COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if given != -1 and given != actual:
            raise ValueError(
                f"init_process_group: {name}={given} was passed but the MPI launcher gave "
                f"this process {name}={actual}; leave {name} at -1 (MPI decides) or start "
                f"with the matching mpiexec -n"
            )
    _State.comm, _State.backend = comm, backend
    _share_cores(comm, MPI)


def _share_cores(comm, MPI) -> None:
    """Give each op this rank's share of the machine's cores: the ranks on one machine would
    otherwise each split their ops over every core (torchrun sets OMP_NUM_THREADS=1 for the
    same reason)."""
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        _threads.share_cores(local.Get_size())
    finally:
        local.Free()


def destroy_process_group(group=None) -> None:
    """Leave the default group (MPI itself stays up until the process exits, as mpi4py wants)."""
    _check_group(group, "destroy_process_group")
    _State.comm, _State.backend = None, None


def get_backend(group=None) -> str:
    """The backend's name as ``init_process_group`` got it: ``"mpi"`` or ``"gloo"``."""
    _check_group(group, "get_backend")
    _default_comm("get_backend")
    return _State.backend


def get_rank(group=None) -> int:
    """This process's number in the group: 0 .. world_size - 1 (rank 0 prints and saves)."""
    _check_group(group, "get_rank")
    return _default_comm("get_rank").Get_rank()


def get_world_size(group=None) -> int:
    """How many processes the group has."""
    _check_group(group, "get_world_size")
    return _default_comm("get_world_size").Get_size()


def _default_comm(who: str):
    if _State.comm is None:
        raise ValueError(
            f"{who}: Default process group has not been initialized, please make sure to call "
            f"init_process_group(backend='mpi') first (under mpiexec -n N for N processes)"
        )
    return _State.comm


def _check_group(group, who: str) -> None:
    """Only the default group (``group=None`` or ``group.WORLD``) exists in glassnet."""
    if group is not None and group is not WORLD:
        raise ValueError(
            f"{who}: glassnet has only the default process group; got group={group!r}, "
            f"pass group=None"
        )


class _World:
    def __repr__(self) -> str:
        return "<glassnet.distributed.group.WORLD>"


WORLD = _World()


class group:  # noqa: N801 - PyTorch's name: dist.group.WORLD
    """Holder of ``group.WORLD``, the default group (the only one glassnet has)."""

    WORLD = WORLD
