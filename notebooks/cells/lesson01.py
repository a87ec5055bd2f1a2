"""01_mnist_pytorch_style.ipynb: seed 000's MNIST notebook and seed 003's network, in glassnet."""

from _cell import code, md

CELLS = [
    md("""
# Lesson 1 — MNIST, PyTorch style

**What this notebook teaches** (seed 003's network, seed 000's notebook lesson): loading MNIST
and looking at it; the 784-128-64-10 network; why the model outputs logits and the loss is
cross-entropy; training with a **live curve**; evaluation with a **confusion matrix**; the
model's **most confident mistakes**; **inference on a photographed digit**; and **SGD vs
momentum vs Adam**.

The code is PyTorch's with only the imports changed (`import glassnet as torch`), so every
line works the same in PyTorch.

**Run time:** about 15 s on a 2-core CPU (Kernel → Restart & Run All), up to 50 s on a
busy one. No network: MNIST is vendored in the repository's `data/mnist/`.
"""),
    code("""
%matplotlib inline
import time

import numpy as np

import glassnet as torch  # was: import torch
import glassnet.nn as nn  # was: import torch.nn as nn
import glassnet.optim as optim  # was: import torch.optim as optim
from glassnet import datasets, viz  # was: from torchvision import datasets

torch.manual_seed(0)  # the same weights and batches every run
started = time.perf_counter()
"""),
    md("""
## 1. The data, and a look at it

60,000 training and 10,000 test images of handwritten digits, 28x28 gray pixels, each with its
label 0-9. `root=None` makes glassnet look where the `glassnet train` command looks
(`$GLASSNET_DATA`, the repository's `data/`, `~/.cache/glassnet`), so nothing is downloaded.
(PyTorch's `datasets.MNIST("./data", download=True)` works too; it copies the files to
`./data`.)
"""),
    code("""
train_data = datasets.MNIST(root=None, train=True)
test_data = datasets.MNIST(root=None, train=False)
image, label = train_data[0]
print(f"{len(train_data)} training and {len(test_data)} test images")
print(f"one item: an image of shape {tuple(image.shape)}, {image.dtype}, pixels "
      f"{image.min().item():.0f} to {image.max().item():.0f}, and its label {label}")
print("images per digit:", np.bincount(train_data.targets.numpy()))
"""),
    code("""
figure = viz.plot_image_grid(train_data.data[:24].numpy(),
                             [f"label {int(t)}" for t in train_data.targets[:24]], columns=12,
                             title="the first 24 training images")
"""),
    md("""
Ten classes in roughly equal numbers, dark background, bright ink. We hold out 6,000 training
images for **validation**: they tell us how the network does on images it never trained on,
without touching the test set until the end.
"""),
    code("""
train_set, val_set = torch.utils.data.random_split(
    train_data, [54_000, 6_000], generator=torch.Generator().manual_seed(0))
train_loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
val_loader = torch.utils.data.DataLoader(val_set, batch_size=1000)
images, labels = next(iter(train_loader))
print("one batch:", tuple(images.shape), tuple(labels.shape), labels.dtype)
"""),
    md("""
## 2. The model: 784 → 128 → 64 → 10

Seed 003's `SimpleNN`: flatten the 28x28 image into 784 inputs, two hidden layers with ReLU,
and 10 outputs, one score (**logit**) per digit. There is no softmax at the end: the loss
applies it.
"""),
    code("""
class SimpleNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(784, 128),  # Input: 28x28 = 784 pixels
            nn.ReLU(),  # Activation function
            nn.Linear(128, 64),  # Hidden layer
            nn.ReLU(),
            nn.Linear(64, 10),  # Output: 10 digit classes
        )

    def forward(self, x):
        x = self.flatten(x)
        return self.layers(x)


model = SimpleNN()
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()),
      "= 784·128 + 128 + 128·64 + 64 + 64·10 + 10")
"""),
    md("""
## 3. Choosing the loss and the optimizer

**Loss.** Cross-entropy is the model's *surprise* at the true label: −log of the probability
the softmax gives the correct class. `nn.CrossEntropyLoss` takes the raw logits and applies
log-softmax itself (more stable than a softmax layer followed by a log), so the model must
*not* end in a softmax. Seed 001's example: logits [2.0, 1.0, 0.1], true class 0.
"""),
    code("""
criterion = nn.CrossEntropyLoss()
logits = torch.tensor([[2.0, 1.0, 0.1]])
print("softmax:", logits.softmax(dim=1).numpy().round(3))
print("loss for true class 0:", round(criterion(logits, torch.tensor([0])).item(), 3),
      "= -log(0.659)")
for p in (0.99, 0.8, 0.2, 0.01):
    print(f"probability {p:4} on the right class -> surprise {-np.log(p):.2f}")
"""),
    md("""
Confident and wrong costs a lot (4.6), confident and right almost nothing (0.01).

**Optimizer.** Adam with learning rate 1e-3 is the seeds' strong default: it keeps a running
average of each parameter's gradient (momentum) and of its square, and divides one by the
square root of the other, so every parameter gets a step of sensible size. Section 8 compares
it with plain SGD and SGD with momentum.
"""),
    code("""
optimizer = optim.Adam(model.parameters(), lr=1e-3)


def evaluate(model, loader):
    \"\"\"Mean loss and accuracy over a loader, in eval mode, without building a graph.\"\"\"
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            total_loss += criterion(logits, labels).item() * len(labels)
            correct += (logits.argmax(dim=1) == labels).sum().item()
            count += len(labels)
    model.train()
    return total_loss / count, correct / count
"""),
    md("""
## 4. Training, with a live curve

The five lines every PyTorch user knows: `zero_grad`, forward, loss, `backward`, `step`.
`viz.LiveCurves` redraws one figure in place as training runs: the training loss and accuracy
every 50 steps, the validation loss and accuracy after each epoch. Training goes down, and
validation follows it: the network generalises.
"""),
    code("""
live = viz.LiveCurves(every=50)  # redraw after every 50th update
step = 0
for epoch in range(3):
    for images, labels in train_loader:
        optimizer.zero_grad()  # Clear gradients
        logits = model(images)  # Forward pass
        loss = criterion(logits, labels)  # Compute loss
        loss.backward()  # Backpropagation
        optimizer.step()  # Update weights
        step += 1
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
        live.update(step=step, loss=loss.item(), accuracy=accuracy)
    val_loss, val_accuracy = evaluate(model, val_loader)
    live.update(step=step, val_loss=val_loss, val_accuracy=val_accuracy)
    print(f"epoch {epoch + 1}: validation loss {val_loss:.4f}, accuracy {val_accuracy:.2%}")
live.draw()  # the final picture, whatever `every` skipped
""", tags=["main-figure"]),
    md("""
## 5. Evaluation: accuracy and the confusion matrix

Now, once, the test set. Row *t*, column *p* of the confusion matrix counts the test images of
digit *t* that the network called *p*: the diagonal is what it gets right, the rest shows which
digits it mixes up.
"""),
    code("""
test_images = test_data.data.float() / 255  # 10000 x 28 x 28, as the loader would give
test_labels = test_data.targets
model.eval()
with torch.no_grad():
    probabilities = model(test_images).softmax(dim=1).numpy()
predictions = probabilities.argmax(axis=1)
truth = test_labels.numpy()
print(f"test accuracy {np.mean(predictions == truth):.2%}")
counts = viz.confusion_matrix(truth, predictions, classes=10)
per_class = counts.diagonal() / counts.sum(axis=1)
print("per digit:", "  ".join(f"{d}: {a:.1%}" for d, a in enumerate(per_class)))
off_diagonal = counts - np.diag(counts.diagonal())
t, p = np.unravel_index(off_diagonal.argmax(), counts.shape)
print(f"most frequent confusion: {off_diagonal[t, p]} images of a {t} taken for a {p}")
figure = viz.plot_confusion(counts, range(10), title="MNIST test set")
"""),
    md("""
## 6. The most confident mistakes

Of the images it gets wrong, which does the network get wrong *most confidently*? Often the
label itself is doubtful, or the digit is written in a style that is rare in the training set.
"""),
    code("""
wrong = np.flatnonzero(predictions != truth)
confidence = probabilities[wrong, predictions[wrong]]
worst = wrong[np.argsort(-confidence)[:12]]
captions = [f"true {truth[i]}, said {predictions[i]}\\n({probabilities[i, predictions[i]]:.0%})"
            for i in worst]
print(f"{len(wrong)} mistakes out of {len(truth)}")
figure = viz.plot_image_grid(test_images[worst].numpy(), captions, columns=6,
                             title="the most confident mistakes")
"""),
    md("""
## 7. Inference on a photographed digit

`images/photographed_digit.png` is a handwritten 7 as a phone would photograph it: large, dark
ink on light, unevenly lit paper, off-centre, in colour (made by `images/make_photo.py`, the
way the test suite makes its photos). The network was trained on MNIST's format, so the photo
is prepared the way MNIST was made: grayscale, inverted, cropped to the digit, scaled to fit
20x20 and centred by mass in 28x28 (`glassnet.app.photos.prepare`, what `glassnet predict`
does).
"""),
    code("""
from PIL import Image

from glassnet.app.photos import prepare

Image.open("images/photographed_digit.png")
"""),
    code("""
digit = prepare("images/photographed_digit.png")  # 28 x 28 floats in [0, 1], digit bright
with torch.no_grad():
    photo_probabilities = model(torch.tensor(digit[None])).softmax(dim=1)[0].numpy()
print(f"the network says {photo_probabilities.argmax()} "
      f"with probability {photo_probabilities.max():.1%}")
figure = viz.plot_predictions([("photographed_digit.png", digit, photo_probabilities)])
"""),
    md("""
## 8. SGD vs momentum vs Adam

Three fresh copies of the network, the same initial weights and the same batches, two short
epochs on 19,200 training images each: plain SGD (lr 0.01), SGD with momentum 0.9 (lr 0.01) and
Adam (lr 1e-3). The seed's claim: momentum and Adam bring the training loss down faster than
plain SGD.
"""),
    code("""
subset = torch.utils.data.Subset(train_set, range(19_200))


def train_briefly(make_optimizer, epochs=2):
    \"\"\"Training loss after every step, and the final validation accuracy.\"\"\"
    torch.manual_seed(1)  # the same initial weights and batch order for every optimizer
    net = SimpleNN()
    opt = make_optimizer(net.parameters())
    loader = torch.utils.data.DataLoader(subset, batch_size=64, shuffle=True)
    losses = []
    for _ in range(epochs):
        for images, labels in loader:
            opt.zero_grad()
            loss = criterion(net(images), labels)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return np.array(losses), evaluate(net, val_loader)[1]


choices = {
    "SGD, lr 0.01": lambda p: optim.SGD(p, lr=0.01),
    "SGD + momentum 0.9, lr 0.01": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
    "Adam, lr 1e-3": lambda p: optim.Adam(p, lr=1e-3),
}
runs = {name: train_briefly(make) for name, make in choices.items()}
for name, (losses, val_accuracy) in runs.items():
    print(f"{name:28s} last 50 steps' loss {losses[-50:].mean():.3f}, "
          f"validation accuracy {val_accuracy:.2%}")
"""),
    code("""
import matplotlib.pyplot as plt

figure, axis = plt.subplots(figsize=(7, 4))
window = 25  # a moving average makes the noisy per-batch losses readable
for name, (losses, _) in runs.items():
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    axis.plot(np.arange(window, len(losses) + 1), smooth, label=name)
axis.set(xlabel="step", ylabel="training loss (moving average of 25)", yscale="log",
         title="the same network, three optimizers")
axis.legend();
"""),
    md("""
Plain SGD at this learning rate is still far from the others after 600 steps; momentum
accumulates a velocity along the directions the gradients agree on, and Adam also scales each
parameter's step. The seed's advice holds: Adam is a strong default; SGD with momentum is worth
tuning for large convnets.

**Homework (seed 000):** train on Fashion-MNIST (`datasets.FashionMNIST`), try other
architectures, optimizers, learning rates and epochs, plot your curves, and photograph a digit
of your own: `prepare("your_photo.jpg")` accepts any size, JPEG or PNG.
"""),
    code("""
print(f"this notebook ran in {time.perf_counter() - started:.0f} s")
"""),
]
