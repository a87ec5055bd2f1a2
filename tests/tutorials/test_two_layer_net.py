"""The older edition of 'Learning PyTorch with Examples': a two-layer ReLU network fitted to
random data (N=64, D_in=1000, H=100, D_out=10), by hand, with autograd, with a custom ``MyReLU``
autograd.Function written with Tensor methods (clamp, clone, boolean-mask assignment), with
``nn`` and ``.data``-free manual updates, with Adam, and as a custom ``nn.Module``.

Random targets can be memorised: every version must bring the loss far below where it started.
"""

from __future__ import annotations

N, D_in, H, D_out = 64, 1000, 100, 10
STEPS = 300


def random_data(torch):
    return torch.randn(N, D_in), torch.randn(N, D_out)


def fit_by_hand(torch):
    """Forward, loss and backward written out with mm, clamp, t() and clone()."""
    x, y = random_data(torch)
    w1, w2 = torch.randn(D_in, H), torch.randn(H, D_out)
    learning_rate = 1e-6
    losses = []
    for _ in range(STEPS):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        losses.append((y_pred - y).pow(2).sum().item())
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return losses


def my_relu(torch):
    class MyReLU(torch.autograd.Function):
        """relu(x) = max(x, 0); its derivative is 1 where x > 0 and 0 elsewhere."""

        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return MyReLU


def fit_with_custom_relu(torch):
    """Autograd through a user-defined Function whose forward and backward use Tensor methods."""
    x, y = random_data(torch)
    w1 = torch.randn(D_in, H, requires_grad=True)
    w2 = torch.randn(H, D_out, requires_grad=True)
    relu = my_relu(torch).apply
    learning_rate = 1e-6
    losses = []
    for _ in range(STEPS):
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


def two_layer_net(torch):
    class TwoLayerNet(torch.nn.Module):
        def __init__(self, D_in, H, D_out):
            super().__init__()
            self.linear1 = torch.nn.Linear(D_in, H)
            self.linear2 = torch.nn.Linear(H, D_out)

        def forward(self, x):
            return self.linear2(self.linear1(x).clamp(min=0))

    return TwoLayerNet


def fit_custom_module_with_adam(torch):
    x, y = random_data(torch)
    model = two_layer_net(torch)(D_in, H, D_out)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    losses = []
    for _ in range(STEPS):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert [name for name, _ in model.named_parameters()] == [
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    return losses


def test_two_layer_net_by_hand(torch):
    losses = fit_by_hand(torch)
    assert losses[-1] < losses[0] / 100, (losses[0], losses[-1])


def test_two_layer_net_with_a_custom_relu_function(torch):
    losses = fit_with_custom_relu(torch)
    assert losses[-1] < losses[0] / 100, (losses[0], losses[-1])


def test_custom_function_receives_and_returns_tensors(torch):
    relu = my_relu(torch)
    x = torch.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = relu.apply(x)
    assert type(y) is torch.Tensor and y.requires_grad
    assert type(y.grad_fn).__name__ == "MyReLUBackward"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


def test_two_layer_custom_module_with_adam(torch):
    losses = fit_custom_module_with_adam(torch)
    assert losses[-1] < losses[0] / 100, (losses[0], losses[-1])
