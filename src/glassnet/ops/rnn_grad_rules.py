"""Differentiable backward rules for the fused recurrent layers of ``rnn.py`` (double
backward; see ``glassnet/autograd/double_backward.py``).

Backpropagation through time is a long chain of small steps, so rather than restating
``RNN.backward`` with Tensor ops, each rule redoes the layer's forward with Tensor ops (the
same step formulas as ``_lstm_step`` and ``_gru_step``) and runs that recording's backward
(``recompute_grads``): the gradients it gives are recorded, so they differentiate again.

The fused ops keep x, h0, the weights and the outputs, not the biases; a bias is read from
its leaf (a layer's Parameter, the usual case). A bias that is computed by other ops, or one
that needs no gradient, cannot be read back: such a layer's gradient then raises if it is
differentiated a second time, naming the op.
"""

from __future__ import annotations

from ..autograd.double_backward import recompute_grads, rule, untracked
from ..autograd.function import AccumulateGrad
from . import activation as A
from . import linalg as L
from . import rnn as R
from . import shape as S


def _bias(ctx, index: int):
    """(readable, value) of the bias at input ``index``: None when the op had no bias."""
    if index >= len(ctx.input_shapes) or ctx.input_shapes[index] is None:
        return True, None
    node = ctx.next_functions[index][0]
    if type(node) is AccumulateGrad:
        return True, node.variable._data
    return False, None


def _columns(t, start: int, stop: int):
    return S.Index.apply(t, (slice(None), slice(start, stop)))


def _recurrent_rule(ctx, grad, saved_arrays: dict, bias_positions: tuple, step_forward):
    """Read the biases, redo the forward with ``step_forward(inputs)``, return one gradient
    per input (the array backward, untracked, when a bias cannot be read back)."""
    arrays = dict(saved_arrays)
    for index in bias_positions:
        readable, value = _bias(ctx, index)
        if not readable:
            return tuple(None if g is None else untracked(ctx, g)
                         for g in ctx.function.backward(ctx, grad._data))
        if value is not None:
            arrays[index] = value
    arrays = {i: a for i, a in arrays.items() if a is not None}
    grads = recompute_grads(ctx, step_forward, arrays, grad)
    return tuple(grads.get(i) if ctx.needs_input_grad[i] else None
                 for i in range(len(ctx.next_functions)))


def _project(inputs, w_ih: int, b_ih: int, b_hh: int | None):
    pre = L.Matmul.apply(inputs[0], S.Transpose.apply(inputs[w_ih], 0, 1))
    for index in (b_ih, b_hh):
        if index is not None and index in inputs:
            pre = pre + inputs[index]
    return pre


def _initial(inputs, index: int, batch: int, hidden: int, like):
    return inputs[index] if index in inputs else like.new_zeros((batch, hidden))


@rule(R.RNN)
def rnn(ctx, grad):
    """BPTT of h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), recorded (see above)."""
    x, h0, weight_ih, weight_hh, out = ctx.saved

    def forward(inputs):
        length, batch, hidden = out.shape
        pre = _project(inputs, 2, 4, 5)
        h = _initial(inputs, 1, batch, hidden, inputs[0])
        states = [None] * length
        w_hh = S.Transpose.apply(inputs[3], 0, 1)
        for t in R._steps(length, ctx.reverse):
            a = S.Index.apply(pre, t) + L.Matmul.apply(h, w_hh)
            h = A.Tanh.apply(a) if ctx.nonlinearity == "tanh" else A.Relu.apply(a)
            states[t] = h
        return S.Stack.apply(*states, dim=0)

    saved = {0: x, 1: h0, 2: weight_ih, 3: weight_hh}
    return _recurrent_rule(ctx, grad, saved, (4, 5), forward)


@rule(R.LSTM)
def lstm(ctx, grad):
    """BPTT of the LSTM step c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'), recorded."""
    x, h0, c0, weight_ih, weight_hh, out, _ = ctx.saved

    def forward(inputs):
        _, length, batch, hidden = out.shape
        pre = _project(inputs, 3, 5, 6)
        h = _initial(inputs, 1, batch, hidden, inputs[0])
        c = _initial(inputs, 2, batch, hidden, inputs[0])
        hs, cs = [None] * length, [None] * length
        w_hh = S.Transpose.apply(inputs[4], 0, 1)
        for t in R._steps(length, ctx.reverse):
            gates = S.Index.apply(pre, t) + L.Matmul.apply(h, w_hh)
            i = A.Sigmoid.apply(_columns(gates, 0, hidden))
            f = A.Sigmoid.apply(_columns(gates, hidden, 2 * hidden))
            g = A.Tanh.apply(_columns(gates, 2 * hidden, 3 * hidden))
            o = A.Sigmoid.apply(_columns(gates, 3 * hidden, 4 * hidden))
            c = f * c + i * g
            h = o * A.Tanh.apply(c)
            hs[t], cs[t] = h, c
        return S.Stack.apply(S.Stack.apply(*hs, dim=0), S.Stack.apply(*cs, dim=0), dim=0)

    saved = {0: x, 1: h0, 2: c0, 3: weight_ih, 4: weight_hh}
    return _recurrent_rule(ctx, grad, saved, (5, 6), forward)


@rule(R.GRU)
def gru(ctx, grad):
    """BPTT of the GRU step r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n),
    h' = (1 - z)·n + z·h (h_· = h W_hhᵀ + b_hh), recorded."""
    x, h0, weight_ih, weight_hh, out, _ = ctx.saved

    def forward(inputs):
        length, batch, hidden = out.shape
        pre = _project(inputs, 2, 4, None)
        h = _initial(inputs, 1, batch, hidden, inputs[0])
        states = [None] * length
        w_hh = S.Transpose.apply(inputs[3], 0, 1)
        for t in R._steps(length, ctx.reverse):
            pre_t = S.Index.apply(pre, t)
            gh = L.Matmul.apply(h, w_hh)
            if 5 in inputs:
                gh = gh + inputs[5]
            r = A.Sigmoid.apply(_columns(pre_t, 0, hidden) + _columns(gh, 0, hidden))
            z = A.Sigmoid.apply(_columns(pre_t, hidden, 2 * hidden)
                                + _columns(gh, hidden, 2 * hidden))
            n = A.Tanh.apply(_columns(pre_t, 2 * hidden, 3 * hidden)
                             + r * _columns(gh, 2 * hidden, 3 * hidden))
            h = (1.0 - z) * n + z * h
            states[t] = h
        return S.Stack.apply(*states, dim=0)

    saved = {0: x, 1: h0, 2: weight_ih, 3: weight_hh}
    return _recurrent_rule(ctx, grad, saved, (4, 5), forward)
