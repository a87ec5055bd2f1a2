"""Keras' recurrent layers, ``SimpleRNN``, ``LSTM`` and ``GRU``, and ``Bidirectional``, on
glassnet's fused sequence ops (``ops/rnn.py``: one node per sequence, backpropagation through
time in its backward).

Keras keeps sequences as (batch, steps, features) and its weights as ``kernel`` (features,
gates·units), ``recurrent_kernel`` (units, gates·units) and ``bias``; PyTorch's ops take
(steps, batch, features) and (gates·units, features). Each call transposes both, which are
views. The gate orders: LSTM i, f, c, o in both; GRU z, r, h in Keras against r, z, n in
PyTorch, so the GRU's gate blocks are swapped on the way in. Keras 3's GRU default
``reset_after=True`` is exactly PyTorch's GRU (the reset gate applied after the recurrent
product, with its own recurrent bias, ``bias`` of shape (2, 3·units)).

Supported: the default activations (tanh, and sigmoid for the gates; SimpleRNN also relu),
``return_sequences``, ``return_state``, ``go_backwards``, ``initial_state``, and input
``dropout`` (one mask per sequence, the same at every step, as Keras). Not supported, each with
one clear error: ``recurrent_dropout``, ``stateful``, masks, ``reset_after=False``, and other
activations.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import rnn as R
from ..tensor import Tensor
from . import activations, regularizers
from .layers import Layer, _name, initialize
from .random import _generator


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))


class _Cell(Layer):
    """The holder of a recurrent layer's weights (Keras' LSTMCell, GRUCell, SimpleRNNCell);
    the sequence op runs in the layer."""

    def call(self, x, training=False):
        raise NotImplementedError("a recurrent layer's cell is run by its layer")


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: arguments, weights, dropout, the output rules."""

    GATES = 1
    STATES = 1  # hidden states returned with return_state (the LSTM has two: h and c)

    def __init__(self, units: int, activation, recurrent_activation, use_bias: bool,
                 kernel_initializer, recurrent_initializer, bias_initializer,
                 kernel_regularizer, recurrent_regularizer, bias_regularizer, dropout: float,
                 recurrent_dropout: float, seed, return_sequences: bool, return_state: bool,
                 go_backwards: bool, stateful: bool, unroll: bool, name, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        layer = type(self).__name__
        if int(units) <= 0:
            raise ValueError(f"{layer}: units must be a positive integer, got {units}")
        if recurrent_dropout or stateful:
            raise NotImplementedError(f"{layer}: recurrent_dropout and stateful=True are not "
                                      f"supported by glassnet; leave them at 0 and False")
        if not 0 <= dropout < 1:
            raise ValueError(f"{layer}: dropout must be in [0, 1), got {dropout}")
        if recurrent_activation not in (None, "sigmoid"):
            raise NotImplementedError(f"{layer}: recurrent_activation must be 'sigmoid' (the "
                                      f"default), got {recurrent_activation!r}")
        self.units, self.activation = int(units), activation
        self.recurrent_activation = recurrent_activation
        self.use_bias, self.dropout, self.seed = bool(use_bias), float(dropout), seed
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.unroll = bool(go_backwards), bool(unroll)
        self._stream = None if seed is None else _generator(seed)

    # ----- weights ---------------------------------------------------------------------------
    def build(self, input_shape):
        """The weights live in a child ``cell`` layer, as in Keras 3 (whose files keep them at
        ``<layer>/cell/vars``); ``layer.kernel`` and the others read through to it."""
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ShapeError(f"{self.name}: expected a 3-D input (batch, steps, features) with "
                             f"known features, got shape {tuple(input_shape)}")
        features, width = int(input_shape[-1]), self.GATES * self.units
        cell = _Cell(name=f"{self.name}_cell")
        cell._add_named_weight("kernel", initialize(self.kernel_initializer, (features, width),
                                                    features, width))
        cell._add_named_weight("recurrent_kernel", initialize(
            self.recurrent_initializer, (self.units, width), self.units, width))
        if self.use_bias:
            cell._add_named_weight("bias", self._initial_bias(features, width))
        cell.built = True
        self.cell = cell
        self.built = True

    @property
    def kernel(self) -> Tensor:
        return self.cell.kernel

    @property
    def recurrent_kernel(self) -> Tensor:
        return self.cell.recurrent_kernel

    @property
    def bias(self) -> Tensor:
        return self.cell.bias

    def _initial_bias(self, features: int, width: int) -> np.ndarray:
        return initialize(self.bias_initializer, (width,), features, width)

    def regularization_losses(self):
        pairs = ((self.kernel_regularizer, "kernel"), (self.recurrent_regularizer,
                                                       "recurrent_kernel"),
                 (self.bias_regularizer, "bias"))
        return [rule(getattr(self, key)) for rule, key in pairs
                if rule is not None and (key != "bias" or self.use_bias)]

    # ----- running -----------------------------------------------------------------------------
    def call(self, inputs, initial_state=None, mask=None, training=False):
        if mask is not None:
            raise NotImplementedError(f"{self.name}: masks are not supported by glassnet; pad "
                                      f"the sequences and leave mask_zero off")
        x = _tensor(inputs)
        if x.ndim != 3 or x.shape[-1] != self.kernel.shape[0]:
            raise ShapeError(f"{self.name}: expected inputs (batch, steps, "
                             f"{self.kernel.shape[0]}), got shape {tuple(x.shape)}")
        if training and self.dropout:
            x = x * self._dropout_mask(x)
        states = self._initial_states(initial_state, x.shape[0])
        sequence, finals = self._run(x.transpose(0, 1), states)  # (steps, batch, units)
        if self.go_backwards:
            sequence = sequence.flip(0)  # Keras returns the steps in the order it took them
        output = sequence.transpose(0, 1) if self.return_sequences else finals[0]
        return [output, *finals] if self.return_state else output

    def _dropout_mask(self, x: Tensor) -> Tensor:
        """One mask per sequence and feature, the same at every step, scaled by 1/(1 - rate)."""
        generator = self._stream if self._stream is not None else _generator(None)
        keep = generator.random((x.shape[0], 1, x.shape[2])) >= self.dropout
        return Tensor((keep / (1.0 - self.dropout)).astype(x._data.dtype))

    def _initial_states(self, initial_state, batch: int) -> list:
        if initial_state is None:
            return [None] * self.STATES
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
            [initial_state]
        if len(states) != self.STATES:
            raise ValueError(f"{self.name}: expected {self.STATES} initial state(s), got "
                             f"{len(states)}")
        for state in states:
            if tuple(state.shape) != (batch, self.units):
                raise ShapeError(f"{self.name}: an initial state must be (batch, units) = "
                                 f"({batch}, {self.units}), got {tuple(state.shape)}")
        return [_tensor(state) for state in states]

    def _last(self, sequence: Tensor) -> Tensor:
        """The state after the whole sequence: the last step, or the first when run backwards."""
        return sequence[0] if self.go_backwards else sequence[-1]

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        output = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return (output, *[(batch, self.units)] * self.STATES)
        return output

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": self.activation, "use_bias": self.use_bias,
                "kernel_initializer": _name(self.kernel_initializer),
                "recurrent_initializer": _name(self.recurrent_initializer),
                "bias_initializer": _name(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "dropout": self.dropout, "recurrent_dropout": 0.0,
                "seed": self.seed if isinstance(self.seed, int) else None,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": False, "unroll": self.unroll}


class SimpleRNN(_Recurrent):
    """h_t = activation(x_t·kernel + h_{t-1}·recurrent_kernel + bias), activation tanh (or
    relu). Output: the last h, or every h with return_sequences."""

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 seed=None, name: str | None = None, **kwargs) -> None:
        activation = _activation_name(activation, ("tanh", "relu"), "SimpleRNN")
        super().__init__(units, activation, None, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, dropout, recurrent_dropout,
                         seed, return_sequences, return_state, go_backwards, stateful, unroll,
                         name, **kwargs)

    def _run(self, x, states):
        bias = self.bias if self.use_bias else None
        sequence = R.RNN.apply(x, states[0], self.kernel.t(), self.recurrent_kernel.t(), bias,
                               None, nonlinearity=self.activation, reverse=self.go_backwards)
        return sequence, [self._last(sequence)]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation", None)
        return config


class LSTM(_Recurrent):
    """Long short-term memory: gates i, f, o = σ(·) and candidate c̃ = tanh(·) from x_t and
    h_{t-1}; c_t = f·c_{t-1} + i·c̃, h_t = o·tanh(c_t). ``unit_forget_bias`` starts the forget
    gate's bias at 1. return_state gives [output, h, c]."""

    GATES, STATES = 4, 2

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed=None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, use_cudnn="auto", name: str | None = None,
                 **kwargs) -> None:
        activation = _activation_name(activation, ("tanh",), "LSTM")
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, dropout, recurrent_dropout,
                         seed, return_sequences, return_state, go_backwards, stateful, unroll,
                         name, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _initial_bias(self, features, width):
        bias = super()._initial_bias(features, width)
        if self.unit_forget_bias:
            bias[self.units:2 * self.units] = 1.0
        return bias

    def _run(self, x, states):
        bias = self.bias if self.use_bias else None
        both = R.LSTM.apply(x, states[0], states[1], self.kernel.t(),
                            self.recurrent_kernel.t(), bias, None, reverse=self.go_backwards)
        hidden, cells = both[0], both[1]
        return hidden, [self._last(hidden), self._last(cells)]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": "sigmoid",
                "unit_forget_bias": self.unit_forget_bias}


class GRU(_Recurrent):
    """Gated recurrent unit (Keras 3's reset_after=True, PyTorch's GRU): z, r = σ(·);
    h̃ = tanh(x_t W_h + b_h + r·(h_{t-1} U_h + b'_h)); h_t = z·h_{t-1} + (1 - z)·h̃. The
    bias is (2, 3·units): the input bias, then the recurrent one."""

    GATES = 3

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed=None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, use_cudnn="auto", name: str | None = None,
                 **kwargs) -> None:
        activation = _activation_name(activation, ("tanh",), "GRU")
        if not reset_after:
            raise NotImplementedError("GRU: reset_after=False (Keras 2's GRU) is not supported; "
                                      "use the default reset_after=True")
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, dropout, recurrent_dropout,
                         seed, return_sequences, return_state, go_backwards, stateful, unroll,
                         name, **kwargs)

    def _initial_bias(self, features, width):
        return initialize(self.bias_initializer, (2, width), features, width)

    def _run(self, x, states):
        kernel = _cat(self._reordered(self.kernel)).t()
        recurrent = _cat(self._reordered(self.recurrent_kernel)).t()
        bias_in = bias_rec = None
        if self.use_bias:
            bias_in = _cat(self._reordered(self.bias[0]))
            bias_rec = _cat(self._reordered(self.bias[1]))
        sequence = R.GRU.apply(x, states[0], kernel, recurrent, bias_in, bias_rec,
                               reverse=self.go_backwards)
        return sequence, [self._last(sequence)]

    @staticmethod
    def _reordered(weight: Tensor) -> list:
        z, r, h = weight.chunk(3, -1)
        return [r, z, h]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": "sigmoid", "reset_after": True}


def _activation_name(activation, allowed: tuple, layer: str) -> str:
    """The activation's name ("tanh" ...), given as a name or as keras.activations' function;
    only ``allowed`` ones run in glassnet's fused sequence ops."""
    name = activations.serialize(activations.get(activation))
    if name not in allowed:
        raise NotImplementedError(f"{layer}: activation must be one of {allowed} here, got "
                                  f"{activation!r}")
    return name


def _cat(parts: list) -> Tensor:
    from ..ops.methods import cat

    return cat(parts, -1)


class Bidirectional(Layer):
    """Runs ``layer`` forwards and a copy of it backwards over the sequence and merges their
    outputs: merge_mode "concat" (default), "sum", "mul", "ave" or None (a list of both)."""

    MERGES = ("concat", "sum", "mul", "ave", None)

    def __init__(self, layer: _Recurrent, merge_mode="concat", weights=None,
                 backward_layer=None, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if not isinstance(layer, _Recurrent):
            raise ValueError(f"Bidirectional: expected a SimpleRNN, LSTM or GRU layer, got "
                             f"{type(layer).__name__}")
        if merge_mode not in self.MERGES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {self.MERGES}, got "
                             f"{merge_mode!r}")
        config = layer.get_config()
        config.pop("name", None)
        self.forward_layer = layer
        if backward_layer is None:
            config["go_backwards"] = not layer.go_backwards
            backward_layer = type(layer)(**{k: v for k, v in config.items()
                                            if k not in ("trainable", "dtype")})
        self.backward_layer = backward_layer
        self.merge_mode, self.return_sequences = merge_mode, layer.return_sequences
        self.return_state = layer.return_state

    def build(self, input_shape):
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer.build(tuple(input_shape))
        self.built = True

    def call(self, inputs, initial_state=None, mask=None, training=False):
        """``initial_state``, as in Keras: the forward layer's states, then the backward's."""
        halves = [None, None]
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            halves = [states[:half], states[half:]]
        forward = self.forward_layer(inputs, initial_state=halves[0], mask=mask,
                                     training=training)
        backward = self.backward_layer(inputs, initial_state=halves[1], mask=mask,
                                       training=training)
        states = []
        if self.return_state:
            forward, *forward_states = forward
            backward, *backward_states = backward
            states = forward_states + backward_states
        if self.return_sequences:
            backward = backward.flip(1)  # align each backward output with its step
        merged = self._merge(forward, backward)
        return [merged, *states] if self.return_state else merged

    def _merge(self, forward: Tensor, backward: Tensor):
        if self.merge_mode == "concat":
            return _cat([forward, backward])
        if self.merge_mode == "sum":
            return forward + backward
        if self.merge_mode == "mul":
            return forward * backward
        if self.merge_mode == "ave":
            return (forward + backward) / 2
        return [forward, backward]

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        output = shape[0] if self.return_state else shape
        if self.merge_mode == "concat":
            output = (*output[:-1], output[-1] * 2)
        if self.return_state:
            return (output, *shape[1:], *shape[1:])
        return output

    def get_config(self):
        from .saving.serialization import serialize_layer  # the nested layer as Keras writes it

        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}
