"""The MNIST product behind the ``glassnet`` command: recipe, training loop, run folders,
photo preparation and progress display."""

from . import recipe, runs, trainer

__all__ = ["recipe", "runs", "trainer"]
