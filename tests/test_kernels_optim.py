"""The fast variants of the optimizers' updates (scratchgrad/kernels/optim.py) against the
reference, each optimizer's plain ``_update``, which runs under ``kernels.reference()``.

Every variant promises the reference's parameters and state bit for bit (the fused loops
differ only in state values below the smallest normal number, which these few steps from
random values never reach). A spy checks that the variant, and for the fused one its compiled
loop, really ran.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import kernels, optim
from scratchgrad.kernels import numba_cpu
from scratchgrad.kernels import optim as K

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),  # the other form of the lerp
    ("AdamW", dict(lr=0.01, weight_decay=0.2)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True, initial_accumulator_value=0.1)),
]
# The compiled loop behind each fused variant (kernels/numba_cpu.py).
LOOPS = {"SGD": "sgd_update", "Adam": "adam_update", "AdamW": "adam_update",
         "RMSprop": "rmsprop_update", "Adagrad": "adagrad_update"}
SHAPES = [(7, 33), (5,), (2, 3, 4)]  # 231 elements: Adam's NumPy variant in four chunks


def _ids(cases):
    return [f"{name}-{i}" for i, (name, _) in enumerate(cases)]


@contextlib.contextmanager
def _kernels_on():
    """Kernels on for the block, also under SCRATCHGRAD_KERNELS=reference."""
    was = kernels.enabled()
    kernels.enable()
    try:
        yield
    finally:
        if not was:
            kernels.disable()


def _train(name, kwargs, dtype, steps=6, strided=False):
    """Parameters and state after ``steps`` steps on fixed random gradients (strided views
    with ``strided``)."""
    rng = np.random.default_rng(7)
    params = [sg.Parameter(sg.tensor(rng.standard_normal(s).astype(dtype))) for s in SHAPES]
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            g = sg.tensor(rng.standard_normal(p.shape + (2,)).astype(dtype))[..., 1]
            p.grad = g if strided else g.contiguous()
        opt.step()
    return [p._data.copy() for p in params], [dict(opt.state[p]) for p in params]


def _assert_same(ref, got, dtype):
    (ref_params, ref_state), (params, state) = ref, got
    for a, b in zip(ref_params, params):
        assert b.dtype == dtype
        np.testing.assert_array_equal(b, a)
    for sa, sb in zip(ref_state, state):
        assert sa.keys() == sb.keys()
        for key in sa:
            np.testing.assert_array_equal(sb[key], sa[key], err_msg=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_numpy_variant_equals_the_reference_bit_for_bit(monkeypatch, case, dtype):
    name, kwargs = case
    monkeypatch.setattr(K, "_CHUNK", 64)
    reference = getattr(optim, name)._update
    variants, calls = K.UPDATES[reference], []
    monkeypatch.setitem(K.UPDATES, reference, variants._replace(
        numpy=lambda *a, **k: calls.append(1) or variants.numpy(*a, **k)))
    with kernels.reference():
        ref = _train(name, {**kwargs, "fused": False}, dtype)
    with _kernels_on():
        got = _train(name, {**kwargs, "fused": False}, dtype)
    assert len(calls) == 6 * len(SHAPES)
    _assert_same(ref, got, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_fused_variant_equals_the_reference_bit_for_bit(monkeypatch, fused_kernels, case,
                                                        dtype):
    name, kwargs = case
    calls = []
    loop = getattr(numba_cpu, LOOPS[name])
    monkeypatch.setattr(numba_cpu, LOOPS[name],
                        lambda *a, **k: calls.append(1) or loop(*a, **k))
    with kernels.reference():
        ref = _train(name, {**kwargs, "fused": True}, dtype)
    assert not calls  # fused=True runs the plain update under the reference
    with _kernels_on():
        got = _train(name, {**kwargs, "fused": True}, dtype)
    assert len(calls) == 6 * len(SHAPES)
    _assert_same(ref, got, dtype)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_fused_variant_leaves_arrays_it_cannot_take_to_the_numpy_one(monkeypatch,
                                                                    fused_kernels, case):
    """Strided gradients: the fused variant runs the NumPy one, with the reference's values."""
    name, kwargs = case
    calls = []
    monkeypatch.setattr(numba_cpu, LOOPS[name], lambda *a, **k: calls.append(1))
    with kernels.reference():
        ref = _train(name, {**kwargs, "fused": True}, np.float32, strided=True)
    with _kernels_on():
        got = _train(name, {**kwargs, "fused": True}, np.float32, strided=True)
    assert not calls
    _assert_same(ref, got, np.float32)


def test_the_update_is_picked_in_one_place(monkeypatch):
    """Optimizer._update_fn: the reference when kernels are off, else the fused variant when
    ``fused`` allows it, else the NumPy one; an optimizer without variants (or a subclass
    with its own _update) always runs its own."""
    w = sg.Parameter(sg.ones(3))
    opt = optim.Adam([w], fused=False)
    group, variants = opt.param_groups[0], K.UPDATES[optim.Adam._update]
    with _kernels_on():
        assert opt._update_fn(group) is variants.numpy
        monkeypatch.setitem(group, "fused", None)  # a small group: not worth loading Numba
        assert opt._update_fn(group) is variants.numpy
        monkeypatch.setattr(K, "worth_it", lambda params: True)
        assert opt._update_fn(group) is variants.fused
        monkeypatch.setitem(group, "fused", True)
        assert opt._update_fn(group) is variants.fused

        class Mine(optim.Adam):
            def _update(self, x, g, *state, **options):
                x -= 1.0

        mine = Mine([sg.Parameter(sg.ones(3))], fused=None)
        assert mine._update_fn(mine.param_groups[0]) is Mine._update
        assert mine._replay_step() is None
        assert optim.Adamax([w])._replay_step() is None
    with kernels.reference():
        assert opt._update_fn(group) is optim.Adam._update
        assert opt._replay_step() is None  # a compiled plan calls step(): the reference
