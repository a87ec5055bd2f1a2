"""The functional forms of the matrix products: ``glassnet.mm(input, mat2, *, out=None)`` and kin.

Each takes PyTorch's keyword names (``input``, ``mat2``, ``vec``, ``beta``, ``alpha``, ``out``)
and its strictness: no dtype promotion inside a product (``mm`` of float32 and float64 raises,
as in PyTorch), ``out=`` must already have the result's dtype, and the shape rules of each op
(mm 2-D, bmm 3-D with equal batch sizes, mv a matrix and a vector, dot two vectors of one size).
The ops with their derivatives are in ``ops/linalg.py``; Tensor's methods (``x.mm(y)``,
``x.addmm_(a, b)``) are in ``glassnet/_tensor_linalg.py``.

Example::

    >>> a, b = glassnet.ones(2, 3), glassnet.ones(3, 4)
    >>> glassnet.mm(a, b).shape
    glassnet.Size([2, 4])
    >>> glassnet.einsum("ij,jk->ik", a, b).shape    # the same product, by labels
    glassnet.Size([2, 4])
    >>> glassnet.addmm(glassnet.zeros(4), a, b, beta=0.5, alpha=2.0)[0, 0].item()
    6.0
"""

from __future__ import annotations

import string
import warnings

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from . import linalg as L
from .math_functions import _as, _tensor, result_dtype, write_into

# sublist subscripts 0..51 name these letters, in this order (so implicit outputs sort alike)
LETTERS = string.ascii_uppercase + string.ascii_lowercase


def write_result(out: Tensor | None, result: Tensor, name: str, inputs: tuple) -> Tensor:
    """``result``, or copied into ``out``, which must already have the result's dtype (as
    PyTorch's matrix products require: they never cast into ``out``)."""
    if out is not None and isinstance(out, Tensor) and out.dtype is not result.dtype:
        raise RuntimeError(f"{name}(): expected out tensor to have dtype {result.dtype.name}, "
                           f"but got {out.dtype.name} instead; pass an out tensor of dtype "
                           f"{result.dtype.name}")
    return write_into(out, result, name, inputs)


def _scalar(value, like: Tensor, name: str):
    """beta/alpha as a Python number; integer tensors truncate it, as PyTorch does."""
    if isinstance(value, Tensor):
        value = value.item()
    if not isinstance(value, (bool, int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return int(value) if like._data.dtype.kind in "iu" else value


# ----- products -----------------------------------------------------------------------------
def mm(input, mat2, *, out=None) -> Tensor:  # noqa: A002
    """The matrix product of 2-D ``input`` (n, k) and ``mat2`` (k, m), of shape (n, m).

    Unlike ``matmul`` it neither broadcasts nor accepts vectors. Gradients: g @ mat2ᵀ and
    inputᵀ @ g. Both operands must share one dtype.
    """
    return write_result(out, L.Mm.apply(_tensor(input), _tensor(mat2)), "mm", (input, mat2))


def bmm(input, mat2, *, out=None) -> Tensor:  # noqa: A002
    """Batched matrix product: 3-D ``input`` (b, n, k) and ``mat2`` (b, k, m) give (b, n, m),
    ``out[i] = input[i] @ mat2[i]``. The batch sizes must be equal (no broadcasting)."""
    return write_result(out, L.Bmm.apply(_tensor(input), _tensor(mat2)), "bmm", (input, mat2))


def mv(input, vec, *, out=None) -> Tensor:  # noqa: A002
    """The product of the matrix ``input`` (n, k) and the vector ``vec`` (k,), of shape (n,)."""
    return write_result(out, L.Mv.apply(_tensor(input), _tensor(vec)), "mv", (input, vec))


def dot(input, tensor, *, out=None) -> Tensor:  # noqa: A002
    """Σᵢ inputᵢ · tensorᵢ for two 1-D tensors of the same size and dtype; a 0-d result."""
    result = L.Dot.apply(_tensor(input), _tensor(tensor))
    return write_result(out, result, "dot", (input, tensor))


def vdot(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Σᵢ conj(inputᵢ) · otherᵢ; glassnet has no complex dtypes, so this is ``dot``."""
    result = L.Dot.apply(_tensor(input), _tensor(other), op="vdot")
    return write_result(out, result, "vdot", (input, other))


def outer(input, vec2, *, out=None) -> Tensor:  # noqa: A002
    """The outer product of 1-D ``input`` (n,) and ``vec2`` (m,): out[i, j] = input[i]·vec2[j].

    As in PyTorch (where it is a broadcast multiply) the dtypes promote: int64 with float32
    gives float32.
    """
    x, y = _tensor(input), _tensor(vec2)
    dtype = result_dtype(x, y)
    result = L.Outer.apply(_as(x, dtype), _as(y, dtype))
    return write_into(out, result, "outer", (input, vec2))


ger = outer


def inner(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Sums over the last dim of both: out[a..., b...] = Σₖ input[a..., k]·other[b..., k];
    a 0-d operand multiplies instead. Shape: input.shape[:-1] + other.shape[:-1]."""
    x, y = _tensor(input), _tensor(other)
    if x.ndim == 0 or y.ndim == 0:
        dtype = result_dtype(x, y)
        return write_result(out, _as(x, dtype) * _as(y, dtype), "inner", (input, other))
    L.check_same_dtype("inner", ("input", "other"), (x._data, y._data))
    if x.shape[-1] != y.shape[-1]:
        raise ShapeError(f"inner(): the last dimension must match on both inputs, got shapes "
                         f"{list(x.shape)} and {list(y.shape)}")
    if x.ndim + y.ndim - 1 > len(LETTERS):
        raise ShapeError(f"inner(): at most {len(LETTERS) + 1} dims in all, got {x.ndim} + "
                         f"{y.ndim}")
    left, right = LETTERS[:x.ndim - 1], LETTERS[x.ndim - 1:x.ndim + y.ndim - 2]
    summed = LETTERS[-1]
    equation = f"{left}{summed},{right}{summed}->{left}{right}"
    return write_result(out, L.Einsum.apply(x, y, equation=equation), "inner", (input, other))


# ----- a product plus a scaled input ---------------------------------------------------------
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:  # noqa: A002
    """beta·input + alpha·(mat1 @ mat2), with ``input`` broadcast to (n, m): a linear layer's
    ``bias + x @ W`` in one op. beta = 0 ignores input entirely (NaNs in it too)."""
    x = _tensor(input)
    result = L.Addmm.apply(x, _tensor(mat1), _tensor(mat2), beta=_scalar(beta, x, "beta"),
                           alpha=_scalar(alpha, x, "alpha"))
    return write_result(out, result, "addmm", (input, mat1, mat2))


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:  # noqa: A002
    """beta·input + alpha·bmm(batch1, batch2), with ``input`` broadcast to (b, n, m)."""
    x = _tensor(input)
    result = L.Baddbmm.apply(x, _tensor(batch1), _tensor(batch2),
                             beta=_scalar(beta, x, "beta"), alpha=_scalar(alpha, x, "alpha"))
    return write_result(out, result, "baddbmm", (input, batch1, batch2))


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor:  # noqa: A002
    """beta·input + alpha·(mat @ vec), with ``input`` broadcast to (n,)."""
    x = _tensor(input)
    result = L.Addmv.apply(x, _tensor(mat), _tensor(vec), beta=_scalar(beta, x, "beta"),
                           alpha=_scalar(alpha, x, "alpha"))
    return write_result(out, result, "addmv", (input, mat, vec))


# ----- cross product ------------------------------------------------------------------------
def cross(input, other, dim=None, *, out=None) -> Tensor:  # noqa: A002
    """The 3-D cross product input × other along ``dim`` (other dims broadcast).

    ``dim=None`` picks the first dim of size 3 of ``input`` and warns, as PyTorch does (its
    default will become -1, ``linalg_cross``'s); pass ``dim`` explicitly.
    """
    x = _tensor(input)
    if dim is None:
        warnings.warn("Using glassnet.cross without specifying the dim arg is deprecated. "
                      "Please either pass the dim explicitly or simply use linalg.cross. The "
                      "default value of dim will change to agree with that of linalg.cross in "
                      "a future release.", UserWarning, stacklevel=2)
        sizes = list(x.shape)
        if 3 not in sizes:
            raise ShapeError(f"cross(): no dimension of size 3 in input of shape "
                             f"{tuple(sizes)}; pass dim= naming the dim that holds x, y, z")
        dim = sizes.index(3)
    return linalg_cross(input, other, dim=dim, out=out)


def linalg_cross(input, other, *, dim=-1, out=None) -> Tensor:  # noqa: A002
    """``torch.linalg.cross``: the cross product along ``dim`` (default the last); both inputs
    need the same number of dims and size 3 at ``dim``, the other dims broadcast.

    Gradients: dL/dinput = other × g and dL/dother = g × input.
    """
    x, y = _tensor(input), _tensor(other)
    L.check_same_dtype("linalg.cross", ("input", "other"), (x._data, y._data))
    if x.ndim != y.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions, got "
                         f"shapes {tuple(x.shape)} and {tuple(y.shape)}; unsqueeze the smaller")
    if not -x.ndim <= dim < max(x.ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-x.ndim}, {x.ndim - 1}], but got {dim})")
    dim %= x.ndim
    if x.shape[dim] != 3 or y.shape[dim] != 3:
        raise ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                         f"{x.shape[dim]} and {y.shape[dim]} (shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)})")
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ShapeError(f"linalg.cross: shapes {tuple(x.shape)} and {tuple(y.shape)} cannot "
                         f"be broadcast together outside dim {dim}") from None
    return write_result(out, L.Cross.apply(x, y, dim=dim), "linalg.cross", (input, other))


# ----- einsum -------------------------------------------------------------------------------
def einsum(*args) -> Tensor:
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Each operand gets one letter per dim; the product is taken over all labels and summed over
    those missing from the output (after ``->``; without it, the labels seen once, sorted, after
    the ``...`` dims). ``...`` stands for broadcast dims, a repeated label takes a diagonal
    (``ii->i``, ``ii`` is the trace), and size-1 dims broadcast against the same label. Also
    accepted: operands as one list, ``einsum("ij,jk", [a, b])``, and PyTorch's sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. The gradient of each operand is an einsum of the
    output's gradient with the other operands (see ``ops/linalg.py: Einsum``).
    """
    equation, operands = _einsum_arguments(args)
    operands = [_tensor(a) for a in operands]
    terms, output = _parse(equation, operands)
    operands, terms = _squeeze_broadcast(operands, terms)
    equation = ",".join(terms) + "->" + output
    return L.Einsum.apply(*operands, equation=equation)


def _einsum_arguments(args: tuple) -> tuple:
    """(equation, operands) from any of einsum's three calling forms."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = operands[0]
        return args[0], list(operands)
    operands, terms = list(args[0::2]), [_sublist(s) for s in args[1::2]]
    if len(args) % 2:  # the last argument is the output's sublist
        operands = operands[:-1]
        return ",".join(terms) + "->" + _sublist(args[-1]), operands
    return ",".join(terms), operands


def _sublist(subscripts) -> str:
    letters = []
    for s in subscripts:
        if s is Ellipsis:
            letters.append("...")
        elif not isinstance(s, (int, np.integer)) or not 0 <= s < len(LETTERS):
            raise ValueError(f"einsum(): subscript in subscript list is not within the valid "
                             f"range [0, 52), got {s!r}")
        else:
            letters.append(LETTERS[s])
    return "".join(letters)


def _labels(term: str, offset: int) -> list:
    """A term's labels, ``...`` kept as one item; any other character is an error."""
    labels, i = [], 0
    while i < len(term):
        if term.startswith("...", i):
            labels.append("...")
            i += 3
            continue
        if term[i] == ".":
            raise RuntimeError(f"einsum(): found '.' at index {offset + i} that is not part of "
                               f"any ellipsis '...'")
        if term[i] not in LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {offset + i} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
        labels.append(term[i])
        i += 1
    if labels.count("...") > 1:
        raise RuntimeError(f"einsum(): more than one ellipsis '...' in the term {term!r}")
    return labels


def _parse(equation: str, operands: list) -> tuple:
    """Terms with ``...`` expanded to fresh letters, and the explicit output; checks sizes."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    raw = left.split(",")
    if len(raw) != len(operands):
        fewer = len(operands) < len(raw)
        raise RuntimeError(f"einsum(): {'fewer' if fewer else 'more'} operands were provided "
                           f"than specified in the equation ({len(operands)} operands for "
                           f"{len(raw)} terms in {equation!r})")
    terms, offset = [], 0
    for k, (term, a) in enumerate(zip(raw, operands)):
        labels = _labels(term, offset)
        offset += len(term) + 1
        named = len(labels) - ("..." in labels)
        if ("..." in labels and named > a.ndim) or ("..." not in labels and named != a.ndim):
            raise ShapeError(f"einsum(): the number of subscripts in the equation ({named}) "
                             f"does not match the number of dimensions ({a.ndim}) for operand "
                             f"{k}{'' if '...' in labels else ' and no ellipsis was given'}")
        terms.append(labels)
    spare = [c for c in LETTERS if c not in equation]
    ellipsis = max((operands[k].ndim - len(t) + 1 for k, t in enumerate(terms) if "..." in t),
                   default=0)
    letters = "".join(spare[:ellipsis])
    expanded = []
    for labels, a in zip(terms, operands):
        dims = a.ndim - len(labels) + 1
        expanded.append("".join(letters[ellipsis - dims:] if c == "..." else c for c in labels))
    if arrow:
        out = _labels(right, len(left) + 2)
        for c in out:
            if c != "..." and out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if c != "..." and c not in left:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
        output = "".join(letters if c == "..." else c for c in out)
    else:
        seen = "".join(c for c in left if c in LETTERS)
        output = letters + "".join(sorted(c for c in set(seen) if seen.count(c) == 1))
    _check_sizes(expanded, operands)
    return expanded, output


def _check_sizes(terms: list, operands: list) -> None:
    """A label repeated in one operand needs equal sizes; across operands, equal or 1."""
    seen = {}
    for k, (term, a) in enumerate(zip(terms, operands)):
        mine = {}
        for c, n in zip(term, a.shape):
            if c in mine and mine[c] != n:
                raise ShapeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                 f"sizes don't match, {mine[c]} != {n}")
            mine[c] = n
        for c, n in mine.items():
            if c in seen and n != seen[c] and 1 not in (n, seen[c]):
                raise ShapeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                 f"does not broadcast with previously seen size {seen[c]} "
                                 f"(operand shapes {[tuple(o.shape) for o in operands]})")
            if n != 1 or c not in seen:
                seen[c] = n


def _squeeze_broadcast(operands: list, terms: list) -> tuple:
    """Drop each size-1 dim whose label is longer elsewhere: a dim that broadcasts is a label
    the operand does not depend on (the engine sums its gradient back through the reshape)."""
    sizes = {}
    for term, a in zip(terms, operands):
        for c, n in zip(term, a.shape):
            sizes[c] = max(sizes.get(c, 1), n)
    squeezed, new_terms = [], []
    for term, a in zip(terms, operands):
        keep = [i for i, (c, n) in enumerate(zip(term, a.shape)) if n != 1 or sizes[c] == 1]
        if len(keep) != len(term):
            a = a.reshape(tuple(a.shape[i] for i in keep))
            term = "".join(term[i] for i in keep)
        squeezed.append(a)
        new_terms.append(term)
    return squeezed, new_terms
