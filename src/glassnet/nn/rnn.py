"""Recurrent layers: RNN, LSTM, GRU and their single-step cells (PyTorch's torch.nn.RNN, ...).

A recurrent layer reads a sequence one step at a time and carries a hidden state h from step
to step, so the output at step t can depend on everything before it. The weights are the same
at every step. LSTM adds a cell state c with gates that decide what to forget, write and show;
GRU merges them into two gates. Parameter names, shapes, gate order and init follow PyTorch, so
a state_dict loads into either framework. The time loop runs inside one fused op per layer and
direction (``ops/rnn.py``).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..devices import check_device
from ..dtypes import get_default_dtype, to_dtype
from ..errors import ShapeError
from ..ops import rnn as recurrent
from ..ops.methods import cat, stack
from . import functional as F
from . import init
from .module import Module, Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _new_weight(shape: tuple, dtype) -> Parameter:
    return Parameter(np.empty(shape, dtype=dtype))


class RNNBase(Module):
    """What RNN, LSTM and GRU share: arguments, per-layer weights, init, shape checks, repr.

    Parameters per layer k and direction (suffix ``_reverse`` for the backward one):
    ``weight_ih_l{k}`` (G·H, H_in of that layer), ``weight_hh_l{k}`` (G·H, H), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (G·H,), with G gates; layer k > 0 reads H·directions features.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(device)
        _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         proj_size)
        if proj_size > 0:
            raise NotImplementedError(
                f"LSTM(proj_size={proj_size}): projected LSTMs (h_t = W_hr h_t) are not "
                f"implemented in glassnet; leave proj_size=0, or add an nn.Linear(hidden_size, "
                f"{proj_size}) after the LSTM (not the same recurrence, but the same output size)")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}", stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for kind, shape in shapes:
                    setattr(self, kind + suffix, _new_weight(shape, dtype))
                    names.append(kind + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's init for every recurrent weight and bias: U(-1/√H, 1/√H), so a unit's
        # pre-activation keeps a modest scale whatever the gate.
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch code (cuDNN wants one flat buffer; NumPy does not)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ----- running ---------------------------------------------------------------------------
    def _prepare(self, input, states: list):
        """Check the input and initial states; return the input as (L, N, H_in), the states as
        3-D tensors (or None), and whether the input was unbatched."""
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ShapeError(
                f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead "
                f"(shape {tuple(input.shape)}); pass (L, N, H_in), (N, L, H_in) with "
                f"batch_first=True, or one unbatched sequence (L, H_in)")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(
                f"{name} input dtype ({input.dtype}) does not match weight dtype "
                f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]} (input shape "
                f"{tuple(input.shape)}); build the layer with input_size={input.shape[-1]} or "
                f"fix the input's last dim")
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
            if any(s is not None and s.ndim != 2 for s in states):
                dims = ", ".join(f"{s.ndim}-D" for s in states if s is not None)
                raise ShapeError(
                    f"{name}: For unbatched 2-D input, hx should also be 2-D but got {dims}; "
                    f"pass (num_layers * num_directions, H) or add a batch dim to the input")
            states = [None if s is None else s.unsqueeze(1) for s in states]
        else:
            if self.batch_first:
                input = input.transpose(0, 1)
            if any(s is not None and s.ndim != 3 for s in states):
                dims = ", ".join(f"{s.ndim}-D" for s in states if s is not None)
                raise ShapeError(
                    f"{name}: For batched 3-D input, hx should also be 3-D but got {dims}; "
                    f"pass (num_layers * num_directions, N, H)")
        expected = ((2 if self.bidirectional else 1) * self.num_layers, input.shape[1],
                    self.hidden_size)
        for i, s in enumerate(states):
            if s is not None and tuple(s.shape) != expected:
                which = f"hidden[{i}]" if len(states) > 1 else "hidden"
                raise ShapeError(
                    f"{name}: Expected {which} size {expected}, got {list(s.shape)}; the "
                    f"initial state is (num_layers * num_directions, N, hidden_size)")
        return input, states, batched

    def _run(self, input, states: list) -> tuple:
        """All layers and directions over (L, N, H_in); returns the output and final states."""
        directions = 2 if self.bidirectional else 1
        finals: list[list] = [[] for _ in range(max(len(states), 1))]
        x = input
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, True)
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                initial = [None if s is None else s[k] for s in states]
                weights = self.all_weights[k]
                if not self.bias:
                    weights = weights + [None, None]
                out, last = self._layer(x, initial, weights, reverse=direction == 1)
                outputs.append(out)
                for kept, state in zip(finals, last):
                    kept.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, dim=2)
        return x, [stack(kept) for kept in finals]

    def _finish(self, output, finals: list, batched: bool) -> tuple:
        if not batched:
            return output.squeeze(1), [h.squeeze(1) for h in finals]
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, finals


def _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                     proj_size) -> None:
    if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
            or not 0 <= dropout <= 1):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         f"probability of an element being zeroed, got {dropout!r}")
    for name, value in (("bias", bias), ("batch_first", batch_first)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                        ("num_layers", num_layers)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero, got {value}")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


def _last(out, reverse: bool):
    """The final state of a direction: the last step forwards, the first step backwards."""
    return out[0] if reverse else out[-1]


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu), stacked
    ``num_layers`` deep, each layer reading the one below.

    Args: input_size, hidden_size, num_layers=1, nonlinearity='tanh' or 'relu', bias=True,
    batch_first=False, dropout=0.0 (between layers, in training), bidirectional=False.
    Shape: input (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in); h_0 (D·num_layers,
    N, H) or (D·num_layers, H), D = 2 if bidirectional else 1 → output (L, N, D·H), h_n like h_0.
    Example: ``out, h_n = nn.RNN(3, 5)(glassnet.ones(7, 2, 3))``; out (7, 2, 5), h_n (1, 2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)
        self.nonlinearity = nonlinearity

    def _layer(self, x, initial, weights, reverse):
        out = recurrent.RNN.apply(x, initial[0], *weights, nonlinearity=self.nonlinearity,
                                  reverse=reverse)
        return out, [_last(out, reverse)]

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, [hx])
        out, finals = self._run(x, states)
        out, finals = self._finish(out, finals, batched)
        return out, finals[0]


class LSTM(RNNBase):
    """Long short-term memory: per step, gates i, f, g, o = σ, σ, tanh, σ of
    x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh (in that order in the weights);
    c_t = f·c_{t-1} + i·g, h_t = o·tanh(c_t). The cell state c passes steps through a sum, not
    a squashing product, so gradients survive long sequences.

    Args: as RNN without nonlinearity; proj_size must be 0 (projections are not implemented).
    Shape: as RNN, with the state a pair (h_0, c_0) → output, (h_n, c_n).
    Example: ``out, (h, c) = nn.LSTM(3, 5, num_layers=2)(glassnet.ones(7, 2, 3))``
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def _layer(self, x, initial, weights, reverse):
        both = recurrent.LSTM.apply(x, initial[0], initial[1], *weights, reverse=reverse)
        return both[0], [_last(both[0], reverse), _last(both[1], reverse)]

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(
                f"LSTM: hx must be a tuple (h_0, c_0) of two tensors, got "
                f"{type(hx).__name__}; pass (h_0, c_0), or None for zeros")
        x, states, batched = self._prepare(input, [None, None] if hx is None else list(hx))
        out, finals = self._run(x, states)
        out, finals = self._finish(out, finals, batched)
        return out, tuple(finals)


class GRU(RNNBase):
    """Gated recurrent unit: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
    n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h' = (1 - z)·n + z·h (PyTorch's gate order
    r, z, n, with the reset gate applied after the hidden product).

    Args and Shape: as RNN without nonlinearity.
    Example: ``out, h_n = nn.GRU(3, 5, bidirectional=True)(glassnet.ones(7, 2, 3))``;
    out (7, 2, 10), h_n (2, 2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)

    def _layer(self, x, initial, weights, reverse):
        out = recurrent.GRU.apply(x, initial[0], *weights, reverse=reverse)
        return out, [_last(out, reverse)]

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, [hx])
        out, finals = self._run(x, states)
        out, finals = self._finish(out, finals, batched)
        return out, finals[0]


class RNNCellBase(Module):
    """What the cells share: weight_ih (G·H, H_in), weight_hh (G·H, H), bias_ih, bias_hh (G·H,),
    init U(-1/√H, 1/√H), input checks and repr."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        _check_arguments(input_size, hidden_size, 1, bias, False, 0.0, 0)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        self.weight_ih = _new_weight((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _new_weight((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _new_weight((num_chunks * hidden_size,), dtype)
            self.bias_hh = _new_weight((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _prepare(self, input, states: list):
        """Check shapes; return the input as a one-step sequence (1, N, H_in), the states as
        (N, H) (or None), and whether the input was unbatched."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ShapeError(
                f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead (shape "
                f"{tuple(input.shape)}); a cell takes one step (N, H_in) or (H_in); for a "
                f"sequence use nn.{name[:-4]}")
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                f"{self.input_size}; build the cell with input_size={input.shape[-1]} or fix "
                f"the input's last dim")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        expected = (input.shape[0], self.hidden_size)
        prepared = []
        for s in states:
            if s is not None:
                if s.ndim not in (1, 2):
                    raise ShapeError(
                        f"{name}: Expected hidden to be 1D or 2D, got {s.ndim}D instead")
                s = s if batched else s.unsqueeze(0)
                if tuple(s.shape) != expected:
                    raise ShapeError(
                        f"{name}: Expected hidden size {expected}, got {list(s.shape)}; the "
                        f"state is (N, hidden_size) for input (N, input_size)")
            prepared.append(s)
        return input.unsqueeze(0), prepared, batched


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).

    Shape: input (N, H_in) or (H_in), hx (N, H) or (H) (zeros if None) → h' like hx.
    Example: ``nn.RNNCell(3, 5)(glassnet.ones(2, 3)).shape == (2, 5)``
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, [hx])
        out = recurrent.RNN.apply(x, h, *self._weights(), nonlinearity=self.nonlinearity)[0]
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: i, f, g, o = σ, σ, tanh, σ of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh;
    c' = f·c + i·g, h' = o·tanh(c').

    Shape: input (N, H_in) or (H_in), hx a pair (h, c) each (N, H) or (H) → (h', c').
    Example: ``h, c = nn.LSTMCell(3, 5)(glassnet.ones(2, 3))``
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(
                f"LSTMCell: hx must be a tuple (h, c) of two tensors, got "
                f"{type(hx).__name__}; pass (h, c), or None for zeros")
        x, (h, c), batched = self._prepare(input, [None, None] if hx is None else list(hx))
        both = recurrent.LSTM.apply(x, h, c, *self._weights())
        h, c = both[0, 0], both[1, 0]
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: r, z = σ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (first two thirds),
    n = tanh(x_n + r·(h W_hnᵀ + b_hn)), h' = (1 - z)·n + z·h.

    Shape: input (N, H_in) or (H_in), hx (N, H) or (H) → h' like hx.
    Example: ``nn.GRUCell(3, 5)(glassnet.ones(2, 3)).shape == (2, 5)``
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, [hx])
        out = recurrent.GRU.apply(x, h, *self._weights())[0]
        return out if batched else out.squeeze(0)
