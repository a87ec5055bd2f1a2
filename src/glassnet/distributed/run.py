"""``python -m glassnet.distributed.run``: torchrun's command line, on MPI.

PyTorch's DDP scripts are written for ``torchrun`` (``python -m torch.distributed.run``): it
starts N copies of the script and gives each one its place in environment variables, which the
script reads before it joins the group::

    torchrun --nproc-per-node 2 train.py --epochs 3
    python -m glassnet.distributed.run --nproc-per-node 2 train.py --epochs 3   # the same here

    # in train.py
    local_rank = int(os.environ["LOCAL_RANK"])
    dist.init_process_group("gloo")           # or "mpi"; glassnet runs both on MPI

How: the command becomes ``mpiexec -n N python -m glassnet.distributed.run <the same
arguments>`` (started under ``mpiexec -n N`` yourself, it skips that step). In each process MPI
knows the rank; this module writes it into the variables torchrun sets (``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``ROLE_RANK``,
``ROLE_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``, ``TORCHELASTIC_*``), then runs the script
as ``__main__`` with its own arguments. As torchrun does, each process gets
``OMP_NUM_THREADS=1`` when N > 1 and the user did not set it.

One machine only: ``--nnodes`` must be 1 (for many machines, call ``mpiexec`` with a hostfile
yourself), and ``--max-restarts`` must be 0 (a lost rank ends the job: nothing is elastic).
Rendezvous options (``--rdzv-*``, ``--standalone``, ``--master-*``) are accepted since MPI's
launcher does the rendezvous; ``--master-addr``/``--master-port`` only fill the variables.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import sys
from pathlib import Path

CHILD_MARK = "GLASSNET_DISTRIBUTED_RUN_CHILD"  # set by the launcher in the processes it starts
INSTALL_HINT = "pip install mpi4py mpich"
THREAD_VARIABLE = "OMP_NUM_THREADS"
# the variables MPI launchers set in each process they start: (world size, rank)
LAUNCHER_VARIABLES = (("PMI_SIZE", "PMI_RANK"), ("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"),
                      ("MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK"))


class UsageError(RuntimeError):
    """A bad command line or a missing launcher: printed as one line, exit status 2."""


def launcher_world_size(environ=None) -> int:
    """How many processes the MPI launcher started (1 when this process was not launched by
    one): read from the launcher's environment variables, before MPI itself is touched."""
    environ = os.environ if environ is None else environ
    for size, _ in LAUNCHER_VARIABLES:
        if environ.get(size, "").strip().isdigit():
            return max(1, int(environ[size]))
    return 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m glassnet.distributed.run",
        description="Start N processes of a DDP training script on this machine, as torchrun "
                    "does, through MPI's mpiexec.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                   help="processes to start: a number, or 'cpu' / 'auto' for one per core "
                        "(default 1)")
    p.add_argument("--nnodes", default="1", help="machines: only 1 (default); for more, call "
                   "mpiexec with a hostfile")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0, help="0 (one machine)")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1",
                   help="written to MASTER_ADDR (MPI connects the processes)")
    p.add_argument("--master-port", "--master_port", type=int, default=29500,
                   help="written to MASTER_PORT (MPI connects the processes)")
    p.add_argument("--standalone", action="store_true", help="accepted: one machine is all "
                   "there is")
    for name in ("--rdzv-backend", "--rdzv-endpoint", "--rdzv-id", "--rdzv-conf"):
        p.add_argument(name, name.replace("-", "_").replace("__", "--", 1), default=None,
                       help="accepted and unused: MPI's launcher does the rendezvous")
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0,
                   help="0 only: a lost rank ends the job")
    p.add_argument("-m", "--module", action="store_true",
                   help="run training_script as a module, like python -m")
    p.add_argument("training_script", help="the script (or, with -m, the module) to run")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER,
                   help="its arguments")
    return p


def processes(nproc_per_node: str) -> int:
    """--nproc-per-node as a count: a positive whole number, or 'cpu'/'auto' (one per core)."""
    text = str(nproc_per_node).strip().lower()
    if text in ("cpu", "auto"):
        return os.cpu_count() or 1
    if text == "gpu":
        raise UsageError("--nproc-per-node gpu: glassnet runs on the CPU; give a number of "
                         "processes, or 'cpu' for one per core")
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--nproc-per-node must be a positive whole number, 'cpu' or 'auto', "
                         f"got {nproc_per_node!r}")
    return int(text)


def check(args: argparse.Namespace) -> int:
    """The number of processes, once the options this launcher cannot honour are refused."""
    if args.nnodes not in ("1", "1:1"):
        raise UsageError(f"--nnodes {args.nnodes}: this launcher starts processes on one "
                         f"machine; for several, run mpiexec -n N -f hostfile python train.py")
    if args.node_rank != 0:
        raise UsageError(f"--node-rank {args.node_rank}: one machine only, so it must be 0")
    if args.max_restarts != 0:
        raise UsageError(f"--max-restarts {args.max_restarts}: glassnet's runs are not "
                         f"elastic (a lost rank ends the job); use --max-restarts 0")
    if not args.module and not Path(args.training_script).is_file():
        raise UsageError(f"no script at {args.training_script!r}; give the path of a Python "
                         f"file, or -m for a module")
    return processes(args.nproc_per_node)


def find_mpiexec(who: str) -> str:
    """The mpiexec next to this Python (the one the ``mpich`` wheel installs), else on PATH."""
    local = Path(sys.executable).parent / "mpiexec"
    if local.exists():
        return str(local)
    found = shutil.which("mpiexec")
    if found is None:
        raise UsageError(f"{who} needs MPI's launcher mpiexec, which is neither next to "
                         f"{sys.executable} nor on PATH; install it with: {INSTALL_HINT}")
    return found


def launch(argv: list[str], nproc: int) -> int:
    """Become ``mpiexec -n nproc python -m glassnet.distributed.run <argv>``."""
    command = [find_mpiexec("python -m glassnet.distributed.run"), "-n", str(nproc),
               sys.executable, "-m", "glassnet.distributed.run", *argv]
    environ = dict(os.environ, **{CHILD_MARK: "1"})
    if nproc > 1 and THREAD_VARIABLE not in environ:
        environ[THREAD_VARIABLE] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, environ)
    return 1  # not reached: execve replaces this process or raises OSError


def torchrun_environment(args: argparse.Namespace) -> dict[str, str]:
    """The variables torchrun gives a worker, for this MPI rank."""
    from .process_group import _import_mpi

    MPI = _import_mpi()
    world = MPI.COMM_WORLD
    local = world.Split_type(MPI.COMM_TYPE_SHARED)  # the ranks on this machine
    try:
        local_rank, local_size = local.Get_rank(), local.Get_size()
        # machines are numbered by their first rank; every rank learns its machine's number
        leaders = world.Split(0 if local_rank == 0 else MPI.UNDEFINED, world.Get_rank())
        node = (leaders.Get_rank(), leaders.Get_size()) if local_rank == 0 else None
        if local_rank == 0:
            leaders.Free()
        node, nodes = local.bcast(node, root=0)
    finally:
        local.Free()
    rank, size = world.Get_rank(), world.Get_size()
    return {
        "RANK": str(rank), "WORLD_SIZE": str(size), "LOCAL_RANK": str(local_rank),
        "LOCAL_WORLD_SIZE": str(local_size), "GROUP_RANK": str(node),
        "GROUP_WORLD_SIZE": str(nodes),
        "ROLE_NAME": "default", "ROLE_RANK": str(rank), "ROLE_WORLD_SIZE": str(size),
        "MASTER_ADDR": args.master_addr, "MASTER_PORT": str(args.master_port),
        "TORCHELASTIC_RESTART_COUNT": "0", "TORCHELASTIC_MAX_RESTARTS": "0",
        "TORCHELASTIC_RUN_ID": args.rdzv_id or "none",
    }


def run_script(args: argparse.Namespace, environment: dict[str, str]) -> None:
    """In one rank: set torchrun's variables, then run the script as ``__main__``."""
    os.environ.pop(CHILD_MARK, None)
    os.environ.update(environment)
    target = args.training_script
    sys.argv = [target, *args.training_script_args]
    if args.module:
        runpy.run_module(target, run_name="__main__", alter_sys=True)
        return
    sys.path.insert(0, str(Path(target).resolve().parent))
    runpy.run_path(target, run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    """Launch (the command as typed), or run the script (in a process mpiexec started)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    try:
        nproc = check(args)
        if not os.environ.get(CHILD_MARK) and launcher_world_size() == 1:
            return launch(argv, nproc)
        if not os.environ.get(CHILD_MARK) and nproc != 1:
            raise UsageError(f"--nproc-per-node {args.nproc_per_node} starts mpiexec itself, "
                             f"but this process already runs under an MPI launcher; drop "
                             f"--nproc-per-node (or the outer mpiexec)")
        environment = torchrun_environment(args)
    except (UsageError, ImportError) as error:
        print(f"python -m glassnet.distributed.run: error: {error}", file=sys.stderr)
        return 2
    run_script(args, environment)  # the script's own errors are the script's: not caught
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
