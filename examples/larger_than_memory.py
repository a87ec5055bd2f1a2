"""Seed 004: "a trillion data points: load mini-batches incrementally".

Writes a synthetic float32 data set to a temporary folder (200 MB by default; ``--gigabytes 2``
for the issue's 2 GB), then trains logistic regression (one ``nn.Linear``) by SGD streaming
shuffled mini-batches from the file with ``MemmapDataset``, and prints the process's peak memory
(``ru_maxrss``): it stays far below the data's size because only the rows of the current batch
are read, and the mapped pages are handed back as training goes (see MemmapDataset).

    python examples/larger_than_memory.py                 # 200 MB, a few seconds
    python examples/larger_than_memory.py --gigabytes 2   # the full demonstration

Measured once (2 cores shared with other jobs): 2,020 MB of data, peak memory (ru_maxrss)
159 MiB, 17 s to write the file and 110 s for the epoch of 7,513 shuffled batches, 92% test
accuracy. Most of that time is the system mapping pages: random rows of a file much larger
than the memory budget cost one page fault each (15 million minor faults in all); reading in
order (``shuffle=False``, or a ``shuffle_buffer`` over contiguous chunks) costs far fewer.
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import glassnet as torch
from glassnet import nn
from glassnet.utils.data import DataLoader, MemmapDataset

FEATURES = 64
CHUNK_ROWS = 65_536  # rows generated and written at a time: the file never sits in memory


def peak_mib() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def write_npy(path: Path, shape: tuple, chunks) -> None:
    """Write an .npy file chunk by chunk: the header, then the rows, with plain file writes
    (writing through a memory map would keep every written page in the process)."""
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(
            file, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
                   "fortran_order": False, "shape": shape})
        for chunk in chunks:
            file.write(np.ascontiguousarray(chunk, dtype=np.float32).tobytes())


def synthetic(folder: Path, name: str, rows: int, w_true: np.ndarray, seed: int) -> None:
    """x ~ N(0, 1); label 1 when x·w_true plus logistic noise is positive."""
    rng = np.random.default_rng(seed)
    sizes = [min(CHUNK_ROWS, rows - start) for start in range(0, rows, CHUNK_ROWS)]
    labels = []

    def features():
        for size in sizes:
            x = rng.standard_normal((size, FEATURES), dtype=np.float32)
            noise = rng.logistic(size=size).astype(np.float32)
            labels.append((x @ w_true + noise > 0).astype(np.float32))
            yield x

    write_npy(folder / f"{name}_x.npy", (rows, FEATURES), features())
    write_npy(folder / f"{name}_y.npy", (rows, 1), labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=0.2,
                        help="size of the training data on disk (default 0.2)")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=0,
                        help="DataLoader worker processes (default 0: load in this process)")
    args = parser.parse_args()

    torch.manual_seed(0)
    w_true = np.random.default_rng(1).standard_normal(FEATURES).astype(np.float32)
    row_bytes = 4 * (FEATURES + 1)
    train_rows = int(args.gigabytes * 1e9 // row_bytes)
    test_rows = max(10_000, train_rows // 100)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        synthetic(folder, "train", train_rows, w_true, seed=2)
        synthetic(folder, "test", test_rows, w_true, seed=3)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"wrote {train_rows:,} + {test_rows:,} rows ({size_mb:,.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s; peak memory so far {peak_mib():.0f} MiB")

        train = MemmapDataset(folder / "train_x.npy", folder / "train_y.npy")
        test = MemmapDataset(folder / "test_x.npy", folder / "test_y.npy")
        loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                            num_workers=args.workers)
        model = nn.Linear(FEATURES, 1)
        loss_fn = nn.BCEWithLogitsLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

        start, running = time.perf_counter(), []
        for step, (x, y) in enumerate(loader, start=1):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running.append(loss.item())
            if step % max(1, len(loader) // 5) == 0:
                print(f"step {step:>6}/{len(loader)}  loss {np.mean(running):.4f}  "
                      f"peak memory {peak_mib():.0f} MiB")
                running = []
        train_seconds = time.perf_counter() - start

        correct = 0
        with torch.no_grad():
            for x, y in DataLoader(test, batch_size=65_536):
                correct += int(((model(x) > 0).float() == y).sum().item())
        cosine = float(np.dot(model.weight.detach().numpy()[0], w_true)
                       / np.linalg.norm(model.weight.detach().numpy()) / np.linalg.norm(w_true))
        print(f"one epoch over {size_mb:,.0f} MB in {train_seconds:.1f} s; "
              f"test accuracy {correct / test_rows:.2%}; cosine(w, w_true) {cosine:.4f}")
        print(f"peak memory (ru_maxrss) {peak_mib():.0f} MiB for {size_mb:,.0f} MB of data")


if __name__ == "__main__":
    main()
