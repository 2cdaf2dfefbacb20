"""Optimizers against torch.optim: 50 steps on a fixed problem follow PyTorch's trajectory.

Each side computes its own gradients with its own autograd from the same initial values, so
the comparison covers the whole loop (loss, backward, zero_grad, step), not only the update.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import optim

# Every test here runs once per device under test (tests/conftest.py: the device fixture).
pytestmark = pytest.mark.usefixtures("device")

RTOL = 1e-5
NAMES = ("W", "b", "s")
# For tests of a fast variant of an update (scratchgrad/kernels/optim.py): kernels on for the
# test, also in a SCRATCHGRAD_KERNELS=reference session (where every optimizer otherwise runs
# its plain update).
needs_kernels = pytest.mark.usefixtures("kernels_on")


def _problem():
    """Least squares with a Rosenbrock-like coupling term: three parameter tensors."""
    rng = np.random.default_rng(1234)
    X = rng.standard_normal((16, 4)).astype(np.float32)
    Y = rng.standard_normal((16, 3)).astype(np.float32)
    init = {
        "W": (0.5 * rng.standard_normal((3, 4))).astype(np.float32),
        "b": (0.1 * rng.standard_normal(3)).astype(np.float32),
        "s": rng.uniform(0.5, 1.5, 4).astype(np.float32),
    }
    return X, Y, init


X, Y, INIT = _problem()


def _loss(W, b, s, X, Y, sign):
    """Written with operators only, so it runs on scratchgrad and torch tensors alike."""
    r = (X * s) @ W.T + b - Y
    return sign * ((r * r).mean() + 0.5 * ((s * s - 1.0) ** 2).sum())


def _groups(params, groups):
    """``groups`` is None (one group) or a list of (parameter indices, options)."""
    if groups is None:
        return params
    return [{"params": [params[i] for i in idx], **opts} for idx, opts in groups]


class _Sg:
    """The scratchgrad side of a run."""

    def __init__(self, name, kwargs, groups=None, sign=1.0, values=None):
        values = INIT if values is None else values
        self.params = [sg.Parameter(np.array(values[k])) for k in NAMES]
        self.opt = getattr(optim, name)(_groups(self.params, groups), **kwargs)
        self.X, self.Y, self.sign = sg.tensor(X), sg.tensor(Y), sign

    def step(self):
        self.opt.zero_grad()
        loss = _loss(*self.params, self.X, self.Y, self.sign)
        loss.backward()
        self.opt.step()
        return loss.item()

    def values(self):
        return [np.array(sg.backend.to_numpy(p._data)) for p in self.params]  # on the host


class _Torch:
    """The PyTorch side of the same run."""

    def __init__(self, torch, name, kwargs, groups=None, sign=1.0, values=None):
        values = INIT if values is None else values
        self.torch = torch
        self.params = [torch.tensor(np.array(values[k]), requires_grad=True) for k in NAMES]
        self.opt = getattr(torch.optim, name)(_groups(self.params, groups), **kwargs)
        self.X, self.Y, self.sign = torch.tensor(X), torch.tensor(Y), sign

    def step(self):
        self.opt.zero_grad()
        loss = _loss(*self.params, self.X, self.Y, self.sign)
        loss.backward()
        self.opt.step()
        return loss.item()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def _assert_close(ours, theirs, step, rtol=RTOL):
    for name, a, b in zip(NAMES, ours, theirs):
        # Relative to the tensor's scale: an entry crossing zero has no meaningful relative
        # error of its own.
        err = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)
        assert err <= rtol, f"step {step}: parameter {name} differs from torch by {err:.2e}"


def _assert_float32(opt):
    for group in opt.param_groups:
        for p in group["params"]:
            assert p._data.dtype == np.float32, p._data.dtype
    for state in opt.state.values():
        for key, value in state.items():
            if hasattr(value, "dtype") and hasattr(value, "shape"):  # NumPy or CuPy
                assert value.dtype == np.float32, (key, value.dtype)
            else:
                assert key in type(opt)._scalar_state and isinstance(value, float), \
                    (key, type(value))


# (optimizer, options, sign of the loss): maximize=True runs on the negated loss, so it still
# descends and the trajectory stays bounded.
CASES = [
    ("SGD", dict(lr=0.05), 1.0),
    ("SGD", dict(lr=0.05, momentum=0.9), 1.0),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), 1.0),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.1), 1.0),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True), -1.0),
    ("Adagrad", dict(lr=0.1), 1.0),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1),
     1.0),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True), -1.0),
    ("Adadelta", dict(), 1.0),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1), 1.0),
    ("Adadelta", dict(maximize=True), -1.0),
    ("RMSprop", dict(lr=0.01), 1.0),
    ("RMSprop", dict(lr=0.01, centered=True), 1.0),
    ("RMSprop", dict(lr=0.01, momentum=0.9), 1.0),
    ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, centered=True, momentum=0.5,
                     weight_decay=0.1), 1.0),
    ("RMSprop", dict(lr=0.01, maximize=True), -1.0),
    ("Adam", dict(lr=0.01), 1.0),
    ("Adam", dict(lr=0.01, amsgrad=True), 1.0),
    ("Adam", dict(lr=0.01, weight_decay=0.1), 1.0),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True), 1.0),
    ("Adam", dict(lr=0.01, maximize=True), -1.0),
    ("AdamW", dict(lr=0.01), 1.0),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True), 1.0),
    ("AdamW", dict(lr=0.01, maximize=True), -1.0),
    ("Adamax", dict(lr=0.01), 1.0),
    ("Adamax", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1), 1.0),
    ("Adamax", dict(lr=0.01, maximize=True), -1.0),
    ("NAdam", dict(lr=0.01), 1.0),
    ("NAdam", dict(lr=0.01, weight_decay=0.1), 1.0),
    ("NAdam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1,
                   decoupled_weight_decay=True), 1.0),
    ("NAdam", dict(lr=0.01, momentum_decay=0.05, betas=(0.8, 0.95)), 1.0),
    ("NAdam", dict(lr=0.01, maximize=True), -1.0),
    ("RAdam", dict(lr=0.01), 1.0),
    ("RAdam", dict(lr=0.01, weight_decay=0.1), 1.0),
    ("RAdam", dict(lr=0.02, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1,
                   decoupled_weight_decay=True), 1.0),  # rho_t > 5 from step 3
    ("RAdam", dict(lr=0.01, maximize=True), -1.0),
    ("ASGD", dict(lr=0.05), 1.0),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10.0, weight_decay=0.1), 1.0),
    ("ASGD", dict(lr=0.05, t0=5.0, maximize=True), -1.0),
    ("Rprop", dict(lr=0.01), 1.0),
    ("Rprop", dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05)), 1.0),
    ("Rprop", dict(lr=0.01, maximize=True), -1.0),
]


def _case_id(case):
    name, kwargs, _ = case
    return name + "-" + ("-".join(f"{k}={v}" for k, v in kwargs.items()) or "defaults")


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_follows_torch_for_50_steps(torch, case):
    name, kwargs, sign = case
    ours, theirs = _Sg(name, kwargs, sign=sign), _Torch(torch, name, kwargs, sign=sign)
    first_loss = None
    for step in range(50):
        loss = ours.step()
        theirs.step()
        first_loss = loss if first_loss is None else first_loss
        _assert_close(ours.values(), theirs.values(), step)
    assert abs(loss) < abs(first_loss), "the run should make progress"
    _assert_float32(ours.opt)


ADAM_CASES = [c for c in CASES if c[0] in ("Adam", "AdamW")]


@needs_kernels
@pytest.mark.cpu_only("chunks are for the CPU's caches; CuPy arrays are updated whole")
@pytest.mark.parametrize("case", ADAM_CASES, ids=[_case_id(c) for c in ADAM_CASES])
def test_adam_in_chunks_equals_whole_arrays_bit_for_bit(monkeypatch, case):
    """Adam updates large parameters chunk by chunk (kernels/optim.py, _chunked); with chunks
    of 5 elements (the 12-element W in three chunks, the last one short; b and s whole) every
    value equals the whole-array update, and the chunks really ran."""
    from scratchgrad.kernels import optim as K

    chunked = K._chunked
    name, kwargs, sign = case
    runs = []
    for chunk, w_sizes in ((1 << 30, [12]), (5, [5, 5, 2])):
        monkeypatch.setattr(K, "_CHUNK", chunk)
        sizes = []

        def counted(arrays):
            for part in chunked(arrays):
                sizes.append(part[0].size)
                yield part

        monkeypatch.setattr(K, "_chunked", counted)
        ours = _Sg(name, {**kwargs, "fused": False}, sign=sign)  # the NumPy path
        for _ in range(10):
            ours.step()
        runs.append([v.copy() for v in ours.values()])
        assert sizes[:len(w_sizes) + 2] == w_sizes + [3, 4]  # W, then b and s whole
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# The optimizers with a fused kernel: their cases, plus beta1 <= 0.5 (the other form of
# Adam's lerp); each in float32 and float64.
FUSED_CASES = [c for c in CASES if c[0] in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW")] + [
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True), 1.0),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9)), 1.0),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.2), 1.0)]


@needs_kernels
@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays; CuPy keeps its path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", FUSED_CASES, ids=[_case_id(c) for c in FUSED_CASES])
def test_fused_update_equals_the_numpy_path_bit_for_bit(monkeypatch, fused_kernels, case,
                                                        dtype):
    """fused=True (one Numba loop per parameter, scratchgrad.fused) gives the very values of
    fused=False (NumPy's passes) after 30 steps: parameters and every state array. With
    test_follows_torch_for_50_steps (the NumPy path at this problem's size) both follow
    PyTorch."""
    fused = fused_kernels

    name, kwargs, sign = case
    calls = []
    kernel = {"SGD": "sgd_update", "Adagrad": "adagrad_update",
              "RMSprop": "rmsprop_update"}.get(name, "adam_update")
    monkeypatch.setattr(fused, kernel, lambda *a, _f=getattr(fused, kernel), **k:
                        calls.append(1) or _f(*a, **k))
    values = {k: v.astype(dtype) for k, v in INIT.items()}
    runs = [_Sg(name, {**kwargs, "fused": f}, sign=sign, values=values) for f in (False, True)]
    for _ in range(30):
        for r in runs:
            r.step()
    assert len(calls) == 30 * 3  # the fused run's three parameters, every step
    numpy_run, fused_run = runs
    for a, b in zip(numpy_run.values(), fused_run.values()):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
    for p, q in zip(numpy_run.params, fused_run.params):
        sa, sb = numpy_run.opt.state[p], fused_run.opt.state[q]
        assert sa.keys() == sb.keys()
        for key in sa:
            np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)


SUBNORMAL_CASES = [("Adam", dict(lr=1e-3)), ("AdamW", dict(lr=1e-3, weight_decay=0.0)),
                   ("SGD", dict(lr=0.1, momentum=0.9)),
                   ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.5)),
                   ("RMSprop", dict(lr=1e-3, alpha=0.5, centered=True, momentum=0.5))]


@needs_kernels
@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays; CuPy keeps its path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", SUBNORMAL_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SUBNORMAL_CASES)])
def test_fused_update_flushes_subnormal_state_and_keeps_the_weights(fused_kernels, name,
                                                                    kwargs, dtype):
    """A weight whose gradient goes to zero after one step: its running averages decay into
    the subnormal range (slow arithmetic on x86, scratchgrad.fused "subnormal state"). The
    NumPy path keeps them subnormal; the fused kernel stores zero, and the weights stay the
    same bit for bit."""
    tiny = np.finfo(dtype).tiny
    runs = []
    for fused in (False, True):
        w = sg.Parameter(sg.tensor(np.linspace(-1, 1, 64, dtype=dtype)))
        runs.append((w, getattr(optim, name)([w], fused=fused, **kwargs)))

    def state(run):
        w, opt = run
        return {key: s for key, s in opt.state[w].items()
                if isinstance(s, np.ndarray) and s.shape == (64,)}

    def subnormal(a):
        return (a != 0) & (abs(a) < tiny)

    for k in range(20000):  # until the NumPy path's state first holds a subnormal
        for w, opt in runs:
            w.grad = sg.tensor(np.full(64, 1e-3, dtype) if k == 0 else np.zeros(64, dtype))
            opt.step()
        if any(subnormal(s).any() for s in state(runs[0]).values()):
            break
    (w_np, state_np), (w_fused, state_fused) = [(w._data, state((w, o))) for w, o in runs]
    np.testing.assert_array_equal(w_np, w_fused)
    assert state_np.keys() == state_fused.keys() and state_np
    assert k < 19999, "the NumPy path's state should have decayed into subnormals"
    for key, s in state_fused.items():  # zero where the NumPy path's is subnormal
        assert not subnormal(s).any(), key
        flushed = subnormal(state_np[key])
        np.testing.assert_array_equal(s[~flushed], state_np[key][~flushed], err_msg=key)
        assert (s[flushed] == 0).all(), key


@needs_kernels
@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays; CuPy keeps its path")
def test_default_fuses_only_groups_worth_loading_numba_for(monkeypatch, fused_kernels):
    fused = fused_kernels

    calls = []
    for kernel in ("adam_update", "sgd_update"):
        monkeypatch.setattr(fused, kernel, lambda *a, **k: calls.append(a[0].size))
    n = fused.MIN_ELEMENTS
    for make, sizes, expected in ((optim.Adam, [n - 10, 9], []),
                                  (optim.Adam, [n - 10, 10], [n - 10, 10]),
                                  (optim.SGD, [n - 1], []), (optim.SGD, [n], [n])):
        params = [sg.Parameter(sg.ones(k)) for k in sizes]
        opt = make(params)
        sum((p * p).sum() for p in params).backward()
        calls.clear()
        opt.step()
        assert calls == expected, (make.__name__, sizes)


def test_fused_option_is_checked(monkeypatch):
    from scratchgrad.kernels import numba_cpu as fused

    w = [sg.Parameter(sg.ones(3))]
    with pytest.raises(TypeError, match="fused should be None, True or False, got 'yes'"):
        optim.Adam(w, fused="yes")
    monkeypatch.setattr(fused, "_status", [False])  # as without Numba, or SCRATCHGRAD_FUSED=0
    with pytest.raises(RuntimeError, match=r"AdamW\(fused=True\) needs Numba"):
        optim.AdamW(w, fused=True)
    opt = optim.Adam(w, lr=0.5)  # the default falls back to NumPy
    (w[0] * w[0]).sum().backward()
    opt.step()
    np.testing.assert_allclose(w[0].detach().numpy(), 0.5, rtol=1e-6)
    assert opt.param_groups[0]["fused"] is None


GROUP_CASES = [
    ("SGD", dict(lr=0.05), [([0], dict(lr=0.1)), ([1, 2], dict(momentum=0.9, nesterov=True))]),
    ("Adam", dict(lr=0.01), [([0, 2], dict(betas=(0.8, 0.95))), ([1], dict(lr=0.05,
                                                                            amsgrad=True))]),
    ("RMSprop", dict(lr=0.01), [([2], dict(centered=True)), ([0, 1], dict(momentum=0.5))]),
]


@pytest.mark.parametrize("case", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_param_groups_follow_torch(torch, case):
    name, kwargs, groups = case
    ours, theirs = _Sg(name, kwargs, groups), _Torch(torch, name, kwargs, groups)
    for step in range(50):
        ours.step()
        theirs.step()
        _assert_close(ours.values(), theirs.values(), step)


def test_state_and_groups_match_torch_layout(torch):
    kwargs = dict(lr=0.01, weight_decay=0.1, amsgrad=True)
    groups = [([0], dict(lr=0.02)), ([1, 2], dict())]
    ours, theirs = _Sg("Adam", kwargs, groups), _Torch(torch, "Adam", kwargs, groups)
    for _ in range(10):
        ours.step()
        theirs.step()
    a, b = ours.opt.state_dict(), theirs.opt.state_dict()
    assert list(a["state"]) == list(b["state"]) == [0, 1, 2]
    for i in a["state"]:
        assert list(a["state"][i]) == list(b["state"][i])
        for key, value in a["state"][i].items():
            np.testing.assert_allclose(value, b["state"][i][key].numpy(), rtol=1e-4, atol=1e-7)
    for ga, gb in zip(a["param_groups"], b["param_groups"]):
        assert ga["params"] == gb["params"]
        for key, value in ga.items():
            assert key in gb and gb[key] == value, key


def _to_plain_files(state_dict):
    """Save as a trainer would (arrays to .npz, the rest to JSON) and read it back."""
    arrays, meta = {}, {"state": {}, "param_groups": state_dict["param_groups"]}
    for i, entry in state_dict["state"].items():
        meta["state"][i] = {}
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                arrays[f"{i}/{key}"] = value
                meta["state"][i][key] = {"npz": f"{i}/{key}"}
            else:
                meta["state"][i][key] = value
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    text = json.dumps(meta)
    buf.seek(0)
    npz, meta = np.load(buf), json.loads(text)
    for entry in meta["state"].values():
        for key, value in entry.items():
            if isinstance(value, dict):
                entry[key] = npz[value["npz"]]
    return meta


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_state_dict_round_trip_continues_identically(case):
    name, kwargs, sign = case
    straight = _Sg(name, kwargs, sign=sign)
    for _ in range(10):
        straight.step()
    saved = straight.opt.state_dict()
    values = dict(zip(NAMES, straight.values()))

    resumed = _Sg(name, dict(kwargs, lr=123.0), sign=sign, values=values)  # lr is restored
    resumed.opt.load_state_dict(_to_plain_files(saved))
    assert resumed.opt.param_groups[0]["lr"] == kwargs.get("lr", straight.opt.defaults["lr"])
    for _ in range(10):
        straight.step()
        resumed.step()
    for a, b in zip(straight.values(), resumed.values()):
        np.testing.assert_array_equal(a, b)
    _assert_float32(resumed.opt)


def test_state_dict_is_a_snapshot():
    run = _Sg("Adam", dict(lr=0.01))
    run.step()
    saved = run.opt.state_dict()
    before = saved["state"][0]["exp_avg"].copy()
    run.step()
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], before)
    assert saved["state"][0]["step"] == 1.0


FROM_TORCH_CASES = [
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.05)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=5.0)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5))),
]


@pytest.mark.parametrize("name,kwargs", FROM_TORCH_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(FROM_TORCH_CASES)])
def test_loads_a_torch_state_dict_and_continues_like_torch(torch, name, kwargs):
    theirs = _Torch(torch, name, kwargs)
    for _ in range(10):
        theirs.step()
    sd = theirs.opt.state_dict()
    plain = {"state": {i: {k: v.numpy().copy() for k, v in s.items()}
                       for i, s in sd["state"].items()},
             "param_groups": sd["param_groups"]}
    ours = _Sg(name, dict(lr=0.5), values=dict(zip(NAMES, theirs.values())))
    ours.opt.load_state_dict(plain)
    _assert_float32(ours.opt)  # NAdam's mu_product, ASGD's eta and mu: 0-d tensors -> floats
    for step in range(10):
        ours.step()
        theirs.step()
        _assert_close(ours.values(), theirs.values(), step)


NEW_CASES = [c for c in CASES if c[0] in ("Adamax", "NAdam", "RAdam", "ASGD", "Rprop")] + [
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.9), maximize=True), -1.0),  # lerp's other form
    ("NAdam", dict(lr=0.01, momentum_decay=0.05, betas=(0.4, 0.9)), 1.0),
    ("RAdam", dict(lr=0.01, betas=(0.2, 0.5)), 1.0)]  # rho_t > 5 from the first step


@pytest.mark.parametrize("case", NEW_CASES, ids=[_case_id(c) for c in NEW_CASES])
def test_update_from_the_same_gradients_as_torch(torch, case):
    """The update alone: both sides get the same gradients at every step (the torch side's),
    so autograd's rounding can't make them drift apart; only the update's own rounding
    remains (PyTorch fuses some multiply-adds), and its parameters and state stay within a
    few float32 ulps for 50 steps, including the cases too sensitive for the run above."""
    name, kwargs, sign = case
    theirs = _Torch(torch, name, kwargs)
    ours = _Sg(name, kwargs)
    rng = np.random.default_rng(7)
    for step in range(50):
        theirs.opt.zero_grad()
        _loss(*theirs.params, theirs.X, theirs.Y, sign).backward()
        for p, q in zip(ours.params, theirs.params):
            g = q.grad.numpy()
            if step % 7 == 3:  # some exact zeros and sign changes, for Rprop and Adamax
                g = np.where(rng.random(g.shape) < 0.3, np.float32(0), -g)
                q.grad.copy_(torch.from_numpy(g))
            p.grad = sg.tensor(g.copy())
        theirs.opt.step()
        ours.opt.step()
        _assert_close(ours.values(), theirs.values(), step, rtol=2e-6)
    a, b = ours.opt.state_dict()["state"], theirs.opt.state_dict()["state"]
    for i in a:
        assert list(a[i]) == list(b[i])
        for key, value in a[i].items():
            np.testing.assert_allclose(value, b[i][key].numpy(), rtol=1e-5, atol=1e-7,
                                       err_msg=key)
    _assert_float32(ours.opt)


def test_adagrad_has_state_before_the_first_step(torch):
    ours = _Sg("Adagrad", dict(initial_accumulator_value=0.5))
    theirs = _Torch(torch, "Adagrad", dict(initial_accumulator_value=0.5))
    a, b = ours.opt.state_dict()["state"], theirs.opt.state_dict()["state"]
    assert list(a) == list(b) == [0, 1, 2]
    assert a[0]["step"] == 0.0
    np.testing.assert_array_equal(a[1]["sum"], b[1]["sum"].numpy())


# ---------------------------------------------------------------------- the base class
def test_zero_grad_drops_or_zeroes_in_place():
    w = sg.Parameter(sg.ones(3))
    opt = optim.SGD([w], lr=0.1)
    (w * 2.0).sum().backward()
    array = w.grad._data
    opt.zero_grad(set_to_none=False)
    assert w.grad._data is array and not array.any()
    (w * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad._data, [2.0, 2.0, 2.0])
    opt.zero_grad()
    assert w.grad is None


def test_step_skips_parameters_without_grad():
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(2))
    opt = optim.Adam([w, b], lr=0.1)
    (w * 3.0).sum().backward()
    opt.step()
    np.testing.assert_array_equal(b._data, [1.0, 1.0])
    assert not np.allclose(w._data, 1.0)
    assert b not in opt.state.keys() and len(opt.state) == 1


def test_step_does_not_change_the_gradient():
    w = sg.Parameter(sg.tensor([1.0, -2.0]))
    opt = optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5, maximize=True)
    (w * w).sum().backward()
    opt.step()
    opt.step()
    np.testing.assert_array_equal(w.grad._data, [2.0, -4.0])


def test_step_with_closure_returns_the_loss():
    w = sg.Parameter(sg.tensor([2.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with sg.no_grad():  # the closure still records a graph
        loss = opt.step(closure)
    assert loss.item() == 4.0 and w.item() == 1.0


def test_step_records_no_graph():
    w = sg.Parameter(sg.tensor([1.0, 2.0]))
    opt = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.creator is None and w.is_leaf and w.requires_grad


def test_add_param_group_uses_defaults_and_steps():
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(2))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.5
    (w + b).sum().backward()
    opt.step()
    np.testing.assert_allclose(b._data, [0.5, 0.5])
    np.testing.assert_allclose(w._data, [0.9, 0.9])


def test_added_group_gets_lazy_state_in_adagrad():
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(2))
    opt = optim.Adagrad([w], lr=0.1)
    opt.add_param_group({"params": [b], "initial_accumulator_value": 1.0})
    (w + b).sum().backward()
    opt.step()
    assert opt.state[b]["step"] == 1.0
    np.testing.assert_allclose(opt.state[b]["sum"], [2.0, 2.0])


def test_named_parameters_are_kept_as_param_names():
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(1))
    opt = optim.SGD([("fc.weight", w), ("fc.bias", b)], lr=0.1)
    assert opt.param_groups[0]["params"][0] is w
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["fc.weight", "fc.bias"]


def test_does_not_mutate_the_callers_group_dict():
    w = sg.Parameter(sg.ones(2))
    group = {"params": [w], "lr": 0.5}
    optim.SGD([group], lr=0.1, momentum=0.9)
    assert group == {"params": [w], "lr": 0.5}


def test_parameter_in_two_groups_is_an_error():
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(2))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w, b]}, {"params": [b]}], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="twice in the same parameter group"):
        optim.SGD([w, w], lr=0.1)


def test_bad_parameters_are_errors():
    w = sg.Parameter(sg.ones(2))
    with pytest.raises(TypeError, match="can only optimize Tensors.*numpy.ndarray"):
        optim.SGD([w, np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="set"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2.0], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        optim.SGD([sg.tensor([1, 2])], lr=0.1)
    with pytest.raises(ValueError, match="no 'params'"):
        optim.SGD([{"lr": 0.1}])


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=-0.1),
    lambda p: optim.SGD([{"params": p, "lr": -1.0}], lr=0.1),
    lambda p: optim.Adagrad(p, lr=-1e-3),
    lambda p: optim.Adadelta(p, lr=-1.0),
    lambda p: optim.RMSprop(p, lr=-0.01),
    lambda p: optim.Adam(p, lr=-0.01),
    lambda p: optim.AdamW(p, lr=-0.01),
    lambda p: optim.Adamax(p, lr=-0.01),
    lambda p: optim.NAdam(p, lr=-0.01),
    lambda p: optim.RAdam([{"params": p, "lr": -0.01}]),
    lambda p: optim.ASGD(p, lr=-0.01),
    lambda p: optim.Rprop(p, lr=-0.01),
])
def test_negative_lr_is_an_error(make):
    with pytest.raises(ValueError, match="invalid lr: expected a value >= 0.0, got -"):
        make([sg.Parameter(sg.ones(2))])


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, momentum=-0.5), "invalid momentum"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda p: optim.Adam(p, eps=-1.0), "invalid eps"),
    (lambda p: optim.Adadelta(p, rho=1.5), r"invalid rho: expected a value in \[0.0, 1.0\]"),
    (lambda p: optim.RMSprop(p, alpha=-0.9), "invalid alpha"),
    (lambda p: optim.Adagrad(p, lr_decay=-1.0), "invalid lr_decay"),
    (lambda p: optim.AdamW(p, weight_decay=-0.1), "invalid weight_decay"),
    (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "Adamax: invalid beta parameter at index 1"),
    (lambda p: optim.Adamax(p, eps=-1e-8), "Adamax: invalid eps: expected a value >= 0.0"),
    (lambda p: optim.Adamax(p, weight_decay=-1), "Adamax: invalid weight_decay.*got -1"),
    (lambda p: optim.NAdam(p, betas=(-0.1, 0.9)), "NAdam: invalid beta parameter at index 0"),
    (lambda p: optim.NAdam(p, betas=(0.9,)), r"NAdam: betas should be a pair"),
    (lambda p: optim.NAdam(p, momentum_decay=-4e-3), "NAdam: invalid momentum_decay.*-0.004"),
    (lambda p: optim.NAdam(p, weight_decay=-0.1), "NAdam: invalid weight_decay"),
    (lambda p: optim.RAdam(p, betas=(0.9, 1.5)), "RAdam: invalid beta parameter at index 1"),
    (lambda p: optim.RAdam(p, eps=-1.0), "RAdam: invalid eps"),
    (lambda p: optim.RAdam([{"params": p, "weight_decay": -0.5}]), "RAdam: invalid weight_decay"),
    (lambda p: optim.ASGD(p, weight_decay=-0.1), "ASGD: invalid weight_decay"),
    (lambda p: optim.ASGD(p, alpha=float("nan")), "ASGD: invalid alpha"),
    (lambda p: optim.Rprop(p, etas=(1.0, 1.2)), r"Rprop: invalid etas.*\(1.0, 1.2\)"),
    (lambda p: optim.Rprop(p, etas=(0.5, 0.9)), "Rprop: invalid etas"),
    (lambda p: optim.Rprop(p, step_sizes=(1.0, 0.1)), "Rprop: invalid step_sizes"),
    (lambda p: optim.Rprop(p, step_sizes=(1e-6,)), "Rprop: step_sizes should be a pair"),
])
def test_bad_hyperparameters_are_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([sg.Parameter(sg.ones(2))])


def test_load_state_dict_checks_groups_and_sizes():
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(3))
    opt = optim.Adam([w, b], lr=0.1)
    (w.sum() + b.sum()).backward()
    opt.step()
    saved = opt.state_dict()

    two_groups = optim.Adam([{"params": [w]}, {"params": [b]}])
    with pytest.raises(ValueError, match="has 1 parameter group.*this optimizer has 2"):
        two_groups.load_state_dict(saved)
    one_param = optim.Adam([w])
    with pytest.raises(ValueError, match="group 0 has 2 parameter.*but 1 in this optimizer"):
        one_param.load_state_dict(saved)
    swapped = optim.Adam([b, w])
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(2,\).*\(3,\)"):
        swapped.load_state_dict(saved)
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    bad_index = {"state": {7: saved["state"][0]}, "param_groups": saved["param_groups"]}
    with pytest.raises(ValueError, match="parameter 7, which no parameter group lists"):
        opt.load_state_dict(bad_index)


def test_load_state_dict_copies_and_casts_to_the_parameter_dtype():
    w = sg.Parameter(sg.ones(2))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    buf = np.array([1.0, 2.0])  # float64, as a careless checkpoint might hold
    opt.load_state_dict({"state": {"0": {"momentum_buffer": buf}},
                         "param_groups": [dict(opt.state_dict()["param_groups"][0])]})
    loaded = opt.state[w]["momentum_buffer"]
    assert loaded.dtype == np.float32 and loaded is not buf
    buf[0] = 99.0
    assert loaded[0] == 1.0


def test_state_is_keyed_by_identity():
    # Two parameters with equal values must keep separate state (== is elementwise).
    w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(2))
    opt = optim.SGD([w, b], lr=0.1, momentum=0.9)
    (w * 1.0 + b * 2.0).sum().backward()
    opt.step()
    np.testing.assert_array_equal(opt.state[w]["momentum_buffer"], [1.0, 1.0])
    np.testing.assert_array_equal(opt.state[b]["momentum_buffer"], [2.0, 2.0])


def test_float64_parameters_stay_float64():
    w = sg.Parameter(np.array([1.0, -2.0]))
    opt = optim.Adam([w], lr=0.1, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert w._data.dtype == np.float64
    assert all(v.dtype == np.float64 for k, v in opt.state[w].items() if k != "step")


def test_repr_lists_groups():
    opt = optim.SGD([sg.Parameter(sg.ones(1))], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_fused_kernels_compile_without_a_writable_cache(monkeypatch, fused_kernels):
    """Where Numba finds no writable cache folder it refuses cache=True; the kernels are then
    compiled in each process instead of failing."""
    import numba

    real = numba.njit

    def njit(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, cache=cache, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)
    kernel = fused_kernels._jit(lambda a: a * 2.0)
    assert kernel(np.float32(1.5)) == 3.0


# ---------------------------------------------------------------------- LBFGS
def _lbfgs_run(lib, torch, problem, steps=3, **kw):
    import scratchgrad as _sg
    from scratchgrad import optim as _optim
    if lib == "sg":
        T, P, O = _sg.tensor, _sg.Parameter, _optim.LBFGS
    else:
        T, P, O = torch.tensor, torch.nn.Parameter, torch.optim.LBFGS
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    if problem == "least squares":
        w = P(T(np.zeros(3, np.float32)))
        ps = [w]
        At, bt = T(A), T(b)
        f = lambda: ((At @ w - bt) ** 2).sum()  # noqa: E731
    else:  # Rosenbrock, coupled over two parameters
        x, y = P(T(np.array([-1.5, 2.0], np.float32))), P(T(np.array([1.0], np.float32)))
        ps = [x, y]
        f = lambda: ((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
                     + (1 - y[0]) ** 2 + 100 * (x[0] - y[0] ** 2) ** 2)
    opt = O(ps, **kw)

    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return [p.detach().numpy().copy() for p in ps], opt, losses


@pytest.mark.parametrize("problem,kw", [
    ("least squares", {}), ("least squares", {"line_search_fn": "strong_wolfe"}),
    ("least squares", {"lr": 0.5, "max_iter": 5, "history_size": 3}),
    ("least squares", {"line_search_fn": "strong_wolfe", "lr": 0.5, "max_iter": 5,
                       "history_size": 3}),
    ("Rosenbrock", {"lr": 0.5, "max_iter": 5, "history_size": 3}),
    ("Rosenbrock", {"line_search_fn": "strong_wolfe", "lr": 0.5, "max_iter": 5,
                    "history_size": 3}),
    ("Rosenbrock", {"line_search_fn": "strong_wolfe"})])
def test_lbfgs_matches_torch(torch, problem, kw):
    ours, opt, losses = _lbfgs_run("sg", torch, problem, **kw)
    theirs, topt, tlosses = _lbfgs_run("torch", torch, problem, **kw)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    if kw.get("max_iter") == 5 or "line_search_fn" not in kw:
        # A full 20-iteration line search takes float32-rounding-dependent paths to the
        # same minimum, so only its end point is compared.
        np.testing.assert_allclose(losses, tlosses, rtol=1e-5, atol=1e-6)
    s, ts = opt.state_dict(), topt.state_dict()
    assert sorted(s["state"][0]) == sorted(ts["state"][0])
    assert s["param_groups"][0].keys() == ts["param_groups"][0].keys()
    assert s["param_groups"][0]["max_eval"] == ts["param_groups"][0]["max_eval"]
    # The same iterations, closure calls included.
    assert s["state"][0]["func_evals"] == ts["state"][0]["func_evals"]
    assert s["state"][0]["n_iter"] == ts["state"][0]["n_iter"]


def test_lbfgs_state_dict_round_trip_continues_identically(torch):
    _, opt, _ = _lbfgs_run("sg", torch, "least squares", steps=1, max_iter=3)
    sd = opt.state_dict()
    w = opt.param_groups[0]["params"][0]
    ref = w.detach().numpy().copy()
    from scratchgrad import optim as _optim
    import scratchgrad as _sg
    w2 = _sg.Parameter(_sg.tensor(ref))
    opt2 = _optim.LBFGS([w2], max_iter=3)
    opt2.load_state_dict(sd)
    assert opt2.state[w2]["n_iter"] == opt.state[w]["n_iter"]
    assert len(opt2.state[w2]["old_dirs"]) == len(opt.state[w]["old_dirs"])


def test_lbfgs_errors():
    import scratchgrad as _sg
    from scratchgrad import optim as _optim
    w = _sg.Parameter(_sg.ones(2))
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate -1"):
        _optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="LBFGS: line_search_fn must be None or 'strong_wolfe', "
                                         "got 'armijo'"):
        _optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(ValueError, match="LBFGS: parameter groups are not supported"):
        _optim.LBFGS([{"params": [w]}, {"params": [_sg.Parameter(_sg.ones(1))]}])
    with pytest.raises(TypeError, match="LBFGS.step: a closure"):
        _optim.LBFGS([w]).step(None)
