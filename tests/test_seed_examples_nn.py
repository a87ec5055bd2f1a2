"""Seed examples that use nn/optim/data, run as written with only the imports changed."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as torch
import glassnet.nn as nn
import glassnet.optim as optim
from glassnet.utils.data import DataLoader, TensorDataset


def test_14_1_mlp_3_4_2_has_26_parameters():
    mlp = nn.Sequential(
        nn.Linear(3, 4),  # input 3 → hidden 4 (12 weights + 4 biases)
        nn.ReLU(),
        nn.Linear(4, 2),  # hidden 4 → output 2 (8 weights + 2 biases)
    )
    assert sum(p.numel() for p in mlp.parameters()) == 26


def test_14_2_forward_pass_gives_0_7_0_7():
    layer = nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.1, 0.3], [-0.2, 0.4]]))
        layer.bias.copy_(torch.tensor([0.0, 0.1]))
    out = nn.ReLU()(layer(torch.tensor([[1.0, 2.0]])))
    np.testing.assert_allclose(out.numpy() if not out.requires_grad else out.detach().numpy(),
                               [[0.7, 0.7]], atol=1e-6)


def test_seed_004_xor_network_with_the_lectures_weights():
    hidden, output = nn.Linear(2, 2), nn.Linear(2, 1)
    with torch.no_grad():
        hidden.weight.fill_(1.0)
        hidden.bias.copy_(torch.tensor([0.0, -1.0]))
        output.weight.copy_(torch.tensor([[1.0, -2.0]]))
        output.bias.fill_(0.0)
    net = nn.Sequential(hidden, nn.ReLU(), output)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert net(x).detach().numpy().ravel().tolist() == [0.0, 1.0, 1.0, 0.0]


def test_14_13_training_loop_runs_as_written():
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    train_loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    model.train()
    for _epoch in range(30):
        for xb, yb in train_loader:
            optimizer.zero_grad()
            preds = model(xb)
            loss = criterion(preds, yb)
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert accuracy > 0.95


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


@pytest.fixture(scope="module")
def mnist():
    (x, y), (xt, yt) = torch.datasets.load_mnist()
    scale = np.float32(1 / 255)
    return ((x.reshape(-1, 1, 28, 28) * scale).astype(np.float32), y,
            (xt.reshape(-1, 1, 28, 28) * scale).astype(np.float32), yt)


def test_seed_003_simple_nn_reaches_97_percent_on_mnist_in_5_epochs(mnist):
    x, y, xt, yt = mnist
    torch.manual_seed(0)
    train_loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    model = SimpleNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for _epoch in range(5):
        total_loss = 0
        for images, labels in train_loader:
            optimizer.zero_grad()  # Clear gradients
            outputs = model(images)  # Forward pass
            loss = criterion(outputs, labels)  # Compute loss
            loss.backward()  # Backpropagation
            optimizer.step()  # Update weights
            total_loss += loss.item()
    with torch.no_grad():
        accuracy = (model(torch.from_numpy(xt)).argmax(1).numpy() == yt).mean()
    assert total_loss / len(train_loader) < 0.1
    assert accuracy >= 0.97
