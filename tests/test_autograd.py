"""Engine tests: accumulation, deep chains, no_grad, memory, higher order, grad(), custom ops."""
from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.autograd import Function, grad


def test_diamond_accumulates():
    x = sg.tensor(3.0, requires_grad=True)
    a = x * 2          # x feeds two branches that meet again
    y = a * a + a      # dy/dx = (2a + 1) * 2
    y.backward()
    assert x.grad.item() == pytest.approx((2 * 6 + 1) * 2)


def test_node_used_at_different_depths():
    x = sg.tensor(0.7, dtype=sg.float64, requires_grad=True)
    y = sg.sigmoid(sg.sigmoid(sg.sigmoid(x))) + x
    y.backward()
    s1 = 1 / (1 + np.exp(-0.7))
    s2 = 1 / (1 + np.exp(-s1))
    s3 = 1 / (1 + np.exp(-s2))
    expected = s3 * (1 - s3) * s2 * (1 - s2) * s1 * (1 - s1) + 1
    assert x.grad.item() == pytest.approx(expected, rel=1e-12)


def test_gradients_accumulate_across_backward_calls():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


def test_leaf_grads_do_not_alias_each_other():
    a = sg.tensor([1.0, 2.0], requires_grad=True)
    b = sg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()       # Add passes the same gradient to both inputs
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_chain_of_100000_ops():
    x = sg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-5
    y.backward()
    assert x.grad.item() == 1.0
    del y                          # freeing a deep graph must not overflow the C stack
    gc.collect()


def test_no_grad_records_nothing():
    w = sg.ones(3, requires_grad=True)
    with sg.no_grad():
        y = (w * 2).exp().sum()
    assert not y.requires_grad and y.creator is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_no_grad_as_decorator_and_enable_grad():
    w = sg.ones(2, requires_grad=True)

    @sg.no_grad()
    def f():
        return w * 2

    @sg.no_grad
    def g():
        with sg.enable_grad():
            return w * 2

    assert not f().requires_grad
    assert g().requires_grad
    assert sg.is_grad_enabled()
    with sg.set_grad_enabled(False):
        assert not sg.is_grad_enabled()
    assert sg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []

    def worker():
        seen.append(sg.is_grad_enabled())

    with sg.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == [True]


def test_graph_is_freed_after_del():
    x = sg.randn(4, 4, requires_grad=True)
    loss = ((x @ x).tanh() * 2).sum()
    fn_ref = weakref.ref(loss.creator)
    inner_ref = weakref.ref(loss.creator.inputs[0])
    del loss
    # refcounting alone must free the graph (no reference cycles)
    assert fn_ref() is None and inner_ref() is None


def test_graph_freed_after_backward_too():
    x = sg.randn(3, requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    ref = weakref.ref(loss.creator)
    del loss
    assert ref() is None


def test_intermediate_grads_freed_unless_retained():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    k = x * 4
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad.numpy(), (x * 3).detach().numpy())
    assert k.retains_grad


def test_backward_non_scalar_requires_gradient():
    x = sg.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(sg.ones(3))
    y.backward(sg.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1.0))


def test_tanh_derivatives_1_to_4():
    pts = [-1.5, -0.3, 0.0, 0.8, 2.0]
    x = sg.tensor(pts, dtype=sg.float64, requires_grad=True)
    t = np.tanh(np.array(pts))
    s = 1 - t**2
    closed = [s, -2 * t * s, s * (6 * t**2 - 2), 8 * t * s * (2 - 3 * t**2)]
    y = sg.tanh(x)
    for order, expected in enumerate(closed, 1):
        (y,) = grad(y.sum(), x, create_graph=True)
        np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-10, atol=1e-12,
                                   err_msg=f"derivative {order}")


def test_newton_method_by_double_backprop():
    x = sg.tensor(2.0, dtype=sg.float64, requires_grad=True)
    for step in range(10):
        f = x**4 - 2 * x**2
        (g,) = grad(f, x, create_graph=True)
        (h,) = grad(g, x)
        with sg.no_grad():
            x -= g / h
        if abs(x.item() - 1.0) < 1e-6:
            break
    assert abs(x.item() - 1.0) < 1e-6 and step < 10


def test_backward_create_graph_gives_differentiable_grad():
    x = sg.tensor(3.0, dtype=sg.float64, requires_grad=True)
    y = x**3
    y.backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad
    x.grad = None
    gx.backward()
    assert x.grad.item() == pytest.approx(18.0)


def test_grad_does_not_touch_dot_grad_and_handles_unused():
    x = sg.tensor(1.0, requires_grad=True)
    z = sg.tensor(5.0, requires_grad=True)
    y = x * 2
    (gx,) = grad(y, x)
    assert gx.item() == 2.0 and x.grad is None
    with pytest.raises(RuntimeError, match="not used"):
        grad(x * 2, [x, z])
    gx, gz = grad(x * 2, [x, z], allow_unused=True)
    assert gz is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad(y, sg.tensor(1.0))


def test_grad_with_respect_to_intermediate():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y = (h * 3).sum()
    (gh,) = grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [3.0, 3.0])


def test_grad_outputs_and_multiple_outputs():
    x = sg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a, b = x.split([1, 2])
    (g,) = grad([a, b], x, grad_outputs=[sg.tensor([10.0]), sg.tensor([1.0, 2.0])],
                retain_graph=True)  # split is walked back again below
    np.testing.assert_allclose(g.numpy(), [10.0, 1.0, 2.0])
    (g,) = grad(b.sum(), x)    # an unused output of split gets zero gradient
    np.testing.assert_allclose(g.numpy(), [0.0, 1.0, 1.0])


def test_custom_function():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x**3 * scale

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * ctx.scale * gy, None

    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])


def test_grad_dtype_follows_input_in_mixed_precision():
    a = sg.tensor([1.0, 2.0], requires_grad=True)              # float32
    b = sg.tensor([3.0, 4.0], dtype=sg.float64, requires_grad=True)
    y = (a * b).sum()
    assert y.dtype == sg.float64
    y.backward()
    assert a.grad.dtype == sg.float32 and b.grad.dtype == sg.float64


def test_detach_cuts_the_graph():
    x = sg.tensor(2.0, requires_grad=True)
    h = (x * 3).detach()
    y = h * x
    y.backward()
    assert x.grad.item() == 6.0    # only the direct path counts


def test_leaf_used_twice_in_one_op():
    x = sg.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


# ---------------------------------------------------------------------- Tensor.register_hook
def test_hooks_see_the_summed_gradient_and_can_replace_it(torch):
    """Against PyTorch: a hook on an intermediate used twice runs once, on the sum; a hook
    returning a tensor replaces the gradient for the rest of the pass and for retain_grad;
    leaf hooks run before .grad; hooks run in the order registered; remove() unregisters."""
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = x * 3
        seen = []
        y.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
        y.register_hook(lambda g: g * 2)
        y.retain_grad()
        x.register_hook(lambda g: g + 1)
        gone = x.register_hook(lambda g: g * 1000)
        gone.remove()
        (y * y + y.sin()).sum().backward()
        return seen, y.grad.detach().numpy(), x.grad.detach().numpy()

    (seen, yg, xg), (tseen, tyg, txg) = run(sg), run(torch)
    assert len(seen) == len(tseen) == 1
    np.testing.assert_allclose(seen[0], tseen[0], rtol=1e-6)
    np.testing.assert_allclose(yg, tyg, rtol=1e-6)
    np.testing.assert_allclose(xg, txg, rtol=1e-6)


def test_hooks_run_under_grad_and_double_backward():
    x = sg.tensor([2.0], requires_grad=True)
    y = x ** 3
    y.register_hook(lambda g: g * 2)
    (gx,) = grad(y, x, create_graph=True)  # autograd.grad runs hooks too
    assert gx.item() == 24.0 and x.grad is None
    (ggx,) = grad(gx, x)
    assert ggx.item() == 24.0  # d/dx (2 * 3x^2) = 12x


def test_hook_result_is_not_aliased_into_grad():
    keep = sg.tensor([5.0, 5.0])
    x = sg.tensor([1.0, 1.0], requires_grad=True)
    x.register_hook(lambda g: keep)
    x.sum().backward()
    x.grad._data += 1  # what an optimizer's in-place update would do
    assert keep.tolist() == [5.0, 5.0] and x.grad.tolist() == [6.0, 6.0]


def test_register_hook_errors():
    with pytest.raises(RuntimeError, match="register_hook: .*doesn't require grad"):
        sg.tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="register_hook: expected a callable, got int"):
        sg.tensor([1.0], requires_grad=True).register_hook(3)
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"changed the gradient's shape from \(2,\) to \(\)"):
        (x * 2).sum().backward()
    y = sg.tensor([1.0], requires_grad=True)
    y.register_hook(lambda g: 3.0)
    with pytest.raises(TypeError, match="a hook returned a float"):
        (y * 2).sum().backward()


def test_compiled_step_with_a_hook_falls_back_to_eager():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def step(x):
        y = w * x
        y.register_hook(lambda g: calls.append(1) or g * 10)
        y.sum().backward()
        return y

    f = sg.compile(step)
    with pytest.warns(RuntimeWarning, match="runs eagerly .* gradient hook"):
        f(sg.tensor([1.0, 1.0]))
    assert w.grad.tolist() == [10.0, 10.0]
    for _ in range(2):
        w.grad = None
        f(sg.tensor([1.0, 1.0]))
        assert w.grad.tolist() == [10.0, 10.0]
    assert len(calls) == 3  # the hook ran at every call, not only while tracing


def test_inference_mode_records_nothing_in_every_form():
    w = sg.ones(2, requires_grad=True)
    with sg.inference_mode():
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad

    @sg.inference_mode
    def bare():
        return w * 2

    @sg.inference_mode()
    def called():
        return w * 2

    @sg.inference_mode(False)
    def off():
        return w * 2

    assert not bare().requires_grad and not called().requires_grad and off().requires_grad
    with sg.inference_mode(False):
        assert (w * 2).requires_grad
    with sg.no_grad(), sg.inference_mode(False):
        assert not (w * 2).requires_grad  # False leaves the mode set outside
