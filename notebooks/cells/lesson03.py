"""03_gradient_descent.ipynb: seed 004's slides 12-16 (1-D descent) and 25-30 (SGD on a line)."""

from _cell import code, md

CELLS = [
    md("""
# Lesson 3 — Gradient descent

**What this notebook teaches** (seed 004, slides 12-16 and 25-30): gradient descent on a 1-D
function with two minima, **where you start** and **how big a step you take** deciding where
you end; then **stochastic vs full-batch gradient descent** on the lecture's linear regression,
the fitted line moving update by update, the loss per iteration, and the **loss bowl in
parameter space** with each optimizer's path across it.

**Run time:** about 5 s on a 2-core CPU. No network.
"""),
    code("""
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import glassnet as torch
from glassnet import viz
from glassnet.datasets import toy

started = time.perf_counter()
"""),
    md("""
## 1. One rule: step against the slope

x ← x − γ·f′(x), repeated. The function of the slides has a deep minimum at −2.5, a shallow one
at 1.5 and a hill at 0.5 between them: f′(x) = 5(x + 2.5)(x − 0.5)(x − 1.5). glassnet's
autograd computes f′ at each step (`viz.descent`), so any function you write works.
"""),
    code("""
def f(x):
    return 5 * (x**4 / 4 + x**3 / 6 - 2.125 * x**2 + 1.875 * x)


point = torch.tensor(0.1, requires_grad=True)
f(point).backward()
print(f"f(0.1) = {f(0.1):.3f}, f'(0.1) by autograd = {point.grad.item():.3f}, "
      f"by the formula = {5 * (0.1 + 2.5) * (0.1 - 0.5) * (0.1 - 1.5):.3f}")

halving = viz.descent(f, x0=0.1, lr=0.1, steps=10, schedule="halving")
print("step   x        f(x)     step size")
for k, (x, value, rate) in enumerate(zip(halving.points[:, 0], halving.values,
                                         halving.rates)):
    print(f"{k:4d} {x:8.3f} {value:9.3f} {rate:9.4f}")
"""),
    code("""
figure = viz.plot_descent(f, halving, xlim=(-3.8, 2.2), ylim=(-60, 30),
                          title="step size halving each iteration, from x = 0.1")
"""),
    md("""
Where the function is steep the steps are long, near the bottom they shrink with the slope
(and here also with the halving step size), and the iterates settle at about −2.5.

## 2. The starting point decides which minimum you reach
"""),
    code("""
starts = viz.descent(f, x0=[-3.5, 1.0], lr=0.025, steps=40)
for run in starts:
    print(f"{run.label}: ends at {run.final[0]:.3f}")
figure = viz.plot_descent(f, starts, xlim=(-3.8, 2.2), ylim=(-60, 30),
                          title="the starting point decides which minimum you reach")
"""),
    md("""
## 3. The step size: too large jumps over the hill

From −3.5 the slope is steep. With γ = 0.05 the first step flies across to the other side of
the hill and descent ends in the shallow minimum; with γ = 0.025 it stays in the deep one.
"""),
    code("""
rates = viz.descent(f, x0=-3.5, lr=[0.05, 0.025], steps=40)
for run in rates:
    print(f"{run.label}: first step to {run.points[1, 0]:.3f}, ends at {run.final[0]:.3f}")
figure = viz.plot_descent(f, rates, xlim=(-3.8, 2.2), ylim=(-60, 30),
                          title="from -3.5: 0.05 jumps over the hill, 0.025 stays")
"""),
    md("""
## 4. Linear regression: gradient descent vs stochastic gradient descent

Ten points near the line y = 1 + 2x; the model is ŷ = w₁ + w₂x, the loss the mean squared error.
For one point the gradient is ∂/∂w₁ = 2(w₁ + w₂xᵢ − yᵢ) and ∂/∂w₂ = 2xᵢ(w₁ + w₂xᵢ − yᵢ).
**Gradient descent** averages it over all n points before each step; **stochastic** gradient
descent steps after each mini-batch (here: after each single point), so it updates n times as
often with a noisier gradient.
"""),
    code("""
x, y = toy.linear_regression(n=10, w1=1.0, w2=2.0, noise=0.15, seed=4)
X, Y = torch.tensor(x), torch.tensor(y)


def mse(w, xs, ys):
    return ((w[0] + w[1] * xs - ys) ** 2).mean()


w = torch.tensor([0.0, 0.0], requires_grad=True)
mse(w, X[:1], Y[:1]).backward()
error = 0.0 + 0.0 * x[0] - y[0]
print(f"point 0: autograd {w.grad.numpy().round(4)}, "
      f"by hand {np.round([2 * error, 2 * x[0] * error], 4)}")


def sgd(batch_size, lr, epochs, decay=1.0, seed=0):
    \"\"\"Mini-batch SGD from (0, 0): the weights after every update, the loss on all ten
    points after every update, and the weights at the end of each epoch.\"\"\"
    rng = np.random.default_rng(seed)
    w = torch.tensor([0.0, 0.0], requires_grad=True)
    path, losses, ends = [w.detach().numpy().copy()], [mse(w, X, Y).item()], []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            w.grad = None
            mse(w, X[batch], Y[batch]).backward()
            with torch.no_grad():
                w -= lr * decay**epoch * w.grad
            path.append(w.detach().numpy().copy())
            losses.append(mse(w, X, Y).item())
        ends.append(w.detach().numpy().copy())
    return np.array(path), np.array(losses), ends
"""),
    md("""
### One epoch with mini-batch 1: every update moves the line a lot
"""),
    code("""
line = np.linspace(0, 2, 2)
path1, _, _ = sgd(batch_size=1, lr=0.1, epochs=1)
figure, axis = plt.subplots(figsize=(6, 4))
axis.scatter(x, y, color="black", zorder=3, label="data")
axis.plot(line, 1 + 2 * line, color="red", lw=2, label="actual y = 1 + 2x")
for k, (a, b) in enumerate(path1[1:], start=1):
    axis.plot(line, a + b * line, alpha=0.6, label=f"after update {k}" if k in (1, 10) else None)
axis.set_title("one epoch, mini-batch 1")
axis.legend(fontsize=7);
"""),
    md("""
### Many epochs with a decaying learning rate: the lines converge
"""),
    code("""
_, _, ends = sgd(batch_size=1, lr=0.1, epochs=9, decay=0.85)
figure, axis = plt.subplots(figsize=(6, 4))
axis.scatter(x, y, color="black", zorder=3)
axis.plot(line, 1 + 2 * line, color="red", lw=2, label="actual")
for epoch in (1, 3, 5, 7, 9):
    a, b = ends[epoch - 1]
    axis.plot(line, a + b * line, label=f"epoch {epoch}")
axis.set_title("epochs 1, 3, 5, 7, 9, learning rate x 0.85 per epoch")
axis.legend(fontsize=8)
print(f"after 9 epochs: w1 = {ends[-1][0]:.3f}, w2 = {ends[-1][1]:.3f} (the data: 1 and 2)")
"""),
    md("""
### The loss per iteration: noisy small batches, smooth full batch
"""),
    code("""
runs = {"SGD, lr 0.1, batch 1": sgd(1, 0.1, 6), "SGD, lr 0.05, batch 5": sgd(5, 0.05, 30),
        "GD, lr 0.025, full batch": sgd(10, 0.025, 60)}
figure, axis = plt.subplots(figsize=(6, 4))
for (name, (_, losses, _)), colour in zip(runs.items(), ["green", "blue", "red"]):
    axis.plot(losses[:61], color=colour, label=name)
axis.set(xlabel="iteration (update)", ylabel="loss on all 10 points", yscale="log",
         title="60 updates of each")
axis.legend();
"""),
    md("""
Per update, full-batch descent is the smoothest, but each of its updates looked at all ten
points: SGD with batch 1 made those 60 updates in 6 passes over the data, gradient descent in
60. On a million images, that difference is what makes SGD the method of choice.

## 5. The loss bowl in parameter space

Each (w₁, w₂) is one line in the data plane and one point in parameter space; the loss over all
of them is a bowl (for linear regression, a convex one). `viz.loss_surface` evaluates it on a
grid; each optimizer's path walks down into it, SGD's zig-zagging, gradient descent's smooth.
"""),
    code("""
W1, W2, L = viz.loss_surface(lambda a, b, xs, ys: float(((a + b * xs - ys) ** 2).mean()),
                             (x, y), (-0.5, 2.5), (-0.5, 3.5))
figure, axis = plt.subplots(figsize=(6.5, 5))
filled = axis.contourf(W1, W2, L, levels=40, cmap="viridis")
axis.contour(W1, W2, L, levels=20, colors="white", linewidths=0.4)
figure.colorbar(filled, ax=axis, label="loss")
for (name, (path, _, _)), colour in zip(runs.items(), ["tab:green", "tab:orange", "tab:red"]):
    axis.plot(path[:61, 0], path[:61, 1], "o-", ms=2, lw=1, color=colour, label=name)
best = np.unravel_index(L.argmin(), L.shape)
axis.plot(W1[best], W2[best], "w*", ms=12, label="lowest grid point")
axis.set(xlabel="w1 (intercept)", ylabel="w2 (slope)", title="the (w1, w2) bowl")
axis.legend(fontsize=7, loc="upper right");
""", tags=["main-figure"]),
    md("""
**Try it:** change `lr` in `viz.descent` (section 3) to 0.06 and watch it diverge; give `sgd`
a batch of 2 and a decay of 0.7; start the linear regression at (2, 0) instead of (0, 0).
"""),
    code("""
print(f"this notebook ran in {time.perf_counter() - started:.0f} s")
"""),
]
