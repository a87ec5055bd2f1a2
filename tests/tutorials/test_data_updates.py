"""`.data`-style code as PyTorch tutorials and examples write it: manual SGD through
``p.data``, in-place initialisers on ``m.weight.data``, ``y.data.norm()``, predictions from
``outputs.data``, and references to ``p.data`` that must see the optimizer's updates.

In PyTorch ``.data`` is a Tensor sharing the parameter's storage, with ``requires_grad=False``
and its in-place changes unseen by autograd; glassnet's is the same (issue 12 section 3).
"""

from __future__ import annotations


def regression_data(torch):
    x = torch.randn(64, 8)
    y = x @ torch.randn(8, 1) + 0.1 * torch.randn(64, 1)
    return x, y


def train_with(torch, update, steps=100, lr=0.05):
    """A linear model fitted by hand; ``update(p, lr)`` changes one parameter in place."""
    x, y = regression_data(torch)
    model = torch.nn.Linear(8, 1)
    loss_fn = torch.nn.MSELoss()
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            update(p, lr)
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    return losses


def test_update_under_no_grad(torch):
    def update(p, lr):
        with torch.no_grad():
            p -= lr * p.grad

    losses = train_with(torch, update)
    assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])


def test_update_with_in_place_method_under_no_grad(torch):
    def update(p, lr):
        with torch.no_grad():
            p.add_(p.grad, alpha=-lr)

    losses = train_with(torch, update)
    assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])


def test_update_through_data_with_subtraction(torch):

    def update(p, lr):
        p.data -= lr * p.grad

    losses = train_with(torch, update)
    assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])


def test_update_through_data_with_sub_(torch):

    def update(p, lr):
        p.data.sub_(p.grad.data * lr)  # the 60-minute blitz's "simple Python code" update

    losses = train_with(torch, update)
    assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])


def test_update_through_data_with_add_(torch):

    def update(p, lr):
        p.data.add_(-lr * p.grad)

    losses = train_with(torch, update)
    assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])


def test_weights_init_through_data(torch):
    """The DCGAN example's weights_init, applied with Module.apply."""
    nn = torch.nn

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            m.weight.data.normal_(0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            m.weight.data.normal_(1.0, 0.02)
            m.bias.data.fill_(0)

    net = nn.Sequential(nn.Conv2d(3, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64))
    net.apply(weights_init)
    assert abs(net[0].weight.std().item() - 0.02) < 0.005
    assert abs(net[1].weight.mean().item() - 1.0) < 0.01
    assert net[1].bias.abs().sum().item() == 0
    assert net[0].weight.requires_grad and net[0].weight.grad_fn is None


def test_doubling_until_the_norm_of_data_passes_1000(torch):
    """The autograd tutorial's loop: the number of doublings depends on the data."""
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    assert 1000 <= y.norm().item() < 2000 + 1e-3
    y.backward(torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float))
    assert x.grad is not None and tuple(x.grad.shape) == (3,)


def test_predictions_from_outputs_data(torch):
    """The classifier tutorial's `_, predicted = torch.max(outputs.data, 1)`."""
    outputs = torch.nn.Linear(4, 3)(torch.randn(5, 4))
    values, predicted = torch.max(outputs.data, 1)
    assert predicted.dtype == torch.int64 and tuple(predicted.shape) == (5,)
    assert not values.requires_grad
    assert (predicted == outputs.argmax(1)).all().item()


def test_data_is_a_tensor_without_grad(torch):
    p = torch.nn.Parameter(torch.ones(3))
    assert isinstance(p.data, torch.Tensor) and not p.data.requires_grad


def test_a_reference_to_data_sees_the_optimizer_step(torch):
    model = torch.nn.Linear(3, 1)
    w = model.weight.data
    before = w.clone() if isinstance(w, torch.Tensor) else w.copy()
    loss = model(torch.ones(2, 3)).sum()
    loss.backward()
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    after = model.weight.detach().numpy()
    assert (w.tolist() == after.tolist()) and w.tolist() != before.tolist()


def test_a_reference_to_numpy_sees_the_optimizer_step(torch):
    model = torch.nn.Linear(3, 1)
    w = model.weight.detach().numpy()
    before = w.copy()
    model(torch.ones(2, 3)).sum().backward()
    torch.optim.Adam(model.parameters(), lr=0.1).step()
    assert (w != before).all()
    assert w.tolist() == model.weight.detach().numpy().tolist()
