"""Drawing the computational graph behind a tensor (micrograd's ``draw_dot``), and a model's
architecture.

Ops appear as ovals named by their ``grad_fn`` (MulBackward0, ...); tensors as boxes with their
shape, and their values and gradients when they are small (up to 16 numbers). Leaves take
their names from ``params`` (a dict, or a module's ``named_parameters``). The result's
``.source`` is Graphviz DOT text; ``.render(path)`` writes SVG or PNG with Graphviz's ``dot``
when it is installed, and otherwise draws the same layered picture with matplotlib.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autograd.function import AccumulateGrad
from ._mpl import pyplot, save_figure


@dataclass
class GraphNode:
    id: str
    label: str  # several lines
    kind: str  # 'op', 'tensor', 'leaf', 'constant', 'layer'


@dataclass
class Graph:
    """A drawable graph: ``.source`` (DOT), ``.render(path)``, ``.nodes``, ``.edges``."""

    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, label)
    rankdir: str = "LR"

    @property
    def source(self) -> str:
        styles = {"op": 'shape=ellipse, style=filled, fillcolor="#fde2c8"',
                  "tensor": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
                  "leaf": 'shape=box, style="rounded,filled", fillcolor="#d5efd5"',
                  "constant": 'shape=box, style="rounded,dashed"',
                  "layer": 'shape=box, style="rounded,filled", fillcolor="#ece2f6"'}
        lines = ["digraph glassnet {", f"  rankdir={self.rankdir};",
                 '  node [fontname="Helvetica", fontsize=11];']
        for node in self.nodes:
            label = node.label.replace('"', "'").replace("\n", "\\n")
            lines.append(f'  {node.id} [label="{label}", {styles[node.kind]}];')
        for a, b, label in self.edges:
            lines.append(f'  {a} -> {b}' + (f' [label="{label}"];' if label else ";"))
        lines.append("}")
        return "\n".join(lines)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows the graph inline as SVG when Graphviz's ``dot`` is installed; None
        tells Jupyter to try the next picture, ``_repr_png_``."""
        if shutil.which("dot"):
            return subprocess.run(["dot", "-Tsvg"], input=self.source.encode(),
                                  capture_output=True, check=True).stdout.decode()
        return None

    def _repr_png_(self) -> bytes | None:
        """Without Graphviz, the same layered picture drawn with matplotlib, as PNG bytes
        (None when ``dot`` exists, since the SVG is then shown and sharper)."""
        if shutil.which("dot"):
            return None
        from ._display import figure_png

        figure = self._figure()
        try:
            return figure_png(figure, dpi=80)
        finally:
            pyplot().close(figure)

    def render(self, path, engine: str = "auto") -> Path:
        """Write the picture (format from the suffix: .svg or .png)."""
        path = Path(path)
        fmt = path.suffix.lstrip(".").lower() or "png"
        if fmt not in ("png", "svg"):
            raise ValueError(f"render: write .png or .svg, got {path.name}")
        if engine in ("auto", "dot") and shutil.which("dot"):
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["dot", f"-T{fmt}", "-o", str(path)], input=self.source.encode(),
                           check=True)
            return path
        if engine == "dot":
            raise RuntimeError("render(engine='dot'): Graphviz's dot is not installed")
        return self._render_matplotlib(path)

    # ----- the fallback: a layered layout drawn with matplotlib ---------------------------
    def _layers(self) -> dict[str, int]:
        """Each node's column: the longest path from any source to it."""
        incoming: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for a, b, _ in self.edges:
            incoming[b].append(a)
        depth: dict[str, int] = {}

        def visit(node_id: str, trail: frozenset = frozenset()) -> int:
            if node_id not in depth:
                parents = [p for p in incoming[node_id] if p not in trail]
                depth[node_id] = 1 + max((visit(p, trail | {node_id}) for p in parents),
                                         default=-1)
            return depth[node_id]

        for node in self.nodes:
            visit(node.id)
        for node in self.nodes:  # pull each source next to its first consumer
            if not incoming[node.id]:
                consumers = [depth[b] for a, b, _ in self.edges if a == node.id]
                if consumers:
                    depth[node.id] = max(0, min(consumers) - 1)
        return depth

    def _render_matplotlib(self, path: Path) -> Path:
        return save_figure(self._figure(), path)

    def _figure(self):
        """The matplotlib drawing: one column per layer of the graph, arrows between."""
        depth = self._layers()
        columns: dict[int, list[GraphNode]] = {}
        for node in self.nodes:
            columns.setdefault(depth[node.id], []).append(node)
        position = {}
        for column, members in columns.items():
            for row, node in enumerate(members):
                position[node.id] = (column * 3.2, -(row - (len(members) - 1) / 2) * 1.6)
        plt = pyplot()
        width = 2.2 + 3.2 * max(columns)
        height = 1.6 * max(len(m) for m in columns.values()) + 0.6
        figure, axis = plt.subplots(figsize=(min(1 + width * 0.62, 40), min(1 + height * 0.75,
                                                                          30)))
        colours = {"op": "#fde2c8", "tensor": "#dbe9f6", "leaf": "#d5efd5",
                   "constant": "white", "layer": "#ece2f6"}
        for a, b, label in self.edges:
            (x0, y0), (x1, y1) = position[a], position[b]
            axis.annotate("", xy=(x1 - 1.1, y1), xytext=(x0 + 1.1, y0),
                          arrowprops=dict(arrowstyle="->", color="#555555"))
            if label:
                axis.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, label, fontsize=7,
                          ha="center", color="#555555")
        for node in self.nodes:
            x, y = position[node.id]
            box = "round4,pad=0.4" if node.kind == "op" else "round,pad=0.3"
            axis.text(x, y, node.label, ha="center", va="center", fontsize=9,
                      bbox=dict(boxstyle=box, facecolor=colours[node.kind],
                                edgecolor="#333333",
                                linestyle="--" if node.kind == "constant" else "-"))
        axis.set_xlim(-1.6, 3.2 * max(columns) + 1.6)
        ys = [p[1] for p in position.values()]
        axis.set_ylim(min(ys) - 1, max(ys) + 1)
        axis.axis("off")
        return figure


def _values(array, label: str) -> str:
    if array is None:
        return ""
    array = np.asarray(array)
    text = np.array2string(array, precision=4, separator=", ", suppress_small=True)
    return f"\n{label} {text}" if array.size <= 16 else ""


def draw_graph(tensor, params=None, show_values: bool = True) -> Graph:
    """The graph of ops and tensors that produced ``tensor`` (run ``backward()`` first to
    see gradients). ``params``: {name: tensor} or a module, to name the leaves."""
    names = {}
    if params is not None:
        items = params.named_parameters() if hasattr(params, "named_parameters") else \
            params.items()
        names = {id(t): name for name, t in items}
    graph = Graph()
    if tensor.grad_fn is None:
        graph.nodes.append(GraphNode("t0", _tensor_label(names.get(id(tensor), "tensor"),
                                                         tensor.shape, tensor._data,
                                                         tensor.grad, show_values), "leaf"))
        return graph
    ids: dict[int, str] = {}
    root_value = f"v{len(ids)}"
    graph.nodes.append(GraphNode(root_value, _tensor_label(
        names.get(id(tensor), "output"), tensor.shape, tensor._data,
        tensor.grad._data if tensor.grad is not None else tensor.grad_fn.output_grad,
        show_values), "tensor"))
    stack = [(tensor.grad_fn, root_value)]
    seen = set()
    while stack:
        node, value_id = stack.pop()
        op_id = f"op{id(node)}"
        graph.edges.append((op_id, value_id, ""))
        if id(node) in seen:
            continue
        seen.add(id(node))
        graph.nodes.append(GraphNode(op_id, node.name(), "op"))
        for i, (child, _) in enumerate(node.next_functions):
            shape = node.input_shapes[i] if i < len(node.input_shapes) else None
            shape_text = str(tuple(shape)) if shape is not None else ""
            if child is None:
                if shape is not None:
                    const_id = f"c{id(node)}_{i}"
                    graph.nodes.append(GraphNode(const_id, f"constant\nshape {tuple(shape)}",
                                                 "constant"))
                    graph.edges.append((const_id, op_id, ""))
                continue
            if isinstance(child, AccumulateGrad):
                leaf = child.variable
                leaf_id = ids.setdefault(id(leaf), f"leaf{id(leaf)}")
                if not any(n.id == leaf_id for n in graph.nodes):
                    graph.nodes.append(GraphNode(leaf_id, _tensor_label(
                        names.get(id(leaf), "leaf"), leaf.shape, leaf._data,
                        None if leaf.grad is None else leaf.grad._data, show_values), "leaf"))
                graph.edges.append((leaf_id, op_id, ""))
                continue
            child_value = f"v{id(child)}"
            if not any(n.id == child_value for n in graph.nodes):
                graph.nodes.append(GraphNode(child_value, _tensor_label(
                    "", shape, child.output_value, child.output_grad, show_values), "tensor"))
                stack.append((child, child_value))
            graph.edges.append((child_value, op_id, shape_text if not show_values else ""))
    return graph


def _tensor_label(name: str, shape, data, grad, show_values: bool) -> str:
    shape_text = "scalar" if shape is not None and len(shape) == 0 else \
        f"shape {tuple(shape)}" if shape is not None else ""
    label = "\n".join(part for part in (name, shape_text) if part)
    if show_values:
        label += _values(data, "data") + _values(grad, "grad")
    return label


def draw_model(model, input_shape=None) -> Graph:
    """The architecture as a chain: each layer with its output shape and parameter count.
    For glassnet modules pass ``input_shape`` (e.g. (1, 784)) to see output shapes."""
    layers = _layer_list(model)
    shapes = _output_shapes(model, layers, input_shape)
    graph = Graph()
    previous = "input"
    graph.nodes.append(GraphNode("input", "input" + (f"\n{_shape(input_shape)}"
                                                     if input_shape else ""), "constant"))
    for i, (name, layer) in enumerate(layers):
        params = sum(int(np.prod(p.shape)) for p in _weights(layer))
        text = f"{name}: {type(layer).__name__}"
        extra = layer.extra_repr() if hasattr(layer, "extra_repr") else ""
        if extra and len(extra) < 40:
            text += f"\n{extra}"
        if shapes.get(i) is not None:
            text += f"\nout {_shape(shapes[i])}"
        text += f"\n{params:,} params"
        graph.nodes.append(GraphNode(f"L{i}", text, "layer"))
        graph.edges.append((previous, f"L{i}", ""))
        previous = f"L{i}"
    return graph


def _weights(layer):
    if hasattr(layer, "weights") and not callable(layer.weights):
        return list(layer.weights)
    return list(layer.parameters()) + list(layer.buffers())


def _layer_list(model) -> list:
    if hasattr(model, "layers") and not callable(model.layers):
        return [(layer.name, layer) for layer in model.layers]
    leaves = [(name, m) for name, m in model.named_modules() if name and not m._modules]
    return leaves or [("model", model)]


def _output_shapes(model, layers, input_shape) -> dict:
    if hasattr(model, "compute_output_shape") and getattr(model, "_input_shape", None):
        shapes, shape = {}, model._input_shape
        for i, (_, layer) in enumerate(layers):
            shape = layer.compute_output_shape(shape)
            shapes[i] = shape
        return shapes
    if input_shape is None:
        return {}
    from ..autograd.grad_mode import no_grad
    from ..tensor import Tensor

    shapes, handles = {}, []
    for i, (_, layer) in enumerate(layers):
        handles.append(layer.register_forward_hook(
            lambda m, inp, out, i=i: shapes.__setitem__(i, tuple(out.shape))))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor._make(np.zeros(input_shape, dtype=np.float32)))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return shapes


def _shape(shape) -> str:
    return "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
