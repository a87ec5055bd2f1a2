"""Matrix products: matmul, mm, bmm, mv, dot, outer, addmm, baddbmm, addmv, cross and einsum.

Each ``Function`` checks its operands as strictly as PyTorch does (mm wants 2-D matrices, bmm
3-D stacks with equal batch sizes, the same dtype on every operand) and then makes one NumPy
call: ``@`` on 2-D arrays is a single BLAS gemm, and the transposes its backward needs are views
BLAS reads directly, so mm and addmm stay one BLAS call forward and one per gradient backward.
The functional forms, with PyTorch's keyword names and ``out=``, are in ``linalg_functions.py``.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..errors import ShapeError


# ----- checks -------------------------------------------------------------------------------
class DtypeMismatchError(RuntimeError, TypeError):
    """Operands of a product with different dtypes: a RuntimeError, as PyTorch raises, and a
    TypeError, as glassnet raised for matmul before it matched PyTorch."""


def check_same_dtype(op: str, names: tuple, arrays: tuple) -> None:
    """PyTorch does not promote inside a matrix product: every operand must share one dtype."""
    first = arrays[0].dtype
    if any(a.dtype != first for a in arrays[1:]):
        got = ", ".join(f"{name} {a.dtype.name}" for name, a in zip(names, arrays))
        raise DtypeMismatchError(f"{op}: expected {' and '.join(names)} to have the same dtype, "
                                 f"but got {got}; convert one with .float() or .double() (or "
                                 f".to(other.dtype))")
    if first.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors; convert them first "
                                  f"with .int() or .float()")


def _check_ndim(op: str, names: tuple, arrays: tuple, ndims: tuple, fix: str) -> None:
    if any(a.ndim != n for a, n in zip(arrays, ndims)):
        wanted = " and ".join(f"{n}-D {name}" for name, n in zip(names, ndims))
        got = " and ".join(f"{name} of shape {tuple(a.shape)}" for name, a in zip(names, arrays))
        raise ShapeError(f"{op}: expected {wanted}, got {got}; {fix}")


def check_mm(op: str, x: np.ndarray, y: np.ndarray, names=("input", "mat2")) -> None:
    """x (n, k) times y (k, m): both 2-D, inner sizes equal, one dtype."""
    _check_ndim(op, names, (x, y), (2, 2), "use matmul for vectors or batches")
    if x.shape[1] != y.shape[0]:
        raise ShapeError(f"{op}: {names[0]} and {names[1]} shapes cannot be multiplied "
                         f"({x.shape[0]}x{x.shape[1]} and {y.shape[0]}x{y.shape[1]}): the "
                         f"columns of {names[0]} must equal the rows of {names[1]} (transpose one "
                         f"with .t())")
    check_same_dtype(op, names, (x, y))


def check_bmm(op: str, x: np.ndarray, y: np.ndarray, names=("input", "mat2")) -> None:
    """x (b, n, k) times y (b, k, m): both 3-D, equal batch sizes and inner sizes, one dtype."""
    _check_ndim(op, names, (x, y), (3, 3), "use matmul to broadcast, or unsqueeze(0) a matrix")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise ShapeError(f"{op}: {names[0]} of shape {tuple(x.shape)} and {names[1]} of shape "
                         f"{tuple(y.shape)} don't fit: {names[1]} must be ({x.shape[0]}, "
                         f"{x.shape[2]}, m), the same batch size and inner size")
    check_same_dtype(op, names, (x, y))


def check_mv(op: str, a: np.ndarray, v: np.ndarray, names=("input", "vec")) -> None:
    """a (n, k) times v (k,): a matrix and a vector, inner sizes equal, one dtype."""
    _check_ndim(op, names, (a, v), (2, 1), "use matmul or mm for other shapes")
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"{op}: {names[0]} of shape {tuple(a.shape)} and {names[1]} of shape "
                         f"{tuple(v.shape)} cannot be multiplied: the vector needs {a.shape[1]} "
                         f"elements, one per column")
    check_same_dtype(op, names, (a, v))


def check_added(op: str, added: np.ndarray, shape: tuple, product: str) -> None:
    """The added ``input`` of addmm/baddbmm/addmv must broadcast to the product's shape."""
    try:
        fits = np.broadcast_shapes(added.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: input of shape {tuple(added.shape)} cannot be broadcast to the "
                         f"shape {tuple(shape)} of {product}; pass an input of that shape or "
                         f"one that broadcasts to it")


# ----- products -----------------------------------------------------------------------------
class Matmul(Function):
    """z = x @ y; dL/dx = g @ yᵀ and dL/dy = xᵀ @ g (1-D operands are promoted, then restored).

    Batch dims broadcast; the engine sums the gradient over any batch dims an input lacked.
    """

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, x, y):
        if x.dtype != y.dtype:
            check_same_dtype("matmul", ("input", "other"), (x, y))
        try:
            out = x @ y
        except ValueError:
            raise _shape_error(x.shape, y.shape) from None
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        if x.ndim == 1 and y.ndim == 1:
            return (grad * y if need_x else None), (grad * x if need_y else None)
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = grad
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if y.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        gx = gy = None
        if need_x:
            gx = g2 @ np.swapaxes(y2, -1, -2)
            if x.ndim == 1:
                gx = gx[..., 0, :]
        if need_y:
            gy = np.swapaxes(x2, -1, -2) @ g2
            if y.ndim == 1:
                gy = gy[..., 0]
        return gx, gy


class Mm(Function):
    """z = x @ y for 2-D x (n, k) and y (k, m); dL/dx = g @ yᵀ and dL/dy = xᵀ @ g."""

    @staticmethod
    def forward(ctx, x, y):
        check_mm("mm", x, y)
        ctx.save_for_backward(x, y)
        return x @ y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad @ y.T if need_x else None), (x.T @ grad if need_y else None)


class Bmm(Function):
    """z[b] = x[b] @ y[b] for 3-D stacks (b, n, k) and (b, k, m), one product per batch entry;
    dL/dx[b] = g[b] @ y[b]ᵀ and dL/dy[b] = x[b]ᵀ @ g[b]."""

    @staticmethod
    def forward(ctx, x, y):
        check_bmm("bmm", x, y)
        ctx.save_for_backward(x, y)
        return np.matmul(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        gx = np.matmul(grad, y.transpose(0, 2, 1)) if need_x else None
        gy = np.matmul(x.transpose(0, 2, 1), grad) if need_y else None
        return gx, gy


class Mv(Function):
    """z = A v for a matrix A (n, k) and a vector v (k,); dL/dA = g vᵀ (an outer product) and
    dL/dv = Aᵀ g."""

    @staticmethod
    def forward(ctx, a, v):
        check_mv("mv", a, v)
        ctx.save_for_backward(a, v)
        return a @ v

    @staticmethod
    def backward(ctx, grad):
        a, v = ctx.saved
        need_a, need_v = ctx.needs_input_grad
        return (np.multiply.outer(grad, v) if need_a else None), (grad @ a if need_v else None)


class Dot(Function):
    """z = Σᵢ xᵢ yᵢ for two 1-D tensors of one size; dL/dx = g·y and dL/dy = g·x."""

    @staticmethod
    def forward(ctx, x, y, op="dot"):
        names = ("input", "tensor") if op == "dot" else ("input", "other")  # PyTorch's names
        _check_ndim(op, names, (x, y), (1, 1), "flatten them first, or use inner/matmul for "
                    "higher dims")
        if x.shape != y.shape:
            raise ShapeError(f"{op}: input of shape {tuple(x.shape)} and {names[1]} of shape "
                             f"{tuple(y.shape)} must have the same number of elements")
        check_same_dtype(op, names, (x, y))
        ctx.save_for_backward(x, y)
        return np.dot(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)


class Outer(Function):
    """zᵢⱼ = xᵢ yⱼ for 1-D x and y; dL/dx = g y and dL/dy = gᵀ x (each one matrix-vector
    product). The caller promotes the dtypes first, as PyTorch's outer (a multiply) does."""

    @staticmethod
    def forward(ctx, x, y):
        _check_ndim("outer", ("input", "vec2"), (x, y), (1, 1), "flatten them first")
        ctx.save_for_backward(x, y)
        return np.multiply.outer(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad @ y if need_x else None), (x @ grad if need_y else None)


# ----- a product plus a scaled input ---------------------------------------------------------
def _scaled_sum(product: np.ndarray, added: np.ndarray, beta, alpha) -> np.ndarray:
    """alpha·product + beta·added, in place in the fresh product; beta = 0 ignores ``added``
    entirely (its NaNs too), as PyTorch does."""
    if alpha != 1:
        product *= alpha
    if beta == 1:
        product += added
    elif beta != 0:
        product += beta * added
    return product


def _added_grad(grad: np.ndarray, beta) -> np.ndarray:
    return grad if beta == 1 else grad * beta


def _scaled(product: np.ndarray, alpha) -> np.ndarray:
    if alpha != 1:
        product *= alpha
    return product


class Addmm(Function):
    """z = β·input + α·(m1 @ m2), input broadcast to (n, m); dL/dinput = β·g (summed over the
    broadcast dims), dL/dm1 = α·g @ m2ᵀ and dL/dm2 = α·m1ᵀ @ g."""

    @staticmethod
    def forward(ctx, added, m1, m2, beta=1, alpha=1):
        check_mm("addmm", m1, m2, ("mat1", "mat2"))
        check_same_dtype("addmm", ("input", "mat2"), (added, m2))
        check_added("addmm", added, (m1.shape[0], m2.shape[1]), "mat1 @ mat2")
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(m1, m2)
        return _scaled_sum(m1 @ m2, added, beta, alpha)

    @staticmethod
    def backward(ctx, grad):
        m1, m2 = ctx.saved
        need_added, need_m1, need_m2 = ctx.needs_input_grad
        return (_added_grad(grad, ctx.beta) if need_added else None,
                _scaled(grad @ m2.T, ctx.alpha) if need_m1 else None,
                _scaled(m1.T @ grad, ctx.alpha) if need_m2 else None)


class Baddbmm(Function):
    """z[b] = β·input[b] + α·(b1[b] @ b2[b]), input broadcast to (b, n, m); dL/dinput = β·g,
    dL/db1 = α·g @ b2ᵀ and dL/db2 = α·b1ᵀ @ g, batch by batch."""

    @staticmethod
    def forward(ctx, added, b1, b2, beta=1, alpha=1):
        check_bmm("baddbmm", b1, b2, ("batch1", "batch2"))
        check_same_dtype("baddbmm", ("input", "batch1"), (added, b1))
        check_added("baddbmm", added, (*b1.shape[:2], b2.shape[2]), "batch1 @ batch2")
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(b1, b2)
        return _scaled_sum(np.matmul(b1, b2), added, beta, alpha)

    @staticmethod
    def backward(ctx, grad):
        b1, b2 = ctx.saved
        need_added, need_b1, need_b2 = ctx.needs_input_grad
        return (_added_grad(grad, ctx.beta) if need_added else None,
                _scaled(np.matmul(grad, b2.transpose(0, 2, 1)), ctx.alpha) if need_b1 else None,
                _scaled(np.matmul(b1.transpose(0, 2, 1), grad), ctx.alpha) if need_b2 else None)


class Addmv(Function):
    """z = β·input + α·(A v), input broadcast to (n,); dL/dinput = β·g, dL/dA = α·g vᵀ and
    dL/dv = α·Aᵀ g."""

    @staticmethod
    def forward(ctx, added, a, v, beta=1, alpha=1):
        check_mv("addmv", a, v, ("mat", "vec"))
        check_same_dtype("addmv", ("input", "mat"), (added, a))
        check_added("addmv", added, (a.shape[0],), "mat @ vec")
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(a, v)
        return _scaled_sum(a @ v, added, beta, alpha)

    @staticmethod
    def backward(ctx, grad):
        a, v = ctx.saved
        need_added, need_a, need_v = ctx.needs_input_grad
        return (_added_grad(grad, ctx.beta) if need_added else None,
                _scaled(np.multiply.outer(grad, v), ctx.alpha) if need_a else None,
                _scaled(grad @ a, ctx.alpha) if need_v else None)


class Cross(Function):
    """z = x × y, the 3-D cross product along ``dim`` (other dims broadcast);
    dL/dx = y × g and dL/dy = g × x (from g·(x × y) = x·(y × g) = y·(g × x))."""

    node_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(ctx, x, y, dim=-1):
        ctx.dim = dim
        ctx.save_for_backward(x, y)
        return np.cross(x, y, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (np.cross(y, grad, axis=ctx.dim) if need_x else None,
                np.cross(grad, x, axis=ctx.dim) if need_y else None)


class Einsum(Function):
    """z = einsum(equation, *operands): multiply the operands, label by label, and sum over
    the labels missing from the output. The gradient of operand k is the einsum of g with the
    other operands, written to operand k's labels: dL/dAₖ = einsum(out, others -> labelsₖ).

    A label only operand k has, and the output lacks, was summed over: its gradient is g
    broadcast along it. A label repeated in operand k (a diagonal, ``ii``) gets the gradient on
    that diagonal and zeros elsewhere. ``equation`` is explicit (``ij,jk->ik``), its labels
    letters, without ellipsis or size-1 broadcasting: ``glassnet.einsum`` rewrites the user's
    equation into that form first.
    """

    @staticmethod
    def forward(ctx, *operands, equation):
        check_same_dtype("einsum", tuple(f"operand {i}" for i in range(len(operands))),
                         operands)
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        out = np.einsum(equation, *operands, optimize=True)
        if any(np.may_share_memory(out, a) for a in operands):
            out = out.copy()  # einsum returns views for transposes and diagonals
        return out

    @staticmethod
    def backward(ctx, grad):
        inputs, output = ctx.equation.split("->")
        labels = inputs.split(",")
        operands = ctx.saved
        sizes = {c: n for subs, a in zip(labels, operands) for c, n in zip(subs, a.shape)}
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [(labels[j], operands[j]) for j in range(len(operands)) if j != k]
            grads.append(_einsum_grad(labels[k], operands[k].shape, output, grad, others,
                                      sizes))
        return tuple(grads)


def _einsum_grad(subs: str, shape: tuple, output: str, grad: np.ndarray, others: list,
                 sizes: dict) -> np.ndarray:
    """The gradient of one einsum operand with labels ``subs`` (see Einsum)."""
    unique = "".join(dict.fromkeys(subs))
    available = set(output).union(*(s for s, _ in others))
    kept = "".join(c for c in unique if c in available)
    equation = ",".join([output, *(s for s, _ in others)]) + "->" + kept
    g = np.einsum(equation, grad, *(a for _, a in others), optimize=True)
    if kept != unique:  # labels summed in forward from this operand alone: broadcast g along
        g = g.reshape([sizes[c] if c in available else 1 for c in unique])
        g = np.broadcast_to(g, [sizes[c] for c in unique])
    if unique == subs:
        return g
    full = np.zeros(shape, dtype=grad.dtype)  # repeated labels: write g onto the diagonal
    np.einsum(f"{subs}->{unique}", full)[...] = g
    return full


def _shape_error(a: tuple, b: tuple) -> ShapeError:
    if not a or not b:
        return ShapeError(f"matmul: both operands need at least 1 dimension, got {a} @ {b}")
    inner_a = a[-1]
    inner_b = b[-2] if len(b) > 1 else b[0]
    if inner_a != inner_b:
        return ShapeError(
            f"matmul: {a} @ {b}: inner dimensions {inner_a} and {inner_b} differ; the last dim "
            f"of the left operand must equal the {'first' if len(b) == 1 else 'second-to-last'} "
            f"dim of the right (transpose one with .T, or check the layer sizes)"
        )
    return ShapeError(f"matmul: {a} @ {b}: batch dimensions {a[:-2]} and {b[:-2]} cannot "
                      f"be broadcast together")

