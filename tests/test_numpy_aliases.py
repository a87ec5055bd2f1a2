"""axis= and keepdims= work wherever PyTorch accepts them in place of dim= and keepdim=."""

import numpy as np
import pytest

import glassnet

torch = pytest.importorskip("torch")

X = np.arange(12, dtype=np.float64).reshape(3, 4) - 5


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.cat([x, x], axis=0),
    lambda lib, x: lib.concat([x, x], axis=1),
    lambda lib, x: lib.stack([x, x], axis=1),
    lambda lib, x: lib.sum(x, axis=0),
    lambda lib, x: x.sum(axis=1, keepdims=True),
    lambda lib, x: x.mean(axis=0, keepdims=True),
    lambda lib, x: x.max(axis=1).values,
    lambda lib, x: x.argmax(axis=0),
    lambda lib, x: x.softmax(axis=1),
    lambda lib, x: x.cumsum(axis=1),
    lambda lib, x: lib.logsumexp(x, axis=1),
    lambda lib, x: x.std(axis=0),
])
def test_numpy_keyword_names_match_torch(call):
    ours = call(glassnet, glassnet.tensor(X))
    theirs = call(torch, torch.tensor(X))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_a_name_and_its_alias_together_are_refused():
    with pytest.raises(TypeError, match="both dim= and its alias axis="):
        glassnet.ones(2, 2).sum(dim=0, axis=0)
    with pytest.raises(TypeError):
        torch.ones(2, 2).sum(dim=0, axis=0)


def test_gradients_flow_through_the_aliases():
    x = glassnet.tensor(X, requires_grad=True)
    glassnet.cat([x, x * 2], axis=1).sum(axis=0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full_like(X, 3.0))
