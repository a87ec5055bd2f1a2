"""Matplotlib, imported only when a picture is drawn (``import glassnet`` stays fast)."""

from __future__ import annotations

from pathlib import Path

from .._files import atomic_write


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend, or a clear message. In a Jupyter
    kernel the notebook's own (inline) backend is kept, so figures keep showing in cells."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "drawing pictures needs matplotlib: pip install 'glassnet[viz]'"
        ) from None
    from ._display import in_notebook

    if not in_notebook():
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path) -> Path:
    """Save atomically (a temporary file renamed into place), then close the figure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write(path, lambda temporary: figure.savefig(temporary, dpi=110,
                                                            bbox_inches="tight"))
    finally:
        pyplot().close(figure)
    return path
