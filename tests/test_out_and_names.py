"""PyTorch's keyword names (``input=``, ``other=``, ``mat2=``...) and ``out=`` on the function
forms, against PyTorch: values, the identity of the returned tensor, resizing, dtype casting,
the refusal under autograd and the bumped version counter."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import scratchgrad as sg

RNG = np.random.default_rng(7)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


A, B = randn(3, 4), randn(3, 4)
M1, M2 = randn(3, 4), randn(4, 2)
P = np.abs(A) + 0.5

# name, positional arguments (arrays become tensors), keyword arguments given by name
CASES = [
    ("add", (), {"input": A, "other": B, "alpha": 2}),
    ("sub", (), {"input": A, "other": B, "alpha": 3}),
    ("mul", (), {"input": A, "other": B}),
    ("div", (), {"input": A, "other": P}),
    ("div", (), {"input": A, "other": P, "rounding_mode": "floor"}),
    ("div", (), {"input": A, "other": P, "rounding_mode": "trunc"}),
    ("matmul", (), {"input": M1, "other": M2}),
    ("mm", (), {"input": M1, "mat2": M2}),
    ("bmm", (), {"input": randn(2, 3, 4), "mat2": randn(2, 4, 5)}),
    ("addmm", (), {"input": randn(2), "mat1": M1, "mat2": M2, "beta": 0.5, "alpha": 2}),
    ("pow", (), {"input": P, "exponent": 2.5}),
    ("pow", (), {"input": P, "exponent": B}),
    ("exp", (), {"input": A}),
    ("log", (), {"input": P}),
    ("sqrt", (), {"input": P}),
    ("abs", (), {"input": A}),
    ("neg", (), {"input": A}),
    ("sin", (), {"input": A}),
    ("cos", (), {"input": A}),
    ("tanh", (), {"input": A}),
    ("sigmoid", (), {"input": A}),
    ("clamp", (), {"input": A, "min": -0.5, "max": 0.5}),
    ("maximum", (), {"input": A, "other": B}),
    ("minimum", (), {"input": A, "other": B}),
    ("sum", (), {"input": A, "dim": 1, "keepdim": True}),
    ("mean", (), {"input": A, "dim": 0}),
    ("prod", (), {"input": P, "dim": 1}),
    ("cumsum", (), {"input": A, "dim": 1}),
    ("amax", (), {"input": A, "dim": 1}),
    ("amin", (), {"input": A, "dim": 0}),
    ("logsumexp", (), {"input": A, "dim": 1}),
    ("std", (), {"input": A, "dim": 1}),
    ("var", (), {"input": A, "dim": 0}),
    ("cat", (), {"tensors": [A, B], "dim": 1}),
    ("stack", (), {"tensors": [A, B], "dim": 0}),
    ("max", (), {"input": A}),
    ("min", (), {"input": A}),
]


def _convert(lib, v):
    if isinstance(v, np.ndarray):
        return lib.tensor(v)
    if isinstance(v, list):
        return [_convert(lib, x) for x in v]
    return v


def _ids(case):
    return f"{case[0]}-{'-'.join(k for k in case[2] if k not in ('input', 'other'))}"


def check(ours, theirs):
    got, want = ours.detach().numpy(), theirs.detach().numpy()
    assert got.shape == want.shape
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_keywords_and_out_match_pytorch(torch, case):
    name, args, kw = case
    ours = getattr(sg, name)(*_convert(sg, list(args)), **{k: _convert(sg, v) for k, v in
                                                           kw.items()})
    theirs = getattr(torch, name)(*_convert(torch, list(args)),
                                  **{k: _convert(torch, v) for k, v in kw.items()})
    check(ours, theirs)
    out = sg.empty(0, dtype=ours.dtype)
    res = getattr(sg, name)(*_convert(sg, list(args)), out=out,
                            **{k: _convert(sg, v) for k, v in kw.items()})
    assert res is out
    check(out, theirs)


def test_add_keeps_old_positional_form():
    a = sg.tensor([1.0, 2.0])
    assert sg.add(a, 1).tolist() == [2.0, 3.0]
    assert sg.sub(a, a, alpha=0.5).tolist() == [0.5, 1.0]


def test_float_alpha_refused_for_integers(torch):
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        sg.add(sg.tensor([1, 2]), 1, alpha=0.5)
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        torch.add(torch.tensor([1, 2]), 1, alpha=0.5)


def test_div_bad_rounding_mode():
    with pytest.raises(ValueError, match="rounding_mode"):
        sg.div(sg.ones(2), 2, rounding_mode="round")


def test_integer_trunc_division_matches_pytorch(torch):
    a = np.array([7, -7, 6, -6, 1, -1], dtype=np.int64)
    for b in (2, -2, 3):
        ours = sg.div(sg.tensor(a), b, rounding_mode="trunc")
        theirs = torch.div(torch.tensor(a), b, rounding_mode="trunc")
        assert ours.tolist() == theirs.tolist()
        assert ours.dtype == sg.int64


def test_out_writes_in_place_and_bumps_version():
    out = sg.zeros(2)
    base_data = out._data
    v = out._version
    sg.mul(sg.tensor([1.0, 2.0]), 3, out=out)
    assert out._version == v + 1
    assert out._data is base_data  # same shape: the memory is written, not replaced
    assert out.tolist() == [3.0, 6.0]


def test_out_writes_through_a_view():
    base = sg.zeros(2, 3)
    sg.add(sg.ones(3), 1, out=base[0])
    assert base.tolist() == [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]


def test_out_resized_with_warning_like_pytorch(torch):
    out, tout = sg.empty(5), torch.empty(5)
    with pytest.warns(UserWarning, match="resized"):
        sg.exp(sg.zeros(2, 2), out=out)
    with pytest.warns(UserWarning, match="resized"):
        torch.exp(torch.zeros(2, 2), out=tout)
    assert out.shape == tout.shape == (2, 2)
    empty = sg.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty out is resized silently
        sg.exp(sg.zeros(3), out=empty)
    assert empty.shape == (3,)


def test_out_dtype_casting_like_pytorch(torch):
    # int64 into float32 is allowed, float32 into int64 is not
    out = sg.empty(2)
    sg.add(sg.tensor([1, 2]), 1, out=out)
    assert out.dtype == sg.float32 and out.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        sg.add(sg.ones(2), 1, out=sg.empty(2, dtype=sg.int64))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.add(torch.ones(2), 1, out=torch.empty(2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="can't be cast"):
        sg.add(sg.tensor([1, 2]), 1, out=sg.empty(2, dtype=sg.bool))


@pytest.mark.parametrize("which", ["input", "out"])
def test_out_refused_when_an_argument_requires_grad(torch, which):
    msg = "functions with out=... arguments don't support automatic differentiation"
    for lib in (sg, torch):
        x = lib.ones(2, requires_grad=which == "input")
        out = lib.empty(2, requires_grad=which == "out")
        with pytest.raises(RuntimeError, match=msg):
            lib.add(x, 1, out=out)
    with pytest.raises(RuntimeError, match=msg):
        sg.cat([sg.ones(2, requires_grad=True)], out=sg.empty(2))


def test_out_allowed_under_no_grad():
    x = sg.ones(2, requires_grad=True)
    out = sg.empty(2)
    with sg.no_grad():
        assert sg.mul(x, 2, out=out) is out
    assert not out.requires_grad and out.tolist() == [2.0, 2.0]


def test_max_with_dim_writes_a_pair(torch):
    x = randn(3, 4)
    vals, idx = sg.empty(0), sg.empty(0, dtype=sg.int64)
    res = sg.max(sg.tensor(x), 1, out=(vals, idx))
    assert res.values is vals and res.indices is idx
    want = torch.max(torch.tensor(x), 1)
    check(vals, want.values)
    assert idx.tolist() == want.indices.tolist()
    with pytest.raises(TypeError, match="tuple of 2"):
        sg.min(sg.tensor(x), 1, out=sg.empty(0))
