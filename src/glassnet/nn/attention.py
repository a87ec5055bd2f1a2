"""Attention layers with PyTorch's names, parameters and state_dict keys: ``MultiheadAttention``,
the encoder and decoder layers and stacks, and the encoder-decoder ``Transformer``.

Multi-head attention in words: project the queries, keys and values with one (3E, E) matrix
(``in_proj_weight``: rows for Q, then K, then V), split each into ``num_heads`` slices of E/H,
let every head attend on its own (``F.scaled_dot_product_attention``), join the heads and mix
them with ``out_proj``. An encoder layer is self-attention then a two-layer feed-forward
network, each wrapped in a residual connection and a LayerNorm (after it, or before it with
``norm_first=True``).

As in PyTorch, sequences are (L, N, E) unless ``batch_first=True``, and the masks of
MultiheadAttention mean the opposite of scaled_dot_product_attention's: a True in ``attn_mask``
or ``key_padding_mask`` forbids the pair. Not supported (one clear error each): ``kdim`` /
``vdim`` other than ``embed_dim``, ``add_bias_kv``, ``add_zero_attn``.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ..dtypes import get_default_dtype, to_dtype
from ..ops.methods import _t
from . import functional as F
from . import init
from .containers import ModuleList
from .functional.attention import additive_mask, causal_mask
from .layers import Dropout, Linear
from .module import Module, Parameter
from .normalization import LayerNorm


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under the name PyTorch gives MultiheadAttention's output projection (so the
    repr and checkpoints read alike)."""


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads of size embed_dim / num_heads, side by side.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) → (output, weights or None): the output has the
    query's shape; the weights are (N, L, S), or (N, H, L, S) with average_attn_weights=False.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive "
                             f"multiple of num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or vdim not in (
                None, embed_dim):
            raise NotImplementedError("MultiheadAttention: add_bias_kv, add_zero_attn and kdim/"
                                      "vdim other than embed_dim are not supported by glassnet")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim, self.dropout, self.batch_first = embed_dim // num_heads, dropout, \
            batch_first
        self.kdim = self.vdim = embed_dim
        self._qkv_same_embed_dim = True
        numpy_dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), numpy_dtype))
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * embed_dim, numpy_dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Xavier-uniform projections, zero biases."""
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        query, key, value = _t(query), _t(key), _t(value)
        batched = query.ndim == 3
        if not batched:  # one sequence: (L, E)
            query, key, value = (x.unsqueeze(1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = _t(key_padding_mask).unsqueeze(0)
        elif not self.batch_first:  # (L, N, E) → (N, L, E)
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True is a hint that attn_mask is "
                               "the causal mask, so attn_mask is needed too (e.g. "
                               "nn.Transformer.generate_square_subsequent_mask(L))")
        out, weights = self._attend(query, key, value, key_padding_mask, attn_mask)
        if batched and not self.batch_first:
            out = out.transpose(0, 1)
        elif not batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        weights = weights.mean(1) if average_attn_weights else weights
        return out, (weights if batched else weights.squeeze(0))

    def _attend(self, query, key, value, key_padding_mask, attn_mask):
        """(N, L, E) queries over (N, S, E) keys and values: the output (N, L, E) and the
        attention weights (N, H, L, S)."""
        n, length, embed = query.shape
        source = key.shape[1]
        if embed != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected inputs with {self.embed_dim} "
                             f"features, got shape {tuple(query.shape)}")
        w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = self.in_proj_bias.chunk(3)
        heads = [F.linear(x, w, b).reshape(n, -1, self.num_heads, self.head_dim).transpose(1, 2)
                 for x, w, b in ((query, w_q, b_q), (key, w_k, b_k), (value, w_v, b_v))]
        q, k, v = heads
        scores = q.matmul(k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        dtype = scores._data.dtype
        bias = additive_mask(attn_mask, (length, source), dtype, allowed_when_true=False)
        if bias is not None:
            if bias.ndim == 3:  # (N·H, L, S)
                bias = bias.reshape(n, self.num_heads, length, source)
            scores = scores + bias
        padding = additive_mask(key_padding_mask, (n, source), dtype, allowed_when_true=False)
        if padding is not None:
            scores = scores + padding.reshape(n, 1, 1, source)
        weights = F.softmax(scores, -1)
        if self.dropout > 0.0:
            weights = F.dropout(weights, self.dropout, training=self.training)
        out = weights.matmul(v).transpose(1, 2).reshape(n, length, self.embed_dim)
        return self.out_proj(out), weights

    def extra_repr(self) -> str:
        return ""


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network (linear1 → activation → linear2), each added
    back to its input and layer-normalised: x = norm1(x + attn(x)); x = norm2(x + ff(x)), or
    with norm_first=True x = x + attn(norm1(x)); x = x + ff(norm2(x))."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        x = _t(src)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` one after the other (each its own weights),
    then ``norm`` if given."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm=None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = _t(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention from the target to the encoder's output
    (``memory``), then the feed-forward network; each added back and layer-normalised (after,
    or before with norm_first=True), as TransformerEncoderLayer."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1, self.dropout2, self.dropout3 = (Dropout(dropout), Dropout(dropout),
                                                       Dropout(dropout))
        self.activation = _activation(activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False):
        x, memory = _t(tgt), _t(memory)
        blocks = (
            lambda h: self.dropout1(self.self_attn(
                h, h, h, attn_mask=tgt_mask, key_padding_mask=tgt_key_padding_mask,
                need_weights=False, is_causal=tgt_is_causal)[0]),
            lambda h: self.dropout2(self.multihead_attn(
                h, memory, memory, attn_mask=memory_mask,
                key_padding_mask=memory_key_padding_mask, need_weights=False,
                is_causal=memory_is_causal)[0]),
            lambda h: self.dropout3(self.linear2(self.dropout(self.activation(
                self.linear1(h))))),
        )
        for block, norm in zip(blocks, (self.norm1, self.norm2, self.norm3)):
            x = x + block(norm(x)) if self.norm_first else norm(x + block(x))
        return x


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` one after the other, each attending to the
    same ``memory``, then ``norm`` if given."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm=None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        x = _t(tgt)
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                      memory_key_padding_mask, bool(tgt_is_causal), memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder model of "Attention is all you need": an encoder stack over
    ``src`` and a decoder stack over ``tgt`` attending to the encoder's output, each ending
    in a LayerNorm. Weights of two or more dims start Xavier-uniform, as in PyTorch."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", custom_encoder=None, custom_decoder=None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        options = dict(dropout=dropout, activation=activation, layer_norm_eps=layer_norm_eps,
                       batch_first=batch_first, norm_first=norm_first, bias=bias, dtype=dtype)
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, dim_feedforward, **options),
            num_encoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, dim_feedforward, **options),
            num_decoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None):
        """(sz, sz) float mask: 0 on and below the diagonal, -inf above it, so position i
        attends to positions 0..i only."""
        numpy_dtype = to_dtype(dtype or get_default_dtype()).numpy
        return causal_mask(sz, sz, numpy_dtype)


def _activation(activation):
    """"relu", "gelu" or a callable, as PyTorch's transformer layers take it."""
    if not isinstance(activation, str):
        return activation
    if activation not in ("relu", "gelu"):
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return F.relu if activation == "relu" else F.gelu


__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "Transformer",
           "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]
