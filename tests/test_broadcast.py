"""Broadcasting, generated: every binary op on mutually broadcastable shapes (0-d, size-1 and
empty dimensions included). The forward equals NumPy's; every gradient has its input's shape and
equals PyTorch's for the same random upstream gradient (float64 on both sides)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import scratchgrad as sg

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _normal(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape)


def _positive(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape)


def _distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values on a grid of step 1 offset by 0.5 for one operand and by 0.25 for the other (see
    BINARY): maximum and minimum never see a tie."""
    return rng.integers(-5, 5, shape) + 0.5


def _distinct2(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.integers(-5, 5, shape) + 0.25


# name: (call(lib, a, b), NumPy reference, generators of a and b)
BINARY: dict[str, tuple[Callable, Callable, tuple]] = {
    "add": (lambda lib, a, b: a + b, np.add, (_normal, _normal)),
    "sub": (lambda lib, a, b: a - b, np.subtract, (_normal, _normal)),
    "mul": (lambda lib, a, b: a * b, np.multiply, (_normal, _normal)),
    "div": (lambda lib, a, b: a / b, np.divide, (_normal, _positive)),
    "pow": (lambda lib, a, b: a ** b, np.power, (_positive, _normal)),
    "maximum": (lambda lib, a, b: lib.maximum(a, b), np.maximum, (_distinct, _distinct2)),
    "minimum": (lambda lib, a, b: lib.minimum(a, b), np.minimum, (_distinct, _distinct2)),
}


def _check(call: Callable, ref: Callable, arrays: list[np.ndarray], torch: Any,
           constants: tuple = ()) -> None:
    """Forward against NumPy; gradient shapes; gradients against PyTorch (float64)."""
    xs = [sg.tensor(a, requires_grad=True) for a in arrays]
    out = call(sg, *constants, *xs)
    expected = ref(*constants, *arrays)
    assert out.shape == expected.shape, f"shape {out.shape}, NumPy gives {expected.shape}"
    assert out.dtype == sg.float64
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-12)

    u = np.random.default_rng(0).standard_normal(out.shape)
    grads = sg.autograd.grad(out, xs, grad_outputs=sg.tensor(u), allow_unused=True)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    tconst = tuple(torch.from_numpy(np.asarray(c)) for c in constants)
    tout = call(torch, *tconst, *txs)
    tgrads = torch.autograd.grad(tout, txs, grad_outputs=torch.from_numpy(u), allow_unused=True)
    for k, (a, g, tg) in enumerate(zip(arrays, grads, tgrads)):
        g = np.zeros(a.shape) if g is None else g.numpy()
        tg = np.zeros(a.shape) if tg is None else tg.numpy()
        assert g.shape == a.shape, f"grad of input {k}: shape {g.shape}, input {a.shape}"
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12,
                                   err_msg=f"grad of input {k}")


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0,
                                            max_side=4), seed=st.integers(0, 2 ** 16))
def test_binary_op_broadcasts_like_numpy(name: str, shapes: Any, seed: int, torch):
    call, ref, makers = BINARY[name]
    rng = np.random.default_rng(seed)
    arrays = [make(rng, s) for make, s in zip(makers, shapes.input_shapes)]
    _check(call, ref, arrays, torch)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, min_side=0,
                                            max_side=4), seed=st.integers(0, 2 ** 16))
def test_where_broadcasts_condition_and_both_branches(shapes: Any, seed: int, torch):
    rng = np.random.default_rng(seed)
    cond_shape, a_shape, b_shape = shapes.input_shapes
    cond = rng.random(cond_shape) < 0.5
    arrays = [rng.standard_normal(a_shape), rng.standard_normal(b_shape)]
    _check(lambda lib, c, a, b: lib.where(c, a, b), np.where, arrays, torch, constants=(cond,))


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3,
                                            min_side=1, max_side=4),
       seed=st.integers(0, 2 ** 16))
def test_matmul_broadcasts_batch_dimensions(shapes: Any, seed: int, torch):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    _check(lambda lib, a, b: a @ b, np.matmul, arrays, torch)
