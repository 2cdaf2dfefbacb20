"""Autograd refuses what would give a silently wrong gradient, as PyTorch does.

- Version counters: an in-place change to something a backward reads, made after the forward,
  raises at backward time (each case is checked to raise in PyTorch too).
- ``retain_graph``: a second backward through a graph raises unless the first kept it.
- Anomaly detection names the op whose backward made a NaN and the line that created it.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import autograd, nn, optim
from scratchgrad.utils.dot import to_dot

try:
    import torch
except ImportError:  # the parity half of each case needs PyTorch; CI installs it
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

VERSION_ERROR = "modified by an inplace operation"
SECOND_TIME = "backward through the graph a second time"


# ---------------------------------------------------------------------- the four mistakes
# Each case is written once against a small namespace so that the same steps run on
# scratchgrad and on PyTorch: both must raise.
def case_input_scaled_after_forward(lib):
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = lib.tensor([4.0, 5.0, 6.0])  # does not require grad
    y = (w * x).sum()
    x.mul_(5)
    y.backward()


def case_optimizer_step_between_forward_and_backward(lib):
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    x = lib.ones(4, 3)
    model(x).pow(2).sum().backward()
    # the forward saved the second layer's weight (PyTorch saves it because the layer's
    # input needs a gradient; scratchgrad checks every input of an op that reads values)
    loss = model(x).pow(2).sum()
    opt.step()
    loss.backward()


def case_leaf_zeroed_through_detach(lib):
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    w.detach().zero_()
    y.backward()


def case_exp_output_scaled_under_no_grad(lib):
    x = lib.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    with lib.no_grad():
        y.mul_(2)
    y.sum().backward()


def case_view_changed_in_place(lib):
    w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = lib.tensor([[1.0, 1.0], [1.0, 1.0]])
    y = (w * x).sum()
    x[0].fill_(7.0)  # through a view of x
    y.backward()


def case_setitem(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.tensor([3.0, 4.0])
    y = (w * x).sum()
    x[1] = 0.0
    y.backward()


def case_iadd(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.tensor([3.0, 4.0])
    y = (w * x).sum()
    x += 1
    y.backward()


def case_masked_fill_and_copy(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.tensor([3.0, 4.0])
    y = (w * x).sum()
    x.masked_fill_(lib.tensor([True, False]), 0.0)
    y.backward()


CASES = [case_input_scaled_after_forward, case_optimizer_step_between_forward_and_backward,
         case_leaf_zeroed_through_detach, case_exp_output_scaled_under_no_grad,
         case_view_changed_in_place, case_setitem, case_iadd, case_masked_fill_and_copy]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__[5:])
def test_inplace_change_after_forward_raises(case):
    with pytest.raises(RuntimeError, match=VERSION_ERROR) as info:
        case(sg)
    message = str(info.value)
    assert "is at version" in message and "expected version" in message
    assert "Backward" in message and "shape" in message


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__[5:])
def test_pytorch_raises_on_the_same_case(case):
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        case(torch)


def test_message_names_op_shape_and_versions():
    w = sg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = sg.tensor([4.0, 5.0, 6.0])
    y = (w * x).sum()
    x.mul_(5)
    x.add_(1)
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message = str(info.value)
    assert "MulBackward0" in message and "(3,)" in message
    assert "is at version 2; expected version 0 instead" in message
    assert w.grad is None  # nothing was accumulated


def test_versions_count_and_are_shared_by_views_and_detach():
    x = sg.zeros(2, 3)
    assert x._version == 0
    x.add_(1)
    x.mul_(2)
    assert x._version == 2
    v = x[0]
    d = x.detach()
    r = x.reshape(6)
    v.fill_(3.0)
    assert x._version == v._version == d._version == r._version == 3
    d.zero_()
    assert x._version == 4
    fresh = x + 1  # a new array: its own counter
    assert fresh._version == 0
    fresh.add_(1)
    assert x._version == 4


def test_every_inplace_method_bumps_the_version():
    x = sg.ones(2, 3)
    steps = [lambda t: t.add_(1), lambda t: t.sub_(1), lambda t: t.mul_(2),
             lambda t: t.div_(2), lambda t: t.zero_(), lambda t: t.fill_(1.0),
             lambda t: t.copy_(sg.ones(2, 3)), lambda t: t.clamp_(0, 1),
             lambda t: t.masked_fill_(sg.ones(2, 3).bool(), 2.0),
             lambda t: t.index_add_(0, sg.tensor([0]), sg.ones(1, 3)),
             lambda t: t.__setitem__(0, 5.0), lambda t: t.__iadd__(1),
             lambda t: t.__isub__(1), lambda t: t.__imul__(1), lambda t: t.__itruediv__(1),
             lambda t: t.clamp_min_(0), lambda t: t.clamp_max_(9)]
    for i, step in enumerate(steps, 1):
        step(x)
        assert x._version == i, f"step {i} did not bump the version"


def test_init_and_vector_to_parameters_bump_the_version():
    lin = nn.Linear(2, 2)
    x = sg.ones(1, 2)
    y = lin(x).sum()
    nn.init.zeros_(lin.weight)
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        y.backward()
    y = lin(x).sum()
    nn.utils.vector_to_parameters(sg.zeros(6), lin.parameters())
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        y.backward()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_every_optimizer_step_bumps_the_parameters(name):
    lin = nn.Linear(3, 2)
    opt = getattr(optim, name)(lin.parameters(), lr=0.01)
    for _ in range(2):  # the second step of Adam takes its fused path when Numba is there
        opt.zero_grad()
        lin(sg.ones(2, 3)).sum().backward()
        before = [p._version for p in lin.parameters()]
        opt.step()
        assert [p._version for p in lin.parameters()] == [v + 1 for v in before]


def test_harmless_inplace_changes_still_pass():
    # PyTorch accepts these: add and reshape's backward need only shapes, and a change made
    # after backward concerns no saved value.
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    x = sg.tensor([3.0, 4.0])
    y = (w + x).reshape(2, 1).sum()
    x.mul_(5)
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])
    z = (w * x).sum()
    z.backward()
    x.mul_(2)  # after backward: fine
    np.testing.assert_array_equal(w.grad.numpy(), [16.0, 21.0])


def test_training_loop_unchanged():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, t = sg.randn(16, 4), sg.randn(16, 1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x) - t) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_compiled_inplace_replay_bumps_the_version():
    def f(x, buf):
        y = (x * 2).sum()
        buf.add_(1.0)
        return y

    g = sg.compile(f)
    buf = sg.zeros(3)
    for i in range(1, 5):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # stays compiled
            g(sg.ones(3), buf)
        assert buf._version == i
    np.testing.assert_array_equal(buf.numpy(), [4.0, 4.0, 4.0])


def test_compiled_training_step_still_matches_eager():
    def make():
        sg.manual_seed(1)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
        return model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(model, opt, x, t):
        opt.zero_grad()
        loss = ((model(x) - t) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    x, t = sg.randn(8, 4), sg.randn(8, 2)
    m1, o1 = make()
    m2, o2 = make()
    compiled = sg.compile(step)
    for _ in range(4):
        eager = step(m1, o1, x, t).item()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fast = compiled(m2, o2, x, t).item()
        assert eager == fast
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())


# ---------------------------------------------------------------------- retain_graph
def test_backward_twice_raises():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()
    np.testing.assert_allclose(x.grad.numpy(), (np.exp([1.0, 2.0]) * [2.0, 3.0]), rtol=1e-6)


@needs_torch
def test_pytorch_raises_on_backward_twice_too():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()


def test_retain_graph_keeps_it():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        y.backward()


def test_grad_frees_too_and_create_graph_retains():
    x = sg.tensor(3.0, requires_grad=True)
    y = x ** 3
    (g,) = autograd.grad(y, x, create_graph=True)  # retain_graph defaults to create_graph
    (g2,) = autograd.grad(g, x)
    assert g.item() == 27.0 and g2.item() == 18.0
    y.backward()  # y's graph was kept by create_graph=True
    assert x.grad.item() == 27.0
    z = x * 2
    autograd.grad(z, x)
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        autograd.grad(z, x)


def test_shared_subgraph_second_backward_raises():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.sum().backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        (h * 2).sum().backward()  # reaches h's ExpBackward again


def test_release_frees_saved_arrays_and_custom_saved_tensors():
    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * gy

    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    node = y.creator
    y.sum().backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        node.ctx.saved_tensors
    d = nn.functional.dropout(x, 0.5, training=True)
    drop = d.creator
    assert isinstance(drop.mask, np.ndarray)
    d.sum().backward()
    assert not hasattr(drop, "mask")  # the saved mask is freed


def test_graph_still_drawable_after_backward():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    dot = to_dot(y)  # DeZero's habit: draw the graph after backward
    assert "Mul" in dot and "Sum" in dot


# ---------------------------------------------------------------------- anomaly detection
def test_detect_anomaly_names_the_op_and_the_forward_line():
    x = sg.tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = sg.sqrt(x) * 0.0  # MARK: the line that made the NaN
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "Function 'SqrtBackward0' returned nan values in its 0th output" in message
    assert "test_autograd_trust.py" in message
    assert "MARK: the line that made the NaN" in message


@needs_torch
def test_pytorch_anomaly_names_sqrt_too():
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    with torch.autograd.detect_anomaly():
        y = torch.sqrt(x) * 0.0
        with pytest.raises(RuntimeError, match="SqrtBackward0' returned nan"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y.sum().backward()


def test_set_detect_anomaly_function_and_context():
    assert not autograd.is_anomaly_enabled()
    autograd.set_detect_anomaly(True)
    try:
        assert autograd.is_anomaly_enabled()
        x = sg.tensor([0.0], requires_grad=True)
        y = x.log() * 0.0  # 0 * inf = nan in the gradient of log
        with pytest.raises(RuntimeError, match="LogBackward0' returned nan"):
            y.sum().backward()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()
    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()


def test_anomaly_off_records_nothing_and_lets_nan_through():
    x = sg.tensor([-1.0], requires_grad=True)
    y = sg.sqrt(x) * 0.0
    assert not hasattr(y.creator, "_stack")
    y.sum().backward()  # off: PyTorch's default too, the NaN reaches .grad
    assert np.isnan(x.grad.numpy()).all()


def test_anomaly_passes_a_clean_backward():
    with autograd.detect_anomaly():
        x = sg.tensor([1.0, 4.0], requires_grad=True)
        sg.sqrt(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])


def test_load_state_dict_between_forward_and_backward_raises():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    loss = model(sg.ones(2, 3)).pow(2).sum()
    model.load_state_dict(state)
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        loss.backward()
