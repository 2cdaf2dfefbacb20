"""scratchgrad.compile: replays equal eager mode, retraces when they must, fall back when they
can't, and each optimisation pass does its work."""
from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim


# ---------------------------------------------------------------------- models and data
def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn() -> nn.Module:
    return nn.Sequential(
        # No bias before BatchNorm: the norm cancels it, so its gradient is rounding noise,
        # which Adam's normalised steps would blow up into differences of the order of lr
        # between two runs that round differently (eager, and compiled's fused loss).
        nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 7 * 7, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 10))


class CharLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.rnn = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 20)

    def forward(self, x: sg.Tensor) -> sg.Tensor:
        h, _ = self.rnn(self.emb(x))
        return self.fc(h)


def batches(kind: str, n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        b = 6 if i % 7 else 5  # a different batch size now and then: a second signature
        if kind == "mlp":
            x = rng.random((b, 784), dtype=np.float32)
            y = rng.integers(0, 10, b)
        elif kind == "cnn":
            x = rng.random((b, 1, 28, 28), dtype=np.float32)
            y = rng.integers(0, 10, b)
        else:
            x = rng.integers(0, 20, (b, 7))
            y = rng.integers(0, 20, (b, 7))
        out.append((sg.tensor(x), sg.tensor(y)))
    return out


def train(build, data, compiled: bool):
    sg.manual_seed(0)
    model = build()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, 5, 0.5)

    def step(x, y):
        out = model(x)
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        return loss

    fn = sg.compile(step) if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager mode would fail the test
        losses = [fn(x, y).item() for x, y in data]
    return np.array(losses), model, opt, fn


def classifier_step(model: nn.Module, opt: optim.Optimizer):
    """The plain training step: cross-entropy, zero_grad, backward, step; returns the loss."""
    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


# ---------------------------------------------------------------------- equal to eager
@pytest.mark.parametrize("kind,build", [("mlp", mlp), ("cnn", cnn), ("lstm", CharLM)])
def test_training_steps_equal_eager_mode(kind, build):
    """20 training steps (Adam, a scheduler, gradient clipping; BatchNorm and dropout in the
    CNN) give the losses, weights, buffers and optimizer state of eager mode."""
    data = batches(kind, 20)
    l_eager, m_eager, o_eager, _ = train(build, data, compiled=False)
    l_comp, m_comp, o_comp, fn = train(build, data, compiled=True)
    np.testing.assert_allclose(l_comp, l_eager, rtol=1e-5, atol=1e-6)
    for (name, a), b in zip(m_eager.state_dict().items(), m_comp.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    for pa, pb in zip(m_eager.parameters(), m_comp.parameters()):
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(o_comp.state[pb][key], o_eager.state[pa][key],
                                       rtol=1e-5, atol=1e-7)
    assert fn.traces == 2  # batch sizes 6 and 5: one trace each, every other call replayed


def test_forward_only_under_no_grad_equals_eager_and_retraces_on_eval():
    sg.manual_seed(0)
    model = cnn()
    f = sg.compile(model)
    x = sg.randn(3, 1, 28, 28)
    with sg.no_grad():
        model.train()
        f(x)
        model.eval()
        y1 = f(x)      # train -> eval: the guard fails, a new trace
        y2 = f(x * 2)  # replay
        ref1, ref2 = model(x), model(x * 2)
    assert f.traces == 2
    np.testing.assert_allclose(y2.numpy(), ref2.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(y1.numpy(), ref1.numpy(), rtol=1e-6, atol=1e-6)


def test_retraces_when_input_shape_or_dtype_changes():
    f = sg.compile(lambda x: (x * 2.0).sum())
    assert f(sg.ones(3)).item() == 6.0
    assert f(sg.ones(3)).item() == 6.0
    assert f(sg.ones(4)).item() == 8.0
    assert f(sg.ones(4, dtype=sg.float64)).item() == 8.0
    assert f.traces == 3


def test_manual_sgd_with_inplace_updates_and_grad_reset():
    """The books' hand-written loop: w -= lr * w.grad under no_grad, then w.grad = None."""
    def run(compiled):
        sg.manual_seed(0)
        w = sg.randn(3, 1, requires_grad=True)
        b = sg.zeros(1, requires_grad=True)
        x, y = sg.randn(16, 3), sg.randn(16, 1)

        def step(x, y):
            nonlocal w, b
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with sg.no_grad():
                w -= 0.1 * w.grad
                b -= 0.1 * b.grad
            w.grad = None
            b.grad = None
            return loss

        f = sg.compile(step) if compiled else step
        return [f(x, y).item() for _ in range(10)], w.detach().numpy().copy()

    (l1, w1), (l2, w2) = run(False), run(True)
    np.testing.assert_allclose(l2, l1, rtol=1e-6)
    np.testing.assert_allclose(w2, w1, rtol=1e-6)


def test_gradient_of_an_argument_goes_to_this_calls_argument():
    f = sg.compile(lambda x: (x ** 3).sum().backward())
    for v in (1.0, 2.0, 3.0):
        x = sg.tensor([v], requires_grad=True)
        f(x)
        assert x.grad.item() == pytest.approx(3 * v * v)


def test_labels_are_read_at_every_call_and_checked():
    f = sg.compile(lambda x, y: F.cross_entropy(x, y))
    x = sg.zeros(2, 3)
    x._data[:, 0] = 5.0
    with sg.no_grad():
        low = f(x, sg.tensor([0, 0])).item()
        high = f(x, sg.tensor([1, 2])).item()
        assert high > low + 4
        with pytest.raises(IndexError, match="out of bounds"):
            f(x, sg.tensor([0, 3]))


# ---------------------------------------------------------------------- falling back
@pytest.mark.parametrize("body,reason", [
    (lambda x: x * 2 if x.sum().item() > 0 else x * 3, "reads a tensor's value"),
    (lambda x: x + sg.randn(*x.shape), "random numbers outside an op"),
    (lambda x: x * 2 if (x.numpy() > 0).all() else x, "reads a tensor's value"),
    # library code that computes on raw arrays between ops looks like this (the safety net
    # for the op library itself; a user's sg.tensor(x._data ...) is documented as a constant)
    (lambda x: x * sg.Tensor._make(x._data * 2), "outside the op library"),
])
def test_untraceable_functions_run_eagerly_with_a_warning(body, reason):
    f = sg.compile(body)
    x = sg.ones(3)
    with sg.no_grad():
        with pytest.warns(RuntimeWarning, match=reason):
            first = f(x)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # warned once per signature
            second = f(x)
    assert first.shape == second.shape == (3,)


def test_parameter_changed_through_data_falls_back():
    w = sg.ones(2, requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        w._data -= 0.5 * w.grad._data   # invisible to a trace
        w.grad = None
        return loss

    f = sg.compile(step)
    with pytest.warns(RuntimeWarning, match="changed outside the op library"):
        f(sg.ones(2))
    f(sg.ones(2))  # eager: the update happens
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])


def test_returning_a_graph_without_backward_falls_back():
    w = sg.ones(2, requires_grad=True)
    f = sg.compile(lambda x: (w * x).sum())
    with pytest.warns(RuntimeWarning, match="requires grad"):
        out = f(sg.ones(2))
    out.backward()  # eager result: still differentiable
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("body", [
    lambda x, y: x / 2, lambda x, y: x / y, lambda x, y: sg.exp(x), lambda x, y: sg.sqrt(y),
    lambda x, y: x ** 0.5, lambda x, y: sg.divide(x, y, rounding_mode="trunc"),
], ids=["div_scalar", "div", "exp", "sqrt", "pow_float", "divide_trunc"])
def test_integer_tensors_cast_to_float_stay_compiled(body):
    """The cast of an integer tensor to float (true division, exp, sqrt...) is an op: a replay
    casts that call's values, where a cast made on the arrays outside the op library made the
    function run eagerly."""
    runs = []

    def f(x, y):
        runs.append(1)  # Python: runs while tracing only, not in a replay
        return body(x, y)

    g = sg.compile(f)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager mode
        for _ in range(3):
            x = sg.tensor(rng.integers(-9, 9, 6))
            y = sg.tensor(rng.integers(1, 9, 6))
            got, want = g(x, y), body(x, y)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert len(runs) == 1 and g.traces == 1 and len(g.programs) == 1


@pytest.mark.parametrize("body", [
    lambda x: sg.nonzero(x), lambda x: x[x > 0], lambda x: sg.unique(x),
    lambda x: sg.bincount(x), lambda x: sg.masked_select(x, x > 0),
], ids=["nonzero", "mask", "unique", "bincount", "masked_select"])
def test_a_shape_that_depends_on_the_values_runs_eagerly(body):
    f = sg.compile(body)
    with pytest.warns(RuntimeWarning, match="shape depends on the values"):
        first = f(sg.tensor([1, 0, 2]))
    second = f(sg.tensor([0, 0, 5]))  # eager: its own shape
    np.testing.assert_array_equal(second.numpy(), body(sg.tensor([0, 0, 5])).numpy())
    assert first.shape != second.shape


def test_a_shape_that_depends_on_constants_stays_compiled():
    def f(x):
        counts = sg.bincount(sg.tensor([0, 2, 2])).float()
        picked = x[sg.tensor([True, False, True])].sum()
        return x + counts + picked + sg.unique(sg.tensor([3, 1, 3])).sum()

    g = sg.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in (1.0, 2.0):
            x = sg.full((3,), v)
            np.testing.assert_array_equal(g(x).numpy(), f(x).numpy())
    assert g.traces == 1 and g.programs[0].stats["folded"] > 0


def test_median_with_nan_replays_that_calls_rank():
    """nanmedian's rank counts the NaN of each slice: an op, so a replay counts them again."""
    f = sg.compile(lambda x: tuple(sg.nanmedian(x, 1)) + tuple(sg.median(x, 1)))
    a = np.arange(8, dtype=np.float32).reshape(2, 4)
    b = a.copy()
    b[0, 1] = np.nan
    b[1, :3] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in (a, b, a):
            got = f(sg.tensor(v))
            want = tuple(sg.nanmedian(sg.tensor(v), 1)) + tuple(sg.median(sg.tensor(v), 1))
            for g_, w in zip(got, want):
                np.testing.assert_array_equal(g_.numpy(), w.numpy())
    assert f.traces == 1


def test_every_inplace_method_is_recorded_as_a_mutation():
    """Each in-place Tensor method is marked @mutating (or calls one that is), so a trace
    records it and a replay repeats it; one left unmarked would change data in the traced call
    only."""
    delegate = {"zero_": "fill_", "clamp_min_": "clamp_", "clamp_max_": "clamp_"}
    not_data = {"detach_", "requires_grad_"}  # graph bookkeeping, not a change of the values
    for name in dir(sg.Tensor):
        if not name.endswith("_") or name.startswith("_") or name in not_data:
            continue
        method = getattr(sg.Tensor, delegate.get(name, name))
        assert getattr(getattr(method, "__wrapped__", None), "changes_data", False), name


def test_the_eager_policy_is_back_after_a_trace_that_raises():
    from scratchgrad import _config
    from scratchgrad._policy import EAGER

    def f(x):
        raise KeyError("in the traced function")

    with pytest.raises(KeyError):
        sg.compile(f)(sg.ones(2))
    assert _config._state.policy is EAGER


# ---------------------------------------------------------------------- the passes
def test_dead_code_is_eliminated():
    def fn(x):
        unused = (x.exp() * 3).sum()  # noqa: F841
        return x * 2

    f = sg.compile(fn)
    with sg.no_grad():
        f(sg.ones(4))
        np.testing.assert_allclose(f(sg.full((4,), 3.0)).numpy(), [6.0] * 4)
    (program,) = f.programs
    assert program.stats["dead"] == 3 and program.stats["kept"] == 1


def test_constants_are_folded():
    def fn(x):
        scale = (sg.arange(4.0) + 1.0).exp()  # no input: computed once, at compile time
        return x * scale

    f = sg.compile(fn)
    with sg.no_grad():
        f(sg.ones(4))
        y = f(sg.full((4,), 2.0))
    np.testing.assert_allclose(y.numpy(), 2 * np.exp(np.arange(4.0) + 1), rtol=1e-6)
    assert f.programs[0].stats["folded"] == 2


def test_common_subexpressions_are_merged():
    def fn(x):
        return x.tanh() * x.tanh() + x.tanh()

    f = sg.compile(fn)
    x = sg.randn(5)
    with sg.no_grad():
        f(x)
        y = f(x)
    np.testing.assert_allclose(y.numpy(), fn(x).numpy(), rtol=1e-6)
    assert f.programs[0].stats["merged"] == 2


def test_common_subexpressions_in_a_training_step_keep_gradients_right():
    w = sg.tensor([0.5, -1.0], requires_grad=True)

    def step(x):
        loss = (w * x).sigmoid().sum() + (w * x).sigmoid().mean()
        loss.backward()
        return loss

    def grads(compiled):
        w.grad = None
        f = sg.compile(step) if compiled else step
        out = []
        for v in (1.0, 2.0):
            f(sg.tensor([v, v]))
            out.append(w.grad.numpy().copy())
            w.grad = None
        return out, f

    eager, _ = grads(False)
    comp, f = grads(True)
    np.testing.assert_allclose(comp, eager, rtol=1e-6)
    assert f.programs[0].stats["merged"] == 2


def test_elementwise_chain_runs_in_place_with_equal_results():
    def gelu_tanh(x):
        inner = (x + 0.044715 * x ** 3) * 0.7978845608
        return 0.5 * x * (1.0 + inner.tanh())

    f = sg.compile(gelu_tanh)
    x = sg.randn(64, 64)
    with sg.no_grad():
        f(x)
        y = f(x)
    np.testing.assert_allclose(y.numpy(), gelu_tanh(x).numpy(), rtol=1e-6, atol=1e-7)
    assert f.programs[0].stats["in_place"] >= 4


def test_compiled_cnn_step_peak_memory_is_not_higher_than_eager():
    data = batches("cnn", 3)

    def peak(compiled):
        sg.manual_seed(0)
        model = cnn()
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        step = classifier_step(model, opt)
        f = sg.compile(step) if compiled else step
        f(*data[0])
        f(*data[1])  # optimizer state and workspaces exist now
        tracemalloc.start()
        f(*data[2])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(True) <= peak(False)


def test_compile_works_as_a_decorator_and_keeps_the_name():
    @sg.compile
    def loss_of(x):
        return (x * x).sum()

    assert loss_of.__name__ == "loss_of"
    assert loss_of(sg.tensor([3.0])).item() == 9.0


def test_plan_is_a_graph_that_draws():
    from scratchgrad.graph.draw import to_dot

    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)

    @sg.compile
    def step(x):
        loss = model(x).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    step(sg.ones(4, 3))
    types = [op.type for op in step.graph().get_operations()]
    assert types.count("Placeholder") == 1 and types.count("VariableV2") == 2
    assert "LinearGrad" in types and types[-1] == "ApplyOptimizer_step"
    dot = to_dot(step.graph())
    assert "SumGrad" in dot and "4x3 float32" in dot


# ---------------------------------------------------------------------- more layers
class GRULM(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(20, 8, padding_idx=0); s.rnn = nn.GRU(8, 16, num_layers=2, batch_first=True, bidirectional=True); s.ln = nn.LayerNorm(32); s.fc = nn.Linear(32, 20)
    def forward(s, x):
        h, _ = s.rnn(s.emb(x)); return s.fc(s.ln(h).tanh())
class AE(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.GELU(), nn.AvgPool2d(2))
        s.dec = nn.Sequential(nn.ConvTranspose2d(4, 1, 4, stride=4), nn.Sigmoid())
        s.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10), nn.LogSoftmax(dim=1))
    def forward(s, x):
        z = s.enc(x); return s.dec(z), s.head(z)
def run_gru(compiled):
    sg.manual_seed(0); m = GRULM(); o = optim.AdamW(m.parameters(), lr=1e-2)
    def step(x, y):
        out = m(x); loss = F.cross_entropy(out.reshape(-1, 20), y.reshape(-1), label_smoothing=0.1, ignore_index=0)
        o.zero_grad(); loss.backward(); nn.utils.clip_grad_value_(m.parameters(), 0.5); o.step(); return loss
    f = sg.compile(step) if compiled else step
    r = np.random.default_rng(1)
    ls = [f(sg.tensor(r.integers(0,20,(3,5))), sg.tensor(r.integers(0,20,(3,5)))).item() for _ in range(5)]
    return ls, [p._data.copy() for p in m.parameters()]
def run_ae(compiled):
    sg.manual_seed(0); m = AE(); o = optim.RMSprop(m.parameters(), lr=1e-3, momentum=0.9)
    def step(x, y):
        rec, logp = m(x); loss = F.mse_loss(rec, x) + F.nll_loss(logp, y) + F.binary_cross_entropy(rec, x) * 0.1
        o.zero_grad(); loss.backward(); o.step(); return loss, rec.mean()
    f = sg.compile(step) if compiled else step
    r = np.random.default_rng(1)
    ls = [f(sg.tensor(r.random((2,1,16,16), dtype=np.float32)), sg.tensor(r.integers(0,10,2)))[0].item() for _ in range(5)]
    return ls, [p._data.copy() for p in m.parameters()]


@pytest.mark.parametrize("run", [run_gru, run_ae])
def test_more_layers_losses_and_optimizers_equal_eager(run):
    """A 2-layer bidirectional GRU with padding_idx, LayerNorm, label smoothing, ignore_index,
    AdamW and value clipping; strided conv, GELU, AvgPool, ConvTranspose2d, AdaptiveAvgPool,
    MSE + NLL + BCE, RMSprop with momentum, a tuple returned."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (l1, w1), (l2, w2) = run(False), run(True)
    np.testing.assert_allclose(l2, l1, rtol=1e-6)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def test_max_pool_moved_before_relu_keeps_values_and_gradients():
    """max_pool2d(relu(x)) is replayed as relu(max_pool2d(x)): windows that are all negative,
    ties at zero and ties between equal positives give the same values and gradients."""
    conv = nn.Conv2d(1, 2, 3, padding=1)

    def step(x, w):
        y = F.max_pool2d(F.relu(conv(x)), 2)
        (y * w).sum().backward()
        return y

    f = sg.compile(step)
    rng = np.random.default_rng(1)
    for i in range(4):
        x = rng.standard_normal((3, 1, 6, 6)).astype(np.float32)
        x[0, 0, :2, :2] = -1.0          # an all-negative window after the conv, most likely
        x[1, 0, 2:4, 2:4] = 0.5          # equal values: ties
        w = sg.tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float32))
        grads = []
        for fn in (step, f):
            conv.zero_grad()
            xt = sg.tensor(x, requires_grad=True)
            y = fn(xt, w)
            grads.append((y.detach().numpy().copy(), xt.grad.numpy().copy(),
                          conv.weight.grad.numpy().copy()))
        for a, b in zip(*grads):
            np.testing.assert_array_equal(b, a)
    assert f.programs[0].stats["pool_before_relu"] == 1


CE_CASES = [dict(reduction="mean"), dict(reduction="sum"),
            dict(reduction="mean", ignore_index=2), dict(reduction="sum", ignore_index=0),
            dict(reduction="mean", ignore_index=-1, all_ignored=True)]


@pytest.mark.cpu_only("the fused loss kernel is compiled for NumPy arrays; CuPy keeps the op")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("upstream", ["seed", "given", "product"])
@pytest.mark.parametrize("case", CE_CASES, ids=[str(i) for i in range(len(CE_CASES))])
def test_cross_entropy_and_its_gradient_fused_equal_eager(fused_kernels, case, dtype,
                                                          upstream):
    """A compiled step computes the cross-entropy and its gradient in one kernel: the same
    loss and logit gradients as eager mode (to rounding), ignored rows included, and nan with
    no gradient when every target is ignored, as the op (and PyTorch) give. The upstream
    gradient: loss.backward()'s seed (a constant of the plan: the kernel scales), a gradient
    given to backward or a product's (the backward step scales)."""
    case = dict(case)
    all_ignored = case.pop("all_ignored", False)
    scale = sg.tensor(np.array(1.7, dtype))  # an upstream gradient other than 1

    def step(x, t):
        loss = F.cross_entropy(x, t, **case)
        if upstream == "seed":
            loss.backward()
        elif upstream == "given":
            loss.backward(sg.tensor(np.array(-0.3, dtype)))
        else:
            (loss * scale).backward()
        return loss

    f = sg.compile(step)
    rng = np.random.default_rng(3)
    for i in range(4):
        x = (rng.standard_normal((9, 5)) * 4).astype(dtype)
        x[0] = [60.0, -60.0, 0.0, 60.0, 1.0]  # large logits: the row max is subtracted
        t = rng.integers(0, 5, 9)
        if all_ignored:
            t[:] = -1
        results = []
        for fn in (step, f):
            xt = sg.tensor(x, requires_grad=True)
            loss = fn(xt, sg.tensor(t))
            assert loss.dtype == dtype and xt.grad.dtype == dtype
            results.append((loss.item(), xt.grad.numpy()))
        (l_eager, g_eager), (l_comp, g_comp) = results
        tol = 1e-6 if dtype == np.float32 else 1e-13
        if all_ignored:
            assert np.isnan(l_eager) and np.isnan(l_comp)
        else:
            assert l_comp == pytest.approx(l_eager, rel=tol)
        np.testing.assert_allclose(g_comp, g_eager, rtol=10 * tol, atol=tol)
    assert f.programs[0].stats["fused_losses"] == 1 and f.traces == 1


@pytest.mark.cpu_only("the fused loss kernel is compiled for NumPy arrays; CuPy keeps the op")
def test_fused_cross_entropy_checks_targets_and_leaves_other_losses_to_the_op(
        fused_kernels, monkeypatch):
    def step(x, t):
        loss = F.cross_entropy(x, t)
        loss.backward()
        return loss

    f = sg.compile(step)
    x = sg.zeros(3, 4, requires_grad=True)
    f(x, sg.tensor([0, 1, 2]))
    assert f.programs[0].stats["fused_losses"] == 1
    for bad in (4, -2):
        with pytest.raises(IndexError, match=f"target {bad} is out of bounds for 4 classes"):
            f(x, sg.tensor([0, bad, 1]))
    # Class weights, label smoothing, reduction="none": the op's own forward and backward.
    for kwargs in (dict(weight=sg.ones(4)), dict(label_smoothing=0.1)):
        g = sg.compile(lambda x, t, kw=kwargs: F.cross_entropy(x, t, **kw).backward())
        g(x, sg.tensor([0, 1, 2]))
        assert g.programs[0].stats["fused_losses"] == 0
    # Two backward passes through the loss: the op keeps its forward state for both.
    def twice(x, t):
        loss = F.cross_entropy(x, t)
        loss.backward(retain_graph=True)
        loss.backward()
        return loss

    tw = sg.compile(twice)
    rng = np.random.default_rng(1)
    for _ in range(3):
        a = rng.standard_normal((3, 4)).astype(np.float32)
        xc, xe = sg.tensor(a, requires_grad=True), sg.tensor(a, requires_grad=True)
        tw(xc, sg.tensor([0, 1, 3]))
        twice(xe, sg.tensor([0, 1, 3]))
        np.testing.assert_allclose(xc.grad.numpy(), xe.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert tw.programs[0].stats["fused_losses"] == 0
    # Past _FUSED_LOSS_MAX logits NumPy's vectorised exp wins: the op.
    big = sg.compile(step)
    big(sg.zeros(300, 300, requires_grad=True), sg.tensor(np.arange(300) % 300))
    assert big.programs[0].stats["fused_losses"] == 0
    # Without Numba (or SCRATCHGRAD_FUSED=0): the op, with equal results.
    monkeypatch.setattr(fused_kernels, "_status", [False])
    h = sg.compile(step)
    xt = sg.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), requires_grad=True)
    loss = h(xt, sg.tensor([3, 1, 2]))
    assert h.programs[0].stats["fused_losses"] == 0
    xe = sg.tensor(xt.detach().numpy(), requires_grad=True)
    ref = F.cross_entropy(xe, sg.tensor([3, 1, 2]))
    ref.backward()
    assert loss.item() == ref.item()
    np.testing.assert_array_equal(xt.grad.numpy(), xe.grad.numpy())


@pytest.mark.cpu_only("the fused optimizer kernels are compiled for NumPy arrays")
@pytest.mark.parametrize("make,replayed", [
    (lambda ps: optim.Adam(ps, lr=0.05, fused=True), True),
    (lambda ps: optim.AdamW(ps, lr=0.05, weight_decay=0.1, fused=True), True),
    (lambda ps: optim.Adam(ps, lr=0.05, maximize=True, betas=(0.3, 0.9), fused=True), True),
    (lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True, fused=True), False),
    (lambda ps: optim.Adam(ps, lr=0.05, fused=False), False)],
    ids=["adam", "adamw", "maximize-lerp", "amsgrad", "numpy"])
def test_optimizer_step_replayed_without_step_equals_eager_bit_for_bit(
        fused_kernels, monkeypatch, make, replayed):
    """A compiled plan runs Adam's _replay_step instead of step(): the same kernel on the same
    state, so the same weights bit for bit, with two parameter groups and a scheduler changing
    lr at every call; where it does not apply (AMSGrad, fused=False) the plan calls step()."""
    if replayed and not sg.kernels.enabled():
        pytest.skip("the replay is a fast variant; SCRATCHGRAD_KERNELS=reference calls step()")
    calls = []
    inner = optim.Adam._step_group
    monkeypatch.setattr(optim.Adam, "_step_group",
                        lambda self, group: calls.append(1) or inner(self, group))

    def run(compiled):
        sg.manual_seed(0)
        a, b = nn.Linear(6, 5), nn.Linear(5, 3)
        opt = make([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.02}])
        sched = optim.lr_scheduler.ExponentialLR(opt, 0.8)

        def step(x, y):
            loss = ((b(a(x).tanh()) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            return loss

        f = sg.compile(step) if compiled else step
        rng = np.random.default_rng(0)
        calls.clear()
        for _ in range(8):
            f(sg.tensor(rng.standard_normal((4, 6)).astype(np.float32)),
              sg.tensor(rng.standard_normal((4, 3)).astype(np.float32)))
        return [p._data.copy() for p in (*a.parameters(), *b.parameters())], list(calls)

    (w_eager, eager_calls), (w_comp, comp_calls) = run(False), run(True)
    for u, v in zip(w_eager, w_comp):
        np.testing.assert_array_equal(v, u)
    assert len(eager_calls) == 8 * 2
    assert len(comp_calls) == (2 if replayed else 8 * 2)  # replayed: step() only when traced


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays; CuPy keeps the ops")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_relu_and_relu_backward_kernels_equal_eager_bit_for_bit(fused_kernels, dtype):
    """relu(linear(x)) runs as the product then one loop for bias and ReLU, and ReLU's backward
    as one loop: the very values of the ops, NaN, inf and -0.0 included (a NaN stays NaN, a
    masked inf or NaN gradient gives 0, as PyTorch's threshold_backward)."""
    lin = nn.Linear(4, 6).to(dtype)
    lin.bias._data[:] = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5]

    def train(x, gy):
        y = F.relu(lin(x))
        (y * gy).sum().backward()
        return y

    def infer(x):
        return F.relu(lin(x)) * 2.0

    f, g = sg.compile(train), sg.compile(infer)
    rng = np.random.default_rng(5)
    for _ in range(3):
        x = rng.standard_normal((5, 4)).astype(dtype)
        x[0] = 0.0                    # h = bias: 0, -0.0 and negatives
        x[1, 0] = np.nan              # a row of NaN
        x[2, 0] = np.inf              # inf - inf: NaN, and +-inf
        gy = rng.standard_normal((5, 6)).astype(dtype)
        gy[3, :3] = [np.inf, -np.inf, np.nan]
        results = []
        for fn in (train, f):
            lin.zero_grad()
            xt = sg.tensor(x, requires_grad=True)
            with np.errstate(invalid="ignore", over="ignore"):
                y = fn(xt, sg.tensor(gy))
            results.append([y.detach().numpy().copy(), xt.grad.numpy().copy(),
                            lin.weight.grad.numpy().copy(), lin.bias.grad.numpy().copy()])
        for a, b in zip(*results):
            np.testing.assert_array_equal(b, a)
            assert (np.signbit(a) == np.signbit(b)).all()
        with sg.no_grad(), np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(g(sg.tensor(x)).numpy(), infer(sg.tensor(x)).numpy())
    assert f.programs[0].stats["linear_relu"] == 1 and f.programs[0].stats["relu_grads"] == 1
    assert f.programs[0].stats["bias_grads"] == 1  # the bias gradient summed by the kernel
    assert g.programs[0].stats["linear_relu"] == 1
    # The pre-activation read by something else: Linear keeps its bias add, ReLU its step.
    h = sg.compile(lambda x: (F.relu(lin(x)), lin(x) * 1.0))
    with sg.no_grad():
        h(sg.ones(2, 4, dtype=dtype))
    assert h.programs[0].stats["linear_relu"] == 0


def test_zero_grad_replayed_as_a_loop_and_by_step_when_groups_change():
    """The plan replays opt.zero_grad() as a loop over the parameters it listed; once the
    groups change (a group added after tracing) it calls zero_grad() itself, which also
    drops the new group's gradients."""
    w = sg.Parameter(sg.ones(3))
    opt = optim.SGD([w], lr=0.1)
    f = sg.compile(lambda x: (opt.zero_grad(), (w * x).sum().backward())[1])
    f(sg.ones(3))
    f(sg.ones(3) * 2)
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])  # dropped, not summed
    extra = sg.Parameter(sg.ones(2))
    extra.grad = sg.ones(2)
    opt.add_param_group({"params": [extra]})
    f(sg.ones(3))
    assert extra.grad is None and f.traces == 1
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.cpu_only("the fused optimizer kernels are compiled for NumPy arrays")
def test_replayed_adam_step_follows_load_state_dict(fused_kernels):
    """load_state_dict() gives the optimizer new state arrays: the replayed step updates
    those, as step() does."""
    def run(compiled):
        sg.manual_seed(0)
        lin = nn.Linear(4, 3)
        opt = optim.Adam(lin.parameters(), lr=0.1, fused=True)

        def step(x):
            loss = (lin(x) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        f = sg.compile(step) if compiled else step
        x = sg.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
        for _ in range(2):
            f(x)
        saved = opt.state_dict()
        for _ in range(2):
            f(x)
        opt.load_state_dict(saved)  # the state of two steps ago, the weights of now
        for _ in range(3):
            f(x)
        state = opt.state_dict()["state"]
        return [p._data.copy() for p in lin.parameters()], state

    (w_eager, s_eager), (w_comp, s_comp) = run(False), run(True)
    for a, b in zip(w_eager, w_comp):
        np.testing.assert_array_equal(b, a)
    for k in s_eager:
        assert s_comp[k]["step"] == s_eager[k]["step"] == 5
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(s_comp[k][key], s_eager[k][key])


@pytest.mark.cpu_only("the fused loss kernel is compiled for NumPy arrays; CuPy keeps the ops")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_before_fused_loss_leaves_its_bias_and_bias_gradient_to_the_kernel(
        fused_kernels, dtype):
    """cross_entropy(linear(x)) with loss.backward(): the Linear's step makes the product
    only, the loss kernel adds the bias and sums the bias gradient, and everything equals
    eager mode to rounding. Logits that something else reads keep the bias add in Linear."""
    lin = nn.Linear(6, 5).to(dtype)

    def step(x, t):
        loss = F.cross_entropy(lin(x), t)
        loss.backward()
        return loss

    def step_returning_logits(x, t):
        z = lin(x)
        F.cross_entropy(z, t).backward()
        return z

    f, g = sg.compile(step), sg.compile(step_returning_logits)
    rng = np.random.default_rng(7)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for _ in range(3):
        x = rng.standard_normal((8, 6)).astype(dtype)
        t = rng.integers(0, 5, 8)
        results = []
        for fn in (step, f, step_returning_logits, g):
            lin.zero_grad()
            xt = sg.tensor(x, requires_grad=True)
            out = fn(xt, sg.tensor(t))
            results.append([out.detach().numpy().copy(), xt.grad.numpy().copy(),
                            lin.weight.grad.numpy().copy(), lin.bias.grad.numpy().copy()])
        for a, b in zip(results[0], results[1]):
            np.testing.assert_allclose(b, a, rtol=10 * tol, atol=tol)
        for a, b in zip(results[2], results[3]):
            np.testing.assert_allclose(b, a, rtol=10 * tol, atol=tol)
    assert f.programs[0].stats["linear_loss"] == 1 and f.programs[0].stats["bias_grads"] == 1
    assert g.programs[0].stats["linear_loss"] == 0 and g.programs[0].stats["fused_losses"] == 1


def test_compiled_classifier_step_equals_eager_on_the_device(device):
    """The patterns the compiler fuses on the CPU (Linear + ReLU, ReLU's backward with the
    bias gradient, Linear + cross-entropy, Adam's replayed step), on the device under test:
    on cuda the plan keeps the ops' own arithmetic (CuPy arrays), with the same results."""
    def run(compiled):
        sg.manual_seed(0)
        model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
        opt = optim.Adam(model.parameters(), lr=0.01)

        step = classifier_step(model, opt)
        f = sg.compile(step) if compiled else step
        rng = np.random.default_rng(2)
        losses = []
        for _ in range(6):
            x = sg.tensor(rng.standard_normal((8, 12)).astype(np.float32))
            y = sg.tensor(rng.integers(0, 5, 8))
            losses.append(f(x, y).item())
        return losses, [p.detach().numpy() for p in model.parameters()], f

    (l_eager, w_eager, _), (l_comp, w_comp, f) = run(False), run(True)
    np.testing.assert_allclose(l_comp, l_eager, rtol=1e-5)
    for a, b in zip(w_eager, w_comp):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert f.traces == 1


def test_gather_topk_and_masked_fill_replay_with_the_indices_of_each_call():
    """The indices topk computes and the index and mask passed in are values of the trace: a
    replay sorts again and gathers and masks with this call's, never the traced call's."""
    w = sg.randn(5, 6, requires_grad=True)

    def step(x, index, mask):
        h = x * w
        top = h.topk(3, dim=1).values                   # (5, 3)
        picked = sg.gather(h, 0, index)                 # (2, 6)
        loss = top.sum() + sg.masked_fill(picked, mask, 0.5).pow(2).sum()
        loss.backward()
        return loss

    f = sg.compile(step)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager mode would fail the test
        for _ in range(4):
            x = sg.tensor(rng.standard_normal((5, 6)).astype(np.float32))
            index = sg.tensor(rng.integers(0, 5, (2, 6)))
            mask = sg.tensor(rng.random((2, 6)) < 0.5)
            w.grad = None
            expected = step(x, index, mask).item()
            g_eager = w.grad.numpy().copy()
            w.grad = None
            assert f(x, index, mask).item() == pytest.approx(expected, rel=1e-6)
            np.testing.assert_allclose(w.grad.numpy(), g_eager, rtol=1e-6, atol=1e-7)
    assert f.traces == 1


def test_einsum_cumsum_and_norm_compile_and_equal_eager():
    """The math ops are Functions, so the compiler records them: forward and gradients of a
    compiled function built on einsum, cumsum, norm, prod and isfinite equal eager mode at
    every call, with new values each time (nothing baked in at trace time)."""
    def step(a, b, w):
        h = sg.einsum("bij,jk->bik", a, w).cumsum(dim=-1)
        keep = sg.isfinite(h)
        loss = (sg.norm(sg.where(keep, h, 0.0), dim=(1, 2)) + b.prod(dim=1)).sum()
        loss.backward()
        return loss

    f = sg.compile(step)
    rng = np.random.default_rng(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager mode would fail the test
        for _ in range(3):
            arrays = [rng.standard_normal(s).astype(np.float32)
                      for s in ((2, 3, 4), (2, 3), (4, 5))]
            eager = [sg.tensor(a, requires_grad=True) for a in arrays]
            comp = [sg.tensor(a, requires_grad=True) for a in arrays]
            expected, got = step(*eager), f(*comp)
            np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-5)
            for e, c in zip(eager, comp):
                np.testing.assert_allclose(c.grad.numpy(), e.grad.numpy(), rtol=1e-5,
                                           atol=1e-6)
    assert f.traces == 1


def test_compiled_function_with_lerp_addmm_solve_cdist_matches_eager():
    rng = np.random.default_rng(0)
    A = sg.tensor(rng.standard_normal((3, 3)).astype(np.float32) + 3 * np.eye(3, dtype=np.float32))
    W = sg.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)

    def f(x, y):
        W.grad = None
        h = sg.addmm(sg.ones(3), x, W, beta=0.5)          # (2, 3)
        h = sg.lerp(h, y, 0.25)
        z = sg.linalg.solve(A, h.mT).mT
        loss = sg.cdist(z, y).sum()
        loss.backward()
        return loss

    g = sg.compile(f)
    for seed in range(3):
        r = np.random.default_rng(seed)
        x = sg.tensor(r.standard_normal((2, 4)).astype(np.float32))
        y = sg.tensor(r.standard_normal((2, 3)).astype(np.float32))
        eager = f(x, y).item()
        ge = W.grad.numpy().copy()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback to eager mode
            out = g(x, y).item()
        np.testing.assert_allclose(out, eager, rtol=1e-5)
        np.testing.assert_allclose(W.grad.numpy(), ge, rtol=1e-4, atol=1e-6)


def test_compiled_inplace_masked_fill_and_index_add_replay():
    def f(x, m, i, s):
        y = x * 2
        y.masked_fill_(m, 0.0)
        y.index_add_(0, i, s)
        return y

    g = sg.compile(f)
    i, s = sg.tensor([0, 0]), sg.ones(2, 3)
    for seed in range(3):
        r = np.random.default_rng(seed)
        x = sg.tensor(r.random((2, 3), dtype=np.float32))
        m = sg.tensor(r.random((2, 3)) < 0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback to eager mode
            out = g(x, m, i, s).numpy()
        np.testing.assert_allclose(out, f(x, m, i, s).numpy())
class _TinyEncoderLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(12, 16)
        layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16))
        self.fc = nn.Linear(16, 12)

    def forward(self, x, mask, kpm):
        return self.fc(self.encoder(self.emb(x), mask=mask, src_key_padding_mask=kpm))


def _run_encoder(compiled: bool):
    sg.manual_seed(0)
    model = _TinyEncoderLM()
    # Not Adam: the key part of in_proj_bias has a gradient of exactly zero in exact arithmetic
    # (softmax ignores a shift shared by all keys), so it gets rounding noise that differs
    # between two correct runs, and Adam's normalised step would blow that up to lr.
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    mask = nn.Transformer.generate_square_subsequent_mask(6)

    def step(x, y, kpm):
        out = model(x, mask, kpm)
        loss = F.cross_entropy(out.reshape(-1, 12), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    fn = sg.compile(step) if compiled else step
    rng = np.random.default_rng(3)
    losses = []
    for i in range(6):
        kpm = np.zeros((4, 6), bool)
        kpm[i % 4, 6 - 1 - i % 3:] = True  # a different padding pattern at every call
        losses.append(fn(sg.tensor(rng.integers(0, 12, (4, 6))),
                         sg.tensor(rng.integers(0, 12, (4, 6))), sg.tensor(kpm)).item())
    return np.array(losses), [p._data.copy() for p in model.parameters()], fn


def test_transformer_encoder_training_step_compiles_and_equals_eager():
    """A pre-norm 2-layer encoder with dropout, a causal mask and a key padding mask that
    changes at every call: the compiled steps give eager mode's losses and weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager mode would fail the test
        (l1, w1, _), (l2, w2, fn) = _run_encoder(False), _run_encoder(True)
    np.testing.assert_allclose(l2, l1, rtol=1e-5, atol=1e-6)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert fn.traces == 1
    assert l1[-1] != l1[0]


def test_attention_masks_replay_with_each_calls_values():
    """Bool and float masks reach scaled_dot_product_attention's ops as values of the trace,
    and so do the rows they leave empty: no call's mask is baked into the plan."""
    def step(q, mask, bias):
        return (F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
                + F.scaled_dot_product_attention(q, q, q, attn_mask=bias)).sum(dim=-1)

    f = sg.compile(step)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(4):
            q = sg.tensor(rng.standard_normal((2, 4, 8)).astype(np.float32))
            mask = rng.random((4, 4)) < 0.5
            mask[i] = False  # a query that sees nothing: zeros, in eager mode and replayed
            bias = np.where(rng.random((4, 4)) < 0.3, -np.inf, 0.0).astype(np.float32)
            args = (q, sg.tensor(mask), sg.tensor(bias))
            np.testing.assert_allclose(f(*args).numpy(), step(*args).numpy(), rtol=1e-6,
                                       atol=1e-6)
    assert f.traces == 1


# ---------------------------------------------------------------------- every op, replayed
def _harness_run(case, fn, arrays):
    """Outputs and input gradients of ``fn`` (the case's call, backward of a weighted sum of
    its differentiable outputs inside) on float64 copies of ``arrays``."""
    from test_ops import sg_inputs

    xs = sg_inputs(arrays, np.float64)
    outs = fn(*xs)
    grads = [None if x.grad is None else x.grad.numpy().copy() for x in xs if x.requires_grad]
    return [o.detach().numpy().copy() for o in outs], grads


def _with_backward(case):
    from test_ops import as_list

    def f(*xs):
        outs = as_list(case.call(sg, *xs))
        diff = [o for o in outs if o.requires_grad]
        if diff:
            sum(o.sum() * (k + 1) for k, o in enumerate(diff)).backward()
        return tuple(outs)
    return f


def _op_cases():
    from test_ops import CASES, params
    return params(CASES)


@pytest.mark.parametrize("case", _op_cases())
def test_every_op_replays_with_the_values_of_each_call(case):
    """Every case of the op harness, compiled with its backward: a second call with other
    values (same shapes) gives eager mode's outputs and gradients for those values, whether
    the plan replays or the function falls back to eager mode. A result computed outside the
    op library (a comparison, argmax, an index from .data) used to be replayed stale."""
    import zlib

    seed = zlib.crc32(case.name.encode())
    first = case.inputs(np.random.default_rng(seed))
    second = case.inputs(np.random.default_rng(seed + 1))
    f = _with_backward(case)
    g = sg.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a fallback to eager mode is allowed
        _harness_run(case, g, first)
        got = _harness_run(case, g, second)
    want = _harness_run(case, f, second)
    for k, (a, b) in enumerate(zip(got[0] + got[1], want[0] + want[1])):
        assert (a is None) == (b is None), f"{case.name}: gradient {k} missing on one side"
        if a is not None:
            assert a.shape == b.shape, f"{case.name}: result {k} shape {a.shape} != {b.shape}"
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, equal_nan=True,
                                       err_msg=f"{case.name}: result {k}")


_T = np.random.default_rng(9).standard_normal((5, 4)).astype(np.float32)
NN_REPLAYS = {  # nn functions the op harness doesn't cover, each must stay compiled
    "elu": lambda h: F.elu(h).sum(), "hardtanh": lambda h: F.hardtanh(h).sum(),
    "relu6": lambda h: F.relu6(h * 4).sum(), "hardswish": lambda h: F.hardswish(h * 3).sum(),
    "threshold": lambda h: F.threshold(h, 0.1, -1.0).sum(),
    "logsigmoid": lambda h: F.logsigmoid(h).sum(),
    "smooth_l1_loss": lambda h: F.smooth_l1_loss(h, sg.tensor(_T)),
    "huber_loss": lambda h: F.huber_loss(h, sg.tensor(_T)),
    "normalize": lambda h: (F.normalize(h) * sg.tensor(_T)).sum(),
    "kl_div": lambda h: F.kl_div(F.log_softmax(h, dim=1), F.softmax(sg.tensor(_T), dim=1),
                                 reduction="batchmean"),
    "accuracy": lambda h: h.sum() * 0 + (h.argmax(1) == sg.tensor([0, 1, 2, 3, 0])).float()
    .mean(),
    "causal attention": lambda h: F.scaled_dot_product_attention(h[None], h[None], h[None],
                                                                 is_causal=True).sum(),
    "bilinear interpolate": lambda h: (F.interpolate(h[None, None], scale_factor=2,
                                                     mode="bilinear") ** 2).sum(),
    "bicubic interpolate": lambda h: (F.interpolate(h[None, None], size=(7, 9), mode="bicubic")
                                      ** 2).sum(),
    "bicubic interpolate align_corners": lambda h: (F.interpolate(
        h[None, None], scale_factor=1.5, mode="bicubic", align_corners=True) ** 2).sum(),
    "adaptive_avg_pool2d": lambda h: (F.adaptive_avg_pool2d(h[None, None], (3, 3)) ** 2).sum(),
    "adaptive_max_pool2d": lambda h: (F.adaptive_max_pool2d(h[None, None], (3, 3)) ** 2).sum(),
    "adaptive_max_pool2d indices": lambda h: (
        F.adaptive_max_pool2d(h[None, None], (2, 3), return_indices=True)[1].float()
        * sg.tensor(_T)[:2, :3]).sum() + h.sum() * 0,
    "embedding_bag offsets": lambda h: (F.embedding_bag(
        sg.tensor([0, 2, 4, 4, 1, 3, 2]), h, sg.tensor([0, 2, 2, 5]), mode="mean", padding_idx=1)
        * sg.tensor(_T)[:4]).sum(),
    "embedding_bag max": lambda h: (F.embedding_bag(
        sg.tensor([0, 2, 4, 4, 1, 3]), h, sg.tensor([0, 0, 2, 5]), mode="max") ** 2).sum(),
    "embedding_bag per_sample_weights": lambda h: (F.embedding_bag(
        sg.tensor([0, 2, 4, 4, 1]), h, sg.tensor([0, 2]), mode="sum",
        per_sample_weights=h[:, 0]) ** 2).sum(),
    "unfold/fold": lambda h: (F.fold(F.unfold(h[None, None], 2, padding=1) ** 2, (5, 4), 2,
                                     padding=1) * sg.tensor(_T)).sum(),
}


@pytest.mark.parametrize("name", list(NN_REPLAYS))
def test_nn_functions_stay_compiled_and_replay_each_calls_values(name):
    fn = NN_REPLAYS[name]
    w = sg.ones(5, 4, requires_grad=True)

    def step(x):
        loss = fn(x * w)
        loss.backward()
        return loss

    f = sg.compile(step)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # falling back to eager mode fails the test
        for _ in range(3):
            x = sg.tensor(rng.standard_normal((5, 4)).astype(np.float32))
            w.grad = None
            expected = step(x).item()
            g_eager = w.grad.numpy().copy()
            w.grad = None
            assert f(x).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
            np.testing.assert_allclose(w.grad.numpy(), g_eager, rtol=1e-5, atol=1e-6)
    assert f.traces == 1


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_replays_each_calls_indices_and_offsets(mode):
    w = sg.tensor(np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32),
                  requires_grad=True)

    def step(idx, off):
        loss = (F.embedding_bag(idx, w, off, mode=mode, padding_idx=5) ** 2).sum()
        loss.backward()
        return loss

    f = sg.compile(step)
    calls = [([0, 1, 2, 3, 4, 5], [0, 2, 4]), ([5, 5, 1, 1, 0, 2], [0, 0, 5]),
             ([3, 3, 3, 2, 1, 0], [0, 1, 1])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # falling back to eager mode fails the test
        for idx, off in calls:
            args = sg.tensor(np.array(idx)), sg.tensor(np.array(off))
            w.grad = None
            expected = step(*args).item()
            g_eager = w.grad.numpy().copy()
            w.grad = None
            assert f(*args).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
            np.testing.assert_allclose(w.grad.numpy(), g_eager, rtol=1e-5, atol=1e-6)
    assert f.traces == 1
    with pytest.raises(ValueError, match=r"embedding_bag: offsets\[0\] must be 0"):
        f(sg.tensor(np.array([0, 1, 2, 3, 4, 5])), sg.tensor(np.array([1, 2, 4])))
