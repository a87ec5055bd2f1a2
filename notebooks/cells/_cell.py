"""The two kinds of cell a lesson is made of (see notebooks/build_notebooks.py)."""


def md(text: str) -> tuple:
    """A Markdown cell."""
    return ("markdown", text, ())


def code(text: str, tags=()) -> tuple:
    """A code cell; ``tags=["main-figure"]`` marks the picture the README shows."""
    return ("code", text, tuple(tags))
