"""Layers that rearrange each sample (``Reshape``, ``Permute``, ``RepeatVector``) or pass it
through one function (``Identity``, ``Lambda``, and the activation layers ``LeakyReLU``,
``ReLU``, ``Softmax``, ``ELU``). The customizing-fit guide's GAN uses Reshape and LeakyReLU."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..nn.functional import leaky_relu
from ..tensor import Tensor
from .base_layer import Layer


class Reshape(Layer):
    """output[n] = x[n] laid out in ``target_shape`` (the batch axis is kept; one entry may be
    -1, meaning "whatever is left"); the gradient is reshaped back.

    Example:
        >>> Reshape((3, 2))(np.zeros((4, 6))).shape
        (4, 3, 2)
    """

    def __init__(self, target_shape, name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        self.target_shape = tuple(int(s) for s in target_shape)
        if sum(s == -1 for s in self.target_shape) > 1 or any(
                s == 0 or s < -1 for s in self.target_shape):
            raise ValueError(f"Reshape: target_shape must hold positive sizes and at most one "
                             f"-1, got {target_shape!r}")

    def _resolved(self, input_shape) -> tuple:
        size = int(np.prod([s for s in input_shape[1:]]))
        known = int(np.prod([s for s in self.target_shape if s != -1]))
        if -1 in self.target_shape:
            if size % known:
                raise ShapeError(f"{self.name}: cannot reshape {size} values per sample into "
                                 f"{self.target_shape}; the known sizes must divide {size}")
            return tuple(size // known if s == -1 else s for s in self.target_shape)
        if size != known:
            raise ShapeError(f"{self.name}: cannot reshape inputs of shape "
                             f"{tuple(input_shape[1:])} ({size} values per sample) into "
                             f"{self.target_shape} ({known}); pick a target_shape of {size}")
        return self.target_shape

    def compute_output_shape(self, input_shape):
        if any(s is None for s in input_shape[1:]):
            return (input_shape[0], *self.target_shape)
        return (input_shape[0], *self._resolved(input_shape))

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        return x.reshape(x.shape[0], *self._resolved(tuple(x.shape)))

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class LeakyReLU(Layer):
    """output = x where x ≥ 0, negative_slope·x below; the gradient is 1 or negative_slope."""

    def __init__(self, negative_slope: float = 0.3, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        if not negative_slope >= 0:
            raise ValueError(f"LeakyReLU: negative_slope must be a number >= 0, got "
                             f"{negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        return leaky_relu(x, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ReLU(Layer):
    """Keras' ReLU with options: max_value where x ≥ max_value, x where threshold ≤ x <
    max_value, negative_slope·(x - threshold) below the threshold. ``ReLU(6.0)`` is ReLU6."""

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: max_value must be >= 0, got {max_value!r}")
        if negative_slope < 0:
            raise ValueError(f"ReLU: negative_slope must be >= 0, got {negative_slope!r}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        above = x >= self.threshold
        out = x * above
        if self.negative_slope:
            out = out + (x - self.threshold) * self.negative_slope * (~above)
        if self.max_value is not None:
            out = out.clamp(max=self.max_value)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class Softmax(Layer):
    """softmax along ``axis`` (the last by default): probabilities that sum to 1."""

    def __init__(self, axis: int = -1, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.axis = axis

    def call(self, x, mask=None, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if mask is not None:
            x = x + (1.0 - Tensor(np.asarray(mask, dtype=x._data.dtype))) * -1e9
        return x.softmax(self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ELU(Layer):
    """x for x > 0, alpha·(eˣ - 1) below."""

    def __init__(self, alpha: float = 1.0, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.alpha = float(alpha)

    def call(self, x, training=False):
        from ..nn.functional import elu

        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        return elu(x, self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Permute(Layer):
    """Reorder the axes of each sample: dims numbers them from 1 (the batch axis stays first);
    ``Permute((2, 1))`` swaps the two axes of (batch, steps, features)."""

    def __init__(self, dims, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)}, got "
                             f"{tuple(dims)}")

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != len(self.dims) + 1:
            raise ShapeError(f"{self.name}: dims {self.dims} need inputs of {len(self.dims) + 1}"
                             f" axes, got shape {tuple(x.shape)}")
        return x.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """(batch, features) → (batch, n, features): the vector repeated n times (a sequence
    decoder's input)."""

    def __init__(self, n: int, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.n = int(n)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 2:
            raise ShapeError(f"{self.name}: expected a 2-D input (batch, features), got shape "
                             f"{tuple(x.shape)}")
        return x.unsqueeze(1).expand(x.shape[0], self.n, x.shape[1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Identity(Layer):
    """Its input, unchanged."""

    def call(self, x, training=False):
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class Lambda(Layer):
    """A layer made of a function: ``Lambda(lambda x: x / 255)``. It has no weights. Saving a
    model with one is refused: the function is code, which a .keras file from glassnet never
    holds (Keras itself refuses to load it in safe mode); subclass Layer and register it with
    ``keras.saving.register_keras_serializable`` instead."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: expected a function, got {type(function).__name__}")
        self.function, self.arguments = function, dict(arguments or {})
        self._output_shape = output_shape

    def call(self, x, training=False):
        return self.function(x, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        shape = self._output_shape(input_shape) if callable(self._output_shape) \
            else (input_shape[0], *self._output_shape)
        return tuple(shape)

    def get_config(self):
        raise NotImplementedError(
            f"{self.name}: a Lambda layer holds Python code, which glassnet does not save (a "
            f"file that runs code when loaded is unsafe); subclass keras.layers.Layer and "
            f"register it with @keras.saving.register_keras_serializable() instead")
