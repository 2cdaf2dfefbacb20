"""Losses against PyTorch: every reduction and option, forward and gradients (input and,
where PyTorch has one, target); finite-difference checks of the fused loss Functions;
stability for extreme logits; clear errors."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.utils import gradcheck, gradgradcheck

# Every test here runs once per device under test (tests/conftest.py: the device fixture).
pytestmark = pytest.mark.usefixtures("device")

RNG = np.random.default_rng(99)
REDUCTIONS = ["mean", "sum", "none"]


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def close(a, b, atol=1e-5, rtol=1e-4) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def compare(torch, fn, tfn, x_np, t_np, target_grad=False, atol=1e-5, rtol=1e-4, **kw):
    """fn(x, t, **kw) against tfn(xt, tt, **torch_kw): value, dtype, and gradients with a
    random upstream gradient. Tensor-valued options are converted for torch."""
    tkw = {k: torch.tensor(v.numpy()) if isinstance(v, sg.Tensor) else v for k, v in kw.items()}
    x = sg.tensor(x_np, requires_grad=True)
    xt = torch.tensor(x_np, requires_grad=True)
    t = sg.tensor(t_np, requires_grad=target_grad)
    tt = torch.tensor(t_np, requires_grad=target_grad)
    y, yt = fn(x, t, **kw), tfn(xt, tt, **tkw)
    close(y, yt, atol, rtol)
    assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(x.grad, xt.grad, atol, rtol)
    assert x.grad.dtype == np.float32
    if target_grad:
        close(t.grad, tt.grad, atol, rtol)


# ---------------------------------------------------------------------- regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}),
                                     ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.3}),
                                     ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}),
                                     ("huber_loss", {"delta": 0.4})])
def test_regression_losses_match_torch(torch, name, kw, reduction):
    x, t = randn(4, 5), randn(4, 5)
    compare(torch, getattr(F, name), getattr(torch.nn.functional, name), x, t,
            target_grad=True, reduction=reduction, **kw)


@pytest.mark.parametrize("cls,kw", [("MSELoss", {}), ("L1Loss", {}),
                                    ("SmoothL1Loss", {"beta": 0.5}),
                                    ("HuberLoss", {"delta": 2.0})])
def test_regression_loss_modules(torch, cls, kw):
    for reduction in REDUCTIONS:
        m = getattr(nn, cls)(reduction=reduction, **kw)
        tm = getattr(torch.nn, cls)(reduction=reduction, **kw)
        compare(torch, m, tm, randn(3, 4) * 2, randn(3, 4))
        assert repr(m) == repr(tm)


def test_mse_broadcast_warns_like_torch():
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(sg.randn(4, 1), sg.randn(4))


# ---------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [
    {}, {"weight": True}, {"ignore_index": 1}, {"label_smoothing": 0.2},
    {"weight": True, "ignore_index": 2, "label_smoothing": 0.1},
])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)])
def test_cross_entropy_index_targets_match_torch(torch, shape, opts, reduction):
    C = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    target = RNG.integers(0, C, tshape).astype(np.int64)
    if "ignore_index" in opts and target.ndim:
        target.reshape(-1)[:2] = opts["ignore_index"]  # at least two ignored targets
    kw = dict(opts)
    if kw.get("weight"):
        kw["weight"] = sg.tensor(RNG.uniform(0.2, 2.0, C).astype(np.float32))
    compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, randn(*shape) * 3,
            target, reduction=reduction, **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"label_smoothing": 0.3},
                                  {"weight": True, "label_smoothing": 0.1}])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
def test_cross_entropy_probability_targets_match_torch(torch, shape, opts, reduction):
    C = shape[1]
    probs = RNG.dirichlet(np.ones(C), size=int(np.prod(shape)) // C).astype(np.float32)
    target = np.moveaxis(probs.reshape((shape[0],) + shape[2:] + (C,)), -1, 1).copy()
    kw = dict(opts)
    if kw.get("weight"):
        kw["weight"] = sg.tensor(RNG.uniform(0.2, 2.0, C).astype(np.float32))
    compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, randn(*shape) * 2,
            target, target_grad=True, reduction=reduction, **kw)


def test_cross_entropy_all_targets_ignored_is_nan_like_torch(torch):
    x = randn(3, 4)
    t = np.full(3, -100, dtype=np.int64)
    y = F.cross_entropy(sg.tensor(x), sg.tensor(t))
    yt = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t))
    assert np.isnan(y.item()) and np.isnan(yt.item())


def test_cross_entropy_is_stable_for_extreme_logits(torch):
    x = np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 3e4]], dtype=np.float32)
    t = np.array([1, 1], dtype=np.int64)
    compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, x, t)
    compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, x, t,
            label_smoothing=0.1)


def test_cross_entropy_loss_module(torch):
    w = RNG.uniform(0.5, 1.5, 5).astype(np.float32)
    m = nn.CrossEntropyLoss(weight=sg.tensor(w), ignore_index=0, label_smoothing=0.05)
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=0,
                                   label_smoothing=0.05)
    target = np.array([0, 1, 4, 3, 0, 2], dtype=np.int64)
    compare(torch, m, tm, randn(6, 5), target)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"]


def test_cross_entropy_errors():
    x = sg.randn(3, 5)
    with pytest.raises(IndexError, match=r"target 7 is out of bounds for 5 classes"):
        F.cross_entropy(x, sg.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match=r"target -3 is out of bounds for 5 classes"):
        nn.CrossEntropyLoss()(x, sg.tensor([0, -3, 1]))
    with pytest.raises(ValueError, match=r"target of shape \(3,\).*\(2,\)"):
        F.cross_entropy(x, sg.tensor([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, sg.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match=r"weight of shape \(4,\).*5 classes"):
        F.cross_entropy(x, sg.tensor([0, 1, 2]), weight=sg.ones(4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, sg.tensor([0, 1, 2]), label_smoothing=1.5)
    # ignore_index itself is allowed even though it is out of range
    assert np.isfinite(F.cross_entropy(x, sg.tensor([0, -100, 1])).item())


def test_cross_entropy_gradcheck_and_double_backward():
    x = sg.randn(4, 3, requires_grad=True)
    t = sg.tensor([0, 2, 1, 2])
    w = sg.tensor([0.5, 1.0, 2.0])
    for kw in ({}, {"weight": w, "label_smoothing": 0.2, "ignore_index": 1}):
        for reduction in REDUCTIONS:
            fn = lambda x: F.cross_entropy(x, t, reduction=reduction, **kw)  # noqa: E731
            assert gradcheck(fn, [x])
            assert gradgradcheck(fn, [x])
    p = sg.tensor(RNG.dirichlet(np.ones(3), size=4), requires_grad=True)
    fn = lambda x, p: F.cross_entropy(x, p, weight=w, label_smoothing=0.1)  # noqa: E731
    assert gradcheck(fn, [x, p])
    assert gradgradcheck(fn, [x, p])


# ---------------------------------------------------------------------- NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"ignore_index": 0},
                                  {"weight": True, "ignore_index": 2}])
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3)])
def test_nll_loss_matches_torch(torch, shape, opts, reduction):
    C = shape[1]
    target = RNG.integers(0, C, (shape[0],) + shape[2:]).astype(np.int64)
    kw = dict(opts)
    if kw.get("weight"):
        kw["weight"] = sg.tensor(RNG.uniform(0.2, 2.0, C).astype(np.float32))
    compare(torch, F.nll_loss, torch.nn.functional.nll_loss, randn(*shape), target,
            reduction=reduction, **kw)
    m = nn.NLLLoss(reduction=reduction, **kw)
    compare(torch, m, torch.nn.NLLLoss(reduction=reduction, **{
        k: torch.tensor(v.numpy()) if isinstance(v, sg.Tensor) else v for k, v in kw.items()}),
        randn(*shape), target)


def test_nll_loss_gradcheck_and_errors():
    x = sg.randn(4, 3, requires_grad=True)
    t = sg.tensor([0, 2, 1, 2])
    assert gradcheck(lambda x: F.nll_loss(x, t, weight=sg.tensor([1.0, 2.0, 3.0])), [x])
    with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
        F.nll_loss(x, sg.tensor([0, 3, 1, 1]))


# ---------------------------------------------------------------------- binary losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(torch, reduction, weighted):
    p = RNG.uniform(0.02, 0.98, (5, 3)).astype(np.float32)
    y = RNG.uniform(0, 1, (5, 3)).astype(np.float32)
    kw = {"weight": sg.tensor(RNG.uniform(0.5, 2, 3).astype(np.float32))} if weighted else {}
    compare(torch, F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, p, y,
            target_grad=True, reduction=reduction, **kw)
    compare(torch, nn.BCELoss(reduction=reduction, **kw), torch.nn.BCELoss(
        reduction=reduction, **{k: torch.tensor(v.numpy()) for k, v in kw.items()}), p, y)


def test_binary_cross_entropy_clamps_log_at_the_edges(torch):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=np.float32)
    compare(torch, F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, p, y,
            reduction="none")
    assert F.binary_cross_entropy(sg.tensor(p), sg.tensor(y)).item() == pytest.approx(40.1386,
                                                                                         1e-4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"pos_weight": True},
                                  {"weight": True, "pos_weight": True}])
def test_bce_with_logits_matches_torch(torch, reduction, opts):
    x = randn(6, 4) * 4
    x[0, 0] = 0.0  # the gradient at exactly 0 is sigmoid(0) - y
    y = RNG.uniform(0, 1, (6, 4)).astype(np.float32)
    kw = {k: sg.tensor(RNG.uniform(0.5, 3, 4).astype(np.float32)) for k in opts}
    compare(torch, F.binary_cross_entropy_with_logits,
            torch.nn.functional.binary_cross_entropy_with_logits, x, y, target_grad=True,
            reduction=reduction, **kw)
    tkw = {k: torch.tensor(v.numpy()) for k, v in kw.items()}
    compare(torch, nn.BCEWithLogitsLoss(reduction=reduction, **kw),
            torch.nn.BCEWithLogitsLoss(reduction=reduction, **tkw), x, y)


def test_bce_with_logits_is_stable(torch):
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0], dtype=np.float32)
    compare(torch, F.binary_cross_entropy_with_logits,
            torch.nn.functional.binary_cross_entropy_with_logits, x, y, reduction="none")


def test_binary_losses_gradcheck_and_errors():
    p = sg.tensor(RNG.uniform(0.1, 0.9, (3, 2)), requires_grad=True)
    y = sg.tensor(RNG.uniform(0, 1, (3, 2)), requires_grad=True)
    w = sg.tensor([0.5, 2.0])
    assert gradcheck(lambda p, y: F.binary_cross_entropy(p, y, weight=w), [p, y])
    x = sg.randn(3, 2, requires_grad=True)
    fn = lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=w)  # noqa
    assert gradcheck(fn, [x, y])
    assert gradgradcheck(fn, [x, y])
    assert gradgradcheck(lambda p, y: F.binary_cross_entropy(p, y), [p, y])
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(sg.tensor([1.5]), sg.tensor([1.0]))
    with pytest.raises(ValueError, match=r"target of shape \(3,\) differs from input of shape "
                                         r"\(3, 1\)"):
        F.binary_cross_entropy_with_logits(sg.randn(3, 1), sg.ones(3))


def test_integer_labels_are_accepted_by_bce():
    y = F.binary_cross_entropy_with_logits(sg.zeros(3), sg.tensor([1, 0, 1]))
    assert y.dtype == np.float32
    assert y.item() == pytest.approx(np.log(2), 1e-6)


# ---------------------------------------------------------------------- KL divergence
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # PyTorch's, as ours
def test_kl_div_matches_torch(torch, reduction, log_target):
    x = np.log(np.abs(randn(4, 5)) + 0.1).astype(np.float32)
    t = np.abs(randn(4, 5)) + 0.05
    if log_target:
        t = np.log(t)
    else:
        t[0, :2] = 0.0  # zero targets contribute 0 (xlogy), not nan
    t = t.astype(np.float32)
    with pytest.warns(UserWarning, match="reduction='mean'") if reduction == "mean" \
            else _no_warning():
        compare(torch, F.kl_div, torch.nn.functional.kl_div, x, t, target_grad=log_target,
                reduction=reduction, log_target=log_target)
    m, tm = nn.KLDivLoss(reduction=reduction, log_target=log_target), \
        torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    assert repr(m) == repr(tm)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_kl_div_positive_target_gradient_matches_torch(torch):
    x, t = randn(3, 4), np.abs(randn(3, 4)) + 0.1
    compare(torch, F.kl_div, torch.nn.functional.kl_div, x, t, target_grad=True,
            reduction="batchmean")


# ---------------------------------------------------------------------- margin-type losses
def _signs(*shape: int) -> np.ndarray:
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss_matches_torch(torch, reduction, margin):
    a, b, t = randn(6), randn(6), _signs(6)
    m = nn.MarginRankingLoss(margin, reduction=reduction)
    tm = torch.nn.MarginRankingLoss(margin, reduction=reduction)
    assert repr(m) == repr(tm)
    xa, xb = sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, yt = m(xa, xb, sg.tensor(t)), tm(ta, tb, torch.tensor(t))
    close(y, yt)
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(xa.grad, ta.grad)
    close(xb.grad, tb.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, -0.3, 0.2])
@pytest.mark.parametrize("shape", [(5, 4), (4,)])
def test_cosine_embedding_loss_matches_torch(torch, reduction, margin, shape):
    a, b = randn(*shape), randn(*shape)
    t = _signs(*shape[:-1])
    if len(shape) == 2:
        t[0] = 0.0  # neither 1 nor -1: no loss, as in PyTorch
    m = nn.CosineEmbeddingLoss(margin, reduction=reduction)
    tm = torch.nn.CosineEmbeddingLoss(margin, reduction=reduction)
    assert repr(m) == repr(tm)
    xa, xb = sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, yt = m(xa, xb, sg.tensor(t)), tm(ta, tb, torch.tensor(t))
    close(y, yt)
    assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(xa.grad, ta.grad)
    close(xb.grad, tb.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_loss_matches_torch(torch, reduction, margin):
    x, t = np.abs(randn(4, 5)), _signs(4, 5)
    compare(torch, F.hinge_embedding_loss, torch.nn.functional.hinge_embedding_loss, x, t,
            margin=margin, reduction=reduction)
    m, tm = nn.HingeEmbeddingLoss(margin, reduction=reduction), \
        torch.nn.HingeEmbeddingLoss(margin, reduction=reduction)
    compare(torch, m, tm, x, t)
    assert repr(m) == repr(tm)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss_matches_torch(torch, reduction):
    x, t = randn(4, 5) * 3, _signs(4, 5)
    compare(torch, F.soft_margin_loss, torch.nn.functional.soft_margin_loss, x, t,
            reduction=reduction)
    m, tm = nn.SoftMarginLoss(reduction=reduction), torch.nn.SoftMarginLoss(reduction=reduction)
    compare(torch, m, tm, x, t)
    assert repr(m) == repr(tm)


def test_soft_margin_loss_is_finite_for_large_margins():
    x = sg.tensor([-200.0, 200.0], requires_grad=True)
    y = F.soft_margin_loss(x, sg.tensor([1.0, -1.0]), reduction="none")
    np.testing.assert_allclose(y.detach().numpy(), [200.0, 200.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0])


# ---------------------------------------------------------------------- Gaussian NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 5), (4,), (4, 1)])
def test_gaussian_nll_loss_matches_torch(torch, reduction, full, var_shape):
    x, t = randn(4, 5), randn(4, 5)
    v = np.abs(randn(*var_shape)) + 0.1
    v.reshape(-1)[0] = 1e-8  # below eps: clamped for the value, gradient passed unclamped
    m = nn.GaussianNLLLoss(full=full, reduction=reduction)
    tm = torch.nn.GaussianNLLLoss(full=full, reduction=reduction)
    assert repr(m) == repr(tm)
    xs = [sg.tensor(a, requires_grad=True) for a in (x, t, v)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, t, v)]
    y, yt = m(*xs), tm(*ts)
    close(y, yt, rtol=1e-4)
    assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    for a, b in zip(xs, ts):
        close(a.grad, b.grad, rtol=1e-4, atol=1e-4)


def test_gaussian_nll_loss_float_var_matches_torch(torch):
    x, t = randn(3, 4), randn(3, 4)
    compare(torch, lambda a, b: F.gaussian_nll_loss(a, b, 0.5),
            lambda a, b: torch.nn.functional.gaussian_nll_loss(a, b, 0.5), x, t,
            target_grad=True)


# ---------------------------------------------------------------------- new losses: checks
def test_new_losses_gradcheck():
    x, y = sg.randn(4, 3, requires_grad=True), sg.randn(4, 3, requires_grad=True)
    t = sg.tensor([1.0, -1.0, 1.0, -1.0])
    p = sg.rand(4, 3) + 0.1
    assert gradcheck(lambda x: F.kl_div(x, p, reduction="batchmean"), [x])
    assert gradcheck(lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True), [x, y])
    assert gradcheck(lambda x, y: F.cosine_embedding_loss(x, y, t, margin=-0.5), [x, y])
    signs = sg.tensor(_signs(4, 3))
    assert gradcheck(lambda x: F.soft_margin_loss(x, signs), [x])
    v = sg.rand(4, 3, requires_grad=True)
    v._data += 0.5
    assert gradcheck(lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True), [x, y, v])
    assert gradgradcheck(lambda x: F.soft_margin_loss(x, sg.ones(4, 3)), [x])
    # margin and hinge losses are piecewise linear: check away from their kinks
    a = sg.tensor([2.0, -1.5, 0.7, 3.0], requires_grad=True)
    b = sg.tensor([0.5, 1.0, -0.4, 1.1], requires_grad=True)
    assert gradcheck(lambda a, b: F.margin_ranking_loss(a, b, t, margin=0.3), [a, b])
    assert gradcheck(lambda a: F.hinge_embedding_loss(a.abs() + 0.01, t, margin=2.5), [a])


def test_new_losses_errors():
    with pytest.raises(ValueError, match="kl_div: reduction must be 'mean', 'batchmean', 'sum' "
                                         "or 'none', got 'bad'"):
        F.kl_div(sg.randn(2), sg.rand(2), reduction="bad")
    with pytest.raises(ValueError, match=r"margin_ranking_loss: all input tensors should have "
                                         r"the same number of dimensions, got input1 \(3,\), "
                                         r"input2 \(3,\) and target \(3, 1\)"):
        F.margin_ranking_loss(sg.randn(3), sg.randn(3), sg.ones(3, 1))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected a 0-D or 1-D target, "
                                         r"got shape \(3, 1\)"):
        nn.CosineEmbeddingLoss()(sg.randn(3, 4), sg.randn(3, 4), sg.ones(3, 1))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: a 1-D target expects 2-D input "
                                         r"tensors, got inputs of shapes \(3, 4, 2\)"):
        F.cosine_embedding_loss(sg.randn(3, 4, 2), sg.randn(3, 4, 2), sg.ones(3))
    with pytest.raises(ValueError, match=r"hinge_embedding_loss: the inputs of shapes \(3, 4\) "
                                         r"and \(3, 5\) do not broadcast"):
        F.hinge_embedding_loss(sg.randn(3, 4), sg.ones(3, 5))
    with pytest.raises(ValueError, match="soft_margin_loss: reduction must be"):
        nn.SoftMarginLoss(reduction="avg")(sg.randn(3), sg.ones(3))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative entry"):
        F.gaussian_nll_loss(sg.randn(3, 4), sg.ones(3, 4), -sg.ones(3, 4))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var is of incorrect size \(3, 2\) "
                                         r"for input of shape \(3, 4\)"):
        nn.GaussianNLLLoss()(sg.randn(3, 4), sg.ones(3, 4), sg.ones(3, 2))


# ---------------------------------------------------------------------- triplet and Poisson
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"margin": 2.0, "p": 1.0}, {"swap": True},
                                {"p": 3.0, "eps": 0.0}])
@pytest.mark.parametrize("shape", [(6, 5), (5,)])
def test_triplet_margin_loss_matches_torch(torch, kw, reduction, shape):
    arrays = [randn(*shape) for _ in range(3)]
    xs = [sg.tensor(a, requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    m, tm = nn.TripletMarginLoss(**kw, reduction=reduction), torch.nn.TripletMarginLoss(
        **kw, reduction=reduction)
    y, yt = m(*xs), tm(*txs)
    close(y, yt)
    assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    for x, xt in zip(xs, txs):
        close(x.grad, xt.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"full": True}, {"log_input": False},
                                {"log_input": False, "full": True, "eps": 1e-3}])
def test_poisson_nll_loss_matches_torch(torch, kw, reduction):
    x = randn(4, 5)
    if not kw.get("log_input", True):
        x = np.abs(x) + 0.1  # rates
    target = RNG.poisson(2.0, (4, 5)).astype(np.float32)  # zeros, ones and counts above 1
    if kw.get("full"):
        # PyTorch's target gradient is nan at 0 (log(0) before its mask); ours is finite
        target += 1
    compare(torch, lambda a, b: nn.PoissonNLLLoss(**kw, reduction=reduction)(a, b),
            lambda a, b: torch.nn.PoissonNLLLoss(**kw, reduction=reduction)(a, b), x, target,
            target_grad=True)


def test_triplet_and_poisson_gradcheck_and_errors():
    a, p, n = (sg.tensor(randn(3, 4), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda x, y, z: F.triplet_margin_loss(x, y, z, swap=True,
                                                           reduction="none"), [a, p, n])
    t = sg.tensor(RNG.poisson(2.0, (3, 4)).astype(np.float64) + 0.5, requires_grad=True)
    assert gradcheck(lambda x, y: F.poisson_nll_loss(x, y, full=True, reduction="sum"),
                     [sg.tensor(randn(3, 4), requires_grad=True), t])
    with pytest.raises(ValueError, match="TripletMarginLoss: margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match=r"triplet_margin_loss: .*\(3, 4\), \(3, 4\) and \(4,\)"):
        F.triplet_margin_loss(a, p, sg.randn(4))
    with pytest.raises(ValueError, match="poisson_nll_loss.*reduction"):
        F.poisson_nll_loss(a, p, reduction="avg")
    with pytest.raises(ValueError, match=r"poisson_nll_loss.*\(3, 4\).*\(2, 4\)"):
        F.poisson_nll_loss(a, sg.randn(2, 4))
