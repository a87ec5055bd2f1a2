"""The doctor's checks for Keras models (used by ``keras.callbacks.Doctor``)."""

from __future__ import annotations

import numpy as np

from ..advice import quiet
from ..autograd.grad_mode import no_grad
from .check import Finding


def keras_findings(model, x, y, batch: int = 64) -> list[Finding]:
    """Checks on the first ``batch`` examples; the model is not changed."""
    x = np.asarray(x)[:batch]
    y = None if y is None else np.asarray(y)[:batch]
    found = []
    if x.dtype.kind in "iu" or (x.size and np.abs(x).max() > 20):
        found.append(Finding("unscaled_inputs",
                             f"the inputs range from {x.min():.4g} to {x.max():.4g}: divide "
                             f"pixels by 255 (or standardise the features)."))
    loss = model.loss
    last = model.layers[-1] if model.layers else None
    activation = getattr(getattr(last, "activation", None), "__name__", None)
    if loss is not None and getattr(loss, "from_logits", False) and activation in ("softmax",
                                                                                   "sigmoid"):
        found.append(Finding("softmax_with_from_logits",
                             f"the last layer applies {activation} but the loss has "
                             f"from_logits=True, so {activation} is applied twice. Drop the "
                             f"activation or set from_logits=False."))
    with no_grad(), quiet():
        output = model.predict(x.astype(np.float32), batch_size=len(x), verbose=0)
    name = type(loss).__name__ if loss is not None else ""
    if y is not None and name == "SparseCategoricalCrossentropy":
        labels = y.reshape(-1)
        if labels.max() >= output.shape[-1] or labels.min() < 0:
            found.append(Finding("labels_out_of_range",
                                 f"the labels go from {labels.min()} to {labels.max()} but the "
                                 f"last layer has {output.shape[-1]} units: use one unit per "
                                 f"class."))
    if y is not None and name == "CategoricalCrossentropy" and np.asarray(y).ndim == 1:
        found.append(Finding("integer_labels_for_categorical",
                             "categorical_crossentropy needs one-hot targets but the labels "
                             "are class indices: use sparse_categorical_crossentropy (or "
                             "keras.utils.to_categorical)."))
    return found
