"""Keras' ``Normalization``: standardise each feature with a mean and variance learned from the
data by ``adapt`` (or given), the first layer of many Keras models on tabular or image data.

    output = (x - mean) / max(√variance, 1e-7)      (invert=True undoes it: mean + x·√variance)

``axis`` names the axes that keep their own statistics (the last one by default: one mean per
feature); the statistics are taken over all the other axes. ``adapt(data)`` takes an array, a
tensor, or an iterable of batches, and stores the population mean and variance (divisor n) in
the layer's non-trainable weights ``mean``, ``variance`` and ``count``, as Keras 3 names them, so
a saved model keeps them.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .layers import Layer

EPSILON = 1e-7  # Keras' backend.epsilon()


class Normalization(Layer):
    """Standardises its input feature by feature (see the module docstring)."""

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both mean and variance, or neither (adapt() "
                             f"learns them), got mean={mean!r}, variance={variance!r}")
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self._shape = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{self.name}: axis {self.axis} is out of range for inputs of "
                             f"shape {tuple(input_shape)}")
        keep = sorted(a % ndim for a in self.axis)
        if any(input_shape[d] is None for d in keep):
            raise ValueError(f"{self.name}: the kept axes {tuple(keep)} must have known sizes, "
                             f"got shape {tuple(input_shape)}")
        self._keep = tuple(keep)
        self._shape = [input_shape[d] if d in keep else 1 for d in range(ndim)]
        if self.input_mean is None:
            stats_shape = tuple(input_shape[d] for d in keep)
            self.add_weight(shape=stats_shape, initializer="zeros", trainable=False, name="mean")
            self.add_weight(shape=stats_shape, initializer="ones", trainable=False,
                            name="variance")
            self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False,
                            name="count")
        self.built = True

    def _statistics(self) -> tuple[np.ndarray, np.ndarray]:
        if self.input_mean is not None:
            return (self._spread(self.input_mean), self._spread(self.input_variance))
        return (self.mean.detach().numpy().reshape(self._shape),
                self.variance.detach().numpy().reshape(self._shape))

    def _spread(self, value) -> np.ndarray:
        """A given mean or variance over the input's axes: its dims line up with the kept axes
        from the right (a scalar applies to every feature)."""
        value = np.asarray(value, np.float32)
        shape = [1] * len(self._shape)
        for i in range(1, value.ndim + 1):
            shape[self._keep[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(shape), self._shape)

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the mean and variance of ``data`` over the axes not kept (all of it: an array,
        a tensor, or an iterable of batches)."""
        if self.input_mean is not None:
            raise ValueError(f"{self.name}: the mean and variance were given, so there is "
                             f"nothing to adapt")
        batches = [data] if isinstance(data, (np.ndarray, Tensor, list)) else data
        count, total, squares = 0, None, None
        for batch in batches:
            if isinstance(batch, tuple):  # (x, y) pairs from a dataset: the features
                batch = batch[0]
            x = np.asarray(batch.detach().numpy() if isinstance(batch, Tensor) else batch,
                           dtype=np.float64)
            if not self.built:
                self.build(x.shape)
            reduce = tuple(d for d in range(x.ndim) if d not in self._keep)
            n = int(np.prod([x.shape[d] for d in reduce]))
            part, part_squares = x.sum(axis=reduce), (x * x).sum(axis=reduce)
            total = part if total is None else total + part
            squares = part_squares if squares is None else squares + part_squares
            count += n
        if not count:
            raise ValueError(f"{self.name}.adapt: the data holds no samples")
        mean = total / count
        variance = np.maximum(squares / count - mean * mean, 0.0)
        self.set_weights([mean.astype(np.float32), variance.astype(np.float32),
                          np.asarray(count, np.int64)])

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x._data.dtype.kind != "f":
            x = x.float()
        if len(self._shape) != x.ndim:
            raise ShapeError(f"{self.name}: built for inputs of rank {len(self._shape)}, got "
                             f"shape {tuple(x.shape)}")
        mean, variance = self._statistics()
        scale = np.maximum(np.sqrt(variance), EPSILON).astype(x._data.dtype)
        mean = Tensor(mean.astype(x._data.dtype))
        if self.invert:
            return mean + x * Tensor(scale)
        return (x - mean) / Tensor(scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def plain(value):
            return None if value is None else np.asarray(value).tolist()

        return {**super().get_config(), "axis": list(self.axis), "invert": self.invert,
                "mean": plain(self.input_mean), "variance": plain(self.input_variance)}
