"""The functional API: ``keras.Model(inputs, outputs)`` over a graph of layer calls.

Calling layers on ``keras.Input`` tensors recorded one Node per call (``keras_tensor.py``);
a Functional model walks those nodes back from its outputs to its inputs, orders them by depth
(Keras' ``map_graph``: the depth of a node is the longest path from it to an output) and, when
called on data, runs them deepest first, feeding each layer the values of its inbound tensors.

Example:
    >>> from glassnet import keras
    >>> inputs = keras.Input(shape=(4,), name="features")
    >>> hidden = keras.layers.Dense(8, activation="relu")(inputs)
    >>> outputs = keras.layers.Dense(3, activation="softmax")(hidden)
    >>> model = keras.Model(inputs, outputs)
    >>> [layer.name for layer in model.layers][0]
    'features'
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from . import layers as L
from .base_layer import call_scope
from .keras_tensor import KerasTensor, flatten, is_shape, map_structure, pack_like
from .models import Model


class Functional(Model):
    """A model defined as a graph of layers: ``keras.Model(inputs, outputs, name=None)``.

    ``inputs`` and ``outputs`` may be one KerasTensor, a list of them or a dict name → tensor;
    calling the model takes (and returns) data in the same structure. The graph's layers are the
    model's sublayers (``model.layers``, InputLayers included, in Keras' order), so a layer used
    twice shares its weights, and a model can be called on KerasTensors like any layer.
    """

    _keras_class_name = "Functional"
    _track_attributes = False  # the sublayers are the graph's layers

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True) -> None:
        Model.__init__(self, name=name or L.unique_name("functional"), trainable=trainable)
        for what, structure in (("inputs", inputs), ("outputs", outputs)):
            leaves = flatten(structure)
            if not leaves:
                raise ValueError(f"keras.Model: `{what}` is empty; pass the keras.Input "
                                 f"tensor(s) and the tensor(s) the layers returned")
            for x in leaves:
                if not isinstance(x, KerasTensor):
                    raise TypeError(
                        f"keras.Model: all `{what}` must be KerasTensors (from keras.Input or a "
                        f"layer called on one), got {type(x).__name__}; for a model defined "
                        f"in code, subclass keras.Model and write call()")
        d = self.__dict__  # not through __setattr__: these lists are not sublayer collections
        d["_inputs_struct"], d["_outputs_struct"] = inputs, outputs
        d["_inputs"], d["_outputs"] = flatten(inputs), flatten(outputs)
        nodes_by_depth, operations = map_graph(d["_inputs"], d["_outputs"])
        d["_nodes_by_depth"], d["_operations"] = nodes_by_depth, operations
        d["_nodes"] = {id(node) for nodes in nodes_by_depth.values() for node in nodes}
        for layer in operations:
            self._modules[layer.name] = layer
        self._run_graph([None] * len(d["_inputs"]), lambda node, *args: [None] * len(
            node.outputs))  # every output must be reachable from the inputs
        self.built = True
        self.output_names = [x._keras_history.operation.name for x in d["_outputs"]]

    # ----- the graph ---------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        return [op for op in self._operations if isinstance(op, L.Layer)]

    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [x.shape for x in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [x.shape for x in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _run_graph(self, values: list, run_node) -> list:
        """Values for every output: ``run_node(node, args, *more)`` computes a node (``more``:
        its further positional tensors) once the values of all its inputs are known (deepest
        nodes first)."""
        known = {id(x): value for x, value in zip(self._inputs, values)}
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                if node.is_input or any(id(x) not in known for x in node.input_tensors):
                    continue
                args, *more = [map_structure(
                    lambda x: known[id(x)] if isinstance(x, KerasTensor) else x, a)
                    for a in (node.call_args, *node.more_args)]
                for x, value in zip(node.outputs, flatten(run_node(node, args, *more))):
                    known[id(x)] = value
        missing = [x.name for x in self._outputs if id(x) not in known]
        if missing:
            raise ValueError(f"keras.Model: the output(s) {missing} cannot be computed from the "
                             f"inputs {[x.name for x in self._inputs]} (graph disconnected); "
                             f"pass every keras.Input they depend on in `inputs`")
        return [known[id(x)] for x in self._outputs]

    def _pack_outputs(self, values: list):
        structure = self._outputs_struct
        if isinstance(structure, (list, tuple)) and len(structure) == 1:
            return values[0]  # Keras unpacks a one-element list
        return pack_like(structure, values)

    # ----- running on data -----------------------------------------------------------------------
    def _standardize_inputs(self, inputs) -> list:
        """The model's inputs, flat, in ``model.inputs`` order, as Tensors of their dtypes."""
        struct, names = self._inputs_struct, [x.name for x in self._inputs]
        if isinstance(inputs, dict) and not isinstance(struct, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"{self.name}: the input dict has keys {sorted(inputs)} but "
                                 f"the model's inputs are named {names}; missing {missing}")
            flat = [inputs[n] for n in names]
        elif isinstance(struct, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"{self.name}: the model takes a dict of inputs with keys "
                                 f"{sorted(struct)}, got {type(inputs).__name__}; pass "
                                 f"{{name: array}}")
            missing = [k for k in struct if k not in inputs]
            if missing:
                raise ValueError(f"{self.name}: missing inputs {missing}; the model takes "
                                 f"{sorted(struct)}, got {sorted(inputs)}")
            flat = [inputs[k] for k in sorted(struct)]
        elif isinstance(inputs, (list, tuple)) and len(self._inputs) > 1 or (
                isinstance(inputs, (list, tuple)) and inputs and isinstance(
                    inputs[0], (Tensor, np.ndarray))):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(self._inputs):
            raise ValueError(f"{self.name}: expected {len(self._inputs)} inputs ({names}), got "
                             f"{len(flat)}; pass a list in that order or a dict by name")
        return [self._check_input(x, value) for x, value in zip(self._inputs, flat)]

    def _check_input(self, spec: KerasTensor, value) -> Tensor:
        if not isinstance(value, Tensor):
            value = Tensor(np.asarray(value, dtype=spec.dtype))
        shape = tuple(value.shape)
        if len(shape) != len(spec.shape) or any(
                want is not None and got != want for got, want in zip(shape, spec.shape)):
            raise ShapeError(f"{self.name}: input '{spec.name}' expects shape {spec.shape} "
                             f"(None: any size), got {shape}; reshape the data or change "
                             f"keras.Input(shape=...)")
        return value

    def call(self, inputs, training=None):
        values = self._run_graph(self._standardize_inputs(inputs),
                                 lambda node, args, *more: node.layer(args, *more,
                                                                      **node.call_kwargs))
        return self._pack_outputs(values)

    def _build_once(self, input_shape) -> None:
        self.built = True

    def forward_with_logits(self, x):
        """(outputs, logits, activation names): each output made by a Dense or Activation
        layer with softmax or sigmoid also gives its pre-activation logits (for the fused
        cross-entropy), else None. One output gives plain values, several give lists (or
        dicts) in the outputs' structure."""
        found = {}
        output_ids = {id(x) for x in self._outputs}

        def run_node(node, args, *more):
            layer = node.layer
            name = getattr(getattr(layer, "activation", None), "__name__", None)
            if (not node.call_kwargs and not more and id(node.outputs[0]) in output_ids
                    and name in ("softmax", "sigmoid")
                    and isinstance(layer, (L.Dense, L.Activation))
                    and isinstance(args, Tensor)):
                logits = L.Dense.call(layer, args, without_activation=True) if isinstance(
                    layer, L.Dense) else args
                out = layer.activation(logits)
                found[id(node.outputs[0])] = (logits, name)
                return out
            return layer(args, *more, **node.call_kwargs)

        with call_scope(self, self.training):
            values = self._run_graph(self._standardize_inputs(x), run_node)
        logits = [found.get(id(x), (None, None)) for x in self._outputs]
        if len(values) == 1:
            return values[0], logits[0][0], logits[0][1]
        return (self._pack_outputs(values), self._pack_outputs([lg for lg, _ in logits]),
                self._pack_outputs([n for _, n in logits]))

    def get_config(self) -> dict:
        """Keras' functional config: every layer with the calls connecting it
        (``inbound_nodes``), ``input_layers`` and ``output_layers``;
        ``keras.Model.from_config`` rebuilds the model from it."""
        from .saving.functional_graph import functional_config
        from .saving.model_config import _input_spec, _serialize_any

        return functional_config(self, _serialize_any, _input_spec)

    def compute_output_shape(self, input_shape):
        shapes = _flat_shapes(input_shape)
        if len(shapes) == len(self._inputs) and all(
                s[1:] == x.shape[1:] for s, x in zip(shapes, self._inputs)):
            return self._pack_outputs([x.shape for x in self._outputs])
        raise NotImplementedError  # other shapes: learned by running the model once on zeros

    def build(self, input_shape=None) -> None:
        self.built = True


def _flat_shapes(shapes) -> list:
    if is_shape(shapes):
        return [tuple(shapes)]
    if isinstance(shapes, dict):
        return [s for key in sorted(shapes) for s in _flat_shapes(shapes[key])]
    return [s for item in shapes for s in _flat_shapes(item)]


# ----- Keras' map_graph -------------------------------------------------------------------------
def map_graph(inputs: list, outputs: list):
    """(nodes by depth, operations in Keras' order) for the graph from ``inputs`` to
    ``outputs``. A node's depth is the longest path from it to an output node; an operation
    (layer) takes the largest depth of its nodes. Operations are listed deepest first, ties in
    the order a depth-first walk from the outputs first met them (so ``model.layers`` matches
    Keras')."""
    ordered, operation_index = [], {}
    finished, in_progress = set(), set()
    input_ids = {id(x) for x in inputs}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))  # an intermediate tensor given as input: the graph starts
            return
        if id(node) in in_progress:
            raise ValueError(f"keras.Model: {tensor.name} from layer '{operation.name}' is part "
                             f"of a cycle")
        operation_index.setdefault(operation, len(operation_index))
        in_progress.add(id(node))
        if not node.is_input:
            for x in node.input_tensors:
                visit(x)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for x in outputs:
        if x._keras_history is None:
            raise ValueError(f"keras.Model: the output {x.name} was not made by a layer")
        visit(x)
    in_graph = {id(node) for node in ordered}
    node_depth, operation_depth = {}, {}
    for node in reversed(ordered):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, operation_depth.get(node.operation, 0))
        operation_depth[node.operation] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for x in inputs:  # inputs no output depends on still belong to the model
        operation = x._keras_history.operation
        if operation not in operation_depth and isinstance(operation, L.InputLayer):
            operation_depth[operation], operation_index[operation] = 0, -1
            node = operation._inbound_nodes[x._keras_history.node_index]
            node_depth[id(node)] = 0
            ordered.append(node)
    nodes_by_id = {id(node): node for node in ordered}
    nodes_by_depth = defaultdict(list)
    for node_id, depth in node_depth.items():
        nodes_by_depth[depth].append(nodes_by_id[node_id])
    by_depth = defaultdict(list)
    for operation, depth in operation_depth.items():
        by_depth[depth].append(operation)
    operations = []
    for depth in sorted(by_depth, reverse=True):
        operations.extend(sorted(by_depth[depth], key=lambda op: operation_index[op]))
    names = [op.name for op in operations]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f'keras.Model: the name "{name}" is used {names.count(name)} times '
                             f"in the model; give each layer a unique name=")
    return dict(nodes_by_depth), operations
