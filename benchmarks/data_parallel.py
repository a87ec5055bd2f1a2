"""Data-parallel scaling: the seed MLP on MNIST with 1 and 2 ranks under mpiexec.

Model 784-128-64-10 with ReLU (the command's default), CrossEntropyLoss, Adam(lr=1e-3), the
whole 60000-image training set per epoch, already in memory as float32. The GLOBAL batch is the
same on 1 and 2 ranks: 1 rank x 128 against 2 ranks x 64, and likewise 512 and 2048. Each rank
has one BLAS thread (OPENBLAS_NUM_THREADS=1 etc.), takes its share through DistributedSampler
(indices into the array: no per-image Python work) and, with more than one rank, trains
through DistributedDataParallel: one in-place Allreduce of one flat float32 gradient buffer per
step, nothing pickled. The 1-rank run is the plain single-process loop, no DDP.

Per run: a 30-step warm-up, then ``--epochs`` timed epochs; the line reports the median epoch
as images/s (and the fastest epoch's: the least disturbed by other processes), ms per step, the
time per step inside collectives (every MPI call DDP makes, timed; it includes waiting for the
slower rank), the compute time per step (and its CPU time) and the test accuracy at the end.
With more than one rank it also times a bare Allreduce of the gradient's size and of 8 bytes
(the transfer and latency terms of the cost model in the README). Then the ratio, and what the
CPU times predict for an idle machine (this machine is shared: a rank that loses its core to
another process makes the other rank wait in the Allreduce).

    python benchmarks/data_parallel.py [--ranks 1,2] [--global-batch 128,256,512,1024,2048]
                                       [--epochs 5]

Several global batches show where the time goes: each step has a fixed cost (Python and the
optimizer's update of every weight, paid in full on every rank) that splitting the batch does
not shrink, so the ratio grows with the batch each rank gets. When the list holds both B and
2·B, the end also compares 1 rank at B with 2 ranks at B each: the same batch per rank, which
is what ``glassnet train --procs 2 --batch-size B`` gives against one process (the command's
--batch-size is per process, as in PyTorch DDP).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class TimedComm:
    """The MPI communicator, with the seconds spent in each collective added to ``seconds``."""

    COLLECTIVES = ("Allreduce", "Bcast", "Allgather", "Reduce", "Barrier")

    def __init__(self, comm) -> None:
        self.comm, self.seconds, self.cpu_seconds, self.calls = comm, 0.0, 0.0, 0

    def __getattr__(self, name):
        method = getattr(self.comm, name)
        if name not in self.COLLECTIVES:
            return method

        def timed(*args, **kwargs):
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.cpu_seconds += time.process_time() - cpu
                self.calls += 1

        return timed


def load_mnist():
    import glassnet

    (x, y), (xt, yt) = glassnet.datasets.load_mnist()
    scale = np.float32(1 / 255)
    return (x.reshape(len(x), -1) * scale).astype(np.float32), y, \
        (xt.reshape(len(xt), -1) * scale).astype(np.float32), yt


def seed_mlp():
    from glassnet import nn

    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def probe_allreduce(comm, floats: int, repeat: int = 200) -> float:
    """Median seconds of one in-place Allreduce of ``floats`` float32 values."""
    from mpi4py import MPI

    buffer = np.ones(floats, dtype=np.float32)
    times = []
    for _ in range(repeat):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker(global_batch: int, epochs: int) -> None:
    """One rank's run; rank 0 prints one ``RESULT {json}`` line."""
    import glassnet
    import glassnet.distributed as dist
    from glassnet import nn, optim
    from glassnet.distributed import process_group
    from glassnet.nn.parallel import DistributedDataParallel
    from glassnet.utils.data.distributed import DistributedSampler

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if global_batch % world:
        raise SystemExit(f"--global-batch {global_batch} does not split over {world} ranks")
    timed = TimedComm(process_group._State.comm)
    process_group._State.comm = timed
    x, y, xt, yt = load_mnist()
    glassnet.manual_seed(0)
    model = seed_mlp()
    net = DistributedDataParallel(model) if world > 1 else model
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    sampler = DistributedSampler(x, num_replicas=world, rank=rank, shuffle=True, seed=0)
    batch = global_batch // world

    def epoch(number: int, steps: int | None = None):
        sampler.set_epoch(number)
        order = np.fromiter(sampler, dtype=np.int64, count=len(sampler))
        starts = range(0, len(order), batch)[:steps]
        timed.comm.Barrier()
        before, start = (timed.seconds, timed.cpu_seconds), time.perf_counter()
        cpu = time.process_time()
        for begin in starts:
            idx = order[begin:begin + batch]
            optimizer.zero_grad()
            loss = criterion(net(glassnet.from_numpy(x[idx])), glassnet.from_numpy(y[idx]))
            loss.backward()
            optimizer.step()
        compute_cpu = time.process_time() - cpu - (timed.cpu_seconds - before[1])
        return (time.perf_counter() - start, timed.seconds - before[0], len(starts),
                compute_cpu)

    epoch(0, steps=30)  # warm-up: first-touch of memory, caches, MPI's shared-memory setup
    runs = [epoch(number) for number in range(1, epochs + 1)]
    best = min(run[0] for run in runs)  # the epoch least disturbed by other processes
    seconds, collective, steps, compute_cpu = sorted(runs)[len(runs) // 2]
    means = np.array([collective / steps, compute_cpu / steps])  # over ranks, per step
    if world > 1:
        timed.comm.Allreduce(_mpi().IN_PLACE, means)
        means /= world
    with glassnet.no_grad():
        accuracy = float((model(glassnet.from_numpy(xt)).argmax(1).numpy() == yt).mean())
    gradient_floats = sum(p.numel() for p in model.parameters())
    probe = {}
    if world > 1:
        probe = {"allreduce_gradient_s": probe_allreduce(timed.comm, gradient_floats),
                 "allreduce_8_bytes_s": probe_allreduce(timed.comm, 2)}
    if rank == 0:
        print("RESULT " + json.dumps({
            "world": world, "batch_per_rank": batch, "global_batch": global_batch,
            "images": world * len(sampler), "steps": steps, "epoch_seconds": seconds,
            "best_epoch_seconds": best,
            "collective_s_per_step": float(means[0]), "compute_cpu_s_per_step": float(means[1]),
            "accuracy": accuracy,
            "gradient_bytes": 4 * gradient_floats, **probe}), flush=True)
    dist.destroy_process_group()


def _mpi():
    from mpi4py import MPI

    return MPI


def find_mpiexec() -> str:
    local = Path(sys.executable).parent / "mpiexec"
    if local.exists():
        return str(local)
    from shutil import which

    found = which("mpiexec")
    if found is None:
        raise SystemExit("no mpiexec next to this Python or on PATH: pip install mpi4py mpich")
    return found


def launch(ranks: int, global_batch: int, epochs: int) -> dict:
    command = [find_mpiexec(), "-n", str(ranks), sys.executable, __file__, "--worker",
               "--global-batch", str(global_batch), "--epochs", str(epochs)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, **ONE_THREAD))
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(lines[0][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1,2", help="comma-separated world sizes")
    parser.add_argument("--global-batch", default="128,256,512,1024,2048",
                        help="comma-separated global batch sizes (one worker run: one size)")
    parser.add_argument("--epochs", type=int, default=5,
                        help="timed epochs per run (median and fastest reported)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(int(args.global_batch), args.epochs)
    print(f"load before: {os.getloadavg()[0]:.2f} (1-minute average, {os.cpu_count()} cores)")
    runs = {global_batch: compare([int(r) for r in args.ranks.split(",")], global_batch,
                                  args.epochs)
            for global_batch in (int(b) for b in args.global_batch.split(","))}
    same_batch_per_rank(runs)
    print(f"load after: {os.getloadavg()[0]:.2f}")


def _rate(result: dict) -> float:
    return result["images"] / result["epoch_seconds"]


def same_batch_per_rank(runs: dict) -> None:
    """The ratio of N ranks at N·B to 1 rank at B, for every B the runs allow: how much faster an
    epoch goes when processes are added and the batch per process is kept."""
    for global_batch, results in sorted(runs.items()):
        for ranks in sorted(results):
            wider = runs.get(global_batch * ranks, {}).get(ranks)
            if ranks == 1 or 1 not in results or wider is None:
                continue
            ratio = _rate(wider) / _rate(results[1])
            print(f"ratio (images/s, {global_batch} per rank): {ranks} ranks x {global_batch} / "
                  f"1 rank x {global_batch} {ratio:.2f}x", flush=True)


def compare(world_sizes: list[int], global_batch: int, epochs: int) -> dict:
    """One line per world size at this global batch, then the ratios to 1 rank; returns each
    world size's result."""
    results = {}
    for ranks in world_sizes:
        r = results[ranks] = launch(ranks, global_batch, epochs)
        rate = _rate(r)
        best = r["images"] / r["best_epoch_seconds"]
        step_ms = r["epoch_seconds"] / r["steps"] * 1e3
        collective_ms = r["collective_s_per_step"] * 1e3
        line = (f"seed MLP data parallel {ranks} rank{'s' if ranks > 1 else ' '} x "
                f"{r['batch_per_rank']:4d} (global {r['global_batch']:4d})  {rate:7.0f} images/s "
                f"(best epoch {best:7.0f})  "
                f"{step_ms:6.3f} ms/step  collectives {collective_ms:6.3f} ms/step  "
                f"compute {step_ms - collective_ms:6.3f} ms/step (CPU "
                f"{r['compute_cpu_s_per_step'] * 1e3:6.3f})  test accuracy {r['accuracy']:.4f}")
        if "allreduce_gradient_s" in r:
            line += (f"  (bare Allreduce: {r['gradient_bytes'] / 1e3:.0f} KB "
                     f"{r['allreduce_gradient_s'] * 1e6:.0f} us, 8 B "
                     f"{r['allreduce_8_bytes_s'] * 1e6:.1f} us)")
        print(line, flush=True)
    if 1 in results:
        def ratio(n: int, key: str) -> float:
            return results[1][key] / results[n][key]  # same images per epoch: a time ratio

        ratios = "   ".join(f"{n} ranks / 1 rank {ratio(n, 'epoch_seconds'):.2f}x (best epochs "
                           f"{ratio(n, 'best_epoch_seconds'):.2f}x)"
                           for n in results if n > 1)
        print(f"ratio (images/s, global batch {global_batch}): {ratios}", flush=True)
        # what an idle machine would give: each rank's compute CPU time per step (what it
        # needs of its core, whatever else runs) plus the bare Allreduce it must wait for
        alone = results[1]["compute_cpu_s_per_step"]
        projected = "   ".join(
            f"{n} ranks {alone / (r['compute_cpu_s_per_step'] + r['allreduce_gradient_s']):.2f}x"
            for n, r in results.items() if n > 1)
        print(f"  projection for an idle machine (compute CPU time + bare Allreduce): "
              f"{projected}", flush=True)
    return results


if __name__ == "__main__":
    main()
