"""Bad input raises where the mistake is made, naming the op and the shapes or dtypes
(every entry point)."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


@pytest.mark.parametrize("call, pattern", [
    (lambda: sg.ones(2, 3) + sg.ones(4), r"add \(\+\).*\(2, 3\).*\(4,\)"),
    (lambda: sg.ones(2, 3) * sg.ones(3, 2), r"mul \(\*\).*\(2, 3\).*\(3, 2\)"),
    (lambda: sg.ones(2, 3) @ sg.ones(4, 5), r"matmul.*\(2, 3\).*\(4, 5\).*3.*4"),
    (lambda: sg.ones(2, 2, 3) @ sg.ones(3, 3, 1), r"matmul.*batch.*\(2, 2, 3\).*\(3, 3, 1\)"),
    (lambda: sg.mm(sg.ones(3), sg.ones(3, 3)), r"mm.*2-D.*\(3,\)"),
    (lambda: sg.dot(sg.ones(3), sg.ones(4)), r"\(3,\).*\(4,\)"),
    (lambda: sg.cat([sg.ones(2, 3), sg.ones(2, 4)]), r"cat.*\(2, 4\).*\(2, 3\)"),
    (lambda: sg.stack([sg.ones(2), sg.ones(3)]), r"stack.*\(3,\).*\(2,\)"),
    (lambda: sg.ones(2, 3).reshape(4, -1), r"reshape.*\(4, -1\).*\(2, 3\)"),
    (lambda: sg.broadcast_to(sg.ones(3), (2, 4)), r"broadcast_to.*\(3,\).*\(2, 4\)"),
    (lambda: sg.ones(2, 3).sum(dim=2), r"sum.*dimension 2.*2 dimension"),
    (lambda: sg.ones(2, 3).permute(0, 0), r"permute.*\(0, 0\).*\(2, 3\)"),
    (lambda: sg.ones(2, 3)[5], r"getitem.*\(2, 3\)"),
    (lambda: sg.split(sg.ones(5), [2, 2]), r"split.*\[2, 2\].*5"),
])
def test_shape_errors_name_op_and_shapes(call, pattern):
    with pytest.raises((ValueError, IndexError, RuntimeError)) as info:
        call()
    assert info.match(pattern), str(info.value)


def test_dtype_errors_name_the_dtypes():
    with pytest.raises(RuntimeError, match="int64"):
        sg.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError, match="float32"):
        sg.logical_not(sg.ones(2))
    with pytest.raises(TypeError, match=r"mean.*int64"):
        sg.arange(3).mean()
    with pytest.raises(TypeError, match=r"where.*float32"):
        sg.where(sg.ones(2), sg.ones(2), sg.zeros(2))
    with pytest.raises(TypeError, match=r"__iadd__.*int64.*float"):
        t = sg.arange(3)
        t += 0.5


def test_backward_without_gradient_on_non_scalar_names_the_shape():
    y = sg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        y.backward()


def test_errors_are_raised_at_the_call_not_inside_numpy():
    """The traceback's last frame of scratchgrad code is the op wrapper or Function call."""
    with pytest.raises(ValueError) as info:
        sg.ones(2, 3) - np.ones((4,), np.float32)
    assert str(info.value).startswith("sub (-): shapes (2, 3) and (4,)")
