"""Where the examples write their figures: ./figures/ (or the folder given as argument)."""

import sys
from pathlib import Path


def figures() -> Path:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
