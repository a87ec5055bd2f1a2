"""``glassnet train`` on many processes: data parallel on MPI, as PyTorch DDP does it.

Two ways in, one behaviour::

    mpiexec -n 2 glassnet train ...        # MPI's launcher starts 2 ranks
    glassnet train --procs 2 ...           # glassnet starts that same mpiexec for you

Under a launcher (its environment says so: ``PMI_SIZE`` from MPICH's hydra and Intel MPI,
``OMPI_COMM_WORLD_SIZE`` from Open MPI, ``MV2_COMM_WORLD_SIZE`` from MVAPICH) each process joins
the default process group (``glassnet.distributed.init_process_group("mpi")``); the trainer
wraps the model in ``DistributedDataParallel`` and gives each rank its share of every global
batch through ``DistributedSampler``. ``--batch-size`` is per process, so the global batch is
``world_size x batch_size``, as in PyTorch DDP.

Who speaks: rank 0 alone prints progress and writes the run folder; the other ranks' stdout goes
to /dev/null. How errors end a run, without a hang and with one line:

- setup (option checks, run folder, data) runs inside ``World.agree``: every rank reports ok or
  failed in one Allreduce, and if any failed, all stop together and only the lowest failed rank
  prints its error (the data is read by rank 0 first, so a missing data set is downloaded once);
- divergence is decided on the loss averaged over all ranks, so every rank raises it at the same
  step, and rank 0 alone prints it;
- anything else (a bug, a full disk on one rank) may leave the other ranks waiting inside a
  collective: the failing rank prints its one line and calls ``MPI_Abort``, which ends them all.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from .. import _threads
from ..distributed.run import find_mpiexec, launcher_world_size

# one BLAS thread per rank: N ranks on N cores, not N x cores threads fighting for them
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
INSTALL_HINT = "pip install mpi4py mpich"
MAX_PROCS = 4096
T = TypeVar("T")


ABORT_GRACE_SECONDS = 3.0  # how long a rank waits for rank 0 to end the job after Ctrl-C
FORWARD_SECONDS = 0.2  # how long an aborting rank waits for mpiexec to forward its last line


class World:
    """This process's place among the training processes: ``rank``, ``size``, and the few
    collectives the command needs beyond DDP's. A world of one never touches MPI."""

    def __init__(self, rank: int = 0, size: int = 1) -> None:
        self.rank, self.size = rank, size
        self.left = False  # True once no rank waits for this one in a collective any more
        self.agreed_failure: BaseException | None = None  # an error every rank stopped for
        self.private_folder: str | None = None  # rank 0's unfinished run, known to every rank

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that prints and writes the run folder."""
        return self.rank == 0

    @classmethod
    def join(cls, environ=None) -> World:
        """A world of one, or, under ``mpiexec -n N`` with N > 1, this rank of N: the default
        process group initialised, BLAS limited to one thread, stdout silenced on ranks > 0."""
        if launcher_world_size(environ) == 1:
            return cls()
        from .. import distributed

        if not distributed.is_available():
            raise ImportError(f"glassnet train was started by an MPI launcher, but mpi4py is not "
                              f"installed here; install it with: {INSTALL_HINT}")
        if not distributed.is_initialized():
            distributed.init_process_group(backend="mpi")
        world = cls(distributed.get_rank(), distributed.get_world_size())
        one_thread_per_rank(environ)
        if not world.is_main:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
        return world

    def leave(self) -> None:
        """Say that this rank takes part in no more collectives (after training): an error
        from here on concerns this rank alone and ends it the ordinary way."""
        self.left = True

    # ----- collectives the command needs ------------------------------------------------------
    def sum(self, values: np.ndarray) -> np.ndarray:
        """``values`` (float64, in place) summed over all ranks; one Allreduce."""
        if self.size > 1:
            from .. import distributed
            from ..tensor import Tensor

            distributed.all_reduce(Tensor._make(values))
        return values

    def agree(self, work: Callable[[], T]) -> T:
        """``work()`` on every rank; if it raises on any rank, every rank stops here.

        One Allreduce of (lowest failed rank) decides: that rank re-raises its error (the
        command prints it, naming the rank when it is not 0); the others exit quietly."""
        try:
            result, failure = work(), None
        except Exception as error:  # noqa: BLE001 - every failure must reach the other ranks
            result, failure = None, error
        if self.size == 1:
            if failure is not None:
                raise failure
            return result
        from .. import distributed
        from ..tensor import Tensor

        first = np.array([self.rank if failure is not None else self.size], dtype=np.int64)
        distributed.all_reduce(Tensor._make(first), op=distributed.ReduceOp.MIN)
        if int(first[0]) == self.size:
            return result
        if self.rank != int(first[0]):
            raise SystemExit(1)  # the failed rank says why; one line, not one per rank
        if self.rank != 0:
            failure.args = (f"{failure} (on rank {self.rank} of {self.size})",)
        self.agreed_failure = failure
        raise failure

    def share_private_folder(self, path) -> None:
        """Tell every rank where rank 0 builds the run (one broadcast of a short string), so a
        rank that must end the job while rank 0 is stuck in a collective can remove it."""
        if self.size > 1:
            from ..distributed import process_group

            path = process_group._default_comm("broadcast").bcast(
                None if path is None else str(path), root=0)
        self.private_folder = None if path is None else str(path)

    def main_first(self, work: Callable[[], T]) -> T:
        """``work()`` on rank 0, then on the other ranks, each time as ``agree`` does: for work
        that may write what the others then read (a data set downloaded once, not N times)."""
        first = self.agree(lambda: work() if self.is_main else None)
        return self.agree(lambda: first if self.is_main else work())

    def abort(self, line: str, code: int = 1) -> None:
        """Print ``line`` on stderr and end every rank with ``MPI_Abort(code)``: for an error on
        this rank alone, while the others may be waiting for it inside a collective."""
        print(line, file=sys.stderr, flush=True)
        sys.stdout.flush()
        # the line sits in the pipe to mpiexec's proxy, which stops reading once the abort
        # reaches it: give it a moment to forward the line first (once, in a full test run,
        # the line was lost)
        time.sleep(FORWARD_SECONDS)
        from ..distributed import process_group

        comm = process_group._default_comm("abort")
        # MPICH prints its own "Abort(1) on node ..." line on this rank's stderr; the line
        # above already says what happened, so that one goes to /dev/null
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        comm.Abort(code)


def run_ranks(world: World, work: Callable[[], int], debug: bool = False) -> int:
    """``work()`` on this rank, with the error rules of the module docstring."""
    from .runs import Interrupted
    from .trainer import DivergedError

    if world.size == 1:
        return work()
    try:
        return work()
    except DivergedError:
        if not world.is_main:
            raise SystemExit(1) from None  # every rank diverged at the same step; rank 0 says it
        raise
    except Interrupted as stop:
        line = (f"glassnet: interrupted by {signal.Signals(stop.signum).name}; nothing "
                f"half-made was left behind")
        if not world.is_main:
            # mpiexec passes Ctrl-C to every rank and rank 0 speaks for them, ending the job
            # within the grace period; unless it is waiting for this rank inside a collective,
            # where no signal reaches its Python: then this rank removes the unfinished run
            # and ends the job itself (exiting normally would wait in MPI_Finalize for ever)
            time.sleep(ABORT_GRACE_SECONDS)
            if world.private_folder:
                shutil.rmtree(world.private_folder, ignore_errors=True)
            world.abort(line, 128 + stop.signum)
        # rank 0 has discarded its unfinished run; a rank that got no signal may be waiting in
        # a collective, so the job ends here
        world.abort(line, 128 + stop.signum)
        raise
    except SystemExit:
        raise
    except Exception as error:
        if world.left or error is world.agreed_failure:  # nobody waits for this rank
            raise
        if debug:
            traceback.print_exc()
        message = " ".join(str(error).split()) or type(error).__name__
        world.abort(f"glassnet: error: {message} (on rank {world.rank} of {world.size}; all "
                    f"ranks stopped)")
        raise  # not reached: MPI_Abort ends the process


# ----- --procs N: start mpiexec for the user ------------------------------------------------
def launch_command(procs: int, argv: list[str]) -> tuple[list[str], dict]:
    """(command, environment) that start ``procs`` ranks of ``glassnet <argv>`` (argv without
    ``--procs``): this Python, one BLAS thread per rank unless the user set the variables."""
    if isinstance(procs, bool) or not isinstance(procs, int) or not 1 <= procs <= MAX_PROCS:
        raise ValueError(f"--procs must be positive: a whole number from 1 to {MAX_PROCS}, got "
                         f"{procs}")
    if launcher_world_size() > 1:
        raise ValueError("--procs starts mpiexec itself, but this glassnet already runs under "
                         "an MPI launcher; drop --procs (or drop the outer mpiexec)")
    from .. import distributed

    if not distributed.is_available():
        raise ImportError(f"--procs {procs} needs mpi4py and an MPI library, which are not "
                          f"installed; install them with: {INSTALL_HINT}")
    command = [find_mpiexec("--procs"), "-n", str(procs), sys.executable, "-m", "glassnet",
               *argv]
    environ = dict(os.environ)
    for name in THREAD_VARIABLES:
        environ.setdefault(name, "1")
    return command, environ


def relaunch(procs: int, argv: list[str]) -> int:
    """Replace this process by ``mpiexec -n procs python -m glassnet <argv>``; its exit status
    becomes the command's."""
    command, environ = launch_command(procs, argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, environ)
    return 1  # not reached: execve replaces this process or raises OSError


def without_procs(argv: list[str]) -> list[str]:
    """``argv`` with ``--procs N`` / ``--procs=N`` taken out."""
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--procs":
            skip = True
        elif not item.startswith("--procs="):
            kept.append(item)
    return kept


# ----- one thread per rank ------------------------------------------------------------------
def one_thread_per_rank(environ=None) -> None:
    """Run this rank's ops on one thread (``glassnet.set_num_threads(1)``; BLAS already runs one
    thread per call under glassnet), since the other ranks fill the other cores; unless the
    user chose a number with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS."""
    environ = os.environ if environ is None else environ
    if any(name in environ for name in THREAD_VARIABLES[:3]):
        return
    _threads.set_num_threads(1)
    _threads.set_blas_threads(1)
