"""examples/newton_vs_gradient_descent.py runs and shows what it promises: Newton at the
minima in a few steps, at the hill from 0.1, and hvp agreeing with finite differences."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "newton_vs_gradient_descent.py"


def test_newton_example_prints_the_iterates_and_checks_hvp(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300,
                            env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    # side by side: step 4 of Newton from -3.5 is already at the minimum
    assert re.search(r"step 4:\s+-2\.539353\s+\|\s+-2\.500001", out)
    assert "Newton climbs to the hill at 0.5" in out
    difference = float(re.search(r"max difference ([0-9.e+-]+)", out).group(1))
    assert difference < 1e-7
    assert (tmp_path / "figures" / "newton_vs_gd.png").stat().st_size > 1000
