"""Recurrent layers, fused: one node runs a whole sequence through one layer in one direction.

Each op hoists the input projection out of the time loop (x_t W_ihᵀ + b_ih for every t is one
matrix product over the (L·N, H_in) rows), then steps through time with only the recurrent
product h W_hhᵀ left inside the loop. Backward is backpropagation through time: the steps run
in reverse, each handing dL/dh (and dL/dc for the LSTM) to the step before it, and the weight
gradients are summed over the steps, dL/dW_ih again in one product at the end.

Why a node per sequence and not per step: a step would need its slice x_t of the hoisted
product, and a slice's backward writes a zero array the size of the whole sequence, so L steps
would cost O(L²). The step itself is written once, forward beside backward, as two functions per
cell (``_lstm_step`` / ``_lstm_step_backward``), and a single cell (``nn.LSTMCell``) is the
same op with L = 1.

Layouts follow PyTorch: x (L, N, H_in); weight_ih (G·H, H_in), weight_hh (G·H, H), biases
(G·H,) with G = 1 (RNN), 4 (LSTM: gates i, f, g, o) or 3 (GRU: gates r, z, n).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def _sigmoid(a):
    return 0.5 * (np.tanh(0.5 * a) + 1.0)  # as 1/(1+e^-a), without overflow for large |a|


def _project(x, weight_ih, bias_ih, bias_hh=None):
    """x_t W_ihᵀ + b_ih for all steps at once: (L, N, H_in) → (L, N, G·H). Where b_hh is
    simply added to the gates (RNN, LSTM; not GRU's n gate) it is added here, once, too."""
    gates = x @ weight_ih.T
    if bias_ih is not None:
        gates += bias_ih
    if bias_hh is not None:
        gates += bias_hh
    return gates


def _recurrent(h, weight_hh, bias_hh):
    out = h @ weight_hh.T
    if bias_hh is not None:
        out += bias_hh
    return out


def _steps(length: int, reverse: bool):
    return range(length - 1, -1, -1) if reverse else range(length)


def _input_grads(ctx, grad_gates, x, weight_ih, at: int):
    """dL/dx, dL/dW_ih, dL/db_ih from dL/d(x W_ihᵀ + b_ih) of every step, in one product each;
    ``at`` is weight_ih's position among the op's inputs (bias_ih is two further on)."""
    need = ctx.needs_input_grad + (False,) * 8
    flat = grad_gates.reshape(-1, grad_gates.shape[-1])
    gx = grad_gates @ weight_ih if need[0] else None
    gw = flat.T @ x.reshape(-1, x.shape[-1]) if need[at] else None
    gb = flat.sum(axis=0) if need[at + 2] else None
    return gx, gw, gb


class RNN(Function):
    """Elman RNN over a sequence: h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), act tanh
    or relu. Output: every h_t, (L, N, H).

    Derivative, step by step backwards: dL/da_t = dL/dh_t·act'(a_t) (1 - h_t² for tanh, 1 where
    h_t > 0 for relu); dL/dh_{t-1} = dL/da_t W_hh; dL/dW_hh = Σ_t dL/da_tᵀ h_{t-1}; and the
    input side as a linear layer with gradient dL/da_t.
    """

    @staticmethod
    def forward(ctx, x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None,
                nonlinearity="tanh", reverse=False):
        length, batch = x.shape[:2]
        hidden = weight_hh.shape[1]
        h = np.zeros((batch, hidden), dtype=x.dtype) if h0 is None else h0
        pre = _project(x, weight_ih, bias_ih, bias_hh)
        out = np.empty((length, batch, hidden), dtype=pre.dtype)
        for t in _steps(length, reverse):
            a = pre[t] + h @ weight_hh.T
            h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
            out[t] = h
        ctx.save_for_backward(x, h0, weight_ih, weight_hh, out)
        ctx.nonlinearity, ctx.reverse = nonlinearity, reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        x, h0, weight_ih, weight_hh, out = ctx.saved
        length, batch, hidden = out.shape
        grad_pre = np.empty_like(out)
        grad_h = np.zeros((batch, hidden), dtype=out.dtype)
        for t in reversed(_steps(length, ctx.reverse)):
            h = out[t]
            grad_h = grad_h + grad[t]
            da = grad_h * (1 - h * h) if ctx.nonlinearity == "tanh" else grad_h * (h > 0)
            grad_pre[t] = da
            grad_h = da @ weight_hh
        before = _states_before(out, h0, ctx.reverse)
        grad_whh, grad_bhh = _recurrent_grads(ctx, grad_pre, before, 3)
        gx, gw_ih, gb_ih = _input_grads(ctx, grad_pre, x, weight_ih, 2)
        return gx, grad_h if ctx.needs_input_grad[1] else None, gw_ih, grad_whh, gb_ih, grad_bhh


def _states_before(states, initial, reverse: bool):
    """The state each step started from, (L, N, H): the previous step's (the next one's when
    running backwards), or the initial one (zeros if None) for the first step."""
    before = np.empty_like(states)
    if reverse:
        before[:-1], first = states[1:], -1
    else:
        before[1:], first = states[:-1], 0
    before[first] = 0 if initial is None else initial
    return before


def _recurrent_grads(ctx, grad_gates, before, at: int):
    """dL/dW_hh = Σ_t dL/dgates_tᵀ h_{t-1} and dL/db_hh = Σ_t dL/dgates_t, each one product
    or sum over all L·N rows at once instead of one per step; ``at`` is weight_hh's position
    among the op's inputs (bias_hh is two further on)."""
    need = ctx.needs_input_grad + (False,) * 8
    flat = grad_gates.reshape(-1, grad_gates.shape[-1])
    gw = gb = None
    if need[at]:
        gw = flat.T @ before.reshape(-1, before.shape[-1])
    if need[at + 2]:
        gb = flat.sum(axis=0)
    return gw, gb


def _gates(acts, count: int) -> list:
    """The activated gates as views, one (N, H) block each (np.split costs more per call)."""
    hidden = acts.shape[1] // count
    return [acts[:, k * hidden:(k + 1) * hidden] for k in range(count)]


def _lstm_step(pre_t, h, c, weight_hh, bias_hh, acts):
    """One LSTM step: gates = pre_t + h W_hhᵀ + b_hh split as i, f, g, o;
    c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). Writes the activated gates into ``acts``
    (backward needs them) and returns h', c'."""
    gates = pre_t + _recurrent(h, weight_hh, bias_hh)
    hidden = h.shape[1]
    acts[:, :2 * hidden] = _sigmoid(gates[:, :2 * hidden])
    np.tanh(gates[:, 2 * hidden:3 * hidden], out=acts[:, 2 * hidden:3 * hidden])
    acts[:, 3 * hidden:] = _sigmoid(gates[:, 3 * hidden:])
    i, f, g, o = _gates(acts, 4)
    c_next = f * c + i * g
    return o * np.tanh(c_next), c_next


def _lstm_step_backward(grad_h, grad_c, acts, c, c_next, grad_gates):
    """dL/d(gates) (written into ``grad_gates``) and dL/dc from dL/dh', dL/dc': with
    tc = tanh(c'), dc = dc' + dh'·o·(1 - tc²); do = dh'·tc, di = dc·g, dg = dc·i, df = dc·c,
    dc_prev = dc·f; then through the gates' own activations: σ' = σ(1 - σ), tanh' = 1 - tanh²."""
    i, f, g, o = _gates(acts, 4)
    di, df, dg, do = _gates(grad_gates, 4)
    tc = np.tanh(c_next)
    dc = grad_c + grad_h * o * (1 - tc * tc)
    di[...] = dc * g * i * (1 - i)
    df[...] = dc * c * f * (1 - f)
    dg[...] = dc * i * (1 - g * g)
    do[...] = grad_h * tc * o * (1 - o)
    return dc * f


class LSTM(Function):
    """LSTM over a sequence (PyTorch's gate order i, f, g, o; see ``_lstm_step``).
    Output: h_t and c_t of every step stacked as (2, L, N, H), so both can carry gradients.

    Derivative: ``_lstm_step_backward`` per step, backwards in time, dL/dh and dL/dc handed to
    the step before; dL/dh_{t-1} = dL/dgates W_hh, dL/dW_hh = Σ_t dL/dgates_tᵀ h_{t-1}.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None,
                reverse=False):
        length, batch = x.shape[:2]
        hidden = weight_hh.shape[1]
        zeros = np.zeros((batch, hidden), dtype=x.dtype)
        h = zeros if h0 is None else h0
        c = zeros if c0 is None else c0
        pre = _project(x, weight_ih, bias_ih, bias_hh)
        out = np.empty((2, length, batch, hidden), dtype=pre.dtype)
        acts = np.empty_like(pre)
        for t in _steps(length, reverse):
            h, c = _lstm_step(pre[t], h, c, weight_hh, None, acts[t])
            out[0, t], out[1, t] = h, c
        ctx.save_for_backward(x, h0, c0, weight_ih, weight_hh, out, acts)
        ctx.reverse = reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        x, h0, c0, weight_ih, weight_hh, out, acts = ctx.saved
        _, length, batch, hidden = out.shape
        c_before = _states_before(out[1], c0, ctx.reverse)
        grad_pre = np.empty_like(acts)
        grad_h = np.zeros((batch, hidden), dtype=out.dtype)
        grad_c = np.zeros_like(grad_h)
        for t in reversed(_steps(length, ctx.reverse)):
            grad_c = _lstm_step_backward(grad_h + grad[0, t], grad_c + grad[1, t], acts[t],
                                         c_before[t], out[1, t], grad_pre[t])
            grad_h = grad_pre[t] @ weight_hh
        before = _states_before(out[0], h0, ctx.reverse)
        grad_whh, grad_bhh = _recurrent_grads(ctx, grad_pre, before, 4)
        gx, gw_ih, gb_ih = _input_grads(ctx, grad_pre, x, weight_ih, 3)
        need = ctx.needs_input_grad
        return (gx, grad_h if need[1] else None, grad_c if need[2] else None,
                gw_ih, grad_whh, gb_ih, grad_bhh)


def _gru_step(pre_t, h, weight_hh, bias_hh, cache):
    """One GRU step (PyTorch's form): with gh = h W_hhᵀ + b_hh split as (hr, hz, hn),
    r = σ(x_r + hr), z = σ(x_z + hz), n = tanh(x_n + r·hn), h' = (1 - z)·n + z·h.
    The reset gate multiplies W_hn h + b_hn, not h. Writes (r, z, n, hn) into ``cache``
    (backward needs them) and returns h'."""
    hidden = h.shape[1]
    gh = _recurrent(h, weight_hh, bias_hh)
    cache[:, :2 * hidden] = _sigmoid(pre_t[:, :2 * hidden] + gh[:, :2 * hidden])
    r, z, n, hn = _gates(cache, 4)
    hn[...] = gh[:, 2 * hidden:]
    np.tanh(pre_t[:, 2 * hidden:] + r * hn, out=n)
    return (1 - z) * n + z * h


def _gru_step_backward(grad_h, cache, h, grad_x_side, grad_h_side):
    """dL/d(x-side gates) and dL/d(h-side gates) (written into the last two arguments) and
    the direct part of dL/dh, from dL/dh': dn = dh'·(1 - z), dz = dh'·(h - n), dh = dh'·z;
    through n = tanh(·): dn·(1 - n²), which reaches hn times r and r times hn; r and z
    through σ' = σ(1 - σ). The r and z gradients are the same on both sides."""
    r, z, n, hn = _gates(cache, 4)
    hidden = h.shape[1]
    dn = grad_h * (1 - z) * (1 - n * n)
    grad_x_side[:, :hidden] = dn * hn * r * (1 - r)
    grad_x_side[:, hidden:2 * hidden] = grad_h * (h - n) * z * (1 - z)
    grad_x_side[:, 2 * hidden:] = dn
    grad_h_side[:, :2 * hidden] = grad_x_side[:, :2 * hidden]
    grad_h_side[:, 2 * hidden:] = dn * r
    return grad_h * z


class GRU(Function):
    """GRU over a sequence (PyTorch's gate order r, z, n; see ``_gru_step``). Output: every
    h_t, (L, N, H).

    Derivative: ``_gru_step_backward`` per step, backwards in time; the h-side gate gradients
    give dL/dh_{t-1} (through W_hh, plus the direct z·dh') and dL/dW_hh = Σ_t gᵀ h_{t-1}.
    """

    @staticmethod
    def forward(ctx, x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, reverse=False):
        length, batch = x.shape[:2]
        hidden = weight_hh.shape[1]
        h = np.zeros((batch, hidden), dtype=x.dtype) if h0 is None else h0
        pre = _project(x, weight_ih, bias_ih)
        out = np.empty((length, batch, hidden), dtype=pre.dtype)
        caches = np.empty((length, batch, 4 * hidden), dtype=pre.dtype)
        for t in _steps(length, reverse):
            h = _gru_step(pre[t], h, weight_hh, bias_hh, caches[t])
            out[t] = h
        ctx.save_for_backward(x, h0, weight_ih, weight_hh, out, caches)
        ctx.reverse = reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        x, h0, weight_ih, weight_hh, out, caches = ctx.saved
        length, batch, hidden = out.shape
        h_before = _states_before(out, h0, ctx.reverse)
        grad_pre = np.empty((length, batch, 3 * hidden), dtype=out.dtype)
        grad_hidden_side = np.empty_like(grad_pre)
        grad_h = np.zeros((batch, hidden), dtype=out.dtype)
        for t in reversed(_steps(length, ctx.reverse)):
            grad_direct = _gru_step_backward(grad_h + grad[t], caches[t], h_before[t],
                                             grad_pre[t], grad_hidden_side[t])
            grad_h = grad_direct + grad_hidden_side[t] @ weight_hh
        grad_whh, grad_bhh = _recurrent_grads(ctx, grad_hidden_side, h_before, 3)
        gx, gw_ih, gb_ih = _input_grads(ctx, grad_pre, x, weight_ih, 2)
        return gx, grad_h if ctx.needs_input_grad[1] else None, gw_ih, grad_whh, gb_ih, grad_bhh
