"""Every script in examples/ runs from start to end (a smoke test, as CI promises)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Keras' classic convnet trains 15 epochs of the full MNIST: it runs, on a subset and for one
# epoch, in tests/keras/test_keras_convnet_example.py.
RUN_ELSEWHERE = {"keras_mnist_convnet.py"}
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py")
                  if not p.name.startswith("_") and p.name not in RUN_ELSEWHERE)
# Scripts kept verbatim from elsewhere run with their own flags, to fit the timeout, and show
# their result in their own words: name -> (arguments, text the output must contain).
RUN_WITH = {
    "pytorch_mnist_convnet.py": (["--epochs", "1", "--dry-run"], "Test set: Average loss"),
}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    arguments, shows = RUN_WITH.get(script.name, ([], "test accuracy"))
    result = subprocess.run([sys.executable, str(script), *arguments], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300,
                            env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    figures = list((tmp_path / "figures").glob("*.png"))
    assert shows in result.stdout or figures, "an example shows a result or a figure"
    for figure in figures:
        assert figure.stat().st_size > 1000
