"""glassnet.viz: pictures that show what training does (matplotlib, imported when used).

- ``history.py``: ``plot_history`` (loss and metrics per epoch, with a one-line reading)
- ``classification.py``: confusion matrix, image grids, probability bars
"""

from .classification import confusion_matrix, plot_confusion, plot_image_grid, plot_predictions
from .history import plot_history, read_curves

__all__ = ["confusion_matrix", "plot_confusion", "plot_history", "plot_image_grid",
           "plot_predictions", "read_curves"]
