"""Every registered kernel against the reference op it replaces.

Each kernel brings examples (``Kernel.examples``): input arrays and a computation on Tensors
that reaches it. The computation runs twice, with kernels on and with every kernel off (the
reference in ``ops/``), and outputs and input gradients must agree: bit for bit for a kernel
registered ``exact``, to float rounding otherwise. A spy checks that the kernel really ran.
"""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import kernels
from scratchgrad.kernels import Kernel

KERNELS = kernels.registered()


@pytest.fixture(autouse=True)
def _kernels_on():
    """The kernels on for every test here, also under SCRATCHGRAD_KERNELS=reference (which
    turns them off for the rest of the suite): these tests compare them with the reference."""
    was = kernels.enabled()
    kernels.enable()
    yield
    if not was:
        kernels.disable()


def _tensors(arrays, requires_grad):
    return [sg.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]


def _run(arrays, run, seed=0):
    ts = _tensors(arrays, requires_grad=True)
    out = run(ts)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    outs = [o for o in outs if isinstance(o, sg.Tensor)]
    rng = np.random.default_rng(seed)
    loss = None
    for o in outs:
        if o.requires_grad and o.dtype.kind == "f":
            w = sg.tensor(rng.standard_normal(o.shape).astype(o.dtype))
            term = (o * w).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    return ([o.detach().numpy().copy() for o in outs],
            [None if t.grad is None else t.grad.numpy().copy() for t in ts])


class _Spy:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel, self.calls = kernel, 0

    def __enter__(self):
        k = self.kernel

        def fn(*args):
            self.calls += 1
            return k.fn(*args)

        i = kernels._all.index(k)
        kernels._all[i] = Kernel(k.op, k.kind, fn, k.when, k.name, k.examples, k.exact)
        self.was_on = kernels.enabled()  # also under SCRATCHGRAD_KERNELS=reference
        kernels.enable()
        return self

    def __exit__(self, *exc):
        i = next(i for i, k in enumerate(kernels._all) if k.name == self.kernel.name
                 and k.op is self.kernel.op and k.kind == self.kernel.kind)
        kernels._all[i] = self.kernel
        kernels.enable() if self.was_on else kernels.disable()


def _close(a, b, exact, what):
    if a is None or b is None:
        assert a is None and b is None, what
        return
    assert a.shape == b.shape and a.dtype == b.dtype, what
    if exact:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        tol = 1e-4 if a.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


@pytest.mark.parametrize("kernel", KERNELS, ids=[f"{k.name}-{k.kind}" for k in KERNELS])
def test_kernel_equals_the_reference(kernel):
    assert kernel.examples is not None, f"{kernel.name} registers no examples to test it with"
    cases = list(kernel.examples())
    assert cases, f"{kernel.name}: no examples"
    for n, (arrays, run) in enumerate(cases):
        with kernels.reference():
            ref_out, ref_grads = _run(arrays, run)
        with _Spy(kernel) as spy:
            out, grads = _run(arrays, run)
        assert spy.calls > 0, f"{kernel.name}: example {n} never reached the kernel"
        dtypes = sorted({str(a.dtype) for a in arrays})
        for i, (a, b) in enumerate(zip(out, ref_out)):
            _close(a, b, kernel.exact, f"{kernel.name} example {n} ({dtypes}) output {i}")
        for i, (a, b) in enumerate(zip(grads, ref_grads)):
            _close(a, b, kernel.exact, f"{kernel.name} example {n} ({dtypes}) grad of input {i}")


def test_registry_dispatches_and_switches_off(kernels_on):
    """A kernel registered for an op runs in its place when its predicate holds; disabled,
    the reference runs; the registry is left as it was."""
    from scratchgrad.ops.elementwise import Exp

    seen = []

    @kernels.register_forward(Exp, when=lambda op, x: x.size == 3, name="test.exp3")
    def exp3(op, x):
        seen.append(x.shape)
        return np.exp(x) + 1  # visibly different, so the test sees which ran

    try:
        x = sg.tensor([0.0, 0.0, 0.0])
        assert sg.exp(x).tolist() == [2.0, 2.0, 2.0]
        assert sg.exp(sg.tensor([0.0, 0.0])).tolist() == [1.0, 1.0]  # predicate false
        with kernels.reference():
            assert sg.exp(x).tolist() == [1.0, 1.0, 1.0]
            assert not kernels.enabled()
        assert kernels.enabled()
        assert seen == [(3,)]
    finally:
        kernels._all[:] = [k for k in kernels._all if k.name != "test.exp3"]
        kernels._rebuild()
    assert sg.exp(sg.tensor([0.0, 0.0, 0.0])).tolist() == [1.0, 1.0, 1.0]


def test_backward_kernel_is_first_order_only(kernels_on):
    from scratchgrad.ops.elementwise import Sin

    @kernels.register_backward(Sin, name="test.sin")
    def sin_grad(op, gy):
        return gy * 0 + 7  # visibly different

    try:
        x = sg.tensor([0.5, 1.0], requires_grad=True)
        sg.sin(x).sum().backward()
        assert x.grad.tolist() == [7.0, 7.0]
        x.grad = None
        (g,) = sg.autograd.grad(sg.sin(x).sum(), x, create_graph=True)  # the reference
        np.testing.assert_allclose(g.detach().numpy(), np.cos([0.5, 1.0]), rtol=1e-6)
    finally:
        kernels._all[:] = [k for k in kernels._all if k.name != "test.sin"]
        kernels._rebuild()


def test_register_needs_an_op_class():
    with pytest.raises(TypeError, match="expected an op class"):
        kernels.register_forward("Exp")
