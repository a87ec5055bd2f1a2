"""02_backprop_by_hand.ipynb: seed 001 §14.3-14.4, §14.7 and §14.11, then the doctor."""

from _cell import code, md

CELLS = [
    md("""
# Lesson 2 — Backpropagation by hand, then by autograd

**What this notebook teaches** (seed 001, §14.3, §14.4, §14.7, §14.11): the worked forward and
backward numbers of the tiny network L = ½(w₂·(w₁·x) − y)²; the same numbers from a
finite-difference check and from autograd; the **computational graph drawn with its values and
gradients**; the three rules of backprop on a real layer, checked against autograd;
**gradcheck** catching a wrong derivative; **initialisation** and **vanishing gradients**; and
`glassnet.doctor` diagnosing a **broken model**.

**Run time:** about 5 s on a 2-core CPU. No network.
"""),
    code("""
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import glassnet as torch
import glassnet.nn as nn
from glassnet import doctor, viz

started = time.perf_counter()
"""),
    md("""
## 1. The worked example, with a pencil

One input, one hidden unit, one output, identity activations: z₁ = w₁x, a₁ = z₁,
ŷ = w₂a₁, L = ½(ŷ − y)², with x = 2, w₁ = 0.5, w₂ = 1.5, y = 3.

The chain rule, starting the blame at the output and passing it down:
∂L/∂ŷ = ŷ − y, then ∂L/∂w₂ = (ŷ − y)·a₁ and ∂L/∂w₁ = (ŷ − y)·w₂·x.
"""),
    code("""
x, w1, w2, y = 2.0, 0.5, 1.5, 3.0
a1 = w1 * x  # forward pass
yhat = w2 * a1
loss = 0.5 * (yhat - y) ** 2
error = yhat - y  # dL/dyhat: the blame at the output
grad_w2 = error * a1  # a weight's gradient: its incoming blame times the input that fed it
grad_w1 = error * w2 * x  # the same blame, passed back through w2, times x
print(f"forward:  a1 = {a1}, yhat = {yhat}, L = {loss}")
print(f"backward: yhat - y = {error}, dL/dw2 = {grad_w2}, dL/dw1 = {grad_w1}")
"""),
    md("""
The error −1.5 is computed once and reused by both gradients: that reuse is why backprop costs
one backward pass, not one pass per weight. Nudging each weight and watching the loss (a
central difference) confirms both numbers:
"""),
    code("""
def loss_at(w1, w2):
    return 0.5 * (w2 * (w1 * x) - y) ** 2


eps = 1e-6
print("dL/dw2 ~", round((loss_at(w1, w2 + eps) - loss_at(w1, w2 - eps)) / (2 * eps), 4))
print("dL/dw1 ~", round((loss_at(w1 + eps, w2) - loss_at(w1 - eps, w2)) / (2 * eps), 4))
"""),
    md("""
## 2. The same numbers from autograd, and the graph

Every operation on a tensor that requires grad records a node (`grad_fn`); `backward()` walks
those nodes in reverse, multiplying each node's local derivative into the running gradient.
`retain_grad()` keeps the blame that reaches an intermediate value.
"""),
    code("""
x_t = torch.tensor(2.0)
w1_t = torch.tensor(0.5, requires_grad=True)
w2_t = torch.tensor(1.5, requires_grad=True)
a1_t = x_t * w1_t  # node: MulBackward0
yhat_t = a1_t * w2_t  # node: MulBackward0
a1_t.retain_grad()
yhat_t.retain_grad()
loss_t = 0.5 * (yhat_t - 3.0) ** 2
print("loss.grad_fn:", type(loss_t.grad_fn).__name__)
node, depth = loss_t.grad_fn, 0
while node is not None:  # follow the first input of each node back to the leaves
    print("  " * depth + type(node).__name__)
    node = next((n for n, _ in node.next_functions if n is not None), None)
    depth += 1
loss_t.backward()
print(f"dL/dw1 = {w1_t.grad.item()}, dL/dw2 = {w2_t.grad.item()}, "
      f"blame at yhat = {yhat_t.grad.item()}, at a1 = {a1_t.grad.item()}")
"""),
    md("""
The graph, drawn with every value (forward) and every gradient (backward): green boxes are the
weights, orange ones the operations, blue ones the intermediate tensors, the dashed one a
constant (x, which needs no gradient).
"""),
    code("""
viz.draw_graph(loss_t, params={"w1": w1_t, "w2": w2_t})
""", tags=["main-figure"]),
    md("""
## 3. The three rules on a real layer

With δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾, the blame at layer l's pre-activation (seed 001 §14.3):

1. start at the output: δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ g′(z⁽ᴸ⁾);
2. pass it down: δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ g′(z⁽ˡ⁾);
3. read off the gradients: ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ and ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾.

A 3-4-2 network (ReLU hidden layer, linear output, L = ½‖ŷ − y‖²) on one input, by hand in
NumPy, against autograd on `nn.Linear` layers with the same weights:
"""),
    code("""
torch.manual_seed(0)
layer1, layer2 = nn.Linear(3, 4), nn.Linear(4, 2)
x_in = torch.tensor([0.5, -1.0, 2.0])
target = torch.tensor([1.0, -1.0])

W1, b1 = layer1.weight.detach().numpy(), layer1.bias.detach().numpy()
W2, b2 = layer2.weight.detach().numpy(), layer2.bias.detach().numpy()
xv, yv = x_in.numpy(), target.numpy()
z1 = W1 @ xv + b1  # forward, keeping what backward needs
a1v = np.maximum(z1, 0)
z2 = W2 @ a1v + b2
delta2 = z2 - yv  # rule 1: linear output, so g'(z2) = 1
delta1 = (W2.T @ delta2) * (z1 > 0)  # rule 2: back through W2, times ReLU's slope
by_hand = {"layer2.weight": np.outer(delta2, a1v), "layer2.bias": delta2,  # rule 3
           "layer1.weight": np.outer(delta1, xv), "layer1.bias": delta1}

loss_net = 0.5 * ((layer2(layer1(x_in).relu()) - target) ** 2).sum()
loss_net.backward()
autograd = {"layer2.weight": layer2.weight.grad, "layer2.bias": layer2.bias.grad,
            "layer1.weight": layer1.weight.grad, "layer1.bias": layer1.bias.grad}
for name, grad in autograd.items():
    gap = np.abs(grad.numpy() - by_hand[name]).max()
    print(f"{name:14s} by hand and by autograd differ by at most {gap:.1e}")
"""),
    md("""
## 4. gradcheck: is a derivative right?

Every op in glassnet is a `Function` with `forward` and `backward` side by side. `gradcheck`
compares the backward's gradient with central differences in float64. Here is an op with a
classic slip, the derivative of x² written as x instead of 2x:
"""),
    code("""
from glassnet.autograd import Function, gradcheck


class Square(Function):
    \"\"\"y = x²; its derivative is 2x, so the gradient is grad · 2x.\"\"\"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * x  # wrong: forgot the factor 2


class SquareFixed(Square):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 2 * x


point = torch.randn(5, dtype=torch.float64, requires_grad=True)
print("Square passes gradcheck:", gradcheck(Square.apply, (point,), raise_exception=False))
print("SquareFixed passes gradcheck:", gradcheck(SquareFixed.apply, (point,)))
print("the whole 3-4-2 network passes:",
      gradcheck(lambda v: 0.5 * ((layer2(layer1(v).relu()) - target) ** 2).sum(),
                (x_in.double().requires_grad_(),)))
"""),
    md("""
## 5. Initialisation (§14.7)

All-zero weights make every hidden unit compute the same thing and receive the same gradient,
so they stay identical forever (the *symmetry problem*):
"""),
    code("""
symmetric = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
for layer in (symmetric[0], symmetric[2]):
    nn.init.constant_(layer.weight, 0.3)
    nn.init.zeros_(layer.bias)
symmetric(torch.randn(8, 3)).pow(2).mean().backward()
print("first layer's gradient, one row per hidden unit (all rows equal):")
print(symmetric[0].weight.grad.numpy().round(4))
"""),
    md("""
Random weights break the symmetry, and their *scale* matters: push a random signal through 50
ReLU layers. He initialisation (standard deviation √(2/n_in)) keeps its size near 1; half that
scale makes it vanish, double makes it explode.
"""),
    code("""
torch.manual_seed(0)
signal = torch.randn(256, 1)
scales = {}
for scale in (1.0, 0.5, 2.0):
    a, stds = signal, []
    for _ in range(50):
        layer = nn.Linear(256, 256, bias=False)
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")  # He init
        with torch.no_grad():
            layer.weight.mul_(scale)
            a = layer(a.T).T.relu()
        stds.append(a.std().item())
    scales[scale] = stds
    print(f"{scale} x He std: activation std after 50 layers = {stds[-1]:.3g}")
figure, axis = plt.subplots(figsize=(6, 3.5))
for scale, stds in scales.items():
    axis.plot(range(1, 51), np.maximum(stds, 1e-30), label=f"{scale} x He std")
axis.set(yscale="log", xlabel="layer", ylabel="activation std",
         title="He init keeps the signal O(1) through 50 ReLU layers")
axis.legend();
"""),
    md("""
## 6. Vanishing gradients (§14.11)

Sigmoid's derivative is at most 0.25, so backprop through ten sigmoid layers multiplies ten
factors below 0.25 and the gradient reaching the first layer nearly vanishes. ReLU with He
initialisation passes it back intact. The doctor's `gradient_report` prints the norm per layer
and flags the problem.
"""),
    code("""
def deep_net(activation, depth=10, width=32):
    torch.manual_seed(0)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        if activation is nn.ReLU:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        else:
            nn.init.xavier_normal_(linear.weight)
        layers += [linear, activation()]
    return nn.Sequential(*layers, nn.Linear(width, 1))


def gradient_norms(net):
    net.zero_grad()
    (net(torch.randn(64, 32)) ** 2).mean().backward()
    return [m.weight.grad.norm().item() for m in net if isinstance(m, nn.Linear)][:-1]


sigmoid_net, relu_net = deep_net(nn.Sigmoid), deep_net(nn.ReLU)
norms = {"sigmoid": gradient_norms(sigmoid_net), "relu (He init)": gradient_norms(relu_net)}
figure, axis = plt.subplots(figsize=(6, 3.5))
for name, values in norms.items():
    axis.plot(range(1, 11), values, "o-", label=name)
axis.set(yscale="log", xlabel="layer (1 = nearest the input)", ylabel="|dL/dW|",
         title="vanishing: sigmoid's gradients shrink toward the input")
axis.legend();
"""),
    code("""
doctor.gradient_report(sigmoid_net)
"""),
    md("""
Exploding gradients are the mirror image; the standard cure is clipping the gradient's norm
between `backward()` and `step()`:
"""),
    code("""
exploding = deep_net(nn.ReLU)
with torch.no_grad():
    for m in exploding:
        if isinstance(m, nn.Linear):
            m.weight.mul_(3.0)  # a bad initialisation
(exploding(torch.randn(64, 32)) ** 2).mean().backward()
before = nn.utils.clip_grad_norm_(exploding.parameters(), max_norm=5.0)
after = np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum()
                    for p in exploding.parameters()))
print(f"gradient norm {before.item():.3g} before clipping, {after:.3g} after")
"""),
    md("""
## 7. The doctor on a broken model

A model that "won't learn": it ends in a softmax although `CrossEntropyLoss` applies one
itself, it is fed raw 0-255 pixels, and its labels are floats. `doctor.check` runs one forward
and backward pass (and puts everything back) and says what is wrong and how to fix it.
"""),
    code("""
from glassnet.datasets import load_mnist

(train_x, train_y), _ = load_mnist()
pixels = torch.tensor(train_x[:256].reshape(256, 784).astype(np.float32))  # 0..255
torch.manual_seed(0)
broken = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))
doctor.check(broken, nn.CrossEntropyLoss(), (pixels, torch.tensor(train_y[:256]).float()))
"""),
    md("""
Fixed as the findings say (logits out, pixels scaled to [0, 1], integer labels), the same check
finds nothing:
"""),
    code("""
fixed = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
doctor.check(fixed, nn.CrossEntropyLoss(), (pixels / 255, torch.tensor(train_y[:256])))
"""),
    md("""
`doctor.activation_report` looks at what each layer puts out on a batch: the share of dead
ReLU units (never positive), saturated sigmoid or tanh units, and the statistics:
"""),
    code("""
doctor.activation_report(fixed, pixels[:64] / 255)
"""),
    code("""
print(f"this notebook ran in {time.perf_counter() - started:.0f} s")
"""),
]
