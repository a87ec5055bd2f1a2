"""Seed 003's PyTorch MNIST code with only the imports changed (torchvision's dataset and
ToTensor have glassnet counterparts: glassnet.datasets.MNIST yields 1x28x28 float tensors).

    python examples/mnist_pytorch_style.py
"""

import glassnet as torch  # was: import torch
import glassnet.nn as nn  # was: import torch.nn as nn
import glassnet.optim as optim  # was: import torch.optim as optim
from glassnet import datasets  # was: from torchvision import datasets, transforms


# Define the neural network
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


# Load MNIST dataset
train_data = datasets.MNIST('./data', train=True, download=True)
train_loader = torch.utils.data.DataLoader(train_data, batch_size=64, shuffle=True)

# Initialize model, loss, and optimizer
model = SimpleNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)

# Training loop
for epoch in range(5):
    total_loss = 0
    for images, labels in train_loader:
        optimizer.zero_grad()  # Clear gradients
        outputs = model(images)  # Forward pass
        loss = criterion(outputs, labels)  # Compute loss
        loss.backward()  # Backpropagation
        optimizer.step()  # Update weights
        total_loss += loss.item()
    print(f"Epoch {epoch+1}, Loss: {total_loss/len(train_loader):.4f}")

test_data = datasets.MNIST('./data', train=False)
with torch.no_grad():
    images, labels = test_data.data.float() / 255, test_data.targets
    accuracy = (model(images).argmax(dim=1) == labels).float().mean().item()
print(f"test accuracy {accuracy:.4f}")
