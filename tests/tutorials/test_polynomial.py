"""'Learning PyTorch with Examples': fit y = sin(x) on [-pi, pi] with a third-order polynomial,
seven ways, each written once and run on glassnet and on PyTorch.

The tutorial's story: raw tensors with hand-written gradients; autograd; a custom
``autograd.Function`` (the Legendre polynomial P3); ``nn`` with a manual update under
``no_grad``; ``optim``; a custom ``nn.Module``; a dynamic network whose depth is drawn at random
on every forward pass and whose middle weights are shared. The assertions hold for any seed.
"""

from __future__ import annotations

import math
import random

STEPS = 2000


def sine_data(torch):
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float, device=torch.device("cpu"))
    return x, torch.sin(x)


def fit_with_raw_tensors(torch):
    """Forward and backward by hand: no autograd, just tensor arithmetic."""
    x, y = sine_data(torch)
    a, b, c, d = (torch.randn((), dtype=torch.float) for _ in range(4))
    learning_rate = 1e-6
    losses = []
    for _ in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        losses.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return losses, (a.item(), b.item(), c.item(), d.item())


def fit_with_autograd(torch):
    """The same fit, gradients from loss.backward(); the update runs under no_grad. The device
    is chosen and made the default as the tutorial's current edition does."""
    device = (torch.accelerator.current_accelerator().type
              if torch.accelerator.is_available() else "cpu")
    torch.set_default_device(device)
    x, y = sine_data(torch)
    a, b, c, d = (torch.randn((), dtype=torch.float, requires_grad=True) for _ in range(4))
    learning_rate = 1e-6
    losses = []
    for _ in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= learning_rate * coefficient.grad
                coefficient.grad = None
    assert a.grad is None and a.requires_grad and a.is_leaf
    return losses, (a.item(), b.item(), c.item(), d.item())


def legendre_polynomial3(torch):
    """The tutorial's custom autograd.Function, defined against the library given."""

    class LegendrePolynomial3(torch.autograd.Function):
        """P3(x) = (5x^3 - 3x) / 2; its derivative is (15x^2 - 3) / 2 = 1.5 (5x^2 - 1)."""

        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def fit_with_custom_function(torch):
    """y = a + b P3(c + d x), P3 a user-defined autograd.Function; the tutorial's fixed start."""
    x, y = sine_data(torch)
    a = torch.full((), 0.0, dtype=torch.float, requires_grad=True)
    b = torch.full((), -1.0, dtype=torch.float, requires_grad=True)
    c = torch.full((), 0.0, dtype=torch.float, requires_grad=True)
    d = torch.full((), 0.3, dtype=torch.float, requires_grad=True)
    P3 = legendre_polynomial3(torch).apply
    learning_rate = 5e-6
    losses = []
    for _ in range(STEPS):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= learning_rate * coefficient.grad
                coefficient.grad = None
    return losses, (a.item(), b.item(), c.item(), d.item())


def fit_with_nn(torch):
    """Features (x, x^2, x^3) into nn.Linear(3, 1) and nn.Flatten(0, 1); manual update."""
    nn = torch.nn
    x, y = sine_data(torch)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    assert tuple(xx.shape) == (2000, 3)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    losses = []
    for _ in range(STEPS):
        y_pred = model(xx)
        assert tuple(y_pred.shape) == (2000,)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear = model[0]
    return losses, (linear.bias.item(), *(linear.weight[:, i].item() for i in range(3)))


def fit_with_optim(torch):
    """The same model, RMSprop doing the update."""
    nn = torch.nn
    x, y = sine_data(torch)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(STEPS):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear = model[0]
    return losses, (linear.bias.item(), *(linear.weight[:, i].item() for i in range(3)))


def polynomial3_module(torch):
    nn = torch.nn

    class Polynomial3(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.randn(()))
            self.b = nn.Parameter(torch.randn(()))
            self.c = nn.Parameter(torch.randn(()))
            self.d = nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                    f"{self.d.item()} x^3")

    return Polynomial3


def fit_with_custom_module(torch):
    """Four scalar nn.Parameters in a Module, plain SGD."""
    x, y = sine_data(torch)
    model = polynomial3_module(torch)()
    assert [name for name, _ in model.named_parameters()] == ["a", "b", "c", "d"]
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    losses = []
    for _ in range(STEPS):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.string().startswith("y = ")
    return losses, tuple(p.item() for p in model.parameters())


def dynamic_net(torch, rng: random.Random):
    nn = torch.nn

    class DynamicNet(nn.Module):
        """A polynomial of degree 3 to 5: the 4th (and 5th) coefficient is one shared e."""

        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.randn(()))
            self.b = nn.Parameter(torch.randn(()))
            self.c = nn.Parameter(torch.randn(()))
            self.d = nn.Parameter(torch.randn(()))
            self.e = nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, rng.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

    return DynamicNet


def fit_dynamic_net(torch):
    """Control flow in forward: a new graph each step, one parameter reused several times."""
    x, y = sine_data(torch)
    model = dynamic_net(torch, random.Random(0))()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for _ in range(STEPS):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, tuple(p.item() for p in model.parameters())


def check_fit(losses, coefficients, final_below):
    assert len(losses) == STEPS
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < final_below, (losses[0], losses[-1])
    assert losses[-1] < losses[0]
    assert all(isinstance(value, float) for value in coefficients)


def test_polynomial_with_raw_tensors_and_hand_written_gradients(torch):
    check_fit(*fit_with_raw_tensors(torch), final_below=30)


def test_polynomial_with_autograd(torch):
    try:
        check_fit(*fit_with_autograd(torch), final_below=30)
    finally:
        torch.set_default_device(None)


def test_polynomial_with_a_custom_autograd_function(torch):
    losses, (a, b, c, d) = fit_with_custom_function(torch)
    check_fit(losses, (a, b, c, d), final_below=20)


def test_polynomial_with_nn_and_a_manual_update(torch):
    check_fit(*fit_with_nn(torch), final_below=30)


def test_polynomial_with_optim(torch):
    check_fit(*fit_with_optim(torch), final_below=30)


def test_polynomial_as_a_custom_module(torch):
    check_fit(*fit_with_custom_module(torch), final_below=30)


def test_dynamic_net_with_random_depth_and_shared_weights(torch):
    losses, coefficients = fit_dynamic_net(torch)
    assert len(coefficients) == 5
    # the depth changes every step, so judge the last hundred steps, not the last one
    recent = sorted(losses[-100:])[50]
    assert recent < losses[0] / 10, (losses[0], recent)
    check_fit(losses, coefficients, final_below=20_000)
