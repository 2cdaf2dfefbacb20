"""The Tensor API: properties, conversions, factories, in-place updates and errors."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg


def test_default_dtypes_follow_pytorch():
    assert sg.tensor([1.0, 2.0]).dtype == sg.float32
    assert sg.tensor([1, 2]).dtype == sg.int64
    assert sg.tensor([True]).dtype == sg.bool
    assert sg.tensor(np.zeros(2)).dtype == sg.float64        # NumPy keeps its dtype
    assert sg.tensor([1, 2], dtype=sg.float64).dtype == sg.float64
    assert sg.Tensor([1.5]).dtype == sg.float32


def test_properties_and_conversions():
    x = sg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.size() == (2, 3) and x.size(1) == 3
    assert x.numel() == 6 and len(x) == 2 and x.device == "cpu" and x.device.type == "cpu"
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert np.asarray(x).shape == (2, 3)
    assert x[1, 2].item() == 6.0 and float(x[0, 0]) == 1.0
    assert [r.tolist() for r in x] == x.tolist()
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2) and x.t().shape == (3, 2)
    with pytest.raises(ValueError, match=r"item.*\(2, 3\)"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)


def test_numpy_shares_memory_and_refuses_grad_tensors():
    a = np.zeros(3, dtype=np.float32)
    t = sg.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    w = sg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0, 1.0]


def test_requires_grad_on_integer_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="int64"):
        sg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        sg.arange(3).requires_grad_()


def test_inplace_update_under_no_grad():
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with sg.no_grad():
        w -= 0.5 * w.grad
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])
    assert w.requires_grad and w.is_leaf


def test_inplace_on_grad_tensor_while_recording_is_an_error():
    w = sg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"__iadd__.*no_grad"):
        w += 1
    with pytest.raises(RuntimeError, match="__setitem__"):
        w[0] = 3.0


def test_setitem_with_mask_and_inplace_methods():
    h = sg.tensor([-1.0, 2.0, -3.0])
    g = sg.ones(3)
    g[h < 0] = 0
    assert g.tolist() == [0.0, 1.0, 0.0]
    g.add_(sg.ones(3), alpha=2).mul_(2)
    assert g.tolist() == [4.0, 6.0, 4.0]
    g.zero_()
    assert g.tolist() == [0.0, 0.0, 0.0]
    g.fill_(7).clamp_(max=5)
    assert g.tolist() == [5.0, 5.0, 5.0]
    g.copy_(sg.tensor([1.0, 2.0, 3.0]))
    assert g.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"copy_.*\(2,\).*\(3,\)"):
        g.copy_(np.ones(2))


def test_inplace_keeps_dtype_and_rejects_unsafe_casts():
    i = sg.tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        i += 0.5
    f = sg.ones(2)
    f += np.float64(2.0)
    assert f.dtype == sg.float32


def test_grad_is_assignable_and_clone_is_differentiable():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.requires_grad and y.creator is not None
    (y * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    assert x.grad is None


def test_repr_is_readable():
    assert repr(sg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(sg.ones(1, requires_grad=True))
    assert "grad_fn=<MulBackward0>" in repr(sg.ones(1, requires_grad=True) * 2)
    assert "dtype=scratchgrad.float64" in repr(sg.tensor(np.zeros(1)))


def test_factories():
    assert sg.zeros(2, 3).shape == (2, 3) and sg.zeros((2, 3)).dtype == sg.float32
    assert sg.ones(2, dtype=sg.int64).dtype == sg.int64
    assert sg.full((2,), 3).dtype == sg.int64 and sg.full((2,), 3.0).dtype == sg.float32
    assert sg.zeros_like(sg.ones(2, dtype=sg.float64)).dtype == sg.float64
    assert sg.ones_like(sg.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    assert sg.full_like(sg.zeros(2), 4.0).tolist() == [4.0, 4.0]
    assert sg.arange(4).tolist() == [0, 1, 2, 3] and sg.arange(4).dtype == sg.int64
    assert sg.arange(0.0, 1.0, 0.5).tolist() == [0.0, 0.5]
    assert sg.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert sg.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert sg.randn(3, 4).dtype == sg.float32 and sg.rand(2).dtype == sg.float32
    r = sg.randint(0, 5, (100,))
    assert r.dtype == sg.int64 and 0 <= r.min().item() and r.max().item() < 5
    assert sg.as_tensor(np.zeros(2, np.float32)).dtype == sg.float32


def test_manual_seed_makes_runs_reproducible():
    sg.manual_seed(123)
    a = (sg.randn(5), sg.rand(2), sg.randint(10, (3,)))
    sg.manual_seed(123)
    b = (sg.randn(5), sg.rand(2), sg.randint(10, (3,)))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    sg.manual_seed(124)
    assert sg.randn(5).tolist() != a[0].tolist()


def test_tensor_copies_data():
    a = np.zeros(2, np.float32)
    t = sg.tensor(a)
    a[0] = 1
    assert t[0].item() == 0


def test_dtype_conversions():
    x = sg.tensor([1.5, -2.5], requires_grad=True)
    assert x.double().dtype == sg.float64 and x.long().dtype == sg.int64
    assert x.to(sg.float64).requires_grad
    assert x.to("cpu") is x
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == sg.float32 and x.grad.tolist() == [2.0, 2.0]
    if sg.cuda.is_available():  # a GPU machine: the move works and is differentiable
        y = x.to("cuda")
        assert y.device == "cuda" and y.requires_grad and y.cpu().tolist() == [1.5, -2.5]
    else:
        with pytest.raises(RuntimeError, match="CUDA"):
            x.to("cuda")


def test_ndarray_on_the_left_gives_a_tensor():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([1.0, 1.0], dtype=np.float32) + x
    assert isinstance(y, sg.Tensor) and y.requires_grad
    z = np.ones((2, 2), np.float32) @ x
    assert isinstance(z, sg.Tensor) and z.shape == (2,)


def test_zero_dim_tensors_everywhere():
    s = sg.tensor(2.0, requires_grad=True)
    y = (s.exp() * s + s**2).sum()
    y.backward()
    assert s.grad.shape == () and s.grad.item() == pytest.approx(np.exp(2) * 3 + 4)
    assert sg.softmax(s, dim=0).item() == 1.0
    assert s.reshape(1).shape == (1,) and s.unsqueeze(0).shape == (1,)


def test_new_factories_and_type_as_follow_the_tensor_like_torch(torch):
    """new_zeros/new_ones/new_empty/new_full/new_tensor take this tensor's dtype (not the
    data's) unless told; type_as converts; as in PyTorch."""
    for lib in (sg, torch):
        x = lib.ones(2, dtype=lib.float64)
        got = [x.new_zeros(1, 3), x.new_ones((2,)), x.new_empty(2), x.new_full((2,), 3),
               x.new_tensor([1, 2]), lib.ones(2).type_as(x), x.new_zeros(2, dtype=lib.int64),
               x.new_ones(2, requires_grad=True)]
        shapes = [tuple(t.shape) for t in got]
        dtypes = [str(t.dtype).replace("torch.", "") for t in got]
        values = [t.detach().numpy().tolist() for t in got[:2] + got[3:5]]
        if lib is sg:
            ours = (shapes, dtypes, values, got[-1].requires_grad)
        else:
            theirs = (shapes, dtypes, values, got[-1].requires_grad)
    assert ours == theirs


def test_multinomial_draws_in_proportion_with_and_without_replacement():
    sg.manual_seed(0)
    w = sg.tensor([[0.1, 0.2, 0.7, 0.0], [1.0, 1.0, 1.0, 1.0]])
    s = sg.multinomial(w, 20000, replacement=True)
    assert s.dtype == np.int64 and s.shape == (2, 20000)
    freq = np.stack([np.bincount(r, minlength=4) for r in s.numpy()]) / 20000
    np.testing.assert_allclose(freq, [[0.1, 0.2, 0.7, 0.0], [0.25] * 4], atol=0.015)
    # without replacement: distinct categories per row; the second draw follows the weights
    # renormalised after the first: P(second = 0) = .2 * .1/.8 + .7 * .1/.3 = 0.2583
    draws = np.stack([sg.multinomial(w[0], 3).numpy() for _ in range(4000)])
    assert all(len(set(d)) == 3 for d in draws) and not (draws == 3).any()
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=3) / 4000, [0.1, 0.2, 0.7],
                               atol=0.02)
    assert abs(np.mean(draws[:, 1] == 0) - 0.2583) < 0.02
    sg.manual_seed(1)
    a = sg.multinomial(w, 2)
    sg.manual_seed(1)
    assert a.tolist() == sg.multinomial(w, 2).tolist()  # seeded


def test_multinomial_errors():
    with pytest.raises(ValueError, match="multinomial: can't draw 3 samples without "
                                         "replacement from a row with 2 positive weights"):
        sg.multinomial(sg.tensor([1.0, 0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="row 1 of the weights sums to 0"):
        sg.multinomial(sg.tensor([[1.0, 1.0], [0.0, 0.0]]), 1)
    with pytest.raises(ValueError, match="finite and non-negative"):
        sg.multinomial(sg.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match=r"shape \(C,\) or \(N, C\).*\(2, 2, 2\)"):
        sg.multinomial(sg.ones(2, 2, 2), 1)
    with pytest.raises(TypeError, match="floating-point weights, got int64"):
        sg.multinomial(sg.tensor([1, 2]), 1)
    with pytest.raises(ValueError, match="num_samples must be positive, got 0"):
        sg.multinomial(sg.ones(3), 0)


def test_bincount_errors():
    with pytest.raises(ValueError, match=r"bincount: expected a 1-D integer tensor, got shape "
                                         r"\(2, 2\)"):
        sg.bincount(sg.zeros(2, 2, dtype=sg.int64))
    with pytest.raises(ValueError, match="must be non-negative, found -1"):
        sg.bincount(sg.tensor([0, -1]))
    with pytest.raises(ValueError, match=r"weights of shape \(3,\) must match"):
        sg.bincount(sg.tensor([0, 1]), weights=sg.ones(3))


def test_data_is_a_tensor_outside_autograd_as_in_pytorch():
    import torch

    for lib in (sg, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        d = w.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
        d.mul_(2)  # shares the memory
        assert w.tolist() == [2.0, 4.0, 6.0]
        y = (w * w).sum()
        w.data.add_(lib.ones(3), alpha=-1.0)  # .data has its own version counter: no error
        y.backward()
        assert w.grad.tolist() == [2.0, 6.0, 10.0]  # 2 * w, w as it is now
        assert float(w.data.norm()) == pytest.approx(float(lib.tensor([1.0, 3.0, 5.0]).norm()))
        w.data = lib.zeros(2)  # assigning replaces the values, whatever their shape
        assert w.shape == (2,) and w.requires_grad


def test_data_assignment_needs_a_tensor():
    w = sg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="data: expected a Tensor"):
        w.data = np.zeros(1)


def test_dezero_style_update_through_data_still_works():
    w = sg.Parameter(sg.tensor([1.0, 2.0]))
    (w * w).sum().backward()
    w.data -= 0.1 * w.grad.data  # DeZero's and old PyTorch's habit
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)
