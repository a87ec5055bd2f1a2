"""gradcheck: compare autograd's gradients with central finite differences, in float64.

Numerically, df/dx ≈ (f(x + ε) - f(x - ε)) / 2ε, one input element at a time; analytically, one
backward pass per output element gives a row of the Jacobian. They must agree within
``atol + rtol·|numeric|`` everywhere.

gradgradcheck does the same for second derivatives: it gradchecks the function that returns the
*gradients* of fn (computed with ``create_graph=True``), so the derivative of the first
derivative is compared with finite differences of the first derivative.
"""

from __future__ import annotations

import numpy as np

from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Analytic and numeric gradients disagree; the message shows the worst element."""


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """True if fn's gradients match finite differences; otherwise raise with the worst mismatch.

    Inputs that require grad are checked (float inputs are promoted to float64 copies first).
    """
    from ..tensor import Tensor

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    inputs = tuple(_float64_leaf(x) if isinstance(x, Tensor) else x for x in inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; pass tensors with "
                         "requires_grad=True")
    analytic = _analytic_jacobians(fn, inputs, checked)
    numeric = _numeric_jacobians(fn, inputs, checked, eps)
    worst = None
    for position, a, n in zip(checked, analytic, numeric):
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and excess.max() > 0:
            flat = int(np.argmax(excess))
            out_el, in_el = np.unravel_index(flat, excess.shape)
            if worst is None or excess.max() > worst[0]:
                worst = (excess.max(), position, in_el, out_el, a.flat[flat], n.flat[flat])
    if worst is None:
        return True
    if not raise_exception:
        return False
    _, position, in_el, out_el, a, n = worst
    shape = inputs[position].shape
    raise GradcheckError(
        f"gradcheck: gradients differ for input {position} (shape {tuple(shape)}) at element "
        f"{np.unravel_index(in_el, shape) if shape else ()}, output element {out_el}: "
        f"analytic {a:.6g} vs numeric {n:.6g} (atol={atol}, rtol={rtol})"
    )


def _float64_leaf(x):
    from ..tensor import Tensor

    data = x._data.astype(np.float64) if x._data.dtype.kind == "f" else x._data.copy()
    return Tensor(data, requires_grad=x.requires_grad)


def _outputs(fn, inputs) -> list:
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if o._data.dtype.kind == "f"]


def _analytic_jacobians(fn, inputs, checked) -> list:
    from .engine import run

    outputs = _outputs(fn, inputs)
    total = sum(o._data.size for o in outputs)
    jacobians = [np.zeros((total, inputs[i]._data.size)) for i in checked]
    row = 0
    for out in outputs:
        if not out.requires_grad:  # it does not depend on the inputs: its rows stay 0
            row += out._data.size
            continue
        for k in range(out._data.size):
            seed = np.zeros(out._data.shape)
            seed.flat[k] = 1.0
            for i in checked:
                inputs[i].grad = None
            run([out], [seed], retain_graph=True)
            for j, i in enumerate(checked):
                grad = inputs[i].grad
                if grad is not None:
                    jacobians[j][row] = grad._data.ravel()
            row += 1
    for i in checked:
        inputs[i].grad = None
    return jacobians


def _numeric_jacobians(fn, inputs, checked, eps) -> list:
    jacobians = []
    with no_grad():
        for i in checked:
            data = inputs[i]._data
            columns = []
            for k in range(data.size):
                original = data.flat[k]
                data.flat[k] = original + eps
                plus = np.concatenate([o._data.ravel() for o in _outputs(fn, inputs)])
                data.flat[k] = original - eps
                minus = np.concatenate([o._data.ravel() for o in _outputs(fn, inputs)])
                data.flat[k] = original
                columns.append((plus - minus) / (2 * eps))
            jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((0, 0)))
    return jacobians


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """True if func's second derivatives match finite differences of its first derivatives.

    As PyTorch's: the function checked is ``(inputs, v) -> d(func(inputs))/d(inputs) · v``, the
    vector-Jacobian product made with ``autograd.grad(..., create_graph=True)``, differentiated
    with respect to both the inputs and ``v`` (``grad_outputs``; random values in [-1, 1) drawn
    from a fixed seed when not given). Everything is promoted to float64 first.

    Example::

        >>> x = glassnet.tensor([0.5, 1.5], dtype=glassnet.float64, requires_grad=True)
        >>> gradgradcheck(lambda x: (x ** 3).sum(), (x,))
        True
    """
    from ..tensor import Tensor
    from .engine import grad as autograd_grad

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outputs = _outputs(func, inputs)
    differentiable = [o for o in outputs if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor(rng.uniform(-1, 1, o._data.shape), requires_grad=True) for o in differentiable)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) \
            else (grad_outputs,)
    if len(grad_outputs) != len(differentiable):
        raise ValueError(
            f"gradgradcheck: func has {len(differentiable)} outputs that require grad but "
            f"{len(grad_outputs)} grad_outputs were given; pass one per output (or None)")
    count = len(grad_outputs)

    def first_derivative(*args):
        xs, vs = args[:len(args) - count], args[len(args) - count:]
        with enable_grad():
            outs = [o for o in _outputs(func, xs) if o.requires_grad]
            wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            grads = autograd_grad(outs, wrt, list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
