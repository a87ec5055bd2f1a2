"""Seed 001 §14.4: the graph of L = ½(w2·(w1·x) - y)², drawn with values and gradients."""

from _common import figures

import glassnet as torch
from glassnet import viz

out = figures()
x = torch.tensor(2.0)
w1 = torch.tensor(0.5, requires_grad=True)
w2 = torch.tensor(1.5, requires_grad=True)
a1 = x * w1  # node: MulBackward
yhat = a1 * w2  # node: MulBackward
loss = 0.5 * (yhat - 3.0) ** 2
print(loss.grad_fn)  # <MulBackward0 ...> — the graph remembers how loss was made
loss.backward()  # reverse-mode sweep over the recorded graph
print(w1.grad, w2.grad)  # tensor(-4.5000) tensor(-1.5000)
graph = viz.draw_graph(loss, params={"w1": w1, "w2": w2})
graph.render(out / "computational_graph.png")
(out / "computational_graph.dot").write_text(graph.source)

model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
viz.draw_model(model, input_shape=(1, 3)).render(out / "mlp_3_4_2.png")
print(f"wrote {out}/computational_graph.png, computational_graph.dot, mlp_3_4_2.png")
