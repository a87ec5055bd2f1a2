"""Cases for the rnn ops of PyTorch's everyday API (see cases.py for how a case is run).

The fused recurrent ops are reached through the layers: the case's inputs become the layer's
weights (PyTorch: ``torch.func.functional_call``; glassnet: plain attributes, which shadow the
registered parameters), so gradcheck and PyTorch see the weights as inputs.
"""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401


def _call(lib, module, names, weights, *args):
    if lib.__name__ == "torch":
        return lib.func.functional_call(module, dict(zip(names, weights)), args)
    for name, weight in zip(names, weights):
        setattr(module, name, weight)
    return module(*args)


def _flat(lib, *tensors):
    return lib.cat([t.reshape(-1) for t in tensors])


def _layer_names(bidirectional=False):
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    return names + [n + "_reverse" for n in names] if bidirectional else names


def _rnn(lib, x, h0, *weights, nonlinearity="tanh", bidirectional=False):
    layer = lib.nn.RNN(3, 4, nonlinearity=nonlinearity, bidirectional=bidirectional,
                       dtype=lib.float64)
    out, h_n = _call(lib, layer, _layer_names(bidirectional), weights, x, h0)
    return _flat(lib, out, h_n)


def _lstm(lib, x, h0, c0, *weights, bidirectional=False):
    layer = lib.nn.LSTM(3, 4, bidirectional=bidirectional, dtype=lib.float64)
    out, (h_n, c_n) = _call(lib, layer, _layer_names(bidirectional), weights, x, (h0, c0))
    return _flat(lib, out, h_n, c_n)


def _gru(lib, x, h0, *weights, batch_first=False):
    layer = lib.nn.GRU(3, 4, batch_first=batch_first, dtype=lib.float64)
    out, h_n = _call(lib, layer, _layer_names(), weights, x, h0)
    return _flat(lib, out, h_n)


def _lstm_cell(lib, x, h, c, *weights):
    cell = lib.nn.LSTMCell(3, 4, dtype=lib.float64)
    h, c = _call(lib, cell, ["weight_ih", "weight_hh", "bias_ih", "bias_hh"], weights, x, (h, c))
    return _flat(lib, h, c)


def _weights(gates, directions=1):
    return ((gates * 4, 3), (gates * 4, 4), (gates * 4,), (gates * 4,)) * directions


RNN_CASES: list = [
    Case("RNN", lambda lib, x, h0, *w: _rnn(lib, x, h0, *w),
         shapes=((3, 2, 3), (1, 2, 4), *_weights(1))),
    Case("RNN", lambda lib, x, h0, *w: _rnn(lib, x, h0, *w, nonlinearity="relu",
                                            bidirectional=True),
         shapes=((3, 2, 3), (2, 2, 4), *_weights(1, 2)), name="RNN-relu-bidirectional"),
    Case("LSTM", lambda lib, x, h0, c0, *w: _lstm(lib, x, h0, c0, *w),
         shapes=((3, 2, 3), (1, 2, 4), (1, 2, 4), *_weights(4))),
    Case("LSTM", lambda lib, x, h0, c0, *w: _lstm(lib, x, h0, c0, *w, bidirectional=True),
         shapes=((2, 2, 3), (2, 2, 4), (2, 2, 4), *_weights(4, 2)), name="LSTM-bidirectional"),
    Case("LSTM", lambda lib, x, h, c, *w: _lstm_cell(lib, x, h, c, *w),
         shapes=((2, 3), (2, 4), (2, 4), *_weights(4)), name="LSTM-cell"),
    Case("GRU", lambda lib, x, h0, *w: _gru(lib, x, h0, *w, batch_first=True),
         shapes=((2, 3, 3), (1, 2, 4), *_weights(3))),
]
