"""Write the lesson notebooks from their cells (kept as Python lists in notebooks/cells/).

Every notebook is stored without outputs (execution_count null, outputs []): what a learner
opens is the lesson, not a previous run, and the diff of a change is the change.

    .venv/bin/python notebooks/build_notebooks.py           # (re)write every .ipynb
    .venv/bin/python notebooks/build_notebooks.py --check   # exit 1 if one differs

A cell is ``md(text)`` or ``code(text)``; ``code(text, tags=[...])`` adds cell tags (the tag
``main-figure`` marks the cell whose picture the README shows, see make_readme_images.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
LESSONS = ["01_mnist_pytorch_style", "02_backprop_by_hand", "03_gradient_descent", "04_keras",
           "05_playground", "06_convnets"]
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _cells_of(lesson: str) -> list:
    """The CELLS list of notebooks/cells/lessonNN.py (a file, not an installed module)."""
    if str(HERE / "cells") not in sys.path:
        sys.path.insert(0, str(HERE / "cells"))  # for their `from _cell import code, md`
    path = HERE / "cells" / f"lesson{lesson[:2]}.py"
    spec = importlib.util.spec_from_file_location(f"cells_{lesson[:2]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CELLS


def notebook(lesson: str) -> nbformat.NotebookNode:
    """The lesson as a notebook without outputs (ids derived from the position, so the same
    cells always give the same file)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for number, (kind, text, tags) in enumerate(_cells_of(lesson)):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(text.strip("\n"))
        cell["id"] = f"{lesson[:2]}-{number:02d}"
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def text_of(nb) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a stored notebook differs from its cells")
    args = parser.parse_args(argv)
    stale = []
    for lesson in LESSONS:
        path = HERE / f"{lesson}.ipynb"
        wanted = text_of(notebook(lesson))
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != wanted:
                stale.append(path.name)
        else:
            path.write_text(wanted, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/build_notebooks.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
