"""'What is torch.nn really?': logistic regression on MNIST written from scratch, then refactored
one step at a time (F.cross_entropy, nn.Module with nn.Parameter, nn.Linear, optim,
TensorDataset, DataLoader with a validation loop, fit/get_data/loss_batch), then a small CNN
as a Module and as nn.Sequential with Lambda views and a WrappedDataLoader.

Every stage is one function of the library, run on glassnet and on PyTorch; the data are the
tutorial's shape (flat 784-pixel images in [0, 1]), 5,120 training and 1,000 validation digits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from .conftest import load

BS, LR = 64, 0.5


def as_tensors(torch, mnist_arrays):
    x_train, y_train, x_valid, y_valid = map(torch.tensor, mnist_arrays)
    n, c = x_train.shape
    assert (n, c) == (5120, 784) and y_train.min().item() == 0 and y_train.max().item() == 9
    return x_train, y_train, x_valid, y_valid


def accuracy(torch, out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


def from_scratch(torch, mnist_arrays, epochs=2):
    """Weights as plain tensors, log_softmax and the negative log-likelihood by hand."""
    x_train, y_train, x_valid, y_valid = as_tensors(torch, mnist_arrays)
    n = x_train.shape[0]
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll
    start_loss = loss_func(model(x_valid), y_valid).item()
    for _ in range(epochs):
        for i in range((n - 1) // BS + 1):
            start_i = i * BS
            end_i = start_i + BS
            xb, yb = x_train[start_i:end_i], y_train[start_i:end_i]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * LR
                bias -= bias.grad * LR
                weights.grad.zero_()
                bias.grad.zero_()
    with torch.no_grad():
        out = model(x_valid)
        return start_loss, loss_func(out, y_valid).item(), accuracy(torch, out, y_valid).item()


def with_cross_entropy(torch, mnist_arrays, epochs=2):
    """The same, F.cross_entropy replacing log_softmax + nll."""
    F = torch.nn.functional
    x_train, y_train, x_valid, y_valid = as_tensors(torch, mnist_arrays)
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)
    loss_func = F.cross_entropy

    def model(xb):
        return xb @ weights + bias

    start_loss = loss_func(model(x_valid), y_valid).item()
    for _ in range(epochs):
        for i in range((x_train.shape[0] - 1) // BS + 1):
            xb, yb = x_train[i * BS:i * BS + BS], y_train[i * BS:i * BS + BS]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * LR
                bias -= bias.grad * LR
                weights.grad.zero_()
                bias.grad.zero_()
    with torch.no_grad():
        out = model(x_valid)
        return start_loss, loss_func(out, y_valid).item(), accuracy(torch, out, y_valid).item()


def logistic_module(torch):
    nn = torch.nn

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
            self.bias = nn.Parameter(torch.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    return Mnist_Logistic


def linear_module(torch):
    nn = torch.nn

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    return Mnist_Logistic


def with_module_and_manual_update(torch, mnist_arrays, module, epochs=2):
    """nn.Module; the update loops over model.parameters() and calls model.zero_grad()."""
    F = torch.nn.functional
    x_train, y_train, x_valid, y_valid = as_tensors(torch, mnist_arrays)
    model = module()
    loss_func = F.cross_entropy
    start_loss = loss_func(model(x_valid), y_valid).item()
    for _ in range(epochs):
        for i in range((x_train.shape[0] - 1) // BS + 1):
            xb, yb = x_train[i * BS:i * BS + BS], y_train[i * BS:i * BS + BS]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * LR
                model.zero_grad()
    with torch.no_grad():
        out = model(x_valid)
        return start_loss, loss_func(out, y_valid).item(), accuracy(torch, out, y_valid).item()


def with_optim_and_dataset(torch, mnist_arrays, epochs=2):
    """nn.Linear, optim.SGD, and a TensorDataset sliced into batches."""
    F, optim = torch.nn.functional, torch.optim
    x_train, y_train, x_valid, y_valid = as_tensors(torch, mnist_arrays)
    train_ds = torch.utils.data.TensorDataset(x_train, y_train)
    model = linear_module(torch)()
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_func = F.cross_entropy
    start_loss = loss_func(model(x_valid), y_valid).item()
    for _ in range(epochs):
        for i in range((len(train_ds) - 1) // BS + 1):
            xb, yb = train_ds[i * BS:i * BS + BS]
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
    with torch.no_grad():
        out = model(x_valid)
        return start_loss, loss_func(out, y_valid).item(), accuracy(torch, out, y_valid).item()


def get_data(torch, train_ds, valid_ds, bs):
    DataLoader = torch.utils.data.DataLoader
    return (DataLoader(train_ds, batch_size=bs, shuffle=True),
            DataLoader(valid_ds, batch_size=bs * 2))


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(torch, epochs, model, loss_func, opt, train_dl, valid_dl):
    """The tutorial's fit: train mode for the batches, eval mode and no_grad for validation;
    returns each epoch's validation loss."""
    history = []
    for _ in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        history.append(np.sum(np.multiply(losses, nums)) / np.sum(nums))
    return history


def valid_accuracy(torch, model, valid_dl):
    model.eval()
    with torch.no_grad():
        correct = sum((torch.argmax(model(xb), dim=1) == yb).sum().item() for xb, yb in valid_dl)
    return correct / len(valid_dl.dataset)


def with_dataloaders(torch, mnist_arrays, epochs=2):
    """get_data / get_model / fit, as the tutorial ends its refactoring."""
    x_train, y_train, x_valid, y_valid = as_tensors(torch, mnist_arrays)
    data = torch.utils.data
    train_dl, valid_dl = get_data(torch, data.TensorDataset(x_train, y_train),
                                  data.TensorDataset(x_valid, y_valid), BS)
    model = linear_module(torch)()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    history = fit(torch, epochs, model, torch.nn.functional.cross_entropy, opt, train_dl,
                  valid_dl)
    return history, valid_accuracy(torch, model, valid_dl)


def cnn_module(torch):
    nn, F = torch.nn, torch.nn.functional

    class Mnist_CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    return Mnist_CNN


def lambda_layer(torch):
    class Lambda(torch.nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    return Lambda


def sequential_cnn(torch):
    nn = torch.nn
    Lambda = lambda_layer(torch)
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )


class WrappedDataLoader:
    """The tutorial's wrapper: apply a function to every batch a DataLoader yields."""

    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)


def fit_cnn(torch, mnist_arrays, model, wrapped, epochs=1):
    """A CNN with SGD(lr=0.1, momentum=0.9); images reshaped in forward or by the loader."""
    x_train, y_train, x_valid, y_valid = as_tensors(torch, mnist_arrays)
    data = torch.utils.data
    train_dl, valid_dl = get_data(torch, data.TensorDataset(x_train, y_train),
                                  data.TensorDataset(x_valid, y_valid), BS)
    dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    if wrapped:
        def preprocess(x, y):
            return x.view(-1, 1, 28, 28).to(dev), y.to(dev)

        train_dl = WrappedDataLoader(train_dl, preprocess)
        valid_dl = WrappedDataLoader(valid_dl, preprocess)
    model.to(dev)
    with torch.no_grad():
        losses, nums = zip(*[loss_batch(model, torch.nn.functional.cross_entropy, xb, yb)
                             for xb, yb in valid_dl])
    start_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(torch, epochs, model, torch.nn.functional.cross_entropy, opt, train_dl,
                  valid_dl)
    model.eval()
    with torch.no_grad():
        correct = sum((torch.argmax(model(xb), dim=1) == yb).sum().item() for xb, yb in valid_dl)
    return start_loss, history, correct / len(y_valid)


def check_logistic(start_loss, final_loss, final_accuracy):
    assert 1.5 < start_loss < 3.5  # about log(10) = 2.3 for small random weights
    assert final_loss < 0.5, final_loss
    assert final_accuracy > 0.85, final_accuracy  # chance is 0.1


def test_logistic_regression_from_scratch(torch, mnist_arrays):
    check_logistic(*from_scratch(torch, mnist_arrays))


def test_logistic_regression_with_cross_entropy(torch, mnist_arrays):
    check_logistic(*with_cross_entropy(torch, mnist_arrays))


def test_logistic_regression_as_a_module_with_parameters(torch, mnist_arrays):
    check_logistic(*with_module_and_manual_update(torch, mnist_arrays, logistic_module(torch)))


def test_logistic_regression_with_nn_linear(torch, mnist_arrays):
    check_logistic(*with_module_and_manual_update(torch, mnist_arrays, linear_module(torch)))


def test_logistic_regression_with_optim_and_tensor_dataset(torch, mnist_arrays):
    check_logistic(*with_optim_and_dataset(torch, mnist_arrays))


def test_logistic_regression_with_dataloaders_and_fit(torch, mnist_arrays):
    history, final_accuracy = with_dataloaders(torch, mnist_arrays)
    assert len(history) == 2 and history[-1] < 0.5, history
    assert final_accuracy > 0.85, final_accuracy


def test_cnn_module(torch, mnist_arrays):
    start_loss, history, final_accuracy = fit_cnn(torch, mnist_arrays, cnn_module(torch)(),
                                                  wrapped=False)
    # one epoch of 80 steps: the ReLU before the pooling makes a slow start (16 seeds on both
    # libraries: the loss always fell, accuracy 0.11 to 0.38), so the test asks for a fall
    assert abs(start_loss - math.log(10)) < 0.1, start_loss
    assert len(history) == 1 and history[-1] < start_loss, (start_loss, history)
    assert 0.0 <= final_accuracy <= 1.0


def test_sequential_cnn_with_lambda_views_and_a_wrapped_loader(torch, mnist_arrays):
    model = sequential_cnn(torch)
    assert isinstance(model[7], torch.nn.Module) and len(model) == 8
    assert [name for name, _ in model.named_parameters()][:2] == ["0.weight", "0.bias"]
    start_loss, history, final_accuracy = fit_cnn(torch, mnist_arrays, model, wrapped=True)
    assert len(history) == 1 and history[-1] < start_loss, (start_loss, history)


def test_sequential_cnn_takes_the_same_steps_as_pytorch_from_the_same_weights(mnist_arrays):
    """The CNN's learning is slow to show in 80 steps, so check it exactly instead: the same
    weights and batches give the same losses, step by step, in both libraries."""
    real_torch = pytest.importorskip("torch")
    glassnet = load("glassnet")
    x_train, y_train = mnist_arrays[0][:640], mnist_arrays[1][:640]
    losses = {}
    state = sequential_cnn(real_torch).state_dict()
    for library in (real_torch, glassnet):
        model = sequential_cnn(library)
        model.load_state_dict({k: library.tensor(v.numpy()) for k, v in state.items()})
        opt = library.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        xs = library.tensor(x_train).view(-1, 1, 28, 28)
        ys = library.tensor(y_train)
        losses[library.__name__] = [
            loss_batch(model, library.nn.functional.cross_entropy, xs[i:i + BS], ys[i:i + BS],
                       opt)[0]
            for i in range(0, len(ys), BS)
        ]
    np.testing.assert_allclose(losses["glassnet"], losses["torch"], rtol=1e-4)
