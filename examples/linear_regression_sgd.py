"""Seed 004, slides 25-30: SGD on 10 points of y = w1 + w2·x.

Mini-batch 1 (η = 0.1) vs mini-batch 5 (η = 0.05) vs full batch (η = 0.025): the fitted line
after every update in the first epoch, the lines after epochs 1, 3, 5, 7, 9 with a decaying
rate, the loss per iteration, and the path in the (w1, w2) bowl.
"""

import numpy as np
from _common import figures

import glassnet
from glassnet import viz
from glassnet.datasets import toy
from glassnet.viz._mpl import pyplot, save_figure

out = figures()
x, y = toy.linear_regression(n=10, w1=1.0, w2=2.0, noise=0.15, seed=4)
X, Y = glassnet.tensor(x), glassnet.tensor(y)


def loss_of(w, xs, ys):
    return ((w[0] + w[1] * xs - ys) ** 2).mean()


def sgd(batch_size, lr, epochs, decay=1.0, seed=0):
    """Returns the (w1, w2) after every update, the full-data loss after every update, and
    the weights at each epoch's end."""
    rng = np.random.default_rng(seed)
    w = glassnet.tensor([0.0, 0.0], requires_grad=True)
    path, losses, ends = [w.detach().numpy().copy()], [loss_of(w, X, Y).item()], []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            w.grad = None
            loss_of(w, X[idx], Y[idx]).backward()
            with glassnet.no_grad():
                w -= lr * decay**epoch * w.grad
            path.append(w.detach().numpy().copy())
            losses.append(loss_of(w, X, Y).item())
        ends.append(w.detach().numpy().copy())
    return np.array(path), np.array(losses), ends


plt = pyplot()
line = np.linspace(0, 2, 2)

path1, _, _ = sgd(batch_size=1, lr=0.1, epochs=1)
figure, axis = plt.subplots(figsize=(6, 4))
axis.scatter(x, y, color="black", zorder=3, label="data")
axis.plot(line, 1 + 2 * line, color="red", lw=2, label="actual y = 1 + 2x")
for k, (a, b) in enumerate(path1[1:], start=1):
    axis.plot(line, a + b * line, alpha=0.6, label=f"after update {k}" if k in (1, 10) else None)
axis.set_title("one epoch, mini-batch 1: every update moves the line a lot")
axis.legend(fontsize=7)
save_figure(figure, out / "linreg_single_epoch.png")

_, _, ends = sgd(batch_size=1, lr=0.1, epochs=9, decay=0.85)
figure, axis = plt.subplots(figsize=(6, 4))
axis.scatter(x, y, color="black", zorder=3)
axis.plot(line, 1 + 2 * line, color="red", lw=2, label="actual")
for epoch in (1, 3, 5, 7, 9):
    a, b = ends[epoch - 1]
    axis.plot(line, a + b * line, label=f"epoch {epoch}")
axis.set_title("epochs 1, 3, 5, 7, 9 with a decaying rate converge to the line")
axis.legend(fontsize=8)
save_figure(figure, out / "linreg_epochs.png")

runs = {"SGD η=0.1, batch 1": sgd(1, 0.1, 6), "SGD η=0.05, batch 5": sgd(5, 0.05, 30),
        "GD η=0.025, full batch": sgd(10, 0.025, 60)}
figure, axis = plt.subplots(figsize=(6, 4))
for (name, (_, losses, _)), colour in zip(runs.items(), ["green", "blue", "red"]):
    axis.plot(losses[:61], color=colour, label=name)
axis.set(xlabel="iteration (update)", ylabel="loss on all 10 points", yscale="log",
         title="noisy small batches, smooth full batch")
axis.legend()
save_figure(figure, out / "linreg_loss.png")

viz.loss_surface(lambda a, b, xs, ys: float(((a + b * xs - ys) ** 2).mean()), (x, y),
                 (-0.5, 2.5), (-0.5, 3.5), path=out / "linreg_bowl.png",
                 trajectory=runs["SGD η=0.05, batch 5"][0],
                 title="the (w1, w2) bowl and mini-batch SGD's path")
final = runs["GD η=0.025, full batch"][0][-1]
print(f"full-batch GD after 60 epochs: w1 = {final[0]:.3f}, w2 = {final[1]:.3f}")
print(f"SGD with a decaying rate, epoch 9: w1 = {ends[-1][0]:.3f}, w2 = {ends[-1][1]:.3f} "
      f"(the data were made with w1 = 1, w2 = 2)")
assert abs(ends[-1][0] - 1) < 0.3 and abs(ends[-1][1] - 2) < 0.3
print(f"wrote {out}/linreg_single_epoch.png, linreg_epochs.png, linreg_loss.png, "
      f"linreg_bowl.png")
