"""The PyTorch surface that programs touch around the model: Size, printing, legacy
constructors, views and strides, device and backend queries, stand-in modules, module paths,
and the autograd graph as ``grad_fn`` shows it. Compared with PyTorch 2.13 where it applies."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import scratchgrad as sg


def _swap(text: str) -> str:
    """PyTorch's text with scratchgrad's module name."""
    return text.replace("torch.", "scratchgrad.")


# ---------------------------------------------------------------------- Size
def test_shape_and_size_are_a_size_that_prints_as_pytorch(torch):
    x, tx = sg.zeros(2, 3), torch.zeros(2, 3)
    assert type(x.shape) is sg.Size and type(x.size()) is sg.Size
    assert isinstance(x.shape, tuple) and x.size(1) == 3 and type(x.size(1)) is int
    assert str(x.shape) == _swap(str(tx.shape)) == "scratchgrad.Size([2, 3])"
    assert str(sg.tensor(1.0).shape) == _swap(str(torch.tensor(1.0).shape))
    assert str(x.shape[1:]) == _swap(str(tx.shape[1:]))
    assert str(x.shape + (4,)) == _swap(str(tx.shape + (4,)))
    assert str((4,) + x.shape) == _swap(str((4,) + tx.shape))
    assert str(x.shape * 2) == _swap(str(tx.shape * 2))
    assert repr(sg.Size) == _swap(repr(torch.Size))


def test_size_is_a_tuple_of_ints(torch):
    s = sg.Size([2, 3])
    assert s == (2, 3) and (2, 3) == s and s != [2, 3] and hash(s) == hash((2, 3))
    assert s == torch.Size([2, 3])
    assert s.numel() == 6 == torch.Size([2, 3]).numel() and sg.Size().numel() == 1
    assert sg.Size([np.int64(4), sg.tensor(5)]) == (4, 5)
    with pytest.raises(TypeError, match=r"item 0 is 'float'"):
        sg.Size([2.0])
    assert np.zeros(s).shape == (2, 3) and sg.zeros(s).shape == s
    back = pickle.loads(pickle.dumps(s))
    assert back == s and type(back) is sg.Size


def test_size_repr_and_fstring_stay_the_plain_tuple():
    # The library's messages and docstring examples write shapes as (2, 3) (see _size.py).
    s = sg.zeros(2, 3).shape
    assert repr(s) == "(2, 3)" and f"{s}" == "(2, 3)" and "{}".format(s) == "(2, 3)"
    with pytest.raises(TypeError):
        format(s, ">10")
