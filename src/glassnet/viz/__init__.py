"""glassnet.viz: pictures that show what training does (matplotlib, imported when used).

- ``graph.py``: ``draw_graph`` (the computational graph), ``draw_model`` (the architecture)
- ``history.py``: ``plot_history`` (loss and metrics per epoch, with a one-line reading)
- ``interactive.py``: ``interactive_playground`` / ``Playground.interact()`` (TensorFlow
  Playground's controls as ipywidgets)
- ``live.py``: ``LiveCurves`` (curves redrawn in place while training; a printed line outside
  a notebook)
- ``descent.py``: ``descent``, ``plot_descent``, ``loss_surface`` (gradient descent to watch)
- ``activations.py``: ``plot_activations`` (each function beside its derivative)
- ``playground.py``: decision boundaries, hidden units, weights, and ``Playground``
- ``classification.py``: confusion matrix, image grids, probability bars
- ``convnets.py``: ``plot_filters``, ``feature_maps`` / ``plot_feature_maps``, ``saliency`` /
  ``plot_saliency`` (what a convolutional network learned and looks at)
"""

from .activations import plot_activations
from .classification import confusion_matrix, plot_confusion, plot_image_grid, plot_predictions
from .convnets import feature_maps, plot_feature_maps, plot_filters, plot_saliency, saliency
from .descent import Trajectory, descent, loss_surface, plot_descent
from .graph import Graph, draw_graph, draw_model
from .history import plot_history, read_curves
from .interactive import interactive_playground
from .live import LiveCurves
from .playground import Playground, plot_decision_boundary, plot_neurons, plot_weights, scores

__all__ = ["Graph", "LiveCurves", "Playground", "Trajectory", "confusion_matrix", "descent",
           "draw_graph", "draw_model", "interactive_playground", "loss_surface",
           "plot_activations", "plot_confusion",
           "plot_decision_boundary", "plot_descent", "plot_history", "plot_image_grid",
           "plot_neurons", "plot_predictions", "plot_weights", "read_curves", "scores",
           "feature_maps", "plot_feature_maps", "plot_filters", "plot_saliency", "saliency"]
