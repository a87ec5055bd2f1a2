"""Convnet training steps, glassnet vs PyTorch CPU: time, share of time in BLAS, peak memory.

Two nets, batch 64, float32, MNIST images normalised as the classic example does:
(a) ``lenet5`` (glassnet.vision.models.lenet5, Adam lr=1e-3) and (b) ``classic``, PyTorch's
MNIST example net (glassnet.vision.models.mnist_convnet: conv 1→32 3x3, conv 32→64 3x3,
max-pool 2, dropout, fc 9216→128, fc 128→10; Adadelta lr=1.0). Both use cross-entropy on the
logits (the same as the example's log_softmax + nll_loss). A step is zero_grad, forward, loss,
backward, optimizer step. PyTorch gets the same initial weights and the same batches, and runs
with ``torch.set_num_threads(2)``.

How each figure is measured (one result line each):

- **ms/step**: glassnet and PyTorch rounds alternate (glassnet first in even rounds, PyTorch
  first in odd ones), ``--steps`` timed steps per round after one warm-up step; the median over
  all timed steps of ``time.perf_counter`` around a step; ratio = glassnet / PyTorch.
- **BLAS share**: the glassnet steps run again in a child process that Linux ``perf`` samples
  (``perf record -p``, attached after the child's warm-up; rounds x steps steps); the share of
  the process's on-CPU samples, over all its threads (glassnet splits large ops between
  threads, and BLAS runs one thread per call), inside the OpenBLAS library NumPy loaded. It
  counts every BLAS call (``@``, ``np.dot``, ``einsum``). The rest is split into NumPy's own
  loops (elementwise ops, strided copies), the Python interpreter, and "elsewhere" (libc's
  memcpy for contiguous copies, the kernel). Printed as n/a when perf is unavailable.
- **peak memory**: of one warmed-up step (optimizer state already allocated), the highest total
  of the step's live allocations above what was live when it began: activations, saved tensors,
  gradients, temporaries. glassnet: ``tracemalloc`` (NumPy reports its array buffers to it).
  PyTorch: ``torch.profiler`` with ``profile_memory=True``, summing the signed sizes of its CPU
  allocator's events in time order. Both exclude what lives across steps (parameters, optimizer
  state), which is the same size on both sides.

The BLAS and core type in use are printed first: ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` in
the environment change which OpenBLAS kernels NumPy runs, so quote runs with and without them.

    python benchmarks/convnets.py [--steps 20] [--rounds 5] [--nets lenet5 classic] [--no-torch]
                                  [--profile] [--torch-threads 2]

On a machine shared with other jobs, two BLAS threads per process oversubscribe the cores and
every small matrix product can wait a scheduler tick for its second thread (we saw 50x swings);
compare one thread each there: ``OPENBLAS_NUM_THREADS=1 python benchmarks/convnets.py
--torch-threads 1``.

``--profile`` adds glassnet's per-op breakdown for each net: the wall time of each ``Function``'s
forward and backward and of the optimizer step (each wrapped in a timer), and the rest (the
engine and the modules' Python).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import try_import_torch  # noqa: E402

import glassnet  # noqa: E402
import glassnet.nn as nn  # noqa: E402
import glassnet.optim as optim  # noqa: E402
from glassnet.vision import models  # noqa: E402

BATCH = 64
MEAN, STD = 0.1307, 0.3081  # the classic example's Normalize((0.1307,), (0.3081,))
NETS = {
    "lenet5": (models.lenet5, "Adam", {"lr": 1e-3}),
    "classic": (models.mnist_convnet, "Adadelta", {"lr": 1.0}),
}


# ----- what runs --------------------------------------------------------------------------------
def blas_description() -> str:
    """Which BLAS NumPy uses, its core type and threads, and the OPENBLAS_* settings."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    text = f"NumPy {np.__version__}, BLAS {blas.get('name')} {blas.get('version')}"
    library = next((line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines()
                    if "openblas" in line.lower()), None) if os.path.exists("/proc/self/maps") \
        else None
    if library is not None:
        lib = ctypes.CDLL(library)
        for symbol in ("scipy_openblas_get_corename64_", "openblas_get_corename"):
            if hasattr(lib, symbol):
                getattr(lib, symbol).restype = ctypes.c_char_p
                text += f", core {getattr(lib, symbol)().decode()}"
                break
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads"):
            if hasattr(lib, symbol):
                text += f", {getattr(lib, symbol)()} thread(s) per call"
                break
    settings = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    return text + f"; env {settings or 'has no OPENBLAS_* settings'}"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def load_batches(steps: int, seed: int = 0) -> list:
    """``steps`` batches of 64 normalised MNIST training images (float32 NCHW) and labels."""
    (x, y), _ = glassnet.datasets.load_mnist()
    order = np.random.default_rng(seed).permutation(len(x))[:steps * BATCH]
    images = ((x[order].reshape(-1, 1, 28, 28) / np.float32(255) - MEAN) / STD)
    images, labels = images.astype(np.float32), y[order].astype(np.int64)
    return [(images[i:i + BATCH], labels[i:i + BATCH]) for i in range(0, len(images), BATCH)]


def glassnet_step_fn(net: str, seed: int = 0):
    """(step(x, y), model) for glassnet: zero_grad, forward, loss, backward, optimizer step."""
    build, optimizer_name, options = NETS[net]
    glassnet.manual_seed(seed)
    model = build()
    model.train()
    optimizer = getattr(optim, optimizer_name)(model.parameters(), **options)
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step, model


def torch_step_fn(torch, net: str, glassnet_model):
    """The same net in PyTorch, starting from glassnet's initial weights."""
    tnn = torch.nn
    if net == "lenet5":
        model = tnn.Sequential(
            tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
            tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    else:
        model = tnn.Sequential(
            tnn.Conv2d(1, 32, 3, 1), tnn.ReLU(), tnn.Conv2d(32, 64, 3, 1), tnn.ReLU(),
            tnn.MaxPool2d(2), tnn.Dropout(0.25), tnn.Flatten(), tnn.Linear(9216, 128),
            tnn.ReLU(), tnn.Dropout(0.5), tnn.Linear(128, 10))
    state = {k: torch.from_numpy(np.array(v.detach().numpy()))
             for k, v in glassnet_model.state_dict().items()}
    model.load_state_dict(state)
    model.train()
    _, optimizer_name, options = NETS[net]
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), **options)
    criterion = tnn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


# ----- time ---------------------------------------------------------------------------------
def timed_steps(step, batches) -> list[float]:
    times = []
    for x, y in batches:
        start = time.perf_counter()
        step(x, y)
        times.append(time.perf_counter() - start)
    return times


def measure_time(net: str, batches: list, rounds: int, torch) -> dict:
    g_step, g_model = glassnet_step_fn(net)
    runners = {"glassnet": (g_step, [(glassnet.from_numpy(x), glassnet.from_numpy(y))
                                     for x, y in batches])}
    if torch is not None:
        t_step = torch_step_fn(torch, net, g_model)
        runners["PyTorch"] = (t_step, [(torch.from_numpy(x), torch.from_numpy(y))
                                       for x, y in batches])
    for step, data in runners.values():
        step(*data[0])  # warm-up: optimizer state, first-call costs
    times = {name: [] for name in runners}
    for r in range(rounds):
        names = list(runners) if r % 2 == 0 else list(reversed(runners))
        for name in names:
            step, data = runners[name]
            times[name] += timed_steps(step, data)
    return {name: statistics.median(t) for name, t in times.items()}


# ----- memory -------------------------------------------------------------------------------
def glassnet_peak_bytes(net: str, batches: list) -> int:
    step, _ = glassnet_step_fn(net)
    x, y = glassnet.from_numpy(batches[0][0]), glassnet.from_numpy(batches[0][1])
    step(x, y)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        step(x, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def torch_peak_bytes(torch, net: str, batches: list) -> int:
    from torch.profiler import ProfilerActivity, profile

    _, g_model = glassnet_step_fn(net)
    step = torch_step_fn(torch, net, g_model)
    x, y = torch.from_numpy(batches[0][0]), torch.from_numpy(batches[0][1])
    step(x, y)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step(x, y)
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                    key=lambda e: e.start_ns())
    live = peak = 0
    for event in events:
        live += event.nbytes()  # signed: positive for an allocation, negative for a free
        peak = max(peak, live)
    return peak


# ----- BLAS share (perf) --------------------------------------------------------------------
def child(net: str, steps: int, rounds: int) -> None:
    """Run in the child process: warm up, tell the parent, wait, run the steps, tell it again."""
    batches = [(glassnet.from_numpy(x), glassnet.from_numpy(y))
               for x, y in load_batches(steps)]
    step, _ = glassnet_step_fn(net)
    step(*batches[0])
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(rounds):  # as many steps as were timed: a few ms each, so enough samples
        for x, y in batches:
            step(x, y)
    print("done", flush=True)
    sys.stdin.readline()  # idle until perf has stopped, so it never samples the shutdown


def blas_share(net: str, steps: int, rounds: int) -> str:
    perf = shutil.which("perf")
    if perf is None:
        return "n/a (perf is not installed)"
    worker = subprocess.Popen([sys.executable, __file__, "--child", net, "--steps", str(steps),
                               "--rounds", str(rounds)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "perf.data")
        try:
            assert worker.stdout.readline().strip() == "ready"
            recorder = subprocess.Popen([perf, "record", "-q", "-F", "997", "-p", str(worker.pid),
                                         "-o", data], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
            time.sleep(2.0)  # let perf attach before the steps start
            worker.stdin.write("go\n")
            worker.stdin.flush()
            assert worker.stdout.readline().strip() == "done"
            recorder.send_signal(signal.SIGINT)
            _, errors = recorder.communicate(timeout=60)
        finally:
            worker.kill()
            worker.wait()
        if recorder.returncode not in (0, -signal.SIGINT) or not os.path.exists(data):
            return f"n/a (perf record failed: {errors.strip()[-200:]})"
        report = subprocess.run([perf, "report", "-i", data, "--stdio", "-q", "-n", "--sort",
                                 "pid,dso"], capture_output=True, text=True, timeout=120).stdout
    samples = {}  # dso -> the process's samples in it, over all its threads
    for line in report.splitlines():
        match = re.match(r"\s*[\d.]+%\s+(\d+)\s+(\d+):\S+\s+(\S+)", line)
        if match:
            samples[match.group(3)] = samples.get(match.group(3), 0) + int(match.group(1))
    total = sum(samples.values())
    if total == 0:
        return "n/a (perf recorded no samples of the process)"
    blas = 100 * sum(n for dso, n in samples.items() if "blas" in dso.lower()) / total
    # the interpreter only: NumPy's own library is named _multiarray_umath.cpython-311-...
    python = 100 * sum(n for dso, n in samples.items()
                       if dso.startswith(("libpython", "python"))) / total
    numpy_loops = 100 * sum(n for dso, n in samples.items() if "multiarray" in dso) / total
    return (f"{blas:.0f}% of the process's {total} samples (all threads) in BLAS, "
            f"{numpy_loops:.0f}% in NumPy's loops, {python:.0f}% in the Python interpreter, "
            f"{100 - blas - numpy_loops - python:.0f}% elsewhere (libc copies, kernel)")


# ----- where the time goes (a timer around every op) ----------------------------------------
def _function_classes() -> list:
    from glassnet.autograd.function import Function

    classes, todo = [], list(Function.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        classes.append(cls)
    return classes


def _timed(function, label: str, seconds: dict):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - start

    return timed


def profile_ops(net: str, batches: list) -> None:
    """Wall time of every Function's forward and backward and of the optimizer's step, each
    wrapped in a timer for the run (a wrapper costs ~1 µs, where cProfile slowed every Python
    call); an op's time includes waiting for the pool threads it split its work with."""
    seconds = {}
    patched = []
    for cls in _function_classes():
        for method in ("forward", "backward"):
            if isinstance(cls.__dict__.get(method), staticmethod):
                function = cls.__dict__[method].__func__
                patched.append((cls, method, cls.__dict__[method]))
                setattr(cls, method, staticmethod(
                    _timed(function, f"{cls.__name__}.{method}", seconds)))
    step, _ = glassnet_step_fn(net)
    data = [(glassnet.from_numpy(x), glassnet.from_numpy(y)) for x, y in batches]
    step(*data[0])
    optimizer_step = optim.Optimizer.step
    optim.Optimizer.step = _timed(optimizer_step, "optimizer.step", seconds)
    seconds.clear()
    try:
        start = time.perf_counter()
        for x, y in data:
            step(x, y)
        total = (time.perf_counter() - start) / len(data)
    finally:
        optim.Optimizer.step = optimizer_step
        for cls, method, original in patched:
            setattr(cls, method, original)
    print(f"profile {net:8s} glassnet {total * 1e3:.2f} ms/step with every op timed; wall time "
          f"per op (forward/backward run NumPy only, so this is the op's own cost):")
    for label, spent in sorted(seconds.items(), key=lambda kv: -kv[1]):
        if spent / len(data) / total >= 0.005:
            print(f"profile {net:8s}   {label:32s} {spent / len(data) * 1e3:8.3f} ms/step "
                  f"{100 * spent / len(data) / total:5.1f}%")
    rest = total - sum(seconds.values()) / len(data)
    print(f"profile {net:8s}   {'(engine, modules, Python glue)':32s} {rest * 1e3:8.3f} ms/step "
          f"{100 * rest / total:5.1f}%")


# ----- main ---------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    parser.add_argument("--nets", nargs="+", choices=sorted(NETS), default=list(NETS))
    parser.add_argument("--no-torch", action="store_true", help="glassnet only")
    parser.add_argument("--torch-threads", type=int, default=2,
                        help="PyTorch's intra-op threads (NumPy's: OPENBLAS_NUM_THREADS)")
    parser.add_argument("--profile", action="store_true", help="add glassnet's per-op profile")
    parser.add_argument("--child", choices=sorted(NETS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps, args.rounds)
        return
    torch = None if args.no_torch else try_import_torch()
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    print(f"convnets: {cpu_name()}; {blas_description()}; glassnet splits ops over "
          f"{glassnet.get_num_threads()} threads")
    if torch is not None:
        print(f"convnets: PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    batches = load_batches(args.steps)
    for net in args.nets:
        times = measure_time(net, batches, args.rounds, torch)
        counted = f"(median of {args.rounds} rounds x {args.steps} steps)"
        for name, seconds in times.items():
            print(f"convnets {net:8s} batch {BATCH} {name:8s} {seconds * 1e3:8.2f} ms/step "
                  f"{counted}")
        if torch is not None:
            ratio = times["glassnet"] / times["PyTorch"]
            print(f"convnets {net:8s} ratio glassnet/PyTorch {ratio:.2f}x per step "
                  f"(below 1 is faster)")
        print(f"convnets {net:8s} glassnet BLAS share: {blas_share(net, args.steps, args.rounds)}")
        ours = glassnet_peak_bytes(net, batches)
        line = f"convnets {net:8s} peak memory of one step: glassnet {ours / 2**20:.1f} MiB"
        if torch is not None:
            theirs = torch_peak_bytes(torch, net, batches)
            line += f", PyTorch {theirs / 2**20:.1f} MiB, ratio {ours / theirs:.2f}x"
        print(line)
        if args.profile:
            profile_ops(net, batches)


if __name__ == "__main__":
    main()
