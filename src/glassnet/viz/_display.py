"""Showing pictures in Jupyter: is a notebook kernel running, and a figure as PNG bytes.

Jupyter shows an object by calling its ``_repr_svg_`` / ``_repr_png_`` / ``_repr_markdown_``
methods (a method that returns None is skipped), so glassnet's results display themselves at the
end of a cell, while ``str``/``print`` keep working in a terminal.
"""

from __future__ import annotations

import io
import sys

# None: detect; True / False: force (tests, or a notebook front end we do not recognise)
FORCE_NOTEBOOK: bool | None = None


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel attached, as in Jupyter,
    VS Code or Colab), False in a terminal, a script or a plain IPython console."""
    if FORCE_NOTEBOOK is not None:
        return FORCE_NOTEBOOK
    if "IPython" not in sys.modules:  # a kernel always imports it; don't import it ourselves
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def figure_png(figure, dpi: int = 100, tight: bool = True) -> bytes:
    """The figure as PNG bytes (what a notebook shows). The figure stays open and usable.
    ``tight=False`` skips the second layout pass that trims the margins (for redraws that
    lay themselves out and must be quick)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return buffer.getvalue()


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table; '|' inside a cell is escaped."""
    def cells(values):
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    return "\n".join([cells(header), "|" + "|".join("---" for _ in header) + "|"] +
                     [cells(row) for row in rows])
