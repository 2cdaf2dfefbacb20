"""torch.autograd's smaller names: functional (jacobian, hessian, vjp, jvp, hvp), Variable,
gradcheck; and finfo / iinfo / is_tensor / numel. Compared with PyTorch where it applies."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.autograd import functional as AF


def _f(lib):
    return lambda x: lib.stack([x[0] ** 2 * x[1], lib.sin(x[1]) + x[0] * x[2], x.sum()])


def _energy(x):
    return (x ** 3).sum() + x[0] * x[1]


def test_jacobian_and_hessian_match_pytorch(torch):
    from torch.autograd import functional as TF
    v = np.array([1.0, 2.0, -0.5])
    x, tx = sg.tensor(v), torch.tensor(v)
    np.testing.assert_allclose(AF.jacobian(_f(sg), x).numpy(),
                               TF.jacobian(_f(torch), tx).numpy(), rtol=1e-12)
    np.testing.assert_allclose(AF.hessian(_energy, x).numpy(), TF.hessian(_energy, tx).numpy())
    assert not x.requires_grad and x.grad is None  # the caller's tensor is left alone


def test_jacobian_of_tuples_has_pytorch_nesting(torch):
    from torch.autograd import functional as TF
    a, b = np.array([1.0, 2.0]), np.array([3.0])

    def g(lib):
        return lambda a, b: (a * b, a.sum())
    ours = AF.jacobian(g(sg), (sg.tensor(a), sg.tensor(b)))
    theirs = TF.jacobian(g(torch), (torch.tensor(a), torch.tensor(b)))
    for row, trow in zip(ours, theirs):
        for j, tj in zip(row, trow):
            assert tuple(j.shape) == tuple(tj.shape)
            np.testing.assert_allclose(j.numpy(), tj.numpy())


def test_vector_products_match_pytorch(torch):
    from torch.autograd import functional as TF
    v, u = np.array([1.0, 2.0, -0.5]), np.array([0.3, -1.0, 2.0])
    x, tx = sg.tensor(v), torch.tensor(v)
    for ours, theirs in [(AF.vjp(_f(sg), x, sg.tensor(u)), TF.vjp(_f(torch), tx, torch.tensor(u))),
                         (AF.jvp(_f(sg), x, sg.tensor(u)), TF.jvp(_f(torch), tx, torch.tensor(u))),
                         (AF.hvp(_energy, x, sg.tensor(u)), TF.hvp(_energy, tx, torch.tensor(u))),
                         (AF.vhp(_energy, x, sg.tensor(u)), TF.vhp(_energy, tx, torch.tensor(u)))]:
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_jacobian_with_create_graph_is_differentiable():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    J = AF.jacobian(lambda t: t ** 3, x, create_graph=True)
    J.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]


def test_variable_is_a_leaf_sharing_memory():
    t = sg.ones(2)
    v = sg.autograd.Variable(t, requires_grad=True)
    assert v.requires_grad and v.is_leaf and isinstance(t, sg.autograd.Variable)
    v.data.add_(1)
    assert t.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="tensor"):
        sg.autograd.Variable([1.0])


def test_gradcheck_under_autograd():
    x = sg.tensor(np.array([0.3, -0.7]), requires_grad=True)
    assert sg.autograd.gradcheck(lambda t: (t.exp() * t).sum(), (x,), eps=1e-6, atol=1e-4)
    assert sg.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))


def test_finfo_iinfo_is_tensor_numel(torch):
    for dt, tdt in [(sg.float16, torch.float16), (sg.float32, torch.float32),
                    (sg.float64, torch.float64)]:
        ours, theirs = sg.finfo(dt), torch.finfo(tdt)
        for name in ["bits", "eps", "max", "min", "tiny", "resolution"]:
            assert getattr(ours, name) == getattr(theirs, name), (dt, name)
            assert type(getattr(ours, name)) is type(getattr(theirs, name))
    assert sg.finfo().eps == torch.finfo().eps
    for dt, tdt in [(sg.int32, torch.int32), (sg.int64, torch.int64), (sg.uint8, torch.uint8)]:
        assert (sg.iinfo(dt).max, sg.iinfo(dt).min) == (torch.iinfo(tdt).max, torch.iinfo(tdt).min)
    assert sg.is_tensor(sg.nn.Parameter(sg.ones(1))) and not sg.is_tensor(np.ones(1))
    assert sg.numel(sg.zeros(2, 3)) == 6
    assert sg.is_floating_point(sg.zeros(1)) and not sg.is_floating_point(sg.arange(2))
