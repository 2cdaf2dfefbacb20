"""Bad input fails at the call with an error that names the op and the shapes or dtypes involved,
never deep inside NumPy with its own words only."""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest

import scratchgrad as sg


def _s(shape: tuple) -> str:
    """A shape as it appears in a message, escaped for a regex: ``\\(2, 3\\)``."""
    return re.escape(str(tuple(shape)))


X = sg.ones(2, 3)

# (call, exception type, pattern the message must match: the op, then the shapes)
SHAPE_ERRORS: dict[str, tuple[Callable[[], Any], type, str]] = {
    # binary ops name the function and operator the user wrote, not the op class (Add, Mul)
    "add": (lambda: X + sg.ones(4), ValueError,
            rf"^add \(\+\): shapes {_s((2, 3))} and {_s((4,))} do not broadcast: at dimension 1 "
            "the sizes are 3 and 4"),
    "add(ndarray)": (lambda: X + np.ones(4, np.float32), ValueError,
                     rf"^add \(\+\): shapes {_s((2, 3))} and {_s((4,))}"),
    "sub": (lambda: sg.sub(X, sg.ones(4)), ValueError, rf"^sub \(-\): .*{_s((2, 3))}.*{_s((4,))}"),
    "mul": (lambda: X * sg.ones(3, 2), ValueError,
            rf"^mul \(\*\): .*{_s((2, 3))}.*{_s((3, 2))}.*dimension 0 the sizes are 2 and 3"),
    "div": (lambda: X / sg.ones(4), ValueError, rf"^div \(/\): .*{_s((2, 3))}.*{_s((4,))}"),
    "pow": (lambda: X ** sg.ones(4), ValueError, rf"^pow \(\*\*\): .*{_s((2, 3))}.*{_s((4,))}"),
    "remainder": (lambda: X % sg.ones(4), ValueError,
                  rf"^remainder \(%\): .*{_s((2, 3))}.*{_s((4,))}"),
    "maximum": (lambda: sg.maximum(X, sg.ones(4)), ValueError,
                rf"^maximum: .*{_s((2, 3))}.*{_s((4,))}"),
    "minimum(3-d)": (lambda: sg.minimum(X, sg.ones(5, 1, 4)), ValueError,
                     rf"^minimum: .*{_s((2, 3))}.*{_s((5, 1, 4))}.*dimension 2 the sizes are 3 "
                     "and 4"),
    "where(condition)": (lambda: sg.where(sg.ones(4) > 0, X, 0.0), ValueError,
                         rf"where.*{_s((4,))}.*{_s((2, 3))}"),
    "where(values)": (lambda: sg.where(X > 0, X, sg.ones(4)), ValueError,
                      rf"where.*{_s((2, 3))}.*{_s((4,))}"),
    "eq": (lambda: X == sg.ones(4), ValueError, rf"equal.*{_s((2, 3))}.*{_s((4,))}"),
    "matmul": (lambda: X @ sg.ones(4, 2), ValueError, rf"matmul.*{_s((2, 3))}.*{_s((4, 2))}"),
    "matmul(1-d)": (lambda: sg.ones(3) @ sg.ones(4), ValueError,
                    rf"matmul.*{_s((3,))}.*{_s((4,))}"),
    "matmul(batch)": (lambda: sg.ones(2, 2, 3) @ sg.ones(3, 3, 2), ValueError,
                      rf"matmul.*batch.*{_s((2, 2, 3))}.*{_s((3, 3, 2))}"),
    "matmul(0-d)": (lambda: X @ sg.tensor(2.0), ValueError, rf"matmul.*{_s((2, 3))}.*\(\)"),
    "mm(3-d)": (lambda: sg.mm(sg.ones(2, 2, 3), sg.ones(3, 2)), ValueError,
                rf"mm.*{_s((2, 2, 3))}.*{_s((3, 2))}"),
    "mm(inner)": (lambda: sg.mm(X, X), ValueError, rf"mm.*{_s((2, 3))}.*{_s((2, 3))}"),
    "dot": (lambda: sg.dot(sg.ones(3), sg.ones(4)), ValueError, rf"dot.*{_s((3,))}.*{_s((4,))}"),
    "dot(2-d)": (lambda: sg.dot(X, X), ValueError, rf"dot.*1-D.*{_s((2, 3))}"),
    "cat": (lambda: sg.cat([X, sg.ones(2, 4)]), ValueError, rf"cat.*{_s((2, 4))}.*{_s((2, 3))}"),
    "cat(ndim)": (lambda: sg.cat([X, sg.ones(3)]), ValueError, rf"cat.*{_s((3,))}.*{_s((2, 3))}"),
    "cat(dim)": (lambda: sg.cat([X, X], dim=2), IndexError, r"cat.*dimension 2"),
    "cat([])": (lambda: sg.cat([]), ValueError, r"cat.*empty"),
    "stack": (lambda: sg.stack([X, sg.ones(3, 2)]), ValueError,
              rf"stack.*{_s((3, 2))}.*{_s((2, 3))}"),
    "reshape": (lambda: X.reshape(4, 2), RuntimeError, rf"reshape.*{_s((4, 2))}.*{_s((2, 3))}"),
    "reshape(-1)": (lambda: X.reshape(4, -1), RuntimeError,
                    rf"reshape.*{_s((4, -1))}.*{_s((2, 3))}"),
    "reshape(-1, -1)": (lambda: X.reshape(-1, -1), RuntimeError,
                        rf"reshape.*{_s((-1, -1))}.*{_s((2, 3))}"),
    # view, view_as, reshape_as, expand, expand_as name themselves, not reshape or broadcast_to
    "view": (lambda: X.view(5), RuntimeError, rf"^view: shape {_s((5,))}.*{_s((2, 3))}"),
    "view(function)": (lambda: sg.view(X, (4, 2)), RuntimeError,
                       rf"^view: shape {_s((4, 2))}.*{_s((2, 3))}"),
    "view_as": (lambda: X.view_as(sg.ones(4, 2)), RuntimeError,
                rf"^view_as: shape {_s((4, 2))}.*{_s((2, 3))}"),
    "reshape_as": (lambda: X.reshape_as(sg.ones(5)), RuntimeError,
                   rf"^reshape_as: shape {_s((5,))}.*{_s((2, 3))}"),
    "broadcast_to": (lambda: sg.broadcast_to(X, (3, 3)), ValueError,
                     rf"broadcast_to.*{_s((2, 3))}.*{_s((3, 3))}"),
    "broadcast_to(fewer dims)": (lambda: sg.broadcast_to(X, (3,)), ValueError,
                                 rf"broadcast_to.*{_s((2, 3))}.*{_s((3,))}"),
    "expand": (lambda: X.expand(4, 4), ValueError,
               rf"^expand: can't expand a tensor of shape {_s((2, 3))} to {_s((4, 4))}: "
               "dimension 0 has size 2, expected 1 or 4"),
    "expand(function)": (lambda: sg.expand(X, 2, 4), ValueError,
                         rf"^expand: .*{_s((2, 3))} to {_s((2, 4))}: dimension 1 has size 3"),
    "expand(fewer dims)": (lambda: X.expand(3), ValueError,
                           rf"^expand: .*{_s((2, 3))} to {_s((3,))}.*1 dimension"),
    "expand(-1 leading)": (lambda: X.expand(-1, 2, 3), ValueError,
                           rf"^expand: -1 at dimension 0 of {_s((-1, 2, 3))}.*new leading.*"
                           rf"{_s((2, 3))}"),
    "expand(-2)": (lambda: X.expand(2, -2), ValueError, r"^expand: size -2 at dimension 1"),
    "expand_as": (lambda: X.expand_as(sg.ones(4, 4)), ValueError,
                  rf"^expand_as: can't expand a tensor of shape {_s((2, 3))} to {_s((4, 4))}"),
    "sum_to": (lambda: X.sum_to((3, 3)), ValueError, rf"sum_to.*{_s((2, 3))}.*{_s((3, 3))}"),
    "sum(dim)": (lambda: X.sum(dim=2), IndexError, r"sum.*dimension 2.*2 dimension"),
    "max(dim)": (lambda: X.max(dim=-3), IndexError, r"max.*dimension -3"),
    "argmax(dim)": (lambda: X.argmax(dim=3), IndexError, r"argmax.*dimension 3"),
    "softmax(dim)": (lambda: X.softmax(5), IndexError, r"softmax.*dimension 5"),
    "transpose": (lambda: X.transpose(0, 2), IndexError, r"transpose.*dimension 2"),
    "squeeze": (lambda: X.squeeze(3), IndexError, r"squeeze.*dimension 3"),
    "unsqueeze": (lambda: X.unsqueeze(4), IndexError, r"unsqueeze.*dimension 4"),
    "permute": (lambda: X.permute(0, 0), ValueError, rf"permute.*{_s((0, 0))}.*{_s((2, 3))}"),
    "t(3-d)": (lambda: sg.ones(2, 2, 2).t(), ValueError, rf"t:.*{_s((2, 2, 2))}"),
    "getitem": (lambda: X[5], IndexError, rf"getitem.*5.*{_s((2, 3))}.*out of bounds"),
    "getitem(too many)": (lambda: X[0, 0, 0], IndexError, rf"getitem.*{_s((2, 3))}.*indices"),
    "split": (lambda: X.split([1, 1], dim=1), ValueError, rf"split.*\[1, 1\].*{_s((2, 3))}"),
    "pad": (lambda: sg.pad(X, (1, 1, 1, 1, 1, 1)), ValueError, rf"pad.*{_s((2, 3))}"),
    "flatten": (lambda: X.flatten(1, 0), ValueError, r"flatten.*start_dim 1.*end_dim 0"),
    # math ops
    "bmm(2-d)": (lambda: sg.bmm(X, X.t()), ValueError, rf"bmm.*3-D.*{_s((2, 3))}.*{_s((3, 2))}"),
    "bmm(batch)": (lambda: sg.bmm(sg.ones(2, 2, 3), sg.ones(3, 3, 2)), ValueError,
                   rf"bmm.*{_s((2, 2, 3))}.*{_s((3, 3, 2))}"),
    "mv": (lambda: X.mv(sg.ones(2)), ValueError, rf"mv.*{_s((2, 3))}.*{_s((2,))}"),
    "outer(2-d)": (lambda: sg.outer(X, sg.ones(3)), ValueError,
                   rf"outer.*1-D.*{_s((2, 3))}.*{_s((3,))}"),
    "einsum(sizes)": (lambda: sg.einsum("ij,jk->ik", X, sg.ones(4, 2)), ValueError,
                      rf"einsum.*'j'.*{_s((4, 2))}.*{_s((2, 3))}"),
    "einsum(subscripts)": (lambda: sg.einsum("ijk", X), ValueError,
                           rf"einsum.*'ijk'.*{_s((2, 3))}"),
    "einsum(operands)": (lambda: sg.einsum("ij,jk", X), ValueError,
                         r"einsum.*'ij,jk'.*2 operand.*1 tensor"),
    "einsum(output)": (lambda: sg.einsum("ij->k", X), ValueError, r"einsum.*'k'.*'ij->k'"),
    "tensordot": (lambda: sg.tensordot(X, sg.ones(4, 2), dims=1), ValueError,
                  rf"tensordot.*{_s((2, 3))}.*{_s((4, 2))}"),
    "diag(3-d)": (lambda: sg.diag(sg.ones(2, 2, 2)), ValueError, rf"diag.*{_s((2, 2, 2))}"),
    "trace(1-d)": (lambda: sg.trace(sg.ones(3)), ValueError, rf"trace.*2-D.*{_s((3,))}"),
    "cumsum(dim)": (lambda: X.cumsum(2), IndexError, r"cumsum.*dimension 2.*2 dimension"),
    "cumprod(dim)": (lambda: X.cumprod(-3), IndexError, r"cumprod.*dimension -3"),
    "prod(dim)": (lambda: X.prod(dim=5), IndexError, r"prod.*dimension 5"),
    "norm(dim)": (lambda: X.norm(dim=2), IndexError, r"norm.*dimension 2"),
    "isclose(shapes)": (lambda: sg.isclose(X, sg.ones(2)), ValueError,
                        rf"isclose.*{_s((2, 3))}.*{_s((2,))}"),
}


@pytest.mark.parametrize("name", list(SHAPE_ERRORS))
def test_shape_errors_name_the_op_and_the_shapes(name: str):
    call, kind, pattern = SHAPE_ERRORS[name]
    with pytest.raises(kind) as info:
        call()
    assert re.search(pattern, str(info.value)), str(info.value)


DTYPE_ERRORS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "requires_grad(int64)": (lambda: sg.tensor([1, 2], requires_grad=True), RuntimeError,
                             r"requires_grad.*int64"),
    "requires_grad(bool)": (lambda: sg.tensor([True], requires_grad=True), RuntimeError,
                            r"requires_grad.*bool"),
    "where(float condition)": (lambda: sg.where(X, X, X), TypeError, r"where.*float32"),
    "mean(int64)": (lambda: sg.tensor([1, 2]).mean(), TypeError, r"mean.*int64"),
    "var(int64)": (lambda: sg.tensor([1, 2]).var(), TypeError, r"var.*int64"),
    "std(int64)": (lambda: sg.tensor([1, 2]).std(), TypeError, r"std.*int64"),
    "softmax(int64)": (lambda: sg.tensor([1, 2]).softmax(0), TypeError, r"softmax.*int64"),
    "log_softmax(bool)": (lambda: sg.tensor([True]).log_softmax(0), TypeError,
                          r"log_softmax.*bool"),
    "~float": (lambda: ~X, TypeError, r"logical_not.*float32"),
    "float & float": (lambda: X & X, TypeError, r"logical_and.*float32.*float32"),
    "int | float": (lambda: sg.tensor([1]) | X, TypeError, r"logical_or.*int64.*float32"),
    "-bool": (lambda: -sg.tensor([True]), TypeError, r"Neg.*bool"),
    "float index": (lambda: X[sg.tensor([0.5])], IndexError, r"getitem.*float32.*integer"),
    "in-place float into int": (lambda: sg.arange(3).__iadd__(0.5), TypeError,
                                r"__iadd__.*int64.*float"),
    "norm(int64)": (lambda: sg.arange(3).norm(), TypeError, r"norm.*int64"),
    "frac(int64)": (lambda: sg.arange(3).frac(), TypeError, r"frac.*int64"),
    "floor(bool)": (lambda: sg.tensor([True]).floor(), TypeError, r"floor.*bool"),
    "round(int64, decimals)": (lambda: sg.arange(3).round(decimals=1), TypeError,
                               r"round.*decimals=1.*int64"),
    "isclose(dtypes)": (lambda: sg.isclose(X, X.double()), TypeError,
                        r"isclose.*float32.*float64"),
    "einsum(dtypes)": (lambda: sg.einsum("ij,ij", X, X.double()), TypeError,
                       r"einsum.*float32.*float64"),
}


@pytest.mark.parametrize("name", list(DTYPE_ERRORS))
def test_dtype_errors_name_the_dtypes(name: str):
    call, kind, pattern = DTYPE_ERRORS[name]
    with pytest.raises(kind) as info:
        call()
    assert re.search(pattern, str(info.value)), str(info.value)


@pytest.mark.parametrize("call, pattern", [
    (lambda: sg.gelu(X, approximate="fast"), r"gelu.*'fast'"),
    (lambda: X.clamp(), r"clamp.*min.*max"),
    (lambda: X.chunk(0), r"chunk.*0"),
    (lambda: X.split(0), r"split.*0"),
    (lambda: sg.pad(X, (-1, 1)), r"pad.*negative"),
    (lambda: X.norm(p="abc"), r"norm.*'abc'"),
    (lambda: sg.norm(sg.ones(2, 2, 2), dim=(0, 1, 2)), r"norm.*'fro'.*2 dimensions.*\(0, 1, 2\)"),
    (lambda: X.norm(dim=(1, -1)), r"norm.*\(1, -1\).*twice"),
    (lambda: sg.isclose(X, X, rtol=-1), r"isclose.*rtol=-1"),
], ids=["gelu(approximate)", "clamp()", "chunk(0)", "split(0)", "pad(negative)", "norm(p)",
        "norm(fro, 3 dims)", "norm(dim twice)", "isclose(rtol)"])
def test_bad_arguments_name_the_op(call: Callable[[], Any], pattern: str):
    with pytest.raises(ValueError, match=pattern):
        call()


# ---------------------------------------------------------------------- indexing and selection
_I = sg.tensor([[0, 1, 2], [2, 1, 0]])  # an int64 index that fits X

INDEXING_ERRORS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "gather(dim)": (lambda: sg.gather(X, 2, _I), IndexError, r"gather.*dimension 2"),
    "gather(float index)": (lambda: X.gather(1, _I.float()), TypeError,
                            rf"gather.*int32 or int64.*float32.*{_s((2, 3))}"),
    "gather(ndim)": (lambda: sg.gather(X, 1, sg.tensor([0, 1])), ValueError,
                     rf"gather.*{_s((2,))}.*{_s((2, 3))}"),
    "gather(size)": (lambda: sg.gather(X, 1, sg.zeros(3, 1, dtype=sg.int64)), ValueError,
                     rf"gather.*{_s((3, 1))}.*{_s((2, 3))}.*dimension 1"),
    "gather(out of range)": (lambda: sg.gather(X, 1, _I + 1), IndexError,
                             rf"gather.*index 3.*dimension 1 with size 3.*{_s((2, 3))}"),
    "gather(negative)": (lambda: sg.gather(X, -1, _I - 1), IndexError,
                         rf"gather.*index -1.*{_s((2, 3))}"),
    "take_along_dim(int32)": (lambda: X.take_along_dim(_I.int(), 1), TypeError,
                              r"take_along_dim.*int64.*int32"),
    "take_along_dim(out of range)": (lambda: X.take_along_dim(_I - 4, 1), IndexError,
                                     rf"take_along_dim.*index -4.*size 3.*{_s((2, 3))}"),
    "take_along_dim(broadcast)": (lambda: X.take_along_dim(sg.zeros(3, 1, dtype=sg.int64), 1),
                                  ValueError, rf"take_along_dim.*{_s((2, 3))}.*{_s((3, 1))}"),
    "index_select(2-d)": (lambda: X.index_select(0, _I), IndexError,
                          rf"index_select.*vector.*{_s((2, 3))}"),
    "index_select(out of range)": (lambda: X.index_select(0, sg.tensor([0, 2])), IndexError,
                                   rf"index_select.*index 2.*size 2.*{_s((2, 3))}"),
    "index_select(bool)": (lambda: X.index_select(0, sg.tensor([True])), TypeError,
                           r"index_select.*bool"),
    "scatter(dtype)": (lambda: X.scatter(1, _I, sg.ones(2, 3, dtype=sg.float64)), TypeError,
                       r"scatter.*float64.*float32"),
    "scatter(src size)": (lambda: X.scatter(1, _I, sg.ones(1, 3)), ValueError,
                          rf"scatter.*{_s((2, 3))}.*{_s((2, 3))}.*src {_s((1, 3))}"),
    "scatter(out of range)": (lambda: X.scatter(0, _I, 1.0), IndexError,
                              rf"[Ss]catter.*index 2.*dimension 0 with size 2.*{_s((2, 3))}"),
    "scatter(no src)": (lambda: sg.scatter(X, 0, _I), TypeError, r"scatter.*src.*value"),
    "scatter_add(dim)": (lambda: sg.scatter_add(X, -3, _I, X), IndexError,
                         r"scatter_add.*dimension -3"),
    "masked_fill(int mask)": (lambda: X.masked_fill(_I, 0.0), TypeError,
                              rf"masked_fill.*bool.*int64.*{_s((2, 3))}"),
    "masked_fill(shape)": (lambda: X.masked_fill(sg.ones(3, 1) > 0, 0.0), ValueError,
                           rf"masked_fill.*{_s((3, 1))}.*{_s((2, 3))}"),
    "masked_fill(1-d value)": (lambda: X.masked_fill(X > 0, sg.ones(1)), ValueError,
                               rf"masked_fill.*0-d.*{_s((1,))}"),
    "masked_select(shape)": (lambda: X.masked_select(sg.ones(4) > 0), ValueError,
                             rf"masked_select.*{_s((4,))}.*{_s((2, 3))}"),
    "sort(dim)": (lambda: X.sort(2), IndexError, r"sort.*dimension 2"),
    "argsort(dim)": (lambda: sg.argsort(X, -3), IndexError, r"argsort.*dimension -3"),
    "topk(k > size)": (lambda: X.topk(4), ValueError, rf"topk.*k=4.*size 3.*{_s((2, 3))}"),
    "topk(k < 0)": (lambda: sg.topk(X, -1, dim=0), ValueError, rf"topk.*k=-1.*{_s((2, 3))}"),
    "topk(dim)": (lambda: X.topk(1, dim=2), IndexError, r"topk.*dimension 2"),
    "flip(repeated)": (lambda: X.flip(0, -2), ValueError, r"flip.*dim 0.*more than once"),
    "roll(align)": (lambda: X.roll((1, 2), 0), ValueError, r"roll.*\(1, 2\).*\(0,\)"),
    "repeat(fewer)": (lambda: X.repeat(2), ValueError, rf"repeat.*\(2,\).*{_s((2, 3))}"),
    "repeat_interleave(tensor)": (lambda: X.repeat_interleave(sg.tensor([1, 2])),
                                  NotImplementedError, r"repeat_interleave.*int repeats"),
    "repeat_interleave(negative)": (lambda: X.repeat_interleave(-1), ValueError,
                                    r"repeat_interleave.*non-negative.*-1"),
    "unbind(0-d)": (lambda: sg.tensor(1.0).unbind(), IndexError, r"unbind.*no dimensions"),
    "narrow(past the end)": (lambda: X.narrow(1, 2, 2), ValueError,
                             rf"narrow.*start \(2\) \+ length \(2\).*3.*{_s((2, 3))}"),
    "narrow(start)": (lambda: X.narrow(1, -4, 1), IndexError, rf"narrow.*-4.*{_s((2, 3))}"),
    "movedim(repeated)": (lambda: X.movedim((0, 0), (1, 0)), ValueError,
                          r"movedim.*dim 0.*source"),
    "movedim(lengths)": (lambda: X.movedim((0, 1), 1), ValueError,
                         r"movedim.*\(0, 1\).*\(1,\)"),
    "tril(1-d)": (lambda: sg.tril(sg.ones(3)), ValueError, rf"tril.*2 dimensions.*{_s((3,))}"),
    "triu(1-d)": (lambda: sg.ones(3).triu(), ValueError, rf"triu.*2 dimensions.*{_s((3,))}"),
}


@pytest.mark.parametrize("name", list(INDEXING_ERRORS))
def test_indexing_errors_name_the_op_and_the_shapes(name: str):
    call, kind, pattern = INDEXING_ERRORS[name]
    with pytest.raises(kind) as info:
        call()
    assert re.search(pattern, str(info.value)), str(info.value)


# ---------------------------------------------------------------------- everyday ops and linalg
LINALG_ERRORS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "inv(singular)": (lambda: sg.linalg.inv(sg.zeros(2, 2)), sg.linalg.LinAlgError,
                      rf"linalg.inv.*{_s((2, 2))}.*singular"),
    "inv(non-square)": (lambda: sg.linalg.inv(sg.ones(2, 3)), ValueError,
                        rf"linalg.inv.*square.*{_s((2, 3))}"),
    "det(1-d)": (lambda: sg.linalg.det(sg.ones(3)), ValueError, rf"linalg.det.*{_s((3,))}"),
    "det(int)": (lambda: sg.linalg.det(sg.ones(2, 2, dtype=sg.int64)), TypeError,
                 r"linalg.det.*int64"),
    "solve(singular)": (lambda: sg.linalg.solve(sg.zeros(2, 2), sg.ones(2)),
                        sg.linalg.LinAlgError, rf"linalg.solve.*{_s((2, 2))}.*singular"),
    "solve(rows)": (lambda: sg.linalg.solve(sg.eye(3), sg.ones(2, 1)), ValueError,
                    rf"linalg.solve.*{_s((3, 3))}.*{_s((2, 1))}"),
    "cholesky(not pd)": (lambda: sg.linalg.cholesky(-sg.eye(2)), sg.linalg.LinAlgError,
                         rf"linalg.cholesky.*{_s((2, 2))}.*positive-definite"),
    "eigh(non-square)": (lambda: sg.linalg.eigh(sg.ones(3, 2)), ValueError,
                         rf"linalg.eigh.*{_s((3, 2))}"),
    "matrix_norm(ord)": (lambda: sg.linalg.matrix_norm(sg.ones(2, 2), 3), ValueError,
                         r"linalg.matrix_norm.*ord.*3"),
    "multi_dot(shapes)": (lambda: sg.linalg.multi_dot([sg.ones(2, 3), sg.ones(2, 3)]),
                          ValueError, rf"multi_dot.*{_s((2, 3))}"),
    "cross(size)": (lambda: sg.cross(sg.ones(2, 4), sg.ones(2, 4), dim=1), ValueError,
                    rf"cross.*size 3.*{_s((2, 4))}"),
    "cross(dim)": (lambda: sg.cross(sg.ones(3), sg.ones(3), dim=2), IndexError,
                   r"cross.*dimension 2"),
    "cdist(columns)": (lambda: sg.cdist(sg.ones(2, 3), sg.ones(2, 4)), ValueError,
                       rf"cdist.*{_s((2, 3))}.*{_s((2, 4))}"),
    "addmm(input)": (lambda: sg.addmm(sg.ones(3), sg.ones(2, 3), sg.ones(3, 2)), ValueError,
                     rf"addmm.*{_s((3,))}.*{_s((2, 2))}"),
    "kthvalue(k)": (lambda: sg.kthvalue(sg.ones(3), 4), IndexError, r"kthvalue.*k=4.*size 3"),
    "median(dim)": (lambda: sg.median(sg.ones(3), 1), IndexError, r"median.*dimension 1"),
    "quantile(q)": (lambda: sg.quantile(sg.ones(3), 1.5), ValueError, r"quantile.*\[0, 1\]"),
    "quantile(int)": (lambda: sg.quantile(sg.ones(3, dtype=sg.int64), 0.5), TypeError,
                      r"quantile.*int64"),
    "searchsorted(side)": (lambda: sg.searchsorted(sg.ones(3), sg.ones(2), right=True,
                                                   side="left"), ValueError,
                           r"searchsorted.*side"),
    "histc(min > max)": (lambda: sg.histc(sg.ones(3), 4, 2, 1), ValueError, r"histc.*max"),
    "lerp(dtype)": (lambda: sg.lerp(sg.ones(2), sg.ones(2, dtype=sg.float64), 0.5), TypeError,
                    r"lerp.*float64"),
    "index_add(source)": (lambda: sg.index_add(sg.ones(3, 4), 1, sg.tensor([0, 1]),
                                               sg.ones(3, 3)), ValueError,
                          rf"index_add.*{_s((3, 3))}.*{_s((3, 4))}"),
    "meshgrid(2-d)": (lambda: sg.meshgrid(sg.ones(2), sg.ones(2, 2), indexing="ij"), ValueError,
                      rf"meshgrid.*{_s((2, 2))}"),
}


@pytest.mark.parametrize("name", list(LINALG_ERRORS))
def test_everyday_and_linalg_errors_name_the_op_and_shapes(name: str):
    call, kind, pattern = LINALG_ERRORS[name]
    with pytest.raises(kind, match=pattern):
        call()


def test_linalg_error_is_a_runtime_error_like_torch():
    assert issubclass(sg.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("name, call", [
    ("masked_fill_", lambda x: x.masked_fill_(sg.tensor([True, False]), 0.0)),
    ("index_add_", lambda x: x.index_add_(0, sg.tensor([0]), sg.ones(1))),
])
def test_new_inplace_ops_refuse_tensors_that_autograd_needs(name, call):
    with pytest.raises(RuntimeError, match=rf"{name}.*requires grad"):
        call(sg.ones(2, requires_grad=True))


# ---------------------------------------------------------------------- tensor() from nested lists
@pytest.mark.parametrize("call, pattern", [
    (lambda: sg.tensor([[1, 2], [3]]),
     r"^tensor: .*ragged: row \[1\] has length 1, row \[0\] has length 2"),
    (lambda: sg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0]]),
     r"^tensor: .*ragged: row \[2\] has length 1, row \[0\] has length 2"),
    (lambda: sg.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]),  # found one depth down
     r"^tensor: .*ragged: row \[1\]\[1\] has length 1, row \[0\]\[0\] has length 2"),
    (lambda: sg.tensor([[1, 2], 3]),
     r"^tensor: .*ragged: element \[1\] is a number, element \[0\] a sequence of length 2"),
    (lambda: sg.tensor([np.ones(2), np.ones(3)]),
     r"^tensor: .*ragged: row \[1\] has length 3, row \[0\] has length 2"),
    (lambda: sg.as_tensor([[1], [2, 3]]),
     r"^as_tensor: .*ragged: row \[1\] has length 2, row \[0\] has length 1"),
], ids=["2-d", "3 rows", "3-d", "number and row", "arrays", "as_tensor"])
def test_ragged_data_names_tensor_the_row_and_the_lengths(call: Callable[[], Any], pattern: str):
    with pytest.raises(ValueError, match=pattern):
        call()
