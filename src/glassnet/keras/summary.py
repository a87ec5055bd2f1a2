"""``model.summary()``: Keras 3's table, drawn with box characters.

A plain chain of layers (Sequential, a subclassed model, a functional model where every layer
has one input and is called once) gets three columns: layer (type), output shape, parameter
count. Any other functional model also gets Keras' "Connected to" column: for each call of the
layer inside the model, ``layer_name[node_index][tensor_index]`` of each input.
"""

from __future__ import annotations

from .keras_tensor import flatten, is_shape, map_shapes

# Keras' column widths on an 80-column terminal (three and four columns)
_WIDTHS = {3: (33, 24, 15), 4: (21, 19, 12, 19)}


def print_summary(model, print_fn) -> None:
    from .functional import Functional

    functional = isinstance(model, Functional)
    layers = model.layers
    chain = not functional or _is_chain(model)
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    rows = []
    for layer in layers:
        nodes = [node for node in layer._inbound_nodes
                 if not functional or id(node) in model._nodes]
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer, nodes), params]
        if not chain:
            row.append(_connections(nodes))
        rows.append(row)
    widths = _WIDTHS[len(header)]
    out = [f'Model: "{model.name}"', _rule("┏", "┳", "┓", "━", widths),
           *_row(header, widths, "┃"), _rule("┡", "╇", "┩", "━", widths)]
    for i, row in enumerate(rows):
        out.extend(_row(row, widths, "│"))
        if i < len(rows) - 1:
            out.append(_rule("├", "┼", "┤", "─", widths))
    out.append(_rule("└", "┴", "┘", "─", widths))
    total = int(sum(w._data.size for w in model.weights))
    trainable = int(sum(w._data.size for w in model.trainable_weights))
    sizes = {id(w): w._data.nbytes for w in model.weights}
    trainable_bytes = sum(sizes[id(w)] for w in model.trainable_weights)
    # Keras builds the optimizer when training starts and then counts its variables too
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    optimizer_count = optimizer.count_variables() if optimizer is not None and getattr(
        optimizer, "iterations", 0) else 0
    lines = [("Total", total + optimizer_count, sum(sizes.values()) + 4 * optimizer_count),
             ("Trainable", trainable, trainable_bytes),
             ("Non-trainable", total - trainable, sum(sizes.values()) - trainable_bytes)]
    if optimizer_count:
        lines.append(("Optimizer", optimizer_count, 4 * optimizer_count))
    for label, count, size in lines:
        out.append(f" {label} params: {count:,} ({readable_size(size)})")
    print_fn("\n".join(out))


def _is_chain(model) -> bool:
    """Keras' test: one node per depth, each with one input, and no layer called twice."""
    seen = set()
    for nodes in model._nodes_by_depth.values():
        if len(nodes) > 1 or (nodes and len(nodes[0].input_tensors) > 1):
            return False
        for node in nodes:
            if id(node.layer) in seen:
                return False
            seen.add(id(node.layer))
    return True


def _output_shape(layer, nodes) -> str:
    if nodes:
        shapes = [x.shape for x in nodes[-1].outputs]
        return shape_text(shapes[0]) if len(shapes) == 1 else \
            "[" + ", ".join(shape_text(s) for s in shapes) + "]"
    if getattr(layer, "_build_shapes", None) is None:
        return "?"
    try:
        shape = layer.compute_output_shape(layer._build_shapes)
    except NotImplementedError:
        return "?"
    if is_shape(shape):
        return shape_text(shape)
    return "[" + ", ".join(shape_text(s) for s in flatten(map_shapes(lambda s: [s], shape)))\
        + "]"


def _connections(nodes) -> str:
    names = [f"{x._keras_history.operation.name}[{x._keras_history.node_index}]"
             f"[{x._keras_history.tensor_index}]" for node in nodes for x in node.input_tensors]
    return ", ".join(names) or "-"


def shape_text(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def readable_size(n: float) -> str:
    """Bytes as Keras prints them: 412.00 B, 399.54 KB, 1.25 MB."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} TB"


def _rule(left: str, mid: str, right: str, fill: str, widths) -> str:
    return left + mid.join(fill * w for w in widths) + right


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap, as Keras' (rich) table: lines break at spaces, and a word longer
    than the column is cut with an ellipsis."""
    lines, line = [], ""
    for word in text.split(" "):
        if len(word) > width:
            word = word[:width - 1] + "…"
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _row(cells, widths, bar: str) -> list[str]:
    wrapped = [_wrap(text, w - 2) for text, w in zip(cells, widths)]
    height = max(len(lines) for lines in wrapped)
    out = []
    for i in range(height):
        parts = []
        for j, (lines, w) in enumerate(zip(wrapped, widths)):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(w - 2) if j == 2 else text.ljust(w - 2)) + " ")
        out.append(bar + bar.join(parts) + bar)
    return out
