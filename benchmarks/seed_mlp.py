"""Seed 003's MNIST network, one epoch, three ways: glassnet, hand-written NumPy, PyTorch CPU.

Model 784-128-64-10 with ReLU, CrossEntropyLoss, Adam(lr=1e-3), batch 64; the data is already
in memory as float32 in [0, 1]. Prints one line per variant: median ms/step over the repeats
and the test accuracy after the epoch, then the ratios the issue's targets are stated in.

    python benchmarks/seed_mlp.py [--repeats 5] [--batch-size 64] [--no-torch]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import try_import_torch  # noqa: E402

import glassnet  # noqa: E402
import glassnet.nn as nn  # noqa: E402
import glassnet.optim as optim  # noqa: E402
from glassnet.utils.data import DataLoader, TensorDataset  # noqa: E402


def load():
    (x, y), (xt, yt) = glassnet.datasets.load_mnist()

    def to_float(images):
        return (images.reshape(len(images), 1, 28, 28) / np.float32(255)).astype(np.float32)

    return to_float(x), y, to_float(xt), yt


class SimpleNN(nn.Module):
    """Seed 003's model, as written there."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(784, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.layers(self.flatten(x))


def glassnet_epoch(data, batch_size, seed, use_loader=False):
    x, y, xt, yt = data
    glassnet.manual_seed(seed)
    model = SimpleNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    if use_loader:
        batches = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    else:
        xs, ys = glassnet.from_numpy(x), glassnet.from_numpy(y)
        order = np.random.default_rng(seed).permutation(len(x))
        batches = ((xs[order[i:i + batch_size]], ys[order[i:i + batch_size]])
                   for i in range(0, len(x), batch_size))
    steps = 0
    start = time.perf_counter()
    for images, labels in batches:
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        steps += 1
    elapsed = time.perf_counter() - start
    with glassnet.no_grad():
        accuracy = (model(glassnet.from_numpy(xt)).argmax(1).numpy() == yt).mean()
    return elapsed / steps, accuracy


def numpy_epoch(data, batch_size, seed):
    """The same network with forward, backward and Adam derived and written by hand."""
    x, y, xt, yt = data
    x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    rng = np.random.default_rng(seed)
    sizes = [(784, 128), (128, 64), (64, 10)]
    params = []
    for fan_in, fan_out in sizes:
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    scratch = [np.empty_like(p) for p in params]
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    order = rng.permutation(len(x))
    steps = 0
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        idx = order[i:i + batch_size]
        xb, yb = x[idx], y[idx]
        w1, c1, w2, c2, w3, c3 = params
        z1 = xb @ w1 + c1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2 + c2
        a2 = np.maximum(z2, 0)
        logits = a2 @ w3 + c3
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        probs = exp / exp.sum(axis=1, keepdims=True)
        n = len(yb)
        dlogits = probs
        dlogits[np.arange(n), yb] -= 1
        dlogits /= n
        grads = [None] * 6
        grads[4], grads[5] = a2.T @ dlogits, dlogits.sum(0)
        da2 = dlogits @ w3.T
        da2 *= z2 > 0
        grads[2], grads[3] = a1.T @ da2, da2.sum(0)
        da1 = da2 @ w2.T
        da1 *= z1 > 0
        grads[0], grads[1] = xb.T @ da1, da1.sum(0)
        steps += 1
        t = steps
        step_size = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        for p, g, mi, vi, s in zip(params, grads, m, v, scratch):
            mi *= b1
            np.multiply(g, 1 - b1, out=s)
            mi += s
            vi *= b2
            np.multiply(g, g, out=s)
            s *= 1 - b2
            vi += s
            np.sqrt(vi, out=s)
            s += eps * np.sqrt(1 - b2**t)
            np.divide(mi, s, out=s)
            s *= step_size
            p -= s
    elapsed = time.perf_counter() - start
    w1, c1, w2, c2, w3, c3 = params
    h = np.maximum(np.maximum(xt @ w1 + c1, 0) @ w2 + c2, 0) @ w3 + c3
    return elapsed / steps, (h.argmax(1) == yt).mean()


def torch_epoch(torch, data, batch_size, seed):
    x, y, xt, yt = data
    torch.manual_seed(seed)
    tnn = torch.nn
    model = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 128), tnn.ReLU(), tnn.Linear(128, 64),
                           tnn.ReLU(), tnn.Linear(64, 10))
    criterion = tnn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(x)))
    steps = 0
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        idx = order[i:i + batch_size]
        optimizer.zero_grad()
        loss = criterion(model(xs[idx]), ys[idx])
        loss.backward()
        optimizer.step()
        steps += 1
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (model(torch.from_numpy(xt)).argmax(1).numpy() == yt).mean()
    return elapsed / steps, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    torch = None if args.no_torch else try_import_torch()
    data = load()
    variants = {
        "glassnet (plain loop)": lambda s: glassnet_epoch(data, args.batch_size, s),
        "glassnet (DataLoader)": lambda s: glassnet_epoch(data, args.batch_size, s, True),
        "hand-written NumPy": lambda s: numpy_epoch(data, args.batch_size, s),
    }
    if torch is not None:
        variants[f"PyTorch {torch.__version__} CPU"] = lambda s: torch_epoch(torch, data,
                                                                            args.batch_size, s)
    results = {name: [] for name in variants}
    for repeat in range(args.repeats):  # interleaved, so drift hits every variant alike
        for name, run in variants.items():
            results[name].append(run(repeat))
    medians = {}
    for name, runs in results.items():
        medians[name] = statistics.median(r[0] for r in runs) * 1e3
        accuracy = statistics.median(r[1] for r in runs)
        print(f"seed MLP batch {args.batch_size:4d}  {name:24s} {medians[name]:6.3f} ms/step "
              f"(median of {args.repeats})  test accuracy {accuracy:.4f}")
    plain, loader = medians["glassnet (plain loop)"], medians["glassnet (DataLoader)"]
    hand = medians["hand-written NumPy"]
    line = (f"ratios: glassnet/hand NumPy {plain / hand:.3f}x   DataLoader/plain loop "
            f"{loader / plain:.3f}x")
    if torch is not None:
        line += f"   glassnet/PyTorch {plain / medians[f'PyTorch {torch.__version__} CPU']:.3f}x"
    print(line)


if __name__ == "__main__":
    main()
