"""Engine micro-benchmark: the Python overhead of one small op, and one layer-sized matmul.

Prints one line per result: glassnet's median time, plain NumPy's (the floor for a NumPy
framework), PyTorch CPU's when installed, and the ratios.

    python benchmarks/engine_ops.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_seconds, try_import_torch  # noqa: E402

import glassnet  # noqa: E402


def torch_cases(torch, a_np, b_np) -> dict:
    ta, tb = torch.tensor(a_np), torch.tensor(b_np)
    tag = ta.clone().requires_grad_()
    return {"add (no grad)": lambda: ta + tb, "add (recording)": lambda: tag + tb,
            "mul by float": lambda: ta * 0.5, "relu (recording)": lambda: tag.relu()}


def small_ops(torch) -> None:
    a_np = np.random.rand(10).astype(np.float32)
    b_np = np.random.rand(10).astype(np.float32)
    a, b = glassnet.tensor(a_np), glassnet.tensor(b_np)
    ag = glassnet.tensor(a_np, requires_grad=True)
    cases = {
        "add (no grad)": (lambda: a + b, lambda: a_np + b_np),
        "add (recording)": (lambda: ag + b, lambda: a_np + b_np),
        "mul by float": (lambda: a * 0.5, lambda: a_np * 0.5),
        "relu (recording)": (lambda: ag.relu(), lambda: np.maximum(a_np, 0)),
    }
    for name, (ours, plain) in cases.items():
        t_ours = median_seconds(ours, 20000)
        t_np = median_seconds(plain, 20000)
        line = (f"small op {name:18s} glassnet {t_ours * 1e9:7.0f} ns   numpy {t_np * 1e9:5.0f} ns"
                f"   overhead {(t_ours - t_np) * 1e9:6.0f} ns")
        if torch is not None:
            theirs = torch_cases(torch, a_np, b_np)[name]
            line += f"   torch {median_seconds(theirs, 20000) * 1e9:6.0f} ns"
        print(line)


def matmul(torch) -> None:
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((64, 784), dtype=np.float32)
    w_np = rng.standard_normal((784, 128), dtype=np.float32)
    g_np = np.ones((64, 128), dtype=np.float32)
    x = glassnet.tensor(x_np, requires_grad=True)
    w = glassnet.tensor(w_np, requires_grad=True)

    def ours():
        x.grad = w.grad = None
        (x @ w).backward(g_np)

    def plain():
        x_np @ w_np
        g_np @ w_np.T
        x_np.T @ g_np

    t_ours, t_np = median_seconds(ours, 300), median_seconds(plain, 300)
    line = (f"matmul 64x784 @ 784x128 fwd+bwd   glassnet {t_ours * 1e6:7.1f} us   numpy "
            f"{t_np * 1e6:7.1f} us   ratio {t_ours / t_np:.2f}x")
    if torch is not None:
        tx = torch.tensor(x_np, requires_grad=True)
        tw = torch.tensor(w_np, requires_grad=True)
        tg = torch.tensor(g_np)

        def theirs():
            tx.grad = tw.grad = None
            (tx @ tw).backward(tg)

        line += f"   torch {median_seconds(theirs, 300) * 1e6:7.1f} us"
    print(line)


if __name__ == "__main__":
    torch = None if "--no-torch" in sys.argv else try_import_torch()
    small_ops(torch)
    matmul(torch)
