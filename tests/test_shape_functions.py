"""Splitting, indexing and rearranging (glassnet/ops/shape_functions.py and the methods in
glassnet/_tensor_shape.py): names, keyword names, values, dtypes, shapes, views and copies,
out=, in-place forms and errors, each against PyTorch where it is installed.

Gradients of every op are checked by the op cases (tests/ops/cases_shape.py).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

FUNCTIONS = ["split", "chunk", "unbind", "gather", "scatter", "scatter_add", "index_select",
             "masked_select", "masked_fill", "tril", "triu", "roll", "flip", "fliplr", "flipud",
             "narrow", "movedim", "moveaxis", "swapaxes", "swapdims", "repeat_interleave",
             "hstack", "vstack", "dstack", "column_stack", "row_stack", "atleast_1d",
             "atleast_2d", "atleast_3d"]
METHODS = ["split", "chunk", "unbind", "gather", "scatter", "scatter_", "scatter_add",
           "scatter_add_", "index_select", "masked_select", "masked_fill", "masked_fill_", "tril",
           "tril_", "triu", "triu_", "roll", "flip", "fliplr", "flipud", "narrow", "movedim",
           "moveaxis", "swapaxes", "swapdims", "repeat", "repeat_interleave"]


def as_lib(lib, value):
    """Arrays become tensors of ``lib``; lists and tuples are walked; anything else is kept."""
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    if isinstance(value, list):
        return [as_lib(lib, v) for v in value]
    return value


def both(call, *arrays):
    return call(glassnet, *as_lib(glassnet, list(arrays))), call(torch, *as_lib(torch,
                                                                             list(arrays)))


def same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
        return
    assert ours.dtype.name == str(theirs.dtype).split(".")[1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7.5
M = np.arange(12, dtype=np.int64).reshape(3, 4)
IDX = np.array([[0, 2, 2, 1], [1, 0, 0, 0], [2, 2, 1, 0]])


# ----- names --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_exists_here_and_in_pytorch(name):
    assert callable(getattr(glassnet, name))
    if torch is not None:
        assert callable(getattr(torch, name))


@pytest.mark.parametrize("name", METHODS)
def test_every_method_exists_here_and_in_pytorch(name):
    assert callable(getattr(glassnet.Tensor, name))
    if torch is not None:
        assert callable(getattr(torch.Tensor, name))


def test_tensor_methods_are_defined_on_the_class_not_attached():
    from glassnet._tensor_shape import ShapeMethods

    assert issubclass(glassnet.Tensor, ShapeMethods)
    assert "gather" in ShapeMethods.__dict__ and "gather" not in glassnet.Tensor.__dict__


# ----- values, dtypes and shapes against PyTorch ---------------------------------------------
CALLS = {
    "split-int": (lambda lib, x: lib.split(x, 2, dim=2), X),
    "split-keyword": (lambda lib, x: lib.split(x, split_size_or_sections=[1, 2], dim=1), X),
    "split-method": (lambda lib, x: x.split(split_size=1), X),
    "split-int-dtype": (lambda lib, m: m.split(3, -1), M),
    "chunk": (lambda lib, x: lib.chunk(x, 3, dim=2), X),
    "chunk-fewer": (lambda lib: lib.chunk(lib.arange(5), 4),),
    "chunk-even": (lambda lib: lib.arange(6).chunk(4),),
    "chunk-empty": (lambda lib: lib.chunk(lib.ones(0), 3),),
    "unbind": (lambda lib, x: lib.unbind(x, dim=1), X),
    "unbind-method": (lambda lib, m: m.unbind(), M),
    "narrow": (lambda lib, x: lib.narrow(x, 2, 1, 2), X),
    "narrow-negative": (lambda lib, x: x.narrow(-1, -3, 3), X),
    "narrow-tensor-start": (lambda lib, x: x.narrow(0, lib.tensor(1), 1), X),
    "gather": (lambda lib, m, i: lib.gather(m, 0, i), M, IDX),
    "gather-keywords": (lambda lib, m, i: lib.gather(input=m, dim=1, index=i[:, :2]), M, IDX),
    "gather-method-int32": (lambda lib, m, i: m.gather(1, i.int()), M, IDX),
    "gather-0d": (lambda lib: lib.gather(lib.tensor(5.0), 0, lib.tensor(0)),),
    "scatter": (lambda lib, m, i: lib.scatter(m, 1, i[:, :2] + 1, m * 10), M, IDX),
    "scatter-value": (lambda lib, m, i: m.scatter(0, i[:1], 7), M, IDX),
    "scatter-value-keyword": (lambda lib, m, i: lib.scatter(m, 0, i[:1], value=-1), M, IDX),
    "scatter-value-0d-tensor": (lambda lib, m, i: m.scatter(0, i[:1], value=lib.tensor(4)), M,
                                IDX),
    "flip-0d": (lambda lib: lib.flip(lib.tensor(1.0), (0,)),),
    "movedim-0d": (lambda lib: lib.movedim(lib.tensor(1.0), 0, 0),),
    "scatter-float-value-into-int": (lambda lib, m, i: m.scatter(0, i[:1], 9.7), M, IDX),
    "scatter-add-reduce": (lambda lib, m, i: lib.scatter(m, 0, i, m, reduce="add"), M, IDX),
    "scatter-multiply-reduce": (lambda lib, m, i: m.scatter(0, i, 3, reduce="multiply"), M, IDX),
    "scatter_add": (lambda lib, m, i: lib.scatter_add(m, 0, i, m), M, IDX),
    "scatter_add-float": (lambda lib, x, i: x[0].scatter_add(1, i[:, :2], x[1, :, :2]), X, IDX),
    "index_select": (lambda lib, x: lib.index_select(x, 2, lib.tensor([3, 0, 3])), X),
    "index_select-0d-index": (lambda lib, x: x.index_select(1, lib.tensor(2)), X),
    "index_select-int32": (lambda lib, m: m.index_select(0, lib.tensor([2, 2], dtype=lib.int32)),
                           M),
    "masked_select": (lambda lib, x: lib.masked_select(x, x > 0), X),
    "masked_select-broadcast": (lambda lib, m: m.masked_select(lib.tensor([True, False, False,
                                                                           True])), M),
    "masked_select-broadcast-input": (lambda lib: lib.masked_select(
        lib.tensor([1.0, 2.0]), lib.tensor([[True], [False]])),),
    "masked_fill": (lambda lib, x: lib.masked_fill(x, x < 0, 0.5), X),
    "masked_fill-int": (lambda lib, m: m.masked_fill(m > 5, 2.7), M),
    "masked_fill-0d-tensor": (lambda lib, m: m.masked_fill(m > 5, lib.tensor(3.5)), M),
    "masked_fill-broadcast-up": (lambda lib: lib.masked_fill(
        lib.zeros(3), lib.tensor([[True], [False]]), 1.0),),
    "masked_fill-bool": (lambda lib: lib.tensor([True, False]).masked_fill(
        lib.tensor([True, True]), 0.0),),
    "tril": (lambda lib, x: lib.tril(x), X),
    "tril-diagonal": (lambda lib, m: m.tril(diagonal=-1), M),
    "triu": (lambda lib, x: lib.triu(x, 2), X),
    "triu-bool": (lambda lib: lib.ones(3, 3).bool().triu(1),),
    "roll-flat": (lambda lib, x: lib.roll(x, 5), X),
    "roll-dims": (lambda lib, x: lib.roll(x, shifts=(1, -2), dims=(0, 2)), X),
    "roll-one-dim": (lambda lib, m: m.roll(-1, 0), M),
    "flip": (lambda lib, x: lib.flip(x, (0, 2)), X),
    "flip-method-varargs": (lambda lib, x: x.flip(0, -1), X),
    "flip-method-list": (lambda lib, m: m.flip([1]), M),
    "fliplr": (lambda lib, m: lib.fliplr(m), M),
    "flipud": (lambda lib, m: m.flipud(), M),
    "movedim": (lambda lib, x: lib.movedim(x, 0, -1), X),
    "movedim-many": (lambda lib, x: x.movedim((0, 1), (2, 0)), X),
    "moveaxis": (lambda lib, x: lib.moveaxis(x, -1, 0), X),
    "swapaxes": (lambda lib, x: lib.swapaxes(x, 0, 2), X),
    "swapdims": (lambda lib, x: x.swapdims(1, -1), X),
    "swapaxes-method": (lambda lib, m: m.swapaxes(1, 0), M),
    "moveaxis-method": (lambda lib, x: x.moveaxis(1, 2), X),
    "swapdims-function": (lambda lib, m: lib.swapdims(m, 0, 1), M),
    "repeat": (lambda lib, m: m.repeat(2, 1), M),
    "repeat-new-dims": (lambda lib, m: m.repeat(2, 1, 3), M),
    "repeat-tuple": (lambda lib, m: m.repeat((1, 2)), M),
    "repeat-zero": (lambda lib, m: m.repeat(0, 1), M),
    "repeat_interleave-flat": (lambda lib, m: lib.repeat_interleave(m, 2), M),
    "repeat_interleave-dim": (lambda lib, x: x.repeat_interleave(3, dim=1), X),
    "repeat_interleave-counts": (lambda lib, m: lib.repeat_interleave(
        m, lib.tensor([1, 0, 2]), dim=0, output_size=3), M),
    "repeat_interleave-0d-counts": (lambda lib, m: m.repeat_interleave(lib.tensor(2), dim=1), M),
    "repeat_interleave-indices": (lambda lib: lib.repeat_interleave(lib.tensor([2, 0, 3])),),
    "hstack-vectors": (lambda lib: lib.hstack([lib.ones(2), lib.zeros(3)]),),
    "hstack-matrices": (lambda lib, m: lib.hstack((m, m[:, :1])), M),
    "hstack-promotes": (lambda lib: lib.hstack([lib.ones(2), lib.ones(2, dtype=lib.long)]),),
    "hstack-promotes-float64": (lambda lib: lib.hstack([lib.ones(2),
                                                        lib.ones(2, dtype=lib.float64)]),),
    "vstack": (lambda lib, m: lib.vstack([m[0], m]), M),
    "vstack-scalars": (lambda lib: lib.vstack([lib.tensor(1.0), lib.tensor(2.0)]),),
    "row_stack": (lambda lib, m: lib.row_stack([m, m]), M),
    "dstack": (lambda lib: lib.dstack([lib.ones(3), lib.zeros(3)]),),
    "dstack-matrices": (lambda lib, m: lib.dstack([m, m]), M),
    "column_stack": (lambda lib, m: lib.column_stack(
        [lib.ones(3, dtype=lib.long), m, lib.tensor(1).expand(3)]), M),
    "column_stack-scalars": (lambda lib: lib.column_stack([lib.tensor(1.0), lib.tensor(2.0)]),),
    "atleast_1d": (lambda lib: lib.atleast_1d(lib.tensor(1.0)),),
    "atleast_2d-many": (lambda lib: lib.atleast_2d(lib.tensor(1.0), lib.ones(3)),),
    "atleast_3d-list": (lambda lib: lib.atleast_3d([lib.ones(3), lib.ones(2, 3)]),),
}


@needs_torch
@pytest.mark.parametrize("name", CALLS)
@pytest.mark.filterwarnings("ignore:The reduce argument")  # PyTorch's deprecation notice
def test_values_dtypes_and_shapes_match_pytorch(name):
    call, *arrays = CALLS[name]
    same(*both(call, *arrays))


# ----- errors, raised where PyTorch raises ----------------------------------------------------
ERRORS = {
    "split-sizes-wrong-sum": (lambda lib, x: lib.split(x, [1, 1], 1), RuntimeError,
                              "split_with_sizes expects split_sizes to sum exactly to 3"),
    "split-size-zero": (lambda lib, x: x.split(0, 1), RuntimeError,
                        "split_size can only be 0"),
    "split-bad-dim": (lambda lib, x: x.split(2, 3), IndexError, "Dimension out of range"),
    "chunk-zero": (lambda lib, x: x.chunk(0), RuntimeError, "greater than 0"),
    "unbind-0d": (lambda lib, x: lib.unbind(x.sum()), IndexError, "has no dimensions"),
    "narrow-too-long": (lambda lib, x: x.narrow(2, 2, 3), RuntimeError,
                        "start (2) + length (3) exceeds dimension size (4)."),
    "narrow-negative-length": (lambda lib, x: x.narrow(2, 0, -1), RuntimeError,
                               "length must be non-negative"),
    "gather-float-index": (lambda lib, x: x.gather(0, x.long().float()), RuntimeError,
                           "gather(): Expected dtype int32/int64 for index"),
    "gather-fewer-dims": (lambda lib, x: x.gather(0, lib.tensor([0, 1])), RuntimeError,
                          "Index tensor must have the same number of dimensions"),
    "gather-index-too-big": (lambda lib, x: x.gather(0, lib.zeros(1, 4, 4, dtype=lib.long)),
                             RuntimeError, "to be no larger than self [2, 3, 4] apart from "
                             "dimension 0"),
    "gather-out-of-bounds": (lambda lib, x: x.gather(2, lib.full((1, 1, 1), 4)), RuntimeError,
                             "index 4 is out of bounds for dimension 2 with size 4"),
    "gather-negative": (lambda lib, x: x.gather(2, lib.full((1, 1, 1), -1)), RuntimeError,
                        "index -1 is out of bounds for dimension 2 with size 4"),
    "gather-bad-dim": (lambda lib, x: x.gather(3, lib.zeros(1, 1, 1, dtype=lib.long)),
                       IndexError, "Dimension out of range"),
    "scatter-src-dtype": (lambda lib, x: x.scatter(0, lib.zeros(1, 1, 1, dtype=lib.long),
                                                   x.double()), RuntimeError,
                          "Expected self.dtype to be equal to src.dtype"),
    "scatter-src-too-small": (lambda lib, x: x.scatter(0, lib.zeros(1, 2, 2, dtype=lib.long),
                                                       x[:1, :1, :1]), RuntimeError,
                              "to be no larger size than src [1, 1, 1]"),
    "scatter-0d-src-tensor": (lambda lib, x: x.scatter(0, lib.zeros(1, 1, 1, dtype=lib.long),
                                                       lib.tensor(7.0)), RuntimeError,
                              "Index tensor must have the same number of dimensions as src"),
    "scatter-reduce-mean": (lambda lib, x: x.scatter(0, lib.zeros(1, 1, 1, dtype=lib.long), 1.0,
                                                     reduce="mean"), RuntimeError,
                            "reduce argument must be either add or multiply"),
    "scatter_add-out-of-bounds": (lambda lib, x: lib.scatter_add(
        x, 1, lib.full((1, 1, 1), 3), x), RuntimeError, "index 3 is out of bounds"),
    "index_select-matrix-index": (lambda lib, x: x.index_select(0, lib.zeros(1, 1,
                                                                             dtype=lib.long)),
                                  IndexError, "Index is supposed to be a vector"),
    "index_select-float-index": (lambda lib, x: x.index_select(0, lib.tensor([0.0])),
                                 RuntimeError, "index_select(): Expected dtype int32"),
    "masked_select-int-mask": (lambda lib, x: x.masked_select(lib.ones(4, dtype=lib.long)),
                               RuntimeError, "mask"),
    "masked_fill-int-mask": (lambda lib, x: x.masked_fill(lib.ones(4, dtype=lib.long), 1.0),
                             RuntimeError, "only supports boolean masks"),
    "masked_fill-vector-value": (lambda lib, x: x.masked_fill(x > 0, lib.ones(2)),
                                 RuntimeError, "only supports a 0-dimensional value tensor"),
    "masked_fill_-would-grow": (lambda lib, x: x[0, 0].masked_fill_(lib.ones(2, 4).bool(), 1.0),
                                RuntimeError, "shape"),
    "tril-vector": (lambda lib, x: lib.tril(x[0, 0]), RuntimeError,
                    "tril: input tensor must have at least 2 dimensions"),
    "triu-vector": (lambda lib, x: x[0, 0].triu(), RuntimeError,
                    "triu: input tensor must have at least 2 dimensions"),
    "roll-misaligned": (lambda lib, x: lib.roll(x, (1, 2), 0), RuntimeError,
                        "shifts and dimensions must align"),
    "roll-bad-dim": (lambda lib, x: x.roll(1, 3), IndexError, "Dimension out of range"),
    "flip-repeated-dim": (lambda lib, x: x.flip((0, 0)), RuntimeError,
                          "dim 0 appears multiple times in the list of dims"),
    "flip-bad-dim": (lambda lib, x: x.flip((3,)), IndexError, "Dimension out of range"),
    "fliplr-vector": (lambda lib, x: lib.fliplr(x[0, 0]), RuntimeError, "Input must be >= 2-d."),
    "movedim-count": (lambda lib, x: lib.movedim(x, (0, 1), (1,)), RuntimeError,
                      "should contain the same number of dims as destination"),
    "movedim-repeated": (lambda lib, x: x.movedim((0, 0), (1, 2)), RuntimeError,
                         "movedim: repeated dim in `source`"),
    "moveaxis-bad-dim": (lambda lib, x: lib.moveaxis(x, 3, 0), IndexError,
                         "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    "swapaxes-bad-dim": (lambda lib, x: x.swapaxes(0, 5), IndexError, "Dimension out of range"),
    "repeat-too-few": (lambda lib, x: x.repeat(2, 2), RuntimeError,
                       "Number of dimensions of repeat dims can not be smaller"),
    "repeat_interleave-count-size": (lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]),
                                                                        dim=1), RuntimeError,
                                     "repeats must have the same size as input along dim"),
    "repeat_interleave-negative": (lambda lib, x: x.repeat_interleave(lib.tensor([-1, 1, 1]),
                                                                      dim=1), RuntimeError,
                                   "can not be negative"),
    "split-0d": (lambda lib, x: lib.split(x.sum(), 1), RuntimeError,
                 "split expects at least a 1-dimensional tensor"),
    "narrow-start-out-of-range": (lambda lib, x: x.narrow(2, 5, 0), IndexError,
                                  "start out of range (expected to be in range of [-4, 4], but "
                                  "got 5)"),
    "roll-flat-two-shifts": (lambda lib, x: x.roll((1, 2)), RuntimeError,
                             "shifts and dimensions must align. shifts: 2, dims:0"),
    "flipud-0d": (lambda lib, x: lib.flipud(x.sum()), RuntimeError, "Input must be >= 1-d."),
    "repeat_interleave-2d-counts": (lambda lib, x: x.repeat_interleave(lib.ones(2, 2,
                                                                                dtype=lib.long)),
                                    RuntimeError, "repeats must be 0-dim or 1-dim tensor"),
    "gather-float-dim": (lambda lib, x: x.gather(0.5, lib.zeros(1, 1, 1, dtype=lib.long)),
                         TypeError, "must be int"),
    "column_stack-empty": (lambda lib, x: lib.column_stack([]), RuntimeError,
                           "column_stack expects a non-empty TensorList"),
    "vstack-empty": (lambda lib, x: lib.vstack(()), RuntimeError,
                     "vstack expects a non-empty TensorList"),
    "hstack-empty": (lambda lib, x: lib.hstack([]), RuntimeError,
                     "hstack expects a non-empty TensorList"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_name_the_problem_as_pytorch(name):
    call, error, message = ERRORS[name]
    with pytest.raises(error, match=re.escape(message)):
        call(glassnet, glassnet.tensor(X))
    if torch is not None:
        with pytest.raises(error, match=re.escape(message)):
            call(torch, torch.tensor(X))


def test_our_errors_also_say_the_fix():
    x = glassnet.tensor(X)
    with pytest.raises(RuntimeError, match="convert it: index.long()"):
        x.gather(0, x.long().float())
    with pytest.raises(RuntimeError, match=r"make the sizes add up to 3"):
        x.split([1, 1], 1)
    with pytest.raises(IndexError, match=r"flatten it: index.flatten\(\)"):
        x.index_select(0, glassnet.zeros(1, 1, dtype=glassnet.long))
    with pytest.raises(ShapeError, match="cut the index down"):
        x.gather(0, glassnet.zeros(1, 4, 4, dtype=glassnet.long))
    with pytest.raises(ShapeError, match="unsqueeze or reshape the index"):
        x.gather(0, glassnet.tensor([0, 1]))
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        x.masked_fill(glassnet.ones(5).bool(), 1.0)
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        x.masked_select(glassnet.ones(5).bool())


def test_negative_repeats_are_refused():
    with pytest.raises(RuntimeError, match=r"repeats must be non-negative, got \[-1\]"):
        glassnet.ones(2).repeat(-1)


def test_scatter_wants_exactly_one_of_src_and_value():
    x = glassnet.zeros(3)
    with pytest.raises(TypeError, match="exactly one of src"):
        x.scatter(0, glassnet.tensor([0]))
    with pytest.raises(TypeError, match="exactly one of src"):
        x.scatter(0, glassnet.tensor([0]), glassnet.ones(1), value=2.0)


def test_repeat_interleave_checks_output_size():
    with pytest.raises(RuntimeError, match="output_size=4 but the repeats add up to 6"):
        glassnet.arange(3).repeat_interleave(2, output_size=4)


# ----- views and copies, as in PyTorch --------------------------------------------------------
def test_split_chunk_unbind_and_narrow_are_views_of_the_input():
    x = glassnet.arange(6.0).reshape(2, 3)
    pieces = [x.split(2, 1)[0], x.chunk(2)[1], x.unbind(1)[2], x.narrow(1, 1, 1)]
    x.add_(100)
    assert [p.tolist() for p in pieces] == [[[100, 101], [103, 104]], [[103, 104, 105]],
                                            [102, 105], [[101], [104]]]


def test_flip_roll_repeat_and_index_select_are_copies():
    x = glassnet.arange(6.0).reshape(2, 3)
    copies = [x.flip(0), x.roll(1), x.repeat(1, 1), x.index_select(0, glassnet.tensor([0])),
              x.tril(), x.movedim(0, 1).repeat_interleave(1, dim=0)]
    before = [c.tolist() for c in copies]
    x.add_(100)
    assert [c.tolist() for c in copies] == before


# ----- out= and in-place forms ------------------------------------------------------------------
def test_out_writes_into_the_given_tensor_and_returns_it():
    x = glassnet.tensor(X)
    for call in (lambda out: glassnet.gather(x, 2, glassnet.zeros(2, 3, 1, dtype=glassnet.long),
                                             out=out),
                 lambda out: glassnet.tril(x, out=out),
                 lambda out: glassnet.index_select(x, 0, glassnet.tensor([1]), out=out),
                 lambda out: glassnet.hstack([x, x], out=out),
                 lambda out: glassnet.scatter_add(x, 0, glassnet.zeros(1, 1, 1,
                                                                      dtype=glassnet.long), x,
                                                  out=out)):
        expected = call(None)
        out = glassnet.empty(0)
        assert call(out) is out
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_out_refuses_inputs_that_require_grad_unless_under_no_grad():
    x = glassnet.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        glassnet.triu(x, out=glassnet.empty(0))
    with glassnet.no_grad():
        glassnet.triu(x, out=glassnet.empty(0))


@needs_torch
@pytest.mark.parametrize("call", [
    lambda lib, m, i: m.scatter_(0, i, m * 2),
    lambda lib, m, i: m.scatter_(1, i, 5),
    lambda lib, m, i: m.scatter_add_(0, i, m * 3),
    lambda lib, m, i: m.masked_fill_(m % 3 == 0, -1),
    lambda lib, m, i: m.masked_fill_(lib.tensor([True, False, True, False]), 2.9),
    lambda lib, m, i: m.tril_(1),
    lambda lib, m, i: m.triu_(diagonal=-1),
])
def test_inplace_forms_write_into_the_tensors_own_memory_as_pytorch(call):
    ours, theirs = glassnet.tensor(M), torch.tensor(M)
    memory = ours.numpy()
    result = call(glassnet, ours, glassnet.tensor(IDX))
    call(torch, theirs, torch.tensor(IDX))
    assert result is ours and ours.numpy() is memory
    same(ours, theirs)


def test_inplace_refuses_to_change_the_shape():
    with pytest.raises(ShapeError, match="cannot change a tensor's shape"):
        glassnet.zeros(2).masked_fill_(glassnet.tensor([[True], [False]]), 1.0)


# ----- gradients beyond the op cases ---------------------------------------------------------
def test_scatter_with_reduce_has_no_gradient_as_in_pytorch():
    x = glassnet.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no derivative"):
        x.scatter(0, glassnet.tensor([0]), 2.0, reduce="add")
    with glassnet.no_grad():
        assert x.scatter(0, glassnet.tensor([0, 0]), 2.0, reduce="add").tolist() == [4, 0, 0]


def test_a_src_larger_than_the_index_gets_zero_gradient_where_it_is_not_read():
    # PyTorch fails here ("returned an invalid gradient ... got [2, 2] but expected [3, 3]")
    src = glassnet.ones(3, 3, requires_grad=True)
    x = glassnet.zeros(2, 3)
    index = glassnet.tensor([[0, 1], [1, 0]])
    (glassnet.scatter(x, 1, index, src) * glassnet.arange(6.0).reshape(2, 3)).sum().backward()
    assert src.grad.tolist() == [[0, 1, 0], [4, 3, 0], [0, 0, 0]]
    src.grad = None
    glassnet.scatter_add(x, 1, index, src).sum().backward()
    assert src.grad.tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]


@needs_torch
def test_gather_gradient_adds_up_at_repeated_positions_as_pytorch():
    ours = glassnet.tensor(X[0], requires_grad=True)
    theirs = torch.tensor(X[0], requires_grad=True)
    index = np.array([[0, 0, 0, 2], [3, 3, 1, 1]])
    ours.gather(1, glassnet.tensor(index)).sum().backward()
    theirs.gather(1, torch.tensor(index)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert ours.grad.numpy()[0, 0] == 3


CHANGED = [
    lambda lib, x, index: x.gather(1, index),
    lambda lib, x, index: x.scatter_add(1, index, x[:, :2] * 2),
    lambda lib, x, index: lib.scatter(x, 1, index, x[:, :2] * 2),
]


@pytest.mark.parametrize("call", CHANGED)
def test_changing_the_index_in_place_before_backward_is_caught_as_in_pytorch(call):
    for lib, message in ((glassnet, "modified in place after it was used"),
                         (torch, "modified by an inplace operation")):
        if lib is None:
            continue
        x = lib.ones(2, 3, requires_grad=True)
        index = lib.tensor([[0, 1], [2, 2]])
        y = call(lib, x, index)
        index.add_(0)  # any in-place change bumps the version
        with pytest.raises(RuntimeError, match=message):
            y.sum().backward()
