"""Keras layers on glassnet tensors: a layer's life is ``__init__`` (config) → ``build(shape)``
(weights, once the input size is known) → ``call(x)``.

Weights use Keras' layout (a Dense kernel is (in, out)) and Keras' defaults (glorot_uniform
kernels, zero biases; BatchNormalization momentum 0.99 and epsilon 1e-3). The base class
``Layer`` (add_weight, add_loss, calling on data or on KerasTensors) is in ``base_layer.py``;
``Input``/``InputLayer`` start a functional model; the merging layers are in
``merging_layers.py``, the convnet layers in ``conv_layers.py`` and ``pooling_layers.py``.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from ..nn import functional as F
from ..ops import fused
from ..tensor import Tensor
from . import activations, regularizers
from .base_layer import Layer, compute_fans, initialize  # noqa: F401 (Keras' layers.Layer)
from .keras_tensor import KerasTensor, Node

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


class InputLayer(Layer):
    """The start of a functional model: holds the symbolic input tensor that ``keras.Input``
    returns (and fixes a Sequential model's input shape)."""

    def __init__(self, shape=None, batch_size: int | None = None, dtype=None, sparse=None,
                 ragged=None, batch_shape=None, input_tensor=None, optional: bool = False,
                 name: str | None = None) -> None:
        super().__init__(name=name or unique_name("input_layer"))
        for option, value in (("sparse", sparse), ("ragged", ragged), ("optional", optional),
                              ("input_tensor", input_tensor)):
            if value:
                raise NotImplementedError(f"InputLayer: {option}= is not supported by glassnet; "
                                          f"leave it out")
        if batch_shape is None:
            if shape is None:
                raise ValueError("keras.Input needs the shape of one sample, e.g. "
                                 "keras.Input(shape=(784,)) (or batch_shape=(None, 784))")
            shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
            batch_shape = (batch_size, *shape)
        elif shape is not None or batch_size is not None:
            raise ValueError("keras.Input: give either shape= (and batch_size=) or "
                             "batch_shape=, not both")
        self.batch_shape = tuple(None if s is None else int(s) for s in batch_shape)
        self.shape = self.batch_shape[1:]
        self.dtype = str(np.dtype(dtype or "float32"))
        self.built = True
        tensor = KerasTensor(self.batch_shape, self.dtype, name=name)
        Node(self, None, None, tensor)

    def call(self, inputs, training=False):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False,
                "shape": list(self.shape), "trainable": self.trainable}


def Input(shape=None, batch_size: int | None = None, dtype=None, sparse=None,  # noqa: N802
          ragged=None, batch_shape=None, name: str | None = None, tensor=None,
          optional: bool = False) -> KerasTensor:
    """A symbolic input, the start of a model: ``inputs = keras.Input(shape=(784,))``, then
    ``outputs = Dense(10)(inputs)`` and ``keras.Model(inputs, outputs)``; or the first item of
    ``keras.Sequential([keras.Input(shape=(784,)), ...])``. The batch size stays None."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, input_tensor=tensor,
                       optional=optional, name=name)
    return layer.output


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
        self._add_named_weight("kernel", initialize(self.kernel_initializer,
                                                    (fan_in, self.units), fan_in, self.units))
        if self.use_bias:
            self._add_named_weight("bias", initialize(self.bias_initializer, (self.units,),
                                                      fan_in, self.units))
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

    def compute_output_shape(self, input_shape):
        return input_shape

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

    def compute_output_shape(self, input_shape):
        return input_shape

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
            self._add_named_weight("gamma", np.ones(n, np.float32))
        if self.center:
            self._add_named_weight("beta", np.zeros(n, np.float32))
        return n

    def compute_output_shape(self, input_shape):
        return input_shape


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
        self._add_named_weight("moving_mean", np.zeros(n, np.float32), trainable=False)
        self._add_named_weight("moving_variance", np.ones(n, np.float32), trainable=False)
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

# Merging layers for the functional API, and their function forms (layers.concatenate([a, b]))
from .merging_layers import (  # noqa: E402, F401 (layers.add, layers.concatenate, ...)
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)

LAYERS.update({cls.__name__: cls for cls in (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract)})

# Token ids to vectors, and one vector per sequence (the functional guide's text models)
from .sequence_layers import (  # noqa: E402
    Embedding,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
)

GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D
from .reshaping_layers import (  # noqa: E402
    ELU,
    Identity,
    Lambda,  # noqa: F401 - keras.layers.Lambda; not in LAYERS: a file never loads code
    LeakyReLU,
    Permute,
    ReLU,
    RepeatVector,
    Reshape,
    Softmax,
)

LAYERS.update({cls.__name__: cls for cls in (
    Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D, LeakyReLU, Reshape, ELU, Identity,
    Permute, ReLU, RepeatVector, Softmax)})

# 1-D, depthwise and separable convolutions, 1-D pooling, and the weightless image layers
from .conv_layers import Conv1D, DepthwiseConv2D, SeparableConv2D  # noqa: E402
from .image_layers import (  # noqa: E402
    Cropping2D,
    GaussianDropout,
    GaussianNoise,
    Rescaling,
    SpatialDropout2D,
    UpSampling2D,
)
from .image_preprocessing import (  # noqa: E402
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Resizing,
)
from .pooling_layers import AveragePooling1D, MaxPooling1D  # noqa: E402
from .preprocessing_layers import Normalization  # noqa: E402
from .recurrent_layers import GRU, LSTM, Bidirectional, SimpleRNN  # noqa: E402

Convolution1D, SeparableConvolution2D = Conv1D, SeparableConv2D
MaxPool1D, AvgPool1D = MaxPooling1D, AveragePooling1D
LAYERS.update({cls.__name__: cls for cls in (
    Conv1D, DepthwiseConv2D, SeparableConv2D, AveragePooling1D, MaxPooling1D, Cropping2D,
    GaussianDropout, GaussianNoise, RandomFlip, Rescaling, SpatialDropout2D, UpSampling2D,
    Normalization, RandomRotation, RandomTranslation, RandomZoom, CenterCrop, RandomBrightness,
    RandomContrast, RandomCrop, Resizing, GRU, LSTM, SimpleRNN, Bidirectional)})

