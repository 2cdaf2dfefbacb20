"""The in-place methods, aliases and small attributes of Tensor, against PyTorch on the same
inputs: values, dtype, ``returns self``, the version counter, and the refusal on a leaf that
requires grad while autograd records. The random fills: reproducible under ``manual_seed``,
with the right statistics."""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest

import scratchgrad as sg

_RNG = np.random.default_rng(0)
_X = _RNG.uniform(-0.9, 0.9, (3, 4)).astype(np.float32)      # in every domain below
_P = _RNG.uniform(0.2, 0.9, (3, 4)).astype(np.float32)       # (0, 1): logit, acosh after +1
_Y = _RNG.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
_I = _RNG.integers(1, 16, (3, 4))
_J = _RNG.integers(1, 16, (3, 4))
_M = _RNG.random((3, 4)) < 0.5


def _lib_args(lib: Any, args: tuple) -> tuple:
    """NumPy arrays among the arguments become tensors of ``lib``."""
    def conv(a: Any) -> Any:
        if isinstance(a, tuple):
            return tuple(conv(b) for b in a)
        if not isinstance(a, np.ndarray):
            return a
        return sg.tensor(a) if lib is sg else _torch().from_numpy(a.copy())
    return tuple(conv(a) for a in args)


def _torch() -> Any:
    import torch

    return torch


# (method, base array, extra arguments): each runs on scratchgrad and torch
UNARY = ["abs_", "absolute_", "neg_", "negative_", "sign_", "sgn_", "exp_", "exp2_", "expm1_",
         "sqrt_", "rsqrt_", "square_", "reciprocal_", "sin_", "cos_", "tan_", "asin_", "acos_",
         "atan_", "arcsin_", "arccos_", "arctan_", "sinh_", "cosh_", "tanh_", "asinh_",
         "atanh_", "arcsinh_", "arctanh_", "sigmoid_", "relu_", "erf_", "erfc_", "erfinv_",
         "sinc_", "deg2rad_", "rad2deg_", "floor_", "ceil_", "trunc_", "fix_", "frac_",
         "round_", "nan_to_num_"]
POSITIVE = ["log_", "log2_", "log10_", "log1p_", "lgamma_", "digamma_"]
CASES: list[tuple[str, np.ndarray, tuple]] = (
    [(m, _X, ()) for m in UNARY] + [(m, _Y, ()) for m in POSITIVE] + [
        ("acosh_", _Y + 1, ()), ("arccosh_", _Y + 1, ()), ("logit_", _P, ()),
        ("logit_", _P, (0.3,)), ("pow_", _Y, (1.5,)), ("pow_", _Y, (_X,)),
        ("multiply_", _X, (_Y,)), ("subtract_", _X, (_Y,)), ("divide_", _X, (_Y,)),
        ("divide_", _X, (_Y,), ), ("true_divide_", _X, (_Y,)), ("floor_divide_", _X, (_Y,)),
        ("remainder_", _X, (_Y,)), ("fmod_", _X, (_Y,)), ("atan2_", _X, (_Y,)),
        ("arctan2_", _X, (_Y,)), ("hypot_", _X, (_Y,)), ("copysign_", _Y, (_X,)),
        ("xlogy_", _X, (_Y,)), ("lerp_", _X, (_Y, 0.3)), ("clip_", _X, (-0.5, 0.5)),
        ("eq_", _X, (_X,)), ("ne_", _X, (0.1,)), ("lt_", _X, (0.0,)), ("le_", _X, (_Y,)),
        ("gt_", _X, (0.0,)), ("ge_", _X, (0.2,)), ("less_", _X, (0.0,)),
        ("less_equal_", _X, (0.0,)), ("greater_", _X, (0.0,)), ("greater_equal_", _X, (0.0,)),
        ("not_equal_", _X, (0.0,)),
        ("gcd_", _I, (_J,)), ("lcm_", _I, (_J,)), ("bitwise_and_", _I, (_J,)),
        ("bitwise_or_", _I, (_J,)), ("bitwise_xor_", _I, (_J,)), ("bitwise_not_", _I, ()),
        ("bitwise_left_shift_", _I, (np.full((3, 4), 2),)),
        ("bitwise_right_shift_", _I, (np.full((3, 4), 2),)),
        ("logical_and_", _M, (~_M,)), ("logical_or_", _M, (~_M,)),
        ("logical_xor_", _M, (_M,)), ("logical_not_", _M, ()),
        ("addcmul_", _X, (_Y, _X), ), ("addcdiv_", _X, (_X, _Y)),
        ("addmm_", _X, (_Y[:, :3], _Y[:3])), ("addmv_", _X[0, :3], (_Y[:3], _X[1])),
        ("addr_", _X, (_Y[:, 0], _Y[0])),
        ("addbmm_", _X, (np.stack([_Y, _Y])[:, :, :3], np.stack([_Y[:3], _Y[:3]]))),
        ("baddbmm_", np.stack([_X, _X]), (np.stack([_Y[:, :3]] * 2), np.stack([_Y[:3]] * 2))),
        ("cumsum_", _X, (1,)), ("cumprod_", _X, (0,)), ("renorm_", _X, (2, 0, 0.5)),
        ("tril_", _X, ()), ("triu_", _X, (1,)),
        ("index_fill_", _X, (1, np.array([0, 2]), -1.0)),
        ("index_copy_", _X, (1, np.array([3, 0]), _Y[:, :2])),
        ("index_put_", _X, ((np.array([0, 2]),), _Y[0])),
        ("masked_scatter_", _X, (_M, _Y)),
        ("put_", _X, (np.array([0, 5, 11]), _Y[0, :3])),
        ("scatter_", _X, (1, np.array([[0], [2], [1]]), _Y[:, :1])),
        ("scatter_add_", _X, (0, np.array([[0, 1, 2, 0]]), _Y[:1])),
        ("scatter_reduce_", _X, (0, np.array([[0, 1, 2, 0]]), _Y[:1], "amax")),
        ("fill_diagonal_", _X, (5.0,)),
        ("t_", _X, ()), ("transpose_", _X, (0, 1)), ("swapaxes_", _X, (0, 1)),
        ("swapdims_", _X, (1, 0)), ("squeeze_", _X[:1], ()), ("unsqueeze_", _X, (1,)),
        ("resize_", _X, (2, 3)),
    ])


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)])
def test_inplace_method_matches_torch(case, torch):
    name, base, args = case
    x, tx = sg.tensor(base.copy()), torch.from_numpy(base.copy())
    v = x._version
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(x, name)(*_lib_args(sg, args))
        tout = getattr(tx, name)(*_lib_args(torch, args))
    assert out is x and tout is tx
    assert x._version > v
    assert x.shape == tuple(tx.shape)
    assert np.dtype(x.dtype) == tx.numpy().dtype
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name, args", [("exp_", ()), ("uniform_", ()), ("t_", ()),
                                        ("lerp_", (sg.zeros(3, 4), 0.5)), ("fill_diagonal_",
                                                                            (1.0,)),
                                        ("index_fill_", (0, sg.tensor([0]), 1.0))])
def test_inplace_refuses_a_leaf_that_requires_grad(name, args):
    x = sg.zeros(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation"):
        getattr(x, name)(*args)
    with sg.no_grad():
        assert getattr(x, name)(*args) is x


def test_inplace_keeps_the_dtype_and_refuses_a_lossy_cast_like_torch(torch):
    x = sg.tensor([1, 4, 9])
    with pytest.raises(TypeError, match="can't be cast"):
        x.sqrt_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 4, 9]).sqrt_()
    assert x.tolist() == [1, 4, 9] and x._version == 0


def test_inplace_after_use_in_the_graph_makes_backward_refuse():
    w = sg.ones(3, requires_grad=True)
    x = sg.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()
    x.exp_()
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


@pytest.mark.parametrize("name", ["sqrt_", "abs_", "exp_", "clip_"])
def test_torch_function_forms_of_inplace_methods(name, torch):
    args = (-0.5, 0.5) if name == "clip_" else ()
    x, tx = sg.tensor(_Y.copy()), torch.from_numpy(_Y.copy())
    assert getattr(sg, name)(x, *args) is x
    getattr(torch, name)(tx, *args)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-6)


# ---------------------------------------------------------------------- random fills
FILLS: list[tuple[str, tuple, Callable, Callable]] = [
    # name, args, mean, variance (None: not checked)
    ("uniform_", (-1.0, 3.0), lambda: 1.0, lambda: 16 / 12),
    ("normal_", (2.0, 0.5), lambda: 2.0, lambda: 0.25),
    ("exponential_", (2.0,), lambda: 0.5, lambda: 0.25),
    ("geometric_", (0.25,), lambda: 4.0, lambda: 0.75 / 0.0625),
    ("log_normal_", (0.0, 0.5), lambda: np.exp(0.125), lambda: (np.exp(0.25) - 1) * np.exp(0.25)),
    ("bernoulli_", (0.3,), lambda: 0.3, lambda: 0.21),
]


@pytest.mark.parametrize("name, args, mean, var", FILLS, ids=[f[0] for f in FILLS])
def test_random_fills_are_reproducible_and_have_the_right_moments(name, args, mean, var):
    sg.manual_seed(7)
    a = getattr(sg.empty(200_000), name)(*args)
    sg.manual_seed(7)
    b = getattr(sg.empty(200_000), name)(*args)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == sg.float32
    assert abs(float(a.mean()) - mean()) < 0.02 * max(1.0, abs(mean()))
    assert abs(float(a.var()) - var()) < 0.05 * max(1.0, var())


def test_random_fill_supports_and_cauchy_median():
    sg.manual_seed(0)
    r = sg.empty(10_000).random_(3, 7)
    assert set(np.unique(r.numpy())) == {3.0, 4.0, 5.0, 6.0}
    ints = sg.zeros(10_000, dtype=sg.int64).random_(5)
    assert ints.dtype == sg.int64 and set(np.unique(ints.numpy())) == set(range(5))
    c = sg.empty(100_001).cauchy_(1.0, 2.0)
    assert abs(float(np.median(c.numpy())) - 1.0) < 0.1
    g = sg.empty(10_000).geometric_(0.5)
    assert float(g.min()) >= 1.0
    u = sg.empty(1000).uniform_(generator=sg.Generator(3))
    v = sg.empty(1000).uniform_(generator=sg.Generator(3))
    np.testing.assert_array_equal(u.numpy(), v.numpy())


def test_random_fills_refuse_integer_tensors():
    with pytest.raises(TypeError, match="floating-point"):
        sg.zeros(3, dtype=sg.int64).normal_()


# ---------------------------------------------------------------------- aliases and attributes
ALIASES = [("absolute", ()), ("negative", ()), ("positive", ()), ("multiply", (_Y,)),
           ("subtract", (_Y,)), ("divide", (_Y,)), ("greater", (_Y,)),
           ("greater_equal", (_Y,)), ("less", (_Y,)), ("less_equal", (_Y,)),
           ("not_equal", (_Y,)), ("arccos", ()), ("arcsin", ()), ("arctan", ()),
           ("arcsinh", ()), ("arctanh", ()), ("arctan2", (_Y,)), ("fix", ()), ("sgn", ()),
           ("swapaxes", (0, 1)), ("swapdims", (1, 0)), ("moveaxis", (0, 1)), ("ravel", ()),
           ("adjoint", ()), ("fliplr", ()), ("flipud", ()), ("msort", ()), ("nan_to_num", ()),
           ("signbit", ()), ("isposinf", ()), ("isneginf", ()), ("isreal", ()),
           ("narrow_copy", (1, 1, 2)), ("diagflat", ()), ("hardshrink", ()),
           ("logcumsumexp", (1,)), ("cov", ()), ("corrcoef", ())]


@pytest.mark.parametrize("name, args", ALIASES, ids=[a[0] for a in ALIASES])
def test_aliases_match_torch_as_methods_and_functions(name, args, torch):
    x, tx = sg.tensor(_X), torch.from_numpy(_X.copy())
    got, want = getattr(x, name)(*_lib_args(sg, args)), getattr(tx, name)(*_lib_args(torch, args))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert np.dtype(got.dtype) == want.numpy().dtype
    if hasattr(torch, name):
        np.testing.assert_allclose(getattr(sg, name)(x, *_lib_args(sg, args)).numpy(),
                                   want.numpy(), rtol=1e-5, atol=1e-6)


def test_divide_rounding_modes_match_torch(torch):
    a, b = np.array([-7.0, 7.0, 5.5], np.float32), np.array([2.0, -2.0, 2.0], np.float32)
    for mode in ("trunc", "floor"):
        np.testing.assert_array_equal(
            sg.divide(sg.tensor(a), sg.tensor(b), rounding_mode=mode).numpy(),
            torch.divide(torch.from_numpy(a), torch.from_numpy(b), rounding_mode=mode).numpy())


def test_small_attributes_match_torch(torch):
    x, tx = sg.tensor(_X), torch.from_numpy(_X.copy())
    for name in ("is_cpu", "is_cuda", "itemsize", "nbytes", "output_nr"):
        assert getattr(x, name) == getattr(tx, name), name
    for name in ("element_size", "nelement", "ndimension", "get_device", "is_signed",
                 "is_inference"):
        assert getattr(x, name)() == getattr(tx, name)(), name
    assert x.is_same_size(sg.zeros(3, 4)) and not x.is_same_size(sg.zeros(4, 3))
    assert sg.tensor([2.0]).is_nonzero() and not sg.tensor([0]).is_nonzero()
    np.testing.assert_array_equal(x.H.numpy(), tx.H.numpy())
    np.testing.assert_array_equal(x.mH.numpy(), tx.mH.numpy())
    for name in ("half", "short", "char", "byte"):
        assert np.dtype(getattr(x, name)().dtype) == getattr(tx, name)().numpy().dtype, name
    assert x.new(2, 3).shape == (2, 3) and x.new([1.0]).dtype == x.dtype
    assert sg.int is sg.int32 and sg.short is sg.int16 and isinstance(x.dtype, sg.dtype)
    assert sg.numel(x) == 12 and sg.is_floating_point(x) and sg.get_device(x) == -1


# ---------------------------------------------------------------------- under compile
def test_compiled_function_with_new_inplace_methods_replays():
    def f(x):
        y = x * 2
        y.exp_().clip_(0.0, 5.0)
        y.t_()
        return y

    cf = sg.compile(f)
    for _ in range(3):
        a = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
        np.testing.assert_allclose(cf(sg.tensor(a)).numpy(), f(sg.tensor(a)).numpy(),
                                   rtol=1e-6)


def test_is_floating_point_is_a_method_as_in_pytorch():
    import torch

    for lib in (sg, torch):
        assert lib.ones(2).is_floating_point() is True
        assert lib.ones(2, dtype=lib.int64).is_floating_point() is False
