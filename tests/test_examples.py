"""Every script in examples/ runs from start to end (a smoke test, as CI promises)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, env={"MPLBACKEND": "Agg",
                                                         "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    figures = list((tmp_path / "figures").glob("*.png"))
    assert "test accuracy" in result.stdout or figures, "an example shows a result or a figure"
    for figure in figures:
        assert figure.stat().st_size > 1000
