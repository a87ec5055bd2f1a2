"""Every differentiable op: gradcheck in float64 (hypothesis picks shapes); PyTorch agreement."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import glassnet
from glassnet.autograd import Function, gradcheck
from tests.ops.cases import CASES

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None


def all_functions() -> set[str]:
    """Every concrete Function subclass glassnet defines."""
    found, stack = set(), [Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("glassnet.") and not sub.__name__.startswith("_"):
                found.add(sub.__name__)
    return found


def test_every_function_has_a_case():
    missing = all_functions() - {c.op for c in CASES} - EXEMPT
    assert not missing, f"add a case in tests/ops/cases.py for: {sorted(missing)}"


EXEMPT = set()  # ops with their own dedicated tests elsewhere (filled by later modules)


def make_inputs(case, shapes, seed):
    rng = np.random.default_rng(seed)
    return [glassnet.tensor(case.draw(rng, s), dtype=glassnet.float64,
                            requires_grad=i not in case.constant)
            for i, s in enumerate(shapes)]


def run_gradcheck(case, shapes, seed):
    inputs = make_inputs(case, shapes, seed)
    assert gradcheck(lambda *xs: case.fn(glassnet, *xs), inputs, eps=case.eps)


FIXED = [c for c in CASES if not c.broadcast]
BROADCAST = [c for c in CASES if c.broadcast]


@pytest.mark.parametrize("case", FIXED, ids=lambda c: c.name)
def test_gradcheck(case):
    run_gradcheck(case, case.shapes, seed=0)


@pytest.mark.parametrize("case", BROADCAST, ids=lambda c: c.name)
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_gradcheck_broadcasting(case, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=case.broadcast, min_dims=0,
                                                     max_dims=3, max_side=3))
    seed = data.draw(st.integers(0, 2**16))
    run_gradcheck(case, shapes.input_shapes, seed)


def shapes_for(case):
    if case.broadcast == 2:
        return ((2, 1, 3), (4, 1))
    if case.broadcast == 3:
        return ((2, 3), (1, 3), (2, 1))
    return case.shapes


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.13.0)")
@pytest.mark.parametrize("case", [c for c in CASES if c.torch], ids=lambda c: c.name)
def test_matches_pytorch(case):
    rng = np.random.default_rng(1)
    arrays = [case.draw(rng, s) for s in shapes_for(case)]
    ours = [glassnet.tensor(a, requires_grad=i not in case.constant)
            for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i not in case.constant)
              for i, a in enumerate(arrays)]
    out, ref = case.fn(glassnet, *ours), case.fn(torch, *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = rng.standard_normal(ref.shape)
    out.backward(glassnet.tensor(seed))
    ref.backward(torch.tensor(seed))
    for mine, reference in zip(ours, theirs):
        expected = np.zeros(mine.shape) if reference.grad is None else reference.grad.numpy()
        got = np.zeros(mine.shape) if mine.grad is None else mine.grad.data
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_cases_use_the_public_api_only():
    for case in CASES:
        assert "glassnet.ops" not in inspect.getsource(case.fn)
