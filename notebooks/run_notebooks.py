"""Run the lesson notebooks in a Jupyter kernel, as the test suite does, and time them; with
``--figures DIR`` also save each notebook's main figure (the picture of the cell tagged
``main-figure``) as DIR/<notebook>.png, under 100 KB, for the README.

    .venv/bin/python notebooks/run_notebooks.py                      # all, timed
    .venv/bin/python notebooks/run_notebooks.py 03_gradient_descent  # one
    .venv/bin/python notebooks/run_notebooks.py --figures docs/images/notebooks

Nothing is written back into the notebooks: they stay stored without outputs.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LESSONS = sorted(p.stem for p in HERE.glob("[0-9][0-9]_*.ipynb"))
MAX_FIGURE_BYTES = 100_000


def kernel_environment() -> dict:
    """The kernel's environment: no network (a download would go to a closed local port), and
    one BLAS thread unless the caller chose otherwise: on a busy 2-core machine, OpenBLAS
    threads spinning while they wait for a core made the lessons' small matrix products about
    30x slower (lesson 1's training: 200 s instead of 6 s)."""
    environment = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environment.setdefault(name, "1")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        environment[name] = "http://127.0.0.1:9"
    for name in ("no_proxy", "NO_PROXY"):
        environment.pop(name, None)
    environment["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return environment


def execute(lesson: str, timeout: int = 300):
    """Run ``notebooks/<lesson>.ipynb`` from top to bottom in a fresh python3 kernel (the one
    of this interpreter), in the notebooks folder. Returns (the executed notebook, seconds);
    raises nbclient's CellExecutionError, naming the cell, on the first error."""
    import nbclient
    import nbformat

    notebook = nbformat.read(HERE / f"{lesson}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=timeout,
                                     resources={"metadata": {"path": str(HERE)}})
    started = time.perf_counter()
    client.execute(env=kernel_environment())
    return notebook, time.perf_counter() - started


def main_figure(notebook) -> bytes:
    """The last PNG shown by the cell tagged ``main-figure``."""
    for cell in notebook.cells:
        if "main-figure" in cell.metadata.get("tags", []):
            pictures = [o["data"]["image/png"] for o in cell.outputs
                        if "image/png" in o.get("data", {})]
            if not pictures:
                raise ValueError(f"the main-figure cell {cell.id} showed no PNG")
            return base64.b64decode(pictures[-1])
    raise ValueError("no cell is tagged main-figure")


def small_png(data: bytes, limit: int = MAX_FIGURE_BYTES) -> bytes:
    """The picture as a PNG under ``limit`` bytes: as it is if it fits, else in 256 colours,
    then smaller."""
    from PIL import Image

    if len(data) <= limit:
        return data
    image = Image.open(io.BytesIO(data)).convert("RGB")
    while True:
        buffer = io.BytesIO()
        image.quantize(colors=256).save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= limit:
            return buffer.getvalue()
        image = image.resize((int(image.width * 0.85), int(image.height * 0.85)),
                             Image.Resampling.LANCZOS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=LESSONS, help=f"of {LESSONS}")
    parser.add_argument("--figures", metavar="DIR", help="save each main figure there")
    args = parser.parse_args(argv)
    for lesson in args.lessons:
        notebook, seconds = execute(lesson)
        line = f"{lesson}.ipynb: {seconds:.1f} s"
        if args.figures:
            target = Path(args.figures) / f"{lesson}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(small_png(main_figure(notebook)))
            line += f", main figure {target} ({target.stat().st_size // 1024} KB)"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
