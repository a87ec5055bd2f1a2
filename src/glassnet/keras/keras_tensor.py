"""Symbolic tensors for Keras' functional API: ``keras.Input`` returns a KerasTensor (a shape and
a dtype, no data); calling a layer on KerasTensors records a Node and returns new KerasTensors.

Each KerasTensor remembers where it came from, ``_keras_history = (layer, node_index,
tensor_index)``: the layer that made it, which of that layer's calls (its inbound nodes) and
which of that call's outputs. This triple is what Keras' model config writes for every
connection (``"keras_history": ["dense", 0, 0]``), and what the summary's "Connected to" column
prints (``dense[0][0]``).
"""

from __future__ import annotations

import contextlib
from collections import namedtuple

import numpy as np

from ..tensor import Tensor

KerasHistory = namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


# ----- nested structures (a tensor, a list/tuple of them, a dict of them) --------------------
def flatten(structure) -> list:
    """The leaves in order; dicts in sorted key order, as Keras' ``tree.flatten``."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_like(structure, leaves: list):
    """Rebuild ``structure``'s shape from flat ``leaves`` (the inverse of ``flatten``)."""
    leaves = iter(leaves)

    def build(node):
        if isinstance(node, dict):  # sorted keys, as Keras' tree.pack_sequence_as
            return {key: build(node[key]) for key in sorted(node)}
        if isinstance(node, (list, tuple)):
            return type(node)(build(item) for item in node)
        return next(leaves)

    return build(structure)


def map_structure(fn, structure):
    return pack_like(structure, [fn(leaf) for leaf in flatten(structure)])


def is_shape(value) -> bool:
    """(None, 3) is one shape; [(None, 3), (None, 4)] is a list of shapes (a non-empty list of
    sizes, [None, 3], also counts as one shape)."""
    if isinstance(value, list) and not value:
        return False
    return isinstance(value, (tuple, list)) and all(
        v is None or isinstance(v, (int, np.integer)) for v in value)


def map_shapes(fn, shapes):
    """Apply ``fn`` to every shape tuple of a nested structure of shapes."""
    if is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {key: map_shapes(fn, value) for key, value in shapes.items()}
    return type(shapes)(map_shapes(fn, value) for value in shapes)


# ----- KerasTensor and Node -----------------------------------------------------------------
class KerasTensor:
    """A symbolic tensor: ``shape`` (None for the batch and other unknown sizes), ``dtype``,
    ``name``, and the ``_keras_history`` that produced it. It holds no data.

    Example:
        >>> from glassnet import keras
        >>> x = keras.Input(shape=(4,), name="pixels")
        >>> x.shape, x.dtype, x.name
        ((None, 4), 'float32', 'pixels')
    """

    def __init__(self, shape, dtype: str = "float32", name: str | None = None) -> None:
        from .layers import unique_name

        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.dtype = str(np.dtype(dtype))
        self.name = name or unique_name("keras_tensor")
        self._keras_history: KerasHistory | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, "
                f"ragged=False, name={self.name}>")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"{self.name} is a symbolic KerasTensor (keras.Input or a layer's output while the "
            f"model is being defined): it has a shape {self.shape} but no values. Build a "
            f"keras.Model(inputs, outputs) and call the model on arrays instead")

    def __bool__(self) -> bool:
        raise TypeError(f"{self.name} is a symbolic KerasTensor: its truth value is unknown "
                        f"until the model runs on data")

    def _no_operators(self, *args):
        raise TypeError(
            f"{self.name} is a symbolic KerasTensor: operators (+, -, *, /, @, [...]) on it are "
            f"not supported by glassnet's functional API; use the merging layers "
            f"(keras.layers.add([a, b]), subtract, multiply, average) or write a layer "
            f"subclass whose call() does the arithmetic")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _no_operators
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = _no_operators
    __neg__ = __getitem__ = _no_operators


class Node:
    """One call of a layer on KerasTensors: the layer, its arguments as given (``call_args``,
    a tensor or a list/dict of them; ``call_kwargs`` holds non-tensor keywords such as
    ``training=False``) and the output KerasTensors.

    ``layer._inbound_nodes`` lists a layer's nodes in call order: a layer called twice (a
    shared layer) has two nodes and one set of weights.
    """

    def __init__(self, layer, call_args=None, call_kwargs=None, outputs=None,
                 more_args=()) -> None:
        self.operation = self.layer = layer
        self.call_args = call_args
        self.more_args = tuple(more_args)  # further positional tensors: layer(a, b)
        self.call_kwargs = dict(call_kwargs or {})
        self.input_tensors = [x for x in flatten([call_args, *self.more_args])
                              if isinstance(x, KerasTensor)]
        self.is_input = call_args is None
        self.outputs = flatten(outputs)
        self.output_structure = outputs
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, tensor in enumerate(self.outputs):
            tensor._keras_history = KerasHistory(layer, node_index, i)

    @property
    def output_tensors(self) -> list:
        return self.outputs

    @property
    def parent_nodes(self) -> list:
        """The nodes that made this node's inputs."""
        return [x._keras_history.operation._inbound_nodes[x._keras_history.node_index]
                for x in self.input_tensors if x._keras_history is not None]

    @property
    def inbound(self) -> list:
        """(layer name, node_index, tensor_index) of every input, in order: the connections
        Keras' config stores for this node."""
        return [(x._keras_history.operation.name, x._keras_history.node_index,
                 x._keras_history.tensor_index) for x in self.input_tensors]

    def __repr__(self) -> str:
        return f"<Node {self.layer.name} <- {self.inbound}>"


def is_symbolic(args, kwargs) -> bool:
    return any(isinstance(x, KerasTensor) for x in flatten(list(args) + list(kwargs.values())))


# ----- calling a layer on KerasTensors ------------------------------------------------------
_TRACING = [0]


@contextlib.contextmanager
def tracing():
    """While set, layers run on placeholder zeros only to learn shapes: add_loss is ignored."""
    _TRACING[0] += 1
    try:
        yield
    finally:
        _TRACING[0] -= 1


def is_tracing() -> bool:
    return _TRACING[0] > 0


def placeholder(shape, dtype="float32") -> np.ndarray:
    """Zeros standing in for a symbolic input: unknown sizes (the batch) become 1."""
    return np.zeros(tuple(1 if s is None else s for s in shape), dtype=dtype)


def output_shapes_by_running(layer, shapes, call_kwargs, more_shapes=()):
    """A layer without ``compute_output_shape`` (or called on several positional tensors)
    learns its output shape(s) by running once on zeros, in inference mode and without
    recording gradients; the batch stays None."""
    from ..autograd.grad_mode import no_grad

    structure = map_shapes(lambda s: Tensor(placeholder(s)), shapes)
    more = [map_shapes(lambda s: Tensor(placeholder(s)), shape) for shape in more_shapes]
    with no_grad(), tracing():
        try:
            out = layer(structure, *more, training=False, **call_kwargs) if \
                layer._call_accepts("training") else layer(structure, *more, **call_kwargs)
        except Exception as error:
            raise ValueError(
                f"{layer.name} ({type(layer).__name__}): could not work out its output shape "
                f"for inputs of shape {shapes} by running it on zeros ({error}). Define "
                f"compute_output_shape(self, input_shape) on the layer") from error
    return map_structure(lambda t: ((None, *tuple(t.shape)[1:]), str(t._data.dtype)), out)


def call_symbolic(layer, args: tuple, kwargs: dict):
    """Record ``layer(*args, **kwargs)`` on KerasTensors: build the layer for the input shapes,
    work out the output shapes, and return new KerasTensors wired to a new Node."""
    if any(isinstance(x, KerasTensor) for x in flatten(list(kwargs.values()))):
        raise ValueError(
            f"{layer.name}: on symbolic inputs a layer takes its tensors as positional "
            f"arguments (each a tensor, or a list/dict of them), got KerasTensors in the "
            f"keywords {sorted(kwargs)}; pass them positionally, as layer(a, b) or layer([a, b])")
    inputs, more = args[0], args[1:]
    if more:
        _check_tensor_arguments(layer, len(args))
    leaves = flatten([inputs, *more])
    if not all(isinstance(x, KerasTensor) for x in leaves):
        kinds = sorted({type(x).__name__ for x in leaves})
        raise TypeError(f"{layer.name}: cannot mix KerasTensors with data ({', '.join(kinds)}) "
                        f"in one call; make every input a keras.Input or a layer's output")
    shapes = map_structure(lambda x: x.shape, inputs)
    if not layer.built:
        layer._build_once(shapes)  # build(input_shape) sees the first argument, as in Keras
    if more:
        specs = output_shapes_by_running(
            layer, shapes, kwargs, [map_structure(lambda x: x.shape, a) for a in more])
        outputs = _tensors_from_specs(specs)
    else:
        outputs = _outputs_for(layer, shapes, kwargs)
    Node(layer, inputs, kwargs, outputs, more_args=more)
    return outputs


def _check_tensor_arguments(layer, count: int) -> None:
    """A call on several positional tensors needs a ``call`` taking that many (``training``
    and ``mask`` are not tensor arguments)."""
    import inspect

    parameters = list(inspect.signature(layer.call).parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return
    # a tensor slot has no default or a None one (Dense's without_activation=False is none)
    takes = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
             and p.name not in ("training", "mask") and p.default in (p.empty, None)]
    if count > len(takes):
        raise ValueError(
            f"{layer.name}: its call() takes {len(takes)} tensor argument(s) "
            f"({', '.join(p.name for p in takes)}), got {count} positional arguments; to "
            f"combine tensors pass them as layer([a, b]) (the merging layers), or write a layer "
            f"whose call(self, a, b) takes them")


def _outputs_for(layer, shapes, kwargs):
    try:  # layers compute in float32, whatever their inputs (as Keras' compute dtype)
        specs = map_shapes(lambda s: (s, "float32"), layer.compute_output_shape(shapes))
    except NotImplementedError:
        specs = output_shapes_by_running(layer, shapes, kwargs)
    if isinstance(specs, tuple) and len(specs) == 2 and is_shape(specs[0]):
        return KerasTensor(specs[0], specs[1])
    return _tensors_from_specs(specs)


def _tensors_from_specs(specs):
    if isinstance(specs, dict):
        return {key: _tensors_from_specs(value) for key, value in specs.items()}
    if isinstance(specs, tuple) and len(specs) == 2 and is_shape(specs[0]):
        return KerasTensor(specs[0], specs[1])
    return [_tensors_from_specs(value) for value in specs]
