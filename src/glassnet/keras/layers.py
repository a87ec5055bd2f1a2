"""Keras layers on glassnet tensors: a layer's life is ``__init__`` (config) → ``build(shape)``
(weights, once the input size is known) → ``call(x)``.

Weights use Keras' layout (a Dense kernel is (in, out)) and Keras' defaults (glorot_uniform
kernels, zero biases; BatchNormalization momentum 0.99 and epsilon 1e-3).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from .. import nn
from ..nn import functional as F
from ..ops import fused
from ..random import rng
from ..tensor import Tensor
from . import activations, regularizers

_name_counts: defaultdict[str, int] = defaultdict(int)


def unique_name(base: str) -> str:
    """dense, dense_1, dense_2, ... as Keras names layers."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _snake(name: str) -> str:
    """Keras' rule: Dense → dense, Conv2D → conv2d, Conv2DTranspose → conv2d_transpose."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def initialize(name, shape: tuple, fan_in: int, fan_out: int) -> np.ndarray:
    """Keras initialisers by name (or a callable taking the shape)."""
    if callable(name):
        return np.asarray(name(shape), dtype=np.float32)
    generator = rng()
    if name == "zeros":
        return np.zeros(shape, np.float32)
    if name == "ones":
        return np.ones(shape, np.float32)
    if name == "glorot_uniform":
        limit = math.sqrt(6 / (fan_in + fan_out))
        return generator.uniform(-limit, limit, shape).astype(np.float32)
    if name == "glorot_normal":
        return _truncated(generator, math.sqrt(2 / (fan_in + fan_out)), shape)
    if name == "he_uniform":
        limit = math.sqrt(6 / fan_in)
        return generator.uniform(-limit, limit, shape).astype(np.float32)
    if name == "he_normal":
        return _truncated(generator, math.sqrt(2 / fan_in), shape)
    if name in ("random_normal", "normal"):
        return generator.normal(0, 0.05, shape).astype(np.float32)
    if name in ("random_uniform", "uniform"):
        return generator.uniform(-0.05, 0.05, shape).astype(np.float32)
    raise ValueError(f"unknown initializer {name!r}; use glorot_uniform, glorot_normal, "
                     f"he_uniform, he_normal, random_normal, random_uniform, zeros or ones")


def _truncated(generator, std: float, shape) -> np.ndarray:
    # Keras' *_normal initialisers draw from a normal truncated at 2 std, rescaled by .8796
    stddev = std / 0.87962566103423978
    values = generator.normal(0, stddev, shape)
    bad = np.abs(values) > 2 * stddev
    while bad.any():
        values[bad] = generator.normal(0, stddev, bad.sum())
        bad = np.abs(values) > 2 * stddev
    return values.astype(np.float32)


class Layer(nn.Module):
    """Base Keras layer: weights are made in ``build`` when the input shape is first seen."""

    def __init__(self, name: str | None = None, trainable: bool = True, **kwargs) -> None:
        super().__init__()
        self.name = name or unique_name(_snake(type(self).__name__))
        self.built = False
        self.trainable = trainable
        self._weight_order: list[str] = []
        self._non_trainable: set[str] = set()
        self.input_shape_seen = None

    def add_weight(self, name: str, values: np.ndarray, trainable: bool = True) -> Tensor:
        if trainable:
            weight = nn.Parameter(values)
        else:
            weight = Tensor(values)
            self._non_trainable.add(name)
        if trainable:
            setattr(self, name, weight)
        else:
            self.register_buffer(name, weight)
        self._weight_order.append(name)
        return weight

    @property
    def weights(self) -> list[Tensor]:
        return [getattr(self, name) for name in self._weight_order]

    @property
    def trainable_weights(self) -> list[Tensor]:
        if not self.trainable:
            return []
        return [getattr(self, n) for n in self._weight_order if n not in self._non_trainable]

    @property
    def non_trainable_weights(self) -> list[Tensor]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    def count_params(self) -> int:
        return int(sum(w._data.size for w in self.weights))

    def build(self, input_shape: tuple) -> None:
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def call(self, x, training: bool = False):
        raise NotImplementedError

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if not self.built:
            self.build(tuple(x.shape))
            self.built = True
        self.input_shape_seen = tuple(x.shape)
        return self.call(x, training=self.training)

    def regularization_losses(self) -> list:
        return []

    def get_weights(self) -> list[np.ndarray]:
        return [w._data.copy() for w in self.weights]

    def set_weights(self, values) -> None:
        weights = self.weights
        if len(values) != len(weights):
            raise ValueError(f"{self.name}.set_weights: expected {len(weights)} arrays "
                             f"({', '.join(self._weight_order)}), got {len(values)}")
        for name, weight, value in zip(self._weight_order, weights, values):
            value = np.asarray(value, dtype=weight._data.dtype)
            if value.shape != weight._data.shape:
                raise ValueError(f"{self.name}.set_weights: {name} has shape "
                                 f"{weight._data.shape}, got {value.shape}")
            weight._data[...] = value
            weight._version_box[0] += 1

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


class InputLayer(Layer):
    """Fixes the input shape of a Sequential model (``keras.Input(shape=(784,))``)."""

    def __init__(self, shape, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name or unique_name("input_layer"))
        self.shape = tuple(shape)

    def call(self, x, training=False):
        return x

    def get_config(self) -> dict:
        return {**super().get_config(), "shape": list(self.shape)}


def Input(shape, name: str | None = None, **kwargs) -> InputLayer:  # noqa: N802
    """The start of a model: ``keras.Sequential([keras.Input(shape=(784,)), ...])``."""
    return InputLayer(shape, name=name)


class Dense(Layer):
    """output = activation(x · kernel + bias), kernel of shape (in, units)."""

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if int(units) <= 0:
            raise ValueError(f"Dense: units must be a positive integer, got {units}")
        self.units, self.use_bias = int(units), use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.add_weight("kernel", initialize(self.kernel_initializer, (fan_in, self.units),
                                             fan_in, self.units))
        if self.use_bias:
            self.add_weight("bias", initialize(self.bias_initializer, (self.units,), fan_in,
                                               self.units))
        self.built = True

    def call(self, x, training=False, without_activation=False):
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"{self.name}: expected inputs with {self.kernel.shape[0]} "
                             f"features, got shape {tuple(x.shape)}")
        if self.use_bias:
            out = fused.Dense.apply(x, self.kernel, self.bias)
        else:
            out = fused.Dense.apply(x, self.kernel)
        return out if without_activation else self.activation(out)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def regularization_losses(self):
        losses = []
        if self.kernel_regularizer is not None:
            losses.append(self.kernel_regularizer(self.kernel))
        if self.bias_regularizer is not None and self.use_bias:
            losses.append(self.bias_regularizer(self.bias))
        return losses

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "activation": activations.serialize(self.activation),
                "kernel_initializer": _name(self.kernel_initializer),
                "bias_initializer": _name(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}


def _name(initializer):
    return initializer if isinstance(initializer, str) else "glorot_uniform"


class Activation(Layer):
    """Applies an activation by name: relu, leaky_relu, elu, gelu, sigmoid, tanh, softmax,
    linear."""

    def __init__(self, activation, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.activation = activations.get(activation)

    def call(self, x, training=False):
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of the inputs during training, scaling the rest by
    1/(1 - rate); does nothing in inference."""

    def __init__(self, rate: float, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate}")
        self.rate = rate

    def call(self, x, training=False):
        return F.dropout(x, self.rate, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class Flatten(Layer):
    """(batch, d1, d2, ...) → (batch, d1·d2·...)."""

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(x)
        return x.flatten(1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:])))


class _Normalization(Layer):
    def _add_gamma_beta(self, input_shape, axis: int = -1) -> int:
        """γ (ones) and β (zeros) per feature, as ``scale`` and ``center`` ask."""
        n = int(input_shape[axis])
        if self.scale:
            self.add_weight("gamma", np.ones(n, np.float32))
        if self.center:
            self.add_weight("beta", np.zeros(n, np.float32))
        return n


class BatchNormalization(_Normalization):
    """Normalise each feature with the batch's mean and variance in training and with moving
    averages in inference: moving = moving·momentum + batch·(1 - momentum) (Keras' form,
    biased batch variance). gamma and beta learn; the moving statistics do not.

    The feature axis is the last one by default: on images (N, H, W, C) each channel is
    normalised over the batch and every pixel, as Keras does; ``axis=1`` is channels_first.
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(axis, int) or axis == 0:
            raise ValueError(f"BatchNormalization: axis must be one int naming the feature "
                             f"axis (-1 for channels_last, 1 for channels_first), got {axis!r}")
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.center, self.scale = center, scale

    def _feature_axis(self, ndim: int) -> int:
        axis = self.axis % ndim if -ndim <= self.axis < ndim else None
        if axis not in (1, ndim - 1):
            raise ValueError(f"BatchNormalization: axis {self.axis} of a {ndim}-D input is "
                             f"not supported; use the last axis (-1, channels_last) or axis 1 "
                             f"(channels_first)")
        return axis

    def build(self, input_shape):
        n = self._add_gamma_beta(input_shape, self._feature_axis(len(input_shape)))
        self.add_weight("moving_mean", np.zeros(n, np.float32), trainable=False)
        self.add_weight("moving_variance", np.ones(n, np.float32), trainable=False)
        self.built = True

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(x)
        shape = tuple(x.shape)
        last = x.ndim > 2 and self._feature_axis(x.ndim) == x.ndim - 1
        if last:  # (N, ..., C) → (N·..., C): every position is one more sample of each feature
            x = x.reshape(-1, shape[-1])
        out = fused.BatchNorm.apply(x, self.gamma if self.scale else None,
                                    self.beta if self.center else None,
                                    self.moving_mean._data, self.moving_variance._data,
                                    self.epsilon, training, 1 - self.momentum, False)
        return out.reshape(shape) if last else out

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}


class LayerNormalization(_Normalization):
    """Normalise each example over its last axis: γ·(x - μ)/√(σ² + ε) + β."""

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale

    def build(self, input_shape):
        self._add_gamma_beta(input_shape)
        self.built = True

    def call(self, x, training=False):
        return F.layer_norm(x, (x.shape[-1],), self.gamma if self.scale else None,
                            self.beta if self.center else None, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}


LAYERS = {cls.__name__: cls for cls in (InputLayer, Dense, Activation, Dropout, Flatten,
                                        BatchNormalization, LayerNormalization)}

# The convnet layers build on Layer above, so they are imported last (``layers.Conv2D`` works)
from .conv_layers import Conv2D, Conv2DTranspose  # noqa: E402
from .pooling_layers import (  # noqa: E402
    AveragePooling2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
    ZeroPadding2D,
)

# Keras' other names for the same layers
Convolution2D, Convolution2DTranspose = Conv2D, Conv2DTranspose
MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
LAYERS.update({cls.__name__: cls for cls in (
    Conv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
    GlobalMaxPooling2D, ZeroPadding2D)})

