"""Higher-order derivatives of a whole function: PyTorch's ``torch.autograd.functional``.

For ``func`` taking Tensors to Tensors, at the point ``inputs``:

- ``vjp(func, inputs, v)``: vᵀJ, the vector-Jacobian product: one backward pass;
- ``jvp(func, inputs, v)``: J v, the Jacobian-vector product. glassnet has only reverse mode,
  so this uses the *double-vjp trick*, as PyTorch does: uᵀJ is linear in u, so its gradient
  with respect to u, taken along v, is J v (u is a dummy zero vector; it needs double backward);
- ``jacobian(func, inputs)``: every row of J, one vjp per output element;
- ``hessian(func, inputs)``: the Jacobian of the gradient, for a func returning one number;
- ``hvp(func, inputs, v)``: H v, and ``vhp``: vᵀH (equal, H being symmetric), each with two
  backward passes instead of the whole Hessian (hvp by the double-vjp trick again).

Return structures follow PyTorch: a Tensor given (or returned) where PyTorch takes a Tensor
gives a Tensor back, a tuple gives a tuple; jacobian(...)[i][j] is d output i / d input j,
of shape output_i.shape + input_j.shape. With ``create_graph=True`` the results are recorded
(they can be differentiated again); otherwise they are detached. ``strict=True`` raises where an
output does not depend on an input, instead of returning zeros (the true derivative).

Example::

    >>> x = glassnet.tensor([1.0, 2.0])
    >>> hessian(lambda x: (x ** 3).sum(), x)   # diag(6x)
    tensor([[ 6.,  0.],
            [ 0., 12.]])
"""

from __future__ import annotations

from ..errors import GraphError
from .engine import grad as autograd_grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(value, what: str, who: str):
    """(was it a tuple, the values as a tuple), checking every value is a Tensor."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, item in enumerate(values):
        if not isinstance(item, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(f"The {what} given to {who} must be either a Tensor or a tuple of "
                            f"Tensors but {where} has type {type(item)}.")
    return is_tuple, values


def _unpack(values, is_tuple):
    """Undo ``_as_tuple``: one level (a bool) or two (outputs, inputs) for Jacobians."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            values = tuple(row[0] for row in values)
        return values if outer else values[0]
    return values if is_tuple else values[0]


def _prepare(tensors, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh tensors to differentiate with respect to: with create_graph, an alias that keeps
    the caller's graph (so results differentiate back to the caller's leaves); otherwise a
    detached copy, so func's graph stays apart from the caller's."""
    prepared = []
    for t in tensors:
        if create_graph and t.requires_grad:
            prepared.append(Reshape.apply(t, t._data.shape))
        else:
            prepared.append(t.detach().requires_grad_(need_graph))
    return tuple(prepared)


def _finish(values, create_graph: bool):
    if values and isinstance(values[0], (tuple, list)):
        return tuple(_finish(v, create_graph) for v in values)
    return tuple(values) if create_graph else tuple(v.detach() for v in values)


def _check_v(v, others, is_tuple: bool) -> None:
    if len(v) != len(others):
        if is_tuple:
            raise GraphError(f"v is a tuple of invalid length: should be {len(others)} but got "
                             f"{len(v)}.")
        raise GraphError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, others)):
        if a.shape != b.shape:
            where = f"Entry {i} in " if is_tuple else ""
            raise GraphError(f"{where}v has invalid size: should be {b.shape} but got "
                             f"{a.shape}.")


def _check_requires_grad(tensors, kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise GraphError(f"The output of the user-provided function is independent of "
                             f"input {i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            raise GraphError(f"strict mode: the {kind} {i} of the user-provided function does "
                             f"not depend on its inputs (it does not require grad); compute it "
                             f"differentiably from the inputs, or pass strict=False")


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad, None for inputs they do not reach."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, grads = zip(*pairs)
    if all(g is None for g in grads):
        grads = None
    return autograd_grad(list(outs), list(inputs), None if grads is None else list(grads),
                         retain_graph=retain_graph, create_graph=create_graph,
                         allow_unused=True)


def _zeros_for_none(grads, like, strict: bool, create_graph: bool, what: str) -> tuple:
    out = []
    for i, (g, ref) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise GraphError(f"The {what} is independent of input {i}. This is not allowed "
                                 f"in strict mode.")
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            raise GraphError(f"The {what} is independent of input {i}. This is not allowed in "
                             f"strict mode when create_graph=True.")
        out.append(g)
    return tuple(out)


def _vector(v, others, is_tuple, create_graph, who, none_message):
    if v is None:
        if len(others) != 1 or others[0].numel() != 1:
            raise GraphError(none_message)
        return None
    _, v = _as_tuple(v, "v", who)
    v = _prepare(v, create_graph, need_graph=False)
    _check_v(v, others, is_tuple)
    return v


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ·J): the vector-Jacobian product, with J = d func / d inputs.

    ``v`` has the outputs' shapes (it may be omitted when func returns one number).
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                              "function", "vjp")
        _check_requires_grad(outputs, "output", strict)
        v = _vector(v, outputs, is_outputs_tuple, create_graph, "vjp",
                    "The vector v can only be None if the user-provided function returns a "
                    "single Tensor with a single element.")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph,
                                 "output of the user-provided function")
    return (_unpack(_finish(outputs, create_graph), is_outputs_tuple),
            _unpack(_finish(result, create_graph), is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J·v): the Jacobian-vector product, by the double-vjp trick.

    With a dummy u (zeros that require grad), g(u) = uᵀJ is linear in u, so dg/du · v = J v.
    ``v`` has the inputs' shapes (it may be omitted when the input is one number).
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _vector(v, inputs, is_inputs_tuple, create_graph, "jvp",
                    "The vector v can only be None if the input to the user-provided function "
                    "is a single Tensor with a single element.")
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                              "function", "jvp")
        _check_requires_grad(outputs, "output", strict)
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad(grad_inputs, "gradient", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(grad_inputs, dummies, v, create_graph=create_graph)
        result = _zeros_for_none(grads, outputs, strict, create_graph,
                                 "gradient with respect to the input")
    return (_unpack(_finish(outputs, create_graph), is_outputs_tuple),
            _unpack(_finish(result, create_graph), is_outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func / d inputs: entry [i][j] has shape outputs[i].shape + inputs[j].shape.

    One vjp per output element (reverse mode). ``vectorize=True`` gives the same result:
    PyTorch batches those vjps with vmap, glassnet runs them one after another.
    ``strategy="forward-mode"`` is not available: glassnet has no forward-mode AD.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}")
    if strategy == "forward-mode":
        raise NotImplementedError("jacobian(strategy='forward-mode'): glassnet has reverse-mode "
                                  "AD only; use strategy='reverse-mode' (the same result)")
    if vectorize and strict:
        raise GraphError("jacobian: strict=True and vectorize=True are not supported together "
                         "(as in PyTorch); set one of them to False")
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                              "function", "jacobian")
        _check_requires_grad(outputs, "output", strict)
        rows_per_output = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(out.numel()):
                grads = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (g, x) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise GraphError(f"Output {i} of the user-provided function is "
                                             f"independent of input {j}. This is not allowed "
                                             f"in strict mode.")
                        g = zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise GraphError(f"The jacobian of the user-provided function is "
                                         f"independent of input {i}. This is not allowed in "
                                         f"strict mode when create_graph=True.")
                    rows[j].append(g)
            rows_per_output.append(tuple(
                stack(r, dim=0).reshape(tuple(out.shape) + tuple(x.shape)) if r
                else zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
                for r, x in zip(rows, inputs)))
    result = _finish(tuple(rows_per_output), create_graph)
    return _unpack(result, (is_outputs_tuple, is_inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """d² func / d inputs², for a func returning a single number: the Jacobian of its gradient.

    Entry [i][j] has shape inputs[i].shape + inputs[j].shape (one Tensor for one input).
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def one_number(*xs):
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "output", strict)
        if is_tuple:
            raise GraphError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise GraphError("The Tensor returned by the function given to hessian should "
                             "contain a single element")
        return out.reshape(())

    def gradient(*xs):
        jac = jacobian(one_number, xs, create_graph=True)
        _check_requires_grad(jac, "gradient", strict)
        return jac

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack(result, (is_inputs_tuple, is_inputs_tuple))


def _single_number(outputs, is_tuple: bool, who: str) -> None:
    if is_tuple:
        raise GraphError(f"The function given to {who} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise GraphError(f"The Tensor returned by the function given to {who} should contain "
                         f"a single element")


def _gradient_and_vector(func, inputs, v, create_graph, strict, who):
    """What vhp and hvp start from: the checked inputs and v, func's single-number output, and
    its gradient recorded (create_graph) so it can be differentiated again."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", who)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    v = _vector(v, inputs, is_inputs_tuple, create_graph, who,
                "The vector v can only be None if the input to the user-provided function "
                "is a single Tensor with a single element.")
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                          "function", who)
    _check_requires_grad(outputs, "output", strict)
    _single_number(outputs, is_outputs_tuple, who)
    gradient = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(gradient, "gradient", strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, gradient


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ·H): H the Hessian of a func returning one number; two backward passes
    (the gradient with create_graph, then its vjp with v), never the whole H."""
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, gradient = _gradient_and_vector(
            func, inputs, v, create_graph, strict, "vhp")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(gradient, inputs, v, create_graph=create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph,
                                 "jacobian of the user-provided function")
    return (_unpack(_finish(outputs, create_graph), is_outputs_tuple),
            _unpack(_finish(result, create_graph), is_inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H·v): the double-vjp trick on the gradient, as PyTorch computes it
    (for a symmetric H it equals vhp)."""
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, gradient = _gradient_and_vector(
            func, inputs, v, create_graph, strict, "hvp")
        dummies = tuple(zeros_like(x).requires_grad_(True) for x in inputs)
        double_back = _grad(gradient, inputs, dummies, create_graph=True)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(double_back, dummies, v, create_graph=create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph,
                                 "hessian of the user-provided function")
    return (_unpack(_finish(outputs, create_graph), is_outputs_tuple),
            _unpack(_finish(result, create_graph), is_inputs_tuple))


from ..creation import zeros, zeros_like  # noqa: E402
from ..ops.methods import stack  # noqa: E402
from ..ops.shape import Reshape  # noqa: E402
from ..tensor import Tensor  # noqa: E402
