"""gradcheck: compare autograd's gradients with central finite differences, in float64.

Numerically, df/dx ≈ (f(x + ε) - f(x - ε)) / 2ε, one input element at a time; analytically, one
backward pass per output element gives a row of the Jacobian. They must agree within
``atol + rtol·|numeric|`` everywhere.
"""

from __future__ import annotations

import numpy as np

from .grad_mode import no_grad


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

    outputs = [o for o in _outputs(fn, inputs) if o.requires_grad]
    total = sum(o._data.size for o in outputs)
    jacobians = [np.zeros((total, inputs[i]._data.size)) for i in checked]
    row = 0
    for out in outputs:
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
