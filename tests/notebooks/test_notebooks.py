"""The lesson notebooks: stored without outputs, built from their cells, and each one runs from
top to bottom in a Jupyter kernel within 90 s, offline, without an error."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ["01_mnist_pytorch_style", "02_backprop_by_hand", "03_gradient_descent", "04_keras",
           "05_playground", "06_convnets"]
TIME_LIMIT = 90.0  # seconds per notebook (issue 14)
# Over ~30 s on a busy 2-core machine, the project's mark for slow (CI still runs them):
# measured 47 s each at a load average of 11 (24 s and 29 s at 8).
SLOW = {"01_mnist_pytorch_style", "04_keras"}
RUNS = [pytest.param(lesson, marks=pytest.mark.slow) if lesson in SLOW else lesson
        for lesson in LESSONS]


def stored_outputs(notebook: dict) -> list[str]:
    """Where a notebook still holds the results of a run: one line per offending cell."""
    problems = []
    for number, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {number}: {len(cell['outputs'])} stored output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {number}: execution_count {cell['execution_count']}")
    return problems


def test_the_six_lessons_are_there():
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_notebook_is_stored_without_outputs(lesson):
    notebook = json.loads((NOTEBOOKS / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    problems = stored_outputs(notebook)
    assert not problems, (f"{lesson}.ipynb was saved after a run ({'; '.join(problems)}); "
                          f"rebuild it with: python notebooks/build_notebooks.py")


def test_the_output_check_catches_outputs_and_execution_counts():
    clean = {"cells": [{"cell_type": "markdown", "source": "# a"},
                       {"cell_type": "code", "source": "1", "outputs": [],
                        "execution_count": None}]}
    ran = {"cells": [{"cell_type": "code", "source": "1", "execution_count": 3,
                      "outputs": [{"output_type": "execute_result", "data": {}}]}]}
    assert stored_outputs(clean) == []
    assert stored_outputs(ran) == ["cell 0: 1 stored output(s)", "cell 0: execution_count 3"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_first_cell_says_what_it_teaches_and_how_long_it_runs(lesson):
    notebook = json.loads((NOTEBOOKS / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    first = notebook["cells"][0]
    text = "".join(first["source"])
    assert first["cell_type"] == "markdown"
    assert "**What this notebook teaches**" in text and "**Run time:**" in text


@pytest.mark.parametrize("lesson", LESSONS)
def test_readme_shows_the_main_figure_of_each_notebook(lesson):
    notebook = json.loads((NOTEBOOKS / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    tagged = [cell for cell in notebook["cells"]
              if "main-figure" in cell.get("metadata", {}).get("tags", [])]
    picture = ROOT / "docs" / "images" / "notebooks" / f"{lesson}.png"
    assert len(tagged) == 1, "one cell per notebook is tagged main-figure"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size < 100_000
    assert f"(docs/images/notebooks/{lesson}.png)" in (ROOT / "README.md").read_text("utf-8")


def test_stored_notebooks_are_what_their_cells_build():
    pytest.importorskip("nbformat", reason="building notebooks needs nbformat "
                                           "(pip install -e '.[notebooks]')")
    result = subprocess.run([sys.executable, str(NOTEBOOKS / "build_notebooks.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def runner():
    """notebooks/run_notebooks.py (a script, not a package): runs a notebook the way
    ``python notebooks/run_notebooks.py`` does, offline, in this interpreter's kernel."""
    spec = importlib.util.spec_from_file_location("run_notebooks", NOTEBOOKS / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_kernels_environment_refuses_downloads():
    """What a notebook's download would meet: a refused connection, at once."""
    fetch = ("import urllib.request\n"
             "try:\n"
             "    urllib.request.urlopen('http://yann.lecun.com/exdb/mnist/', timeout=20)\n"
             "except OSError as error:\n"
             "    print('refused:', error)\n")
    result = subprocess.run([sys.executable, "-c", fetch], env=runner().kernel_environment(),
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("refused:"), result.stdout + result.stderr


@pytest.mark.parametrize("lesson", RUNS)
def test_notebook_runs_top_to_bottom_in_time(lesson, record_property):
    for module in ("nbformat", "nbclient", "ipykernel"):
        pytest.importorskip(module, reason=f"running the notebooks needs {module} in this "
                                           f"environment: pip install -e '.[notebooks]'")
    notebook, seconds = runner().execute(lesson)  # raises CellExecutionError on any error
    record_property("seconds", round(seconds, 1))
    print(f"{lesson}.ipynb ran in {seconds:.1f} s")
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert not errors, errors
    assert seconds < TIME_LIMIT, f"{lesson}.ipynb took {seconds:.0f} s, over {TIME_LIMIT:.0f} s"
