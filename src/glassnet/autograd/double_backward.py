"""Double backward: the backward sweep recorded as a graph, so gradients can be differentiated.

Why a second sweep. Every op's ``backward`` runs on plain NumPy arrays: fast, and what every
training step uses (``engine.run``). A gradient computed that way is just numbers, with no record
of how it depends on the inputs. ``create_graph=True`` asks for that record, so this module runs
the same sweep (same order, same un-broadcasting, same hooks) carrying Tensors, and calls for each
node a *differentiable backward rule*: the op's derivative written with glassnet's own Tensor ops,
so the ops it runs are recorded like any forward pass.

Where the rules live. Beside each ops module, in ``ops/*_grad_rules.py``: the rule for
``ops/elementwise.py``'s ``Mul`` is ``mul`` in ``ops/elementwise_grad_rules.py``, registered with
``@rule(Mul)``; its docstring states the same derivative as ``Mul.backward``'s, now on Tensors.
A rule receives the node (``ctx``, as the array backward does) and the output's gradient as a
Tensor, and returns one Tensor (or ``None``) per input::

    @rule(Mul)
    def mul(ctx, grad):
        '''dL/dx = g·y, dL/dy = g·x: the second derivative d²z/dxdy = 1 comes from recording.'''
        x, y = ctx.saved
        return (grad * operand(ctx, 1, y) if ctx.needs_input_grad[0] else None,
                grad * operand(ctx, 0, x) if ctx.needs_input_grad[1] else None)

``operand(ctx, i, array)`` turns a saved array back into a Tensor joined to input i's place in
the graph, and ``result(ctx, array)`` joins the op's own saved output: a derivative that uses them
(eˣ's is its output) is then itself differentiable. Arrays the op saved that are constants of the
derivative (ReLU's mask) stay arrays.

The modules: ``elementwise_grad_rules`` (elementwise.py, activation.py, the random draws),
``math_grad_rules`` (math.py), ``shape_grad_rules`` (shape.py, reduce.py), ``linalg_grad_rules``
(linalg.py, the fused Linear/Dense), ``fused_grad_rules`` (the fused losses and norms,
nn_ops.py), ``indexing_grad_rules`` (indexing.py, scan.py, sort.py), ``conv_grad_rules`` (conv.py,
pool.py, resample.py), ``rnn_grad_rules`` (rnn.py, by ``recompute_grads``: the layer redone
with Tensor ops and that recording's backward run).

Why a table beside the ops rather than a third method on each Function: the array
``forward``/``backward`` pair stays exactly as it was (and as fast), the ops files stay under
their size budget, and ``RULES`` lists in one place which ops can be differentiated twice.

Two helpers cover what a rule cannot say with ops alone. ``linear_map(grad, A, Aᵀ)`` records a
gradient that is a linear map of g with a pattern fixed by the forward (max pooling's routing to
the argmax), given the map and its transpose on arrays. And where an op did not keep an input,
``operand`` accepts a *proxy*: any array whose derivative with respect to the input is the
input's own (the fused cross-entropy keeps softmax p, and log p works for the logits); a proxy at
a broadcast shape reaches its input through an expand, whose gradient is summed back.

An op without a rule still gets its first derivative (from the array backward), but that gradient
hangs off a ``NotImplemented`` node: differentiating it again raises one error that names the op,
as PyTorch does for the ops it cannot differentiate twice, and never gives a silent zero.
"""

from __future__ import annotations

import numpy as np

from ..errors import GraphError
from .function import AccumulateGrad, AnomalyMode, Function, Node
from .grad_mode import enable_grad, no_grad

RULES: dict[type, object] = {}


def rule(*functions):
    """Register the decorated ``rule(ctx, grad)`` as the differentiable backward of functions."""

    def register(fn):
        for function in functions:
            RULES[function] = fn
        return fn

    return register


def operand(ctx: Node, index: int, array):
    """Input ``index`` of the op as a Tensor holding ``array``, joined to the input's graph.

    ``array`` is what the rule needs as that input's value (usually the very array forward
    saved); a Python number, or an input that needs no gradient, comes back as a constant.
    """
    if isinstance(array, np.generic):  # a NumPy scalar a reduction saved: keep its dtype
        array = np.asarray(array)
    if not isinstance(array, np.ndarray):
        return array
    node = ctx.next_functions[index][0] if index < len(ctx.next_functions) else None
    if node is None:
        return Tensor._make(array)
    if type(node) is AccumulateGrad and node.variable._data is array:
        return node.variable
    shape = ctx.input_shapes[index] if index < len(ctx.input_shapes) else None
    if shape is not None and array.shape != tuple(shape):
        # a proxy at the broadcast shape (x - y of a loss): an expand of the input, whose
        # gradient the sweep sums back to the input's shape
        node = _alias_node(node, shape)
    # a non-leaf's node, or a leaf seen through another array (a proxy value, see fused rules)
    return Tensor._make(array, node)


def recompute_grads(ctx: Node, forward, arrays: dict, grad) -> dict:
    """Gradients of a fused op rebuilt from its parts: ``forward(inputs)`` redoes the op with
    Tensor ops on ``inputs`` (input position -> Tensor joined to that input), and its recorded
    backward, run with ``grad`` and stopped at those inputs, gives {position: gradient}.
    For fused ops whose derivative is a long chain (a recurrent layer through time)."""
    inputs = {}
    for index, array in arrays.items():
        node = ctx.next_functions[index][0]
        if node is None:
            inputs[index] = Tensor._make(array)
            continue
        alias = _alias_node(node, array.shape)  # one node per input: captured separately
        inputs[index] = Tensor._make(array, alias)
    out = forward(inputs)
    capture = {t.grad_fn: None for t in inputs.values() if t.grad_fn is not None}
    run_graph([out], [grad], retain_graph=True, capture=capture, stop=True)
    return {i: capture[t.grad_fn] for i, t in inputs.items() if t.grad_fn is not None}


def _alias_node(node: Node, shape: tuple) -> Node:
    from ..ops.shape import Expand

    alias = Expand.node_class()
    alias.next_functions, alias.input_shapes = ((node, 0),), (tuple(shape),)
    alias.needs_input_grad = (True,)
    return alias


def result(ctx: Node, array: np.ndarray):
    """The op's own output (an array it saved) as a Tensor whose grad_fn is the op's node."""
    return Tensor._make(np.asarray(array), ctx)


def constant(array, like):
    """An array the derivative treats as a constant, in the gradient's dtype."""
    return np.asarray(array, dtype=like._data.dtype)


def sum_to(grad, shape: tuple):
    """The engine's un-broadcasting on Tensors: sum over the dims broadcasting added or grew."""
    if shape is None or grad._data.shape == tuple(shape):
        return grad
    lead = grad._data.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, size in enumerate(shape) if size == 1 and grad._data.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(dim=axes, keepdim=True)
    return grad.reshape(tuple(shape))


class _NoDoubleBackward(Function):
    """The node under a gradient whose op has no differentiable rule: differentiating raises."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad):
        raise GraphError(
            f"double backward through {ctx.op}: this op does not support double backward yet "
            f"(its gradient, made with create_graph=True, cannot be differentiated again). "
            f"Write the model with ops that do (see glassnet/ops/*_grad_rules.py), or add a rule "
            f"for it there."
        )


def untracked(node: Node, array):
    """A gradient the op cannot differentiate again: differentiating it raises, naming the op."""
    out = _NoDoubleBackward.node_class()
    out.op = node.name()
    return Tensor._make(array, out)


class _LinearMap(Function):
    """z = A g for a linear map given as two array functions, ``apply`` (A) and ``transpose``
    (Aᵀ); dL/dg = Aᵀ·(upstream gradient). Many ops' gradients are such maps of g with the
    pattern fixed by the forward (max pooling routes each window's gradient to its argmax):
    the rule gives both directions, and this node differentiates the pair to any order."""

    node_name = "LinearMapBackward0"

    @staticmethod
    def forward(ctx, grad, apply, transpose):
        ctx.apply, ctx.transpose = apply, transpose
        return apply(grad)

    @staticmethod
    def backward(ctx, grad):
        return ctx.transpose(grad), None, None


def linear_map(grad, apply, transpose):
    """A·grad, recorded: ``apply`` computes A·g on arrays and ``transpose`` Aᵀ·v."""
    return _LinearMap.apply(grad, apply, transpose)


@rule(_LinearMap)
def _linear_map_rule(ctx, grad):
    """dL/dg = Aᵀ·grad, itself a linear map (whose transpose is A again)."""
    return _LinearMap.apply(grad, ctx.transpose, ctx.apply), None, None


def run_graph(tensors: list, grads: list, retain_graph: bool = False,
              capture: dict | None = None, accumulate_into: set | None = None,
              stop: bool = False) -> None:
    """``engine.run`` with Tensors instead of arrays and each node's rule recorded; with
    ``stop`` the sweep goes no further than the captured nodes."""
    from .engine import _count_dependencies, check_saved

    _load_rules()
    pending: dict[Node, object] = {}
    for t, g in zip(tensors, grads):
        node = t.grad_fn or _accumulator(t)
        pending[node] = pending[node] + g if node in pending else g
    dependencies = _count_dependencies(list(pending))
    ready = [node for node in pending if dependencies.get(node, 0) == 0]
    with enable_grad():
        while ready:
            node = ready.pop()
            grad = pending.pop(node, None)
            if grad is not None and node._hooks:
                grad = _run_hooks(node, grad)
            if capture is not None and node in capture:
                capture[node] = grad
                if stop:
                    continue
            if type(node) is AccumulateGrad:
                if grad is not None and capture is None:
                    _accumulate(node.variable, grad, accumulate_into)
                continue
            if grad is not None and node._retained is not None:
                _retain(node, grad)
            input_grads = (None,) * len(node.next_functions)
            if grad is not None:
                check_saved(node)
                input_grads = _node_rule(node, grad)
                if not retain_graph and node.saved:
                    node.saved = None
                    node._freed = True
            for (next_node, _), shape, g in zip(node.next_functions, node.input_shapes,
                                                input_grads):
                if next_node is None:
                    continue
                if g is not None:
                    g = sum_to(g, shape)
                    previous = pending.get(next_node)
                    pending[next_node] = g if previous is None else previous + g
                dependencies[next_node] -= 1
                if dependencies[next_node] == 0:
                    ready.append(next_node)


def _node_rule(node: Node, grad) -> tuple:
    """One node's gradients as Tensors: its rule, a user Function's backward, or a fallback."""
    function = node.function
    if function.on_tensors:
        # a user's Function: its backward is written with Tensor ops, so it records itself
        grads = function.backward(node, grad)
        grads = grads if isinstance(grads, tuple) else (grads,)
        grads = tuple(_as_tensor(g) for g in grads[:len(node.next_functions)])
    elif function in RULES:
        grads = RULES[function](node, grad)
        grads = grads if isinstance(grads, tuple) else (grads,)
    else:
        with no_grad():
            arrays = function.backward(node, grad._data)
        arrays = arrays if isinstance(arrays, tuple) else (arrays,)
        grads = tuple(None if a is None else untracked(node, np.asarray(a)) for a in arrays)
    if AnomalyMode.enabled:
        AnomalyMode.check_backward(node, tuple(None if g is None else g._data for g in grads))
    return grads


def _as_tensor(g):
    if g is None or isinstance(g, Tensor):
        return g
    return Tensor._make(np.asarray(g))


def _accumulate(leaf, grad, only: set | None) -> None:
    """leaf.grad = leaf.grad + grad, recorded (PyTorch replaces .grad out of place here too)."""
    if only is not None and id(leaf) not in only:
        return
    if grad._data.dtype != leaf._data.dtype:
        grad = grad.to(leaf.dtype)
    if grad._data.shape != leaf._data.shape:
        grad = grad.expand(*leaf._data.shape)
    if leaf.grad is None:
        # a fresh Tensor the user may keep and change: never the leaf itself or an upstream one
        leaf.grad = grad if grad.grad_fn is not None else Tensor._make(grad._data.copy())
    else:
        leaf.grad = leaf.grad + grad
    leaf._grad_passes = 1


def _retain(node: Node, grad) -> None:
    tensor = node._retained()
    if tensor is not None:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad


def _run_hooks(node: Node, grad):
    for hook in node._hooks:
        out = hook(grad)
        if out is not None:
            grad = _as_tensor(out)
    return grad


def graph_roots(tensors: list, grad_tensors, who: str):
    """The sweep's starting gradients as Tensors (a given gradient keeps its own graph)."""
    from .engine import _as_list, _roots

    tensors, arrays = _roots(tensors, grad_tensors, who)
    given = [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors)
    starts = []
    for t, g, array in zip(tensors, given, arrays):
        if isinstance(g, Tensor) and g._data.dtype == t._data.dtype:
            starts.append(g)
        else:
            starts.append(Tensor._make(array))
    return tensors, starts


_loaded = False


def _load_rules() -> None:
    """Import the rule modules (once): each registers its rules with ``@rule``."""
    global _loaded
    if not _loaded:
        from ..ops import (  # noqa: F401
            conv_grad_rules,
            elementwise_grad_rules,
            fused_grad_rules,
            indexing_grad_rules,
            linalg_grad_rules,
            math_grad_rules,
            rnn_grad_rules,
            shape_grad_rules,
        )

        _loaded = True


from ..tensor import Tensor  # noqa: E402
from .function import _accumulator  # noqa: E402
