"""Tensor: creation, dtypes, attributes, conversions, in-place updates, printing, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError


def test_python_floats_become_float32_ints_int64_bools_bool():
    assert glassnet.tensor(1.5).dtype is glassnet.float32
    assert glassnet.tensor([1, 2]).dtype is glassnet.int64
    assert glassnet.tensor([True]).dtype is glassnet.bool
    assert glassnet.tensor(np.zeros(2)).dtype is glassnet.float64  # NumPy's dtype is kept
    assert glassnet.tensor([1, 2], dtype=glassnet.float64).dtype is glassnet.float64


def test_creation_functions_take_dtype_and_requires_grad():
    for make in (glassnet.zeros, glassnet.ones, glassnet.empty, glassnet.rand, glassnet.randn):
        t = make(2, 3, dtype=glassnet.float64, requires_grad=True)
        assert t.shape == (2, 3) and t.dtype is glassnet.float64 and t.requires_grad
        assert make((2, 3)).dtype is glassnet.float32
    assert glassnet.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert glassnet.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert glassnet.arange(0, 1, 0.5).dtype is glassnet.float32
    assert glassnet.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert glassnet.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert glassnet.zeros_like(glassnet.ones(2, dtype=glassnet.int64)).dtype is glassnet.int64
    assert glassnet.ones_like(glassnet.ones(3)).sum().item() == 3.0
    assert sorted(glassnet.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    r = glassnet.randint(0, 3, (100,))
    assert r.dtype is glassnet.int64 and 0 <= r.min().item() and r.max().item() < 3


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3, dtype=np.float32)
    shared, copied = glassnet.from_numpy(a), glassnet.tensor(a)
    a[0] = 5
    assert shared[0].item() == 5 and copied[0].item() == 0


def test_manual_seed_makes_draws_repeatable():
    glassnet.manual_seed(0)
    first = (glassnet.rand(3), glassnet.randn(2), glassnet.randint(0, 9, (4,)),
             glassnet.randperm(6))
    glassnet.manual_seed(0)
    second = (glassnet.rand(3), glassnet.randn(2), glassnet.randint(0, 9, (4,)),
              glassnet.randperm(6))
    for a, b in zip(first, second):
        assert a.tolist() == b.tolist()


def test_attributes():
    t = glassnet.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4) and t.size(1) == 3
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24
    assert repr(t.shape) == "glassnet.Size([2, 3, 4])"
    assert t.is_leaf and t.grad is None and t.grad_fn is None


def test_conversions_and_casts():
    t = glassnet.tensor([1.5, 2.5])
    assert t.double().dtype is glassnet.float64 and t.long().tolist() == [1, 2]
    assert t.to(glassnet.float64).dtype is glassnet.float64 and t.float() is t
    assert isinstance(t.numpy(), np.ndarray) and t.tolist() == [1.5, 2.5]
    assert glassnet.tensor(3.0).item() == 3.0
    assert f"{glassnet.tensor(0.123456):.3f}" == "0.123"
    with pytest.raises(ValueError, match="2 elements"):
        t.item()
    with pytest.raises(RuntimeError, match="detach"):
        glassnet.ones(1, requires_grad=True).numpy()


def test_float32_times_python_float_stays_float32():
    t = glassnet.ones(3)
    for result in (t * 0.5, 0.5 * t, t / 3.0, t**2.0, t - 1.5, t.exp() * 2.0, t.mean() * 0.1):
        assert result.dtype is glassnet.float32
    assert (glassnet.arange(3) / 2).dtype is glassnet.float32  # int / number, as PyTorch
    assert (glassnet.arange(3) + glassnet.ones(3)).dtype is glassnet.float32


def test_data_is_a_tensor_sharing_memory_without_grad():
    w = glassnet.ones(2, 3, requires_grad=True)
    d = w.data
    assert isinstance(d, glassnet.Tensor) and not d.requires_grad and d.grad_fn is None
    assert d.numpy() is w.detach().numpy() and d.is_leaf
    y = (w * 2).sum()
    d.mul_(3)  # no no_grad() needed, and not seen by the in-place check of y's graph
    d[0, 0] = 5
    y.backward()
    assert w.tolist() == [[5.0, 3.0, 3.0], [3.0, 3.0, 3.0]] and w.requires_grad
    assert w.grad.tolist() == [[2.0] * 3] * 2 and w._version == 0


def test_data_updates_are_invisible_to_autograd_as_in_pytorch():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    y = x * x  # saves x for backward
    x.data.add_(1.0)
    y.sum().backward()  # PyTorch: no error, the gradient uses the changed values
    assert x.grad.tolist() == [4.0, 6.0]


def test_data_of_a_zero_dim_tensor_writes_through():
    p = glassnet.tensor(1.5, requires_grad=True)
    p.data.copy_(glassnet.tensor(4.0))
    assert p.item() == 4.0


def test_data_setter_replaces_the_values_and_keeps_the_tensor():
    w = glassnet.zeros(2, requires_grad=True)
    w.data = glassnet.ones(3)
    assert w.tolist() == [1.0, 1.0, 1.0] and w.requires_grad
    w.data = np.full(2, 2.0, dtype=np.float32)
    assert w.tolist() == [2.0, 2.0]


def test_detach_clone_requires_grad():
    w = glassnet.ones(2, requires_grad=True)
    d = w.detach()
    assert not d.requires_grad and d.numpy() is w.detach().numpy()
    c = w.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    with pytest.raises(TypeError, match="floating-point"):
        glassnet.tensor([1, 2], requires_grad=True)
    x = glassnet.zeros(2).requires_grad_()
    assert x.requires_grad


def test_in_place_updates_under_no_grad():
    w = glassnet.ones(3, requires_grad=True)
    with glassnet.no_grad():
        w.mul_(2).add_(1).sub_(0.5)
        w -= 0.5
        w *= 2
    assert w.tolist() == [4.0, 4.0, 4.0]
    with glassnet.no_grad():
        w.zero_()
        w.fill_(3.0)
        w.copy_(glassnet.tensor([1.0, 2.0, 3.0]))
    assert w.tolist() == [1.0, 2.0, 3.0]
    assert w._version > 0
    with pytest.raises(ShapeError, match="cannot change a tensor's shape"):
        with glassnet.no_grad():
            w.add_(glassnet.ones(2, 3))


def test_repr_looks_like_pytorch():
    assert repr(glassnet.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(glassnet.tensor(-4.5)) == "tensor(-4.5000)"
    assert repr(glassnet.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(glassnet.ones(1, requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "grad_fn=<MulBackward0>" in repr(glassnet.ones(1, requires_grad=True) * 2)
    assert "dtype=glassnet.float64" in repr(glassnet.ones(1, dtype=glassnet.float64))


def test_indexing_and_setitem():
    t = glassnet.arange(12.0).reshape(3, 4)
    assert t[1].tolist() == [4.0, 5.0, 6.0, 7.0]
    assert t[:, 1].tolist() == [1.0, 5.0, 9.0]
    assert t[glassnet.tensor([2, 0])][:, 0].tolist() == [8.0, 0.0]
    assert t[t > 9].tolist() == [10.0, 11.0]
    t[0, 0] = 100.0
    assert t[0, 0].item() == 100.0
    assert len(t) == 3 and [row.shape for row in t] == [(4,)] * 3


def test_comparisons_and_reductions_without_gradients():
    t = glassnet.tensor([[1.0, 5.0], [3.0, 2.0]])
    assert t.argmax(dim=1).tolist() == [1, 0]
    assert t.argmin().item() == 0
    assert (t > 2).tolist() == [[False, True], [True, False]]
    assert t.eq(glassnet.tensor([[1.0, 0.0], [3.0, 0.0]])).tolist() == [[True, False],
                                                                      [True, False]]
    assert (t > 0).all().item() and not (t > 4).all().item() and (t > 4).any().item()
    values, indices = t.max(dim=0)
    assert values.tolist() == [3.0, 5.0] and indices.tolist() == [1, 0]
    assert (t == 5).sum().item() == 1


def test_var_and_std_are_unbiased_by_default():
    x = glassnet.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(1.6666667)
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert x.std(correction=0).item() == pytest.approx(1.118034)


def test_matmul_shape_error_names_both_shapes_and_the_op():
    with pytest.raises(ShapeError) as info:
        glassnet.ones(64, 100) @ glassnet.ones(784, 128)
    assert "matmul: (64, 100) @ (784, 128): inner dimensions 100 and 784 differ" in str(info.value)


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        glassnet.ones(3) + glassnet.ones(4)


def test_mixing_float32_and_float64_in_matmul_says_what_to_do():
    with pytest.raises(TypeError, match=r"\.float\(\) or \.double\(\)"):
        glassnet.ones(2, 2) @ glassnet.ones(2, 2, dtype=glassnet.float64)


def test_reshape_error_and_other_shape_errors():
    with pytest.raises(ShapeError, match="element counts must match"):
        glassnet.ones(6).reshape(4, 2)
    with pytest.raises(ShapeError, match="cat"):
        glassnet.cat([glassnet.ones(2, 3), glassnet.ones(3, 2)], dim=0)


def test_device_other_than_cpu_is_refused_clearly():
    with pytest.raises(RuntimeError, match="CPU"):
        glassnet.ones(1).to("cuda")
    assert glassnet.ones(1).to("cpu").shape == (1,)


def test_numpy_array_on_the_left_defers_to_the_tensor():
    w = glassnet.ones(2, requires_grad=True)
    out = np.array([2.0, 3.0], dtype=np.float32) * w
    assert isinstance(out, glassnet.Tensor) and out.grad_fn is not None


def test_python_floats_go_straight_to_the_dtype_asked_for():
    assert glassnet.tensor([0.1], dtype=glassnet.float64).numpy()[0] == 0.1
    assert glassnet.tensor(0.1, dtype=glassnet.float64).item() == 0.1
    assert glassnet.tensor([0.1]).dtype == glassnet.float32


def test_fills_through_data_reach_a_zero_dimensional_parameter():
    p = glassnet.nn.Parameter(glassnet.tensor(1.0))
    p.data.fill_(3.0)
    assert p.item() == 3.0
    glassnet.manual_seed(0)
    p.data.normal_(5.0, 1e-6)
    assert abs(p.item() - 5.0) < 1e-3
