"""The backward sweep: reverse-mode automatic differentiation over the recorded graph.

Starting from the output's node, gradients flow to each node's inputs in reverse topological
order (a node runs once every node that feeds it a gradient has run). Each node's ``backward``
turns the gradient of its output into gradients of its inputs; the engine sums a broadcast
input's gradient back to that input's shape, adds up gradients that reach a node along several
paths, and at the leaves adds them into ``.grad``.

``create_graph=True`` runs the same sweep on Tensors instead, recording it so that gradients can
be differentiated again: see ``double_backward.py``. This array sweep stays the fast path.
"""

from __future__ import annotations

import numpy as np

from ..errors import GraphError, ShapeError
from .custom_function import backward_on_tensors
from .double_backward import graph_roots, run_graph
from .function import SMALL, AccumulateGrad, AnomalyMode, Node, _accumulator


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the dimensions broadcasting added or stretched, giving ``shape``.

    In words: a dimension an input did not have, or had as size 1, was copied along by
    broadcasting, so its gradient is the sum of the copies' gradients.
    """
    if grad.shape == shape:
        return grad
    if shape is None:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, size in enumerate(shape) if size == 1 and grad.shape[i + lead] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None) -> None:
    """Add d(tensors)/d(leaf) into every leaf's ``.grad`` (``grad_tensors`` weight each output).

    With ``create_graph=True`` the sweep is recorded (see ``double_backward.py``): each ``.grad``
    then has a ``grad_fn`` and can be differentiated again. ``retain_graph`` defaults to
    ``create_graph``, as in PyTorch. ``grad_variables`` is PyTorch's old name of grad_tensors.
    """
    if grad_variables is not None:
        if grad_tensors is not None:
            raise ValueError("backward: pass grad_tensors or grad_variables (its old name), "
                             "not both")
        grad_tensors = grad_variables
    retain_graph = create_graph if retain_graph is None else retain_graph
    only = None if inputs is None else {id(t) for t in _as_list(inputs)}
    if create_graph:
        tensors, grads = graph_roots(tensors, grad_tensors, "backward")
        run_graph(tensors, grads, retain_graph=bool(retain_graph), accumulate_into=only)
        return
    tensors, grads = _roots(tensors, grad_tensors, "backward")
    run(tensors, grads, retain_graph=bool(retain_graph), accumulate_into=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple, without touching any ``.grad``.

    With ``create_graph=True`` the returned gradients are recorded Tensors (they have a
    ``grad_fn``) that can be differentiated again; ``retain_graph`` defaults to ``create_graph``.
    """
    retain_graph = create_graph if retain_graph is None else retain_graph
    if create_graph:
        outputs, grads = graph_roots(outputs, grad_outputs, "grad")
    else:
        outputs, grads = _roots(outputs, grad_outputs, "grad")
    inputs = _as_list(inputs)
    capture = {}
    for t in inputs:
        if not t.requires_grad:
            raise GraphError(
                f"grad: an input of shape {tuple(t.shape)} does not require grad; create it "
                f"with requires_grad=True or call .requires_grad_() on it first"
            )
        capture[t.grad_fn or _accumulator(t)] = None
    sweep = run_graph if create_graph else run
    sweep(outputs, grads, retain_graph=bool(retain_graph), capture=capture)
    result = []
    for t in inputs:
        g = capture[t.grad_fn or _accumulator(t)]
        if g is None and not allow_unused:
            raise GraphError(
                f"grad: an input of shape {tuple(t.shape)} was not used to compute the outputs; "
                f"pass allow_unused=True to get None for it"
            )
        if g is None:
            result.append(None)
        elif create_graph:
            result.append(g if g._data.dtype == t._data.dtype else g.to(t.dtype))
        else:
            result.append(_tensor(np.array(g, dtype=t._data.dtype)))
    return tuple(result)


def run(tensors: list, grads: list, retain_graph: bool = False, capture: dict | None = None,
        accumulate_into: set | None = None) -> None:
    """The sweep itself; ``capture`` maps nodes to the gradient they receive, instead of .grad."""
    pending: dict[Node, np.ndarray] = {}
    for t, g in zip(tensors, grads):
        node = t.grad_fn or _accumulator(t)
        pending[node] = pending[node] + g if node in pending else g
    dependencies = _count_dependencies(list(pending))
    ready = [node for node in pending if dependencies.get(node, 0) == 0]
    owned: set[int] = set()
    while ready:
        node = ready.pop()
        grad = pending.pop(node, None)
        if grad is not None and node._hooks:
            grad = _run_hooks(node, grad)
        if capture is not None and node in capture:
            capture[node] = grad
        if type(node) is AccumulateGrad:
            if grad is not None and capture is None:
                _accumulate(node.variable, grad, owned, accumulate_into)
            continue
        if grad is not None:
            if node._retained is not None:
                _retain(node, grad)
            if grad.size <= SMALL:
                node.output_grad = grad
        input_grads = _node_backward(node, grad, retain_graph)
        for (next_node, _), shape, g in zip(node.next_functions, node.input_shapes, input_grads):
            if next_node is None:
                continue
            if g is not None:
                if g.shape != shape:
                    g = unbroadcast(g, shape)
                previous = pending.get(next_node)
                pending[next_node] = g if previous is None else previous + g
            dependencies[next_node] -= 1
            if dependencies[next_node] == 0:
                ready.append(next_node)


def _node_backward(node: Node, grad, retain_graph: bool) -> tuple:
    """Run one node's backward rule, after checking its saved arrays are still as saved."""
    if grad is None:
        return (None,) * len(node.next_functions)
    if node._freed:
        check_saved(node)
    for _, box, version in node._version_checks:  # inline: one call fewer on every node
        if box[0] != version:
            check_saved(node)  # raises, naming the tensor that changed
    if node.function.on_tensors:
        input_grads = backward_on_tensors(node, grad)
    else:
        input_grads = node.function.backward(node, grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if AnomalyMode.enabled:
        AnomalyMode.check_backward(node, input_grads)
    if not retain_graph and node.saved:
        node.saved = None
        node._freed = True
    return input_grads


def check_saved(node: Node) -> None:
    """Raise if the node's saved arrays were freed, or changed in place since they were saved."""
    if node._freed:
        raise GraphError(
            f"backward through {node.name()} a second time: its saved arrays were freed after "
            f"the first backward. Pass retain_graph=True to the first backward() if you need "
            f"to go through the graph twice, or recompute the forward pass."
        )
    for shape, box, version in node._version_checks:
        if box[0] != version:
            raise GraphError(
                f"{node.name()} needs a tensor of shape {tuple(shape)} that was modified in place "
                f"after it was used (version {version}, now {box[0]}). Use the out-of-place op "
                f"(x = x * 2 instead of x.mul_(2)), or .clone() the tensor before changing it."
            )


def _count_dependencies(roots: list) -> dict:
    """For each node below the roots, how many edges bring it a gradient."""
    dependencies: dict[Node, int] = {}
    stack = list(roots)
    starts = set(stack)
    while stack:
        node = stack.pop()
        for next_node, _ in node.next_functions:
            if next_node is None:
                continue
            if next_node in dependencies:
                dependencies[next_node] += 1
            else:  # first edge to it: walk below it once (a root was walked already)
                dependencies[next_node] = 1
                if next_node not in starts:
                    stack.append(next_node)
    return dependencies


def _accumulate(leaf, grad: np.ndarray, owned: set, only: set | None) -> None:
    """leaf.grad += grad, taking ownership of a fresh array instead of copying it."""
    if only is not None and id(leaf) not in only:
        return
    if grad.dtype != leaf._data.dtype:
        grad = grad.astype(leaf._data.dtype)
    if grad.shape != leaf._data.shape:
        grad = np.broadcast_to(grad, leaf._data.shape)
    if leaf.grad is None:
        if grad.base is not None or not grad.flags.writeable or id(grad) in owned:
            grad = grad.copy()
        owned.add(id(grad))
        leaf.grad = _tensor(grad)
        leaf._grad_passes = 1
    else:
        # a grad still holding values from an earlier backward (not cleared) is being added to
        cleared = leaf._grad_passes == 0 or not leaf.grad._data.any()
        leaf._grad_passes = 1 if cleared else leaf._grad_passes + 1
        leaf.grad._data = leaf.grad._data + grad


def _retain(node: Node, grad: np.ndarray) -> None:
    tensor = node._retained()
    if tensor is not None:
        g = np.array(grad, dtype=tensor._data.dtype)
        tensor.grad = _tensor(g) if tensor.grad is None else _tensor(tensor.grad._data + g)


def _run_hooks(node: Node, grad: np.ndarray) -> np.ndarray:
    for hook in node._hooks:
        result = hook(_tensor(grad))
        if result is not None:
            grad = result._data if hasattr(result, "data") else np.asarray(result)
    return grad


def _roots(tensors, grad_tensors, who: str):
    """Check the outputs we differentiate and make the gradient that starts each sweep."""
    tensors = _as_list(tensors)
    grad_list = [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors)
    starts = []
    for t, g in zip(tensors, grad_list):
        if not t.requires_grad:
            raise GraphError(
                f"{who}: this tensor (shape {tuple(t.shape)}) does not require grad, so there is "
                f"no graph to go back through. Create the leaves with requires_grad=True, and "
                f"compute it outside no_grad()."
            )
        if g is None:
            if t._data.size != 1:
                raise GraphError(
                    f"{who}: gradients start only from a single number, but this tensor has "
                    f"shape {tuple(t.shape)}. Reduce it first (loss.sum() or loss.mean()), or "
                    f"pass gradient=a tensor of shape {tuple(t.shape)}."
                )
            starts.append(np.ones(t._data.shape, dtype=t._data.dtype))
        else:
            g = np.asarray(g._data if hasattr(g, "_data") else g, dtype=t._data.dtype)
            if g.shape != t._data.shape:
                raise ShapeError(
                    f"{who}: gradient has shape {g.shape} but the tensor has shape "
                    f"{tuple(t.shape)}; they must match"
                )
            starts.append(g.copy())
    return tensors, starts


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _tensor(array):
    return Tensor._make(array)


# at the end: tensor.py imports autograd, so Tensor is bound once both modules exist (an import
# statement inside _tensor cost about 1 us per gradient wrapped)
from ..tensor import Tensor  # noqa: E402
