"""The in-place tensor methods and the composite functions agree with PyTorch, values and
gradients, and in-place ops on non-leaf tensors keep the graph right."""

import numpy as np
import pytest

import glassnet

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 2.5], [0.0, 0.7, -0.4]])
P = np.array([[0.2, 0.5, 0.9], [0.1, 0.6, 0.35]])


def _both(array, requires_grad=False):
    return (glassnet.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


UNARY_INPLACE = ["abs_", "exp_", "log1p_", "neg_", "relu_", "sigmoid_", "tanh_", "floor_",
                 "ceil_", "round_", "sign_", "square_", "sgn_", "deg2rad_", "rad2deg_",
                 "absolute_", "negative_", "sinc_"]


@pytest.mark.parametrize("name", UNARY_INPLACE)
def test_unary_in_place_methods_match_torch(name):
    g, t = _both(np.abs(X) if name == "log1p_" else X)
    assert getattr(g, name)() is g
    getattr(t, name)()
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda x, o: x.addcmul_(o, o, value=0.5),
    lambda x, o: x.addcdiv_(o, o + 3, value=-2),
    lambda x, o: x.clamp_min_(0.1),
    lambda x, o: x.clamp_max_(0.5),
    lambda x, o: x.clamp_(-0.5, 0.5),
    lambda x, o: x.pow_(2),
    lambda x, o: x.multiply_(o),
    lambda x, o: x.divide_(o + 3),
    lambda x, o: x.subtract_(o),
    lambda x, o: x.hypot_(o),
    lambda x, o: x.copysign_(o - 0.5),
    lambda x, o: x.xlogy_(o * o + 0.5),
    lambda x, o: x.logit_(1e-3),
    lambda x, o: x.nan_to_num_(),
])
def test_in_place_methods_on_a_non_leaf_give_torchs_gradients(call):
    gw, tw = _both(P, requires_grad=True)
    go, to = _both(X)
    gy, ty = gw * 1.5, tw * 1.5
    call(gy, go)
    call(ty, to)
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    (gy * glassnet.tensor(X)).sum().backward()
    (ty * torch.tensor(X)).sum().backward()
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, args", [
    ("addcmul", (X, P)), ("addcdiv", (X, P + 1)), ("logit", ()), ("xlogy", (X + 2,)),
    ("hypot", (X,)), ("float_power", (2.5,)), ("copysign", (X,)), ("sinc", ()),
    ("nan_to_num", ()), ("clamp_min", (0.3,)), ("clamp_max", (0.3,)),
])
def test_composite_functions_match_torch_values_and_gradients(name, args):
    gp, tp = _both(P, requires_grad=True)
    g_args = [glassnet.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    t_args = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    gout, tout = getattr(glassnet, name)(gp, *g_args), getattr(torch, name)(tp, *t_args)
    assert gout.dtype.itemsize == tout.dtype.itemsize
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-10)
    gout.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_xlogy_is_zero_where_x_is_zero_even_at_y_zero():
    x, y = glassnet.tensor([0.0, 2.0]), glassnet.tensor([0.0, 3.0])
    np.testing.assert_allclose(glassnet.xlogy(x, y).numpy(), [0.0, 2 * np.log(3.0)])


def test_nan_to_num_replaces_as_torch_does():
    values = np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32)
    g, t = _both(values)
    np.testing.assert_array_equal(glassnet.nan_to_num(g).numpy(), torch.nan_to_num(t).numpy())
    np.testing.assert_array_equal(glassnet.nan_to_num(g, 0.0, 9.0, -9.0).numpy(),
                                  torch.nan_to_num(t, 0.0, 9.0, -9.0).numpy())


def test_an_in_place_op_keeps_an_int_tensors_dtype_or_refuses_a_float_result():
    counts = glassnet.tensor([1, -2, 3])
    assert counts.abs_().dtype == glassnet.int64
    with pytest.raises(RuntimeError, match="can't be cast"):
        counts.exp_()


def test_var_with_a_bool_in_dims_place_is_unbiased():
    g, t = _both(X)
    np.testing.assert_allclose(g.var(False).numpy(), t.var(False).numpy())
    np.testing.assert_allclose(g.std(True).numpy(), t.std(True).numpy())


def test_a_hand_written_adam_step_with_addcmul_and_addcdiv_matches_torch():
    results = []
    for lib in (glassnet, torch):
        w = lib.tensor(P.copy())
        g = lib.tensor(X)
        m, v = lib.zeros_like(w), lib.zeros_like(w)
        for _ in range(3):
            m.mul_(0.9).add_(g, alpha=0.1)
            v.mul_(0.999).addcmul_(g, g, value=0.001)
            w.addcdiv_(m, v.sqrt().add_(1e-8), value=-0.01)
        results.append(w.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
