"""glassnet.linalg: PyTorch's ``torch.linalg`` (the norms and ``cross``; the products are
top-level: ``matmul``, ``mm``, ``bmm``, ``einsum``).

- ``vector_norm(x, ord=2, dim=None)``: (Σ|x|ᵒʳᵈ)^(1/ord) over dim (all elements when None).
- ``matrix_norm(A, ord="fro", dim=(-2, -1))``: "fro" is √(Σ a²); ord 1 / -1 is the largest /
  smallest column sum of |a|, inf / -inf the largest / smallest row sum. The spectral and
  nuclear norms (2, -2, "nuc") need a singular value decomposition, which glassnet does not
  differentiate yet: they raise one clear error.
- ``norm(A, ord=None, dim=None)``: a vector norm for one dim (or all elements), a matrix norm
  for two, as PyTorch decides.
"""

from __future__ import annotations

import math

from .ops.linalg_functions import linalg_cross as cross
from .ops.methods import _t, _vector_norm
from .tensor import Tensor


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:  # noqa: A002
    """(Σ|x|ᵒʳᵈ)^(1/ord) over ``dim`` (all elements when None); ord may be inf, -inf or 0."""
    x = _t(x) if dtype is None else _t(x).to(dtype)
    return _written(out, _vector_norm(x, ord, dim, keepdim, "linalg.vector_norm"))


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None,  # noqa: A002
                out=None) -> Tensor:
    """A matrix norm over the two dims ``dim`` (the last two by default): "fro", 1, -1, inf or
    -inf (see the module docstring)."""
    a = _t(A) if dtype is None else _t(A).to(dtype)
    if a.ndim < 2 or not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"linalg.matrix_norm: expected a tensor of at least 2 dims and dim a "
                         f"pair of dims, got shape {tuple(a.shape)} and dim={dim!r}")
    rows, cols = (d % a.ndim for d in dim)
    if ord == "fro":
        return _written(out, _vector_norm(a, 2, (rows, cols), keepdim, "linalg.matrix_norm"))
    if ord in (1, -1, math.inf, -math.inf) and not isinstance(ord, bool):
        # 1: sum |a| down each column, then the largest; inf: along each row, then the largest
        summed, across = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = a.abs().sum(dim=summed, keepdim=True)
        extreme = sums.amax(dim=across, keepdim=True) if ord > 0 else \
            sums.amin(dim=across, keepdim=True)
        return _written(out, extreme if keepdim else extreme.squeeze(max(rows, cols))
                        .squeeze(min(rows, cols)))
    raise ValueError(f"linalg.matrix_norm: ord={ord!r} is not supported; glassnet has the "
                     f"'fro', 1, -1, inf and -inf matrix norms (2, -2 and 'nuc' need a "
                     f"singular value decomposition)")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:  # noqa: A002
    """A vector norm over one dim (or, with ord None, over all elements), a matrix norm over two
    dims (or a 2-D input with ord given), as ``torch.linalg.norm`` decides."""
    a = _t(A) if dtype is None else _t(A).to(dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None:
        if a.ndim not in (1, 2):
            raise ValueError(f"linalg.norm: If dim is not specified but ord is, the input must "
                             f"be 1D or 2D. Got {a.ndim}D; pass dim= as well")
        dim = tuple(range(a.ndim))
    if dim is not None and len(dim) == 2:
        return matrix_norm(a, "fro" if ord is None else ord, dim, keepdim, out=out)
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, out=out)


def _written(out, result: Tensor) -> Tensor:
    if out is None:
        return result
    from .ops.math_functions import write_into

    return write_into(out, result, "linalg", ())


__all__ = ["cross", "matrix_norm", "norm", "vector_norm"]
