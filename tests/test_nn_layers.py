"""Layers against PyTorch: forward, input and parameter gradients (random upstream gradient),
train and eval mode; finite-difference checks of the fused Functions in ops/nn.py."""
from __future__ import annotations

import math

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.utils import gradcheck, gradgradcheck

# Every test here runs once per device under test (tests/conftest.py: the device fixture).
pytestmark = pytest.mark.usefixtures("device")

RNG = np.random.default_rng(1234)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def close(a, b, atol=1e-5, rtol=1e-4) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def copy_from_torch(module: nn.Module, tmod) -> None:
    module.load_state_dict({k: v.detach().numpy() for k, v in tmod.state_dict().items()})


def run_pair(torch, module, tmod, x_np, atol=1e-5, rtol=1e-4, integer_input=False):
    """Same input through both modules; compare output, input grad and every parameter grad,
    with one random upstream gradient."""
    x = sg.tensor(x_np, requires_grad=not integer_input)
    xt = torch.tensor(x_np, requires_grad=not integer_input)
    y, yt = module(x), tmod(xt)
    close(y, yt, atol, rtol)
    if y.dtype.kind == "f":
        assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    if not integer_input:
        close(x.grad, xt.grad, atol, rtol)
    tparams = dict(tmod.named_parameters())
    for name, p in module.named_parameters():
        assert p.grad is not None, name
        assert p.grad.dtype == np.float32, name
        close(p.grad, tparams[name].grad, atol, rtol)
    return y


# ---------------------------------------------------------------------- Linear and friends
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(torch, shape, bias):
    tmod = torch.nn.Linear(4, 3, bias=bias)
    m = nn.Linear(4, 3, bias=bias)
    copy_from_torch(m, tmod)
    run_pair(torch, m, tmod, randn(*shape))


def test_linear_default_init_bounds_and_float32():
    m = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    assert np.abs(m.weight._data).max() <= bound
    assert np.abs(m.bias._data).max() <= bound
    # uniform on [-b, b] has std b / sqrt(3)
    assert abs(m.weight._data.std() - bound / math.sqrt(3)) < 0.1 * bound
    sg.manual_seed(3)
    a = nn.Linear(5, 5).weight._data.copy()
    sg.manual_seed(3)
    assert np.array_equal(a, nn.Linear(5, 5).weight._data)


def test_linear_wrong_feature_count_names_the_layer():
    m = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"Linear\(in_features=4.*4 features.*\(2, 5\)"):
        m(sg.randn(2, 5))


def test_linear_gradcheck_and_double_backward():
    x = sg.randn(3, 4, requires_grad=True)
    W = sg.randn(2, 4, requires_grad=True)
    b = sg.randn(2, requires_grad=True)
    assert gradcheck(lambda x, W, b: F.linear(x, W, b), [x, W, b])
    assert gradgradcheck(lambda x, W, b: F.linear(x, W, b).tanh(), [x, W, b])
    x3 = sg.randn(2, 3, 4, requires_grad=True)
    assert gradcheck(lambda x, W: F.linear(x, W), [x3, W])


def test_identity_flatten_unflatten(torch):
    x = randn(2, 3, 4, 5)
    for args in [(), (0,), (1, 2), (2, -1)]:
        run_pair(torch, nn.Flatten(*args), torch.nn.Flatten(*args), x)
    run_pair(torch, nn.Unflatten(1, (6, 2)), torch.nn.Unflatten(1, (6, 2)), randn(2, 12, 3))
    assert nn.Identity(3, foo=1)(sg.ones(2)) is not None
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())


# ---------------------------------------------------------------------- Embedding
def test_embedding_matches_torch_with_repeated_indices(torch):
    tmod = torch.nn.Embedding(10, 4)
    m = nn.Embedding(10, 4)
    copy_from_torch(m, tmod)
    idx = np.array([[1, 2, 1, 9], [1, 0, 2, 1]], dtype=np.int64)
    y = m(sg.tensor(idx))
    yt = tmod(torch.tensor(idx))
    close(y, yt)
    gy = randn(2, 4, 4)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(m.weight.grad, tmod.weight.grad)
    assert m.weight.grad.dtype == np.float32


def test_embedding_padding_idx(torch):
    tmod = torch.nn.Embedding(6, 3, padding_idx=-2)
    m = nn.Embedding(6, 3, padding_idx=-2)
    assert m.padding_idx == tmod.padding_idx == 4
    assert np.all(m.weight._data[4] == 0)
    copy_from_torch(m, tmod)
    idx = np.array([4, 1, 4, 0, 1], dtype=np.int64)
    y, yt = m(sg.tensor(idx)), tmod(torch.tensor(idx))
    gy = randn(5, 3)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(m.weight.grad, tmod.weight.grad)
    assert repr(m) == repr(tmod)


def test_embedding_init_from_pretrained_and_errors():
    m = nn.Embedding(1000, 20)
    assert m.weight.dtype == np.float32
    assert abs(m.weight._data.std() - 1.0) < 0.05
    frozen = nn.Embedding.from_pretrained(sg.eye(3))
    assert not frozen.weight.requires_grad
    with pytest.raises(IndexError, match="index 10 is out of range for 10 embeddings"):
        nn.Embedding(10, 2)(sg.tensor([3, 10]))
    with pytest.raises(IndexError, match="-1"):
        nn.Embedding(10, 2)(sg.tensor([-1]))
    with pytest.raises(TypeError, match="integer"):
        nn.Embedding(10, 2)(sg.tensor([1.0]))


def test_embedding_gradcheck_and_double_backward():
    W = sg.randn(5, 3, requires_grad=True)
    idx = sg.tensor([[0, 2, 2], [4, 0, 2]])
    assert gradcheck(lambda W: F.embedding(idx, W), [W])
    # (with padding_idx the first derivative is by definition not the true one: the padding
    # row gets none; the derivative of that gradient map is consistent again)
    assert gradgradcheck(lambda W: F.embedding(idx, W, padding_idx=2) ** 2, [W])


# ---------------------------------------------------------------------- EmbeddingBag
_BAG_INDICES = np.array([1, 2, 4, 5, 4, 3, 0, 6, 2, 2], dtype=np.int64)
_BAG_CASES = {  # input, offsets (None: a 2-D input), layer options
    "offsets": (_BAG_INDICES, [0, 2, 5, 6], {}),
    "empty bags": (_BAG_INDICES, [0, 0, 2, 5, 10, 10], {}),
    "include_last_offset": (_BAG_INDICES, [0, 3, 3, 7, 10], {"include_last_offset": True}),
    "2-D": (_BAG_INDICES.reshape(2, 5), None, {}),
    "padding_idx": (_BAG_INDICES, [0, 2, 5, 8, 9], {"padding_idx": 2}),
    "2-D padding_idx": (np.array([[2, 2, 2], [1, 2, 2], [3, 2, 3]]), None, {"padding_idx": -5}),
    "int32": (_BAG_INDICES.astype(np.int32), np.array([0, 4], dtype=np.int32), {}),
}


@pytest.mark.parametrize("mode", ["sum", "mean", "max", "weighted sum"])
@pytest.mark.parametrize("case", list(_BAG_CASES))
def test_embedding_bag_matches_torch(torch, case, mode):
    weighted = mode == "weighted sum"  # per_sample_weights: mode 'sum' only, as in PyTorch
    mode = "sum" if weighted else mode
    idx, offsets, kw = _BAG_CASES[case]
    tmod = torch.nn.EmbeddingBag(7, 3, mode=mode, **kw)
    m = nn.EmbeddingBag(7, 3, mode=mode, **kw)
    assert repr(m) == repr(tmod) and m.padding_idx == tmod.padding_idx
    copy_from_torch(m, tmod)
    psw = randn(*idx.shape) if weighted else None
    p = sg.tensor(psw, requires_grad=True) if weighted else None
    pt = torch.tensor(psw, requires_grad=True) if weighted else None
    off = None if offsets is None else sg.tensor(np.asarray(offsets))
    off_t = None if offsets is None else torch.tensor(np.asarray(offsets))
    y, yt = m(sg.tensor(idx), off, p), tmod(torch.tensor(idx), off_t, pt)
    assert y.dtype == np.float32
    close(y, yt, rtol=1e-5)
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(m.weight.grad, tmod.weight.grad, rtol=1e-5)
    if weighted:
        close(p.grad, pt.grad, rtol=1e-5)


def test_embedding_bag_init_and_functional(torch):
    m = nn.EmbeddingBag(1000, 20, padding_idx=3)
    assert m.weight.dtype == np.float32 and abs(m.weight._data.std() - 1.0) < 0.05
    assert np.all(m.weight._data[3] == 0)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    W = randn(5, 2)
    idx, off = np.array([4, 0, 4, 1]), np.array([0, 1, 1])
    y = F.embedding_bag(sg.tensor(idx), sg.tensor(W), sg.tensor(off), mode="max")
    close(y, torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(W),
                                               torch.tensor(off), mode="max"))
    close(F.embedding_bag(sg.tensor(idx), sg.tensor(W), sg.tensor(off)), [W[4], 0 * W[0],
                                                                         W[[0, 4, 1]].mean(0)])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradcheck(mode):
    W = sg.tensor(RNG.standard_normal((6, 3)), requires_grad=True)  # float64
    idx, off = sg.tensor([1, 2, 2, 5, 0, 3, 2]), sg.tensor([0, 3, 3, 6])
    assert gradcheck(lambda W: F.embedding_bag(idx, W, off, mode=mode), [W])
    assert gradcheck(lambda W: F.embedding_bag(idx, W, off, mode=mode, padding_idx=2), [W])
    assert gradcheck(lambda W: F.embedding_bag(idx[:6].reshape(2, 3), W, mode=mode), [W])
    if mode == "sum":
        p = sg.tensor(RNG.standard_normal(7), requires_grad=True)
        assert gradcheck(lambda W, p: F.embedding_bag(idx, W, off, mode="sum",
                                                      per_sample_weights=p), [W, p])


def test_embedding_bag_errors():
    bag = nn.EmbeddingBag(10, 3)
    idx = sg.tensor([1, 2, 3, 4])
    name = r"EmbeddingBag\(10, 3, mode='mean'\): embedding_bag: "
    with pytest.raises(ValueError, match=name + r"offsets\[0\] must be 0.*got 1"):
        bag(idx, sg.tensor([1, 2]))
    with pytest.raises(ValueError, match=name + r"offsets\[-1\] is 7, larger than the input's "
                                             r"length 4"):
        bag(idx, sg.tensor([0, 7]))
    with pytest.raises(ValueError, match=name + r"offsets must be non-decreasing, got "
                                             r"\[0, 3, 2\]"):
        bag(idx, sg.tensor([0, 3, 2]))
    with pytest.raises(ValueError, match=name + r"offsets must be 1-D, got shape \(1, 2\)"):
        bag(idx, sg.tensor([[0, 2]]))
    with pytest.raises(ValueError, match=name + r"a 1-D input \(here \(4,\)\) needs 1-D "
                                             "offsets"):
        bag(idx)
    with pytest.raises(ValueError, match=name + r"a 2-D input \(here \(2, 2\)\) .* offsets "
                                             r"must be None, got offsets of shape \(2,\)"):
        bag(idx.reshape(2, 2), sg.tensor([0, 1]))
    with pytest.raises(ValueError, match=name + r"expected a 1-D or 2-D input, got shape "
                                             r"\(1, 2, 2\)"):
        bag(idx.reshape(1, 2, 2))
    with pytest.raises(ValueError, match=name + r"per_sample_weights are only supported with "
                                             "mode='sum', got mode='mean'"):
        bag(idx, sg.tensor([0, 2]), sg.ones(4))
    with pytest.raises(ValueError, match=r"embedding_bag: per_sample_weights of shape \(3,\) "
                                         r"must have the input's shape \(4,\)"):
        nn.EmbeddingBag(10, 3, mode="sum")(idx, sg.tensor([0, 2]), sg.ones(3))
    with pytest.raises(ValueError, match=r"include_last_offset=True the last offset must be "
                                         r"the input's length 4, got 3"):
        nn.EmbeddingBag(10, 3, include_last_offset=True)(idx, sg.tensor([0, 2, 3]))
    with pytest.raises(TypeError, match=name + "expected integer offsets .* got dtype float32"):
        bag(idx, sg.tensor([0.0, 2.0]))
    with pytest.raises(TypeError, match=name + "expected integer indices .* got dtype float32"):
        bag(sg.tensor([1.0, 2.0]), sg.tensor([0]))
    with pytest.raises(IndexError, match="index 10 is out of range for 10 embeddings"):
        bag(sg.tensor([3, 10]), sg.tensor([0]))
    with pytest.raises(ValueError, match="EmbeddingBag: mode must be 'sum', 'mean' or 'max', "
                                         "got 'min'"):
        nn.EmbeddingBag(10, 3, mode="min")
    with pytest.raises(ValueError, match="embedding_bag: mode must be .* got 'min'"):
        F.embedding_bag(idx, sg.randn(10, 3), sg.tensor([0]), mode="min")
    with pytest.raises(ValueError, match=r"EmbeddingBag: padding_idx 10 must be within "
                                         r"\[-10, 10\)"):
        nn.EmbeddingBag(10, 3, padding_idx=10)
    with pytest.raises(NotImplementedError, match="EmbeddingBag: max_norm"):
        nn.EmbeddingBag(10, 3, max_norm=1.0)
    with pytest.raises(NotImplementedError, match="embedding_bag: max_norm, "
                                                  "scale_grad_by_freq=True and sparse=True"):
        F.embedding_bag(idx, sg.randn(10, 3), sg.tensor([0]), sparse=True)


# ---------------------------------------------------------------------- Dropout
def test_dropout_statistics_and_eval_identity():
    drop = nn.Dropout(0.3)
    x = sg.ones(200, 500, requires_grad=True)
    y = drop(x)
    kept = np.asarray(y) != 0  # on the host (y may live on the GPU)
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(np.asarray(y)[kept], 1 / 0.7, rtol=1e-6)
    assert y.dtype == np.float32
    gy = randn(200, 500)
    y.backward(sg.tensor(gy))
    np.testing.assert_allclose(x.grad._data, gy * kept / 0.7, rtol=1e-6)  # the same mask
    drop.eval()
    x2 = sg.randn(3, 4)
    assert drop(x2) is x2
    assert float(F.dropout(sg.ones(10), 1.0).abs().sum()) == 0.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_mask_follows_the_global_seed():
    sg.manual_seed(7)
    a = nn.Dropout(0.5)(sg.ones(50))._data
    sg.manual_seed(7)
    assert np.array_equal(a, nn.Dropout(0.5)(sg.ones(50))._data)


# ---------------------------------------------------------------------- BatchNorm
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (6, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 5, 5))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_train_steps_then_eval_match_torch(torch, cls, shape, momentum):
    tmod = getattr(torch.nn, cls)(3, momentum=momentum)
    m = getattr(nn, cls)(3, momentum=momentum)
    with torch.no_grad():
        tmod.weight.copy_(torch.tensor(randn(3)))
        tmod.bias.copy_(torch.tensor(randn(3)))
    copy_from_torch(m, tmod)
    for _ in range(3):
        x = randn(*shape) * 2 + 1
        run_pair(torch, m, tmod, x, atol=1e-4)
        m.zero_grad()
        tmod.zero_grad()
    close(m.running_mean, tmod.running_mean, atol=1e-6)
    close(m.running_var, tmod.running_var, atol=1e-5)
    assert m.num_batches_tracked.item() == tmod.num_batches_tracked.item() == 3
    assert m.num_batches_tracked.dtype == np.int64
    m.eval()
    tmod.eval()
    run_pair(torch, m, tmod, randn(*shape), atol=1e-5)
    assert m.running_mean.dtype == np.float32


@pytest.mark.parametrize("affine,track", [(False, True), (True, False), (False, False)])
def test_batchnorm_options_match_torch(torch, affine, track):
    tmod = torch.nn.BatchNorm2d(2, affine=affine, track_running_stats=track, eps=1e-3)
    m = nn.BatchNorm2d(2, affine=affine, track_running_stats=track, eps=1e-3)
    assert list(m.state_dict()) == list(tmod.state_dict())
    for train in (True, False):
        m.train(train)
        tmod.train(train)
        run_pair(torch, m, tmod, randn(3, 2, 4, 4), atol=1e-4)
    assert repr(m) == repr(tmod)


def test_batchnorm_gradients_with_an_offset_input_and_a_frozen_weight_match_torch(torch):
    """The per-channel backward (gx from the bias and weight gradients) on inputs whose mean
    is 80 and 1000 standard deviations from zero (the gradient must not cancel; the mean,
    accumulated in float64, must not be ulps off) and with the weight frozen, on a batch large
    enough for the sums to take thousands of terms."""
    tmod = torch.nn.BatchNorm2d(4)
    m = nn.BatchNorm2d(4)
    with torch.no_grad():
        tmod.weight.copy_(torch.tensor(randn(4)))
        tmod.bias.copy_(torch.tensor(randn(4)))
    copy_from_torch(m, tmod)
    run_pair(torch, m, tmod, randn(32, 4, 9, 9) * 0.5 + 40, atol=1e-4)
    m.zero_grad()
    tmod.zero_grad()
    run_pair(torch, m, tmod, randn(32, 4, 9, 9) + 1000, atol=1e-4)
    m.zero_grad()
    tmod.zero_grad()
    m.weight.requires_grad_(False)
    tmod.weight.requires_grad_(False)
    x_np, gy = randn(32, 4, 9, 9) * 3 - 2, randn(32, 4, 9, 9)
    x, xt = sg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    m(x).backward(sg.tensor(gy))
    tmod(xt).backward(torch.tensor(gy))
    assert m.weight.grad is None
    close(x.grad, xt.grad, 1e-4, 1e-4)
    close(m.bias.grad, tmod.bias.grad, 1e-4, 1e-4)


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays")
def test_fused_batchnorm_matches_torch_and_the_numpy_path(torch, fused_kernels, monkeypatch):
    """Batches large enough for the fused batch norm (scratchgrad.fused: the statistics and the
    gradient sums in float64, the elementwise passes as the NumPy path's): against PyTorch,
    with inputs 80 and 1000 standard deviations off zero, BatchNorm1d and 2d, running
    statistics, a frozen weight; and against the NumPy path, value by value."""
    calls = []
    for name in ("batch_norm_stats", "batch_norm_apply", "batch_norm_grad_sums",
                 "batch_norm_grad_input"):
        monkeypatch.setattr(fused_kernels, name, lambda *a, _f=getattr(fused_kernels, name),
                            _n=name: calls.append(_n) or _f(*a))
    shape2d = (32, 4, 16, 16)
    assert math.prod(shape2d) >= fused_kernels.MIN_ELEMENTS
    for cls, shape, xs in (("BatchNorm2d", shape2d, (randn(*shape2d) * 0.5 + 40,
                                                      randn(*shape2d) + 1000,
                                                      randn(*shape2d) * 3 - 2)),
                           ("BatchNorm1d", (4096, 8), (randn(4096, 8) * 2 + 1,)),
                           ("BatchNorm1d", (512, 8, 9), (randn(512, 8, 9),))):
        C = shape[1]
        tmod, m = getattr(torch.nn, cls)(C), getattr(nn, cls)(C)
        with torch.no_grad():
            tmod.weight.copy_(torch.tensor(randn(C)))
            tmod.bias.copy_(torch.tensor(randn(C)))
        copy_from_torch(m, tmod)
        for x in xs:
            run_pair(torch, m, tmod, x, atol=1e-4)
            m.zero_grad()
            tmod.zero_grad()
        close(m.running_mean, tmod.running_mean, atol=1e-4)
        close(m.running_var, tmod.running_var, atol=1e-4)
    assert calls.count("batch_norm_stats") == 5 and calls.count("batch_norm_grad_input") == 5
    # the NumPy path, on the same input: the same values but for the statistics' last bits
    x_np, gy = randn(*shape2d) * 3 - 2, randn(*shape2d)
    outs = []
    for on in (True, False):
        monkeypatch.setattr(fused_kernels, "_status", [on])
        sg.manual_seed(0)
        bn = nn.BatchNorm2d(4)
        bn.weight.requires_grad_(False)  # and a frozen weight
        x = sg.tensor(x_np, requires_grad=True)
        y = bn(x)
        y.backward(sg.tensor(gy))
        outs.append((y.detach().numpy(), x.grad.numpy(), bn.bias.grad.numpy(),
                     bn.running_var.numpy().copy()))
        assert bn.weight.grad is None
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays")
def test_fused_batchnorm_gradcheck(fused_kernels):
    """Finite differences (float64) through the fused forward and backward."""
    x = sg.randn(16, 3, 26, 27, dtype=sg.float64, requires_grad=True)
    assert x.numel() >= fused_kernels.MIN_ELEMENTS
    w = sg.randn(3, dtype=sg.float64, requires_grad=True)
    b = sg.randn(3, dtype=sg.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True) ** 2,
                     [x, w, b])


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4.*4 channels.*\(8, 3\)"):
        nn.BatchNorm1d(4)(sg.randn(8, 3))
    with pytest.raises(ValueError, match="4D input"):
        nn.BatchNorm2d(3)(sg.randn(8, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(sg.randn(1, 3))


def test_batchnorm_gradcheck_and_double_backward():
    x = sg.randn(4, 3, 2, requires_grad=True)
    w = sg.randn(3, requires_grad=True)
    b = sg.randn(3, requires_grad=True)

    def f(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert gradcheck(f, [x, w, b])
    assert gradgradcheck(f, [x, w, b])
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x])


# ---------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("normalized,shape", [(5, (4, 5)), ((3, 5), (2, 3, 5)),
                                              ((4,), (4,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layernorm_matches_torch(torch, normalized, shape, affine):
    tmod = torch.nn.LayerNorm(normalized, elementwise_affine=affine)
    m = nn.LayerNorm(normalized, elementwise_affine=affine)
    if affine:
        with torch.no_grad():
            tmod.weight.copy_(torch.tensor(randn(*tmod.weight.shape)))
            tmod.bias.copy_(torch.tensor(randn(*tmod.bias.shape)))
        copy_from_torch(m, tmod)
    run_pair(torch, m, tmod, randn(*shape) * 3, atol=1e-4)
    assert repr(m) == repr(tmod)


def test_layernorm_errors_gradcheck_and_double_backward():
    with pytest.raises(ValueError, match=r"LayerNorm\(\(5,\).*\(5,\).*\(2, 4\)"):
        nn.LayerNorm(5)(sg.randn(2, 4))
    x = sg.randn(3, 2, 4, requires_grad=True)
    w = sg.randn(2, 4, requires_grad=True)
    b = sg.randn(2, 4, requires_grad=True)

    def f(x, w, b):
        return F.layer_norm(x, (2, 4), w, b)

    assert gradcheck(f, [x, w, b])
    assert gradgradcheck(f, [x, w, b])


# ---------------------------------------------------------------------- activations
@pytest.mark.parametrize("name,args", [
    ("ReLU", ()), ("LeakyReLU", (0.2,)), ("Sigmoid", ()), ("Tanh", ()), ("GELU", ()),
    ("GELU", ("tanh",)), ("SiLU", ()), ("Softplus", ()), ("Softplus", (2.0, 5.0)),
    ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Softmax", (-1,)),
])
def test_activations_match_torch(torch, name, args):
    m, tmod = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    x = randn(4, 6, 3) * 3
    run_pair(torch, m, tmod, x, atol=1e-5)
    assert repr(m) == repr(tmod)


def test_softmax_without_dim_warns_and_picks_torchs_dim(torch):
    x = randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = nn.Softmax()(sg.tensor(x))
    close(y, torch.nn.functional.softmax(torch.tensor(x), dim=1))


def test_one_hot(torch):
    labels = np.array([[0, 3], [2, 1]], dtype=np.int64)
    y = F.one_hot(sg.tensor(labels), 5)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), torch.nn.functional.one_hot(
        torch.tensor(labels), 5).numpy())
    assert F.one_hot(sg.tensor([0, 2])).shape == (2, 3)
    with pytest.raises(ValueError, match="label 5 is out of range for num_classes=5"):
        F.one_hot(sg.tensor([5]), 5)


def test_functional_pad_is_reexported():
    assert F.pad(sg.ones(2, 2), (1, 1)).shape == (2, 4)


def test_dropout_gradcheck_with_a_fixed_mask():
    x = sg.randn(4, 5, requires_grad=True)
    assert gradcheck(lambda x: F.dropout(x, 0.4, generator=sg.Generator(3)), [x])
    assert gradgradcheck(lambda x: F.dropout(x, 0.4, generator=sg.Generator(3)) ** 2, [x])


def _backward_dtypes(root: sg.Tensor) -> set:
    """The dtype of every gradient every node's backward returns (before the engine's cast
    would hide a float64 that crept in), walking the graph from ``root``."""
    dtypes, seen, stack = set(), set(), [root.creator]
    with sg.no_grad():
        while stack:
            fn = stack.pop()
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            gys = [sg.ones(*ref().shape) if ref() is not None else None for ref in fn.outputs]
            out = fn.backward(*gys)
            for g in out if isinstance(out, tuple) else (out,):
                if g is not None:
                    dtypes.add(g.dtype)
            stack.extend(x.creator for x in fn.inputs)
    return dtypes


def test_every_gradient_stays_float32():
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Dropout(0.3),
                          nn.LayerNorm(8), nn.Softplus(2.0), nn.Linear(8, 4))
    emb = nn.Embedding(10, 6, padding_idx=0)
    h = model(emb(sg.tensor([1, 2, 0, 3, 3])))
    w = sg.tensor([1.0, 2.0, 0.5, 1.0])
    losses = [
        F.cross_entropy(h, sg.tensor([0, 1, 2, 3, 1]), weight=w, label_smoothing=0.1),
        F.cross_entropy(h, F.softmax(sg.randn(5, 4), dim=1), label_smoothing=0.2),
        F.nll_loss(F.log_softmax(h, dim=1), sg.tensor([0, 1, 2, 3, 1]), weight=w),
        F.binary_cross_entropy_with_logits(h, sg.rand(5, 4), pos_weight=w),
        F.binary_cross_entropy(F.sigmoid(h), sg.rand(5, 4), weight=w),
        F.smooth_l1_loss(h, sg.zeros(5, 4), beta=0.5) + F.huber_loss(h, sg.ones(5, 4)),
    ]
    for loss in losses:
        assert loss.dtype == np.float32
        assert _backward_dtypes(loss) == {np.dtype(np.float32)}
    model.eval()
    assert _backward_dtypes(model(sg.randn(3, 6)).sum()) == {np.dtype(np.float32)}


# ---------------------------------------------------------------------- more activations
NEW_ACTIVATIONS = [
    ("ELU", ()), ("ELU", (0.5,)), ("SELU", ()), ("CELU", ()), ("CELU", (2.0,)), ("ReLU6", ()),
    ("Hardtanh", ()), ("Hardtanh", (-2.0, 3.0)), ("Hardsigmoid", ()), ("Hardswish", ()),
    ("Mish", ()), ("Softsign", ()), ("LogSigmoid", ()), ("Softmin", (1,)), ("GLU", ()),
    ("GLU", (1,)), ("Threshold", (0.5, -2.0)), ("PReLU", ()), ("PReLU", (6, 0.1)),
]


@pytest.mark.parametrize("name,args", NEW_ACTIVATIONS)
def test_new_activations_match_torch(torch, name, args):
    m, tmod = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    if name == "PReLU":  # slopes that differ per channel, so a mix-up would show
        with torch.no_grad():
            tmod.weight.copy_(torch.tensor(randn(*tmod.weight.shape)))
        assert list(m.state_dict()) == list(tmod.state_dict()) == ["weight"]
        copy_from_torch(m, tmod)
    run_pair(torch, m, tmod, randn(4, 6, 4) * 3)
    assert repr(m) == repr(tmod)


@pytest.mark.parametrize("name", ["relu6", "hardtanh", "hardsigmoid", "hardswish", "elu", "celu",
                                  "selu", "mish", "softsign", "logsigmoid"])
def test_new_activations_at_their_kinks_match_torch(torch, name):
    # The points where the piecewise definitions switch: the gradient there is a convention.
    x_np = np.array([0.0, 6.0, -1.0, 7.0, 3.0, -3.0, 1.0, -6.0], dtype=np.float32)
    x, xt = sg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y, yt = getattr(F, name)(x), getattr(torch.nn.functional, name)(xt)
    close(y, yt)
    y.sum().backward()
    yt.sum().backward()
    close(x.grad, xt.grad)


def test_prelu_on_1d_and_unbatched_inputs_matches_torch(torch):
    for shape in [(5,), (2, 6), (2, 6, 3, 3)]:
        n = 6 if len(shape) > 1 else 1
        tmod, m = torch.nn.PReLU(n), nn.PReLU(n)
        with torch.no_grad():
            tmod.weight.copy_(torch.tensor(randn(n)))
        copy_from_torch(m, tmod)
        run_pair(torch, m, tmod, randn(*shape))


def test_logsigmoid_and_elu_are_stable_for_large_inputs(torch):
    x_np = np.array([-300.0, -90.0, 0.0, 90.0, 300.0], dtype=np.float32)
    for name in ["logsigmoid", "elu", "celu", "selu", "mish", "softsign"]:
        x = sg.tensor(x_np, requires_grad=True)
        xt = torch.tensor(x_np, requires_grad=True)
        y, yt = getattr(F, name)(x), getattr(torch.nn.functional, name)(xt)
        close(y, yt)
        y.sum().backward()
        yt.sum().backward()
        assert np.isfinite(x.grad.numpy()).all(), name
        close(x.grad, xt.grad)


@pytest.mark.parametrize("name,kw", [
    ("elu", {"alpha": 0.7}), ("selu", {}), ("celu", {"alpha": 1.5}), ("hardtanh", {}),
    ("relu6", {}), ("hardsigmoid", {}), ("hardswish", {}), ("mish", {}), ("softsign", {}),
    ("logsigmoid", {}), ("softmin", {"dim": 1}), ("glu", {"dim": 1}),
])
def test_new_activations_gradcheck(name, kw):
    # Shifted away from the kinks (0, +-1, +-3, 6), where finite differences are meaningless.
    x = (sg.rand(3, 4) * 0.8 + 0.1) * sg.tensor([[1.0, -1.0, 2.0, -2.5]])
    x.requires_grad_()
    assert gradcheck(lambda x: getattr(F, name)(x, **kw), [x])


def test_prelu_threshold_gradcheck_and_double_backward():
    x = sg.randn(3, 4, 2, requires_grad=True)
    w = sg.tensor([0.1, -0.3, 0.5, 0.2], requires_grad=True)
    assert gradcheck(lambda x, w: F.prelu(x, w), [x, w])
    assert gradgradcheck(lambda x: F.mish(x), [x])
    assert gradgradcheck(lambda x: F.elu(x), [x])
    assert gradcheck(lambda x: F.threshold(x, 0.1, 3.0), [x])


def test_new_activation_errors():
    with pytest.raises(ValueError, match=r"glu: halving dimension must be even.*dimension 1.*"
                                         r"\(2, 3\).*size 3"):
        F.glu(sg.randn(2, 3), dim=1)
    with pytest.raises(ValueError, match="glu: does not support scalars"):
        nn.GLU()(sg.tensor(1.0))
    with pytest.raises(ValueError, match=r"prelu: mismatch.*3 parameters and 4 channel.*"
                                         r"\(2, 4\)"):
        nn.PReLU(3)(sg.randn(2, 4))
    with pytest.raises(ValueError, match="prelu: zero-dim"):
        nn.PReLU()(sg.tensor(1.0))
    with pytest.raises(ValueError, match="Hardtanh: min_val cannot be greater than max_val, "
                                         "got min_val=2.0 and max_val=1.0"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="hardtanh: min_val cannot be greater"):
        F.hardtanh(sg.randn(3), 2.0, 1.0)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        nn.CELU(0.0)(sg.randn(3))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int, got 0"):
        nn.PReLU(0)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        nn.Softmin()(sg.randn(2, 3))


# ---------------------------------------------------------------------- distances
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("dim", [1, -1, 0])
def test_normalize_matches_torch(torch, p, dim):
    x_np = randn(4, 5)
    x_np[1] = 0.0  # a zero vector: the gradient must be finite (as in PyTorch) and match
    x_np[:, 2] = 0.0
    x, xt = sg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y, yt = F.normalize(x, p, dim), torch.nn.functional.normalize(xt, p, dim)
    close(y, yt)
    assert y.dtype == np.float32
    gy = randn(4, 5)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(x.grad, xt.grad, atol=1e-4)


@pytest.mark.parametrize("shapes,dim", [(((4, 5), (4, 5)), 1), (((3, 4, 5), (1, 4, 5)), 2),
                                        (((6,), (6,)), 0), (((4, 5), (5,)), -1)])
def test_cosine_similarity_matches_torch(torch, shapes, dim):
    a, b = randn(*shapes[0]), randn(*shapes[1])
    m, tmod = nn.CosineSimilarity(dim), torch.nn.CosineSimilarity(dim)
    assert repr(m) == repr(tmod)
    xa, xb = sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, yt = m(xa, xb), tmod(ta, tb)
    close(y, yt)
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(xa.grad, ta.grad)
    close(xb.grad, tb.grad)


@pytest.mark.parametrize("p,eps,keepdim", [(2.0, 1e-6, False), (1.0, 1e-6, True),
                                           (3.0, 0.1, False), (math.inf, 1e-6, False)])
@pytest.mark.parametrize("shapes", [((4, 5), (4, 5)), ((5,), (5,)), ((3, 4, 5), (4, 5))])
def test_pairwise_distance_matches_torch(torch, p, eps, keepdim, shapes):
    a, b = randn(*shapes[0]), randn(*shapes[1])
    m, tmod = nn.PairwiseDistance(p, eps, keepdim), torch.nn.PairwiseDistance(p, eps, keepdim)
    xa, xb = sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, yt = m(xa, xb), tmod(ta, tb)
    close(y, yt)
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    close(xa.grad, ta.grad)
    close(xb.grad, tb.grad)


def test_distances_gradcheck_and_errors():
    a, b = sg.randn(3, 4, requires_grad=True), sg.randn(3, 4, requires_grad=True)
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b), [a, b])
    assert gradcheck(lambda a, b: F.pairwise_distance(a, b, p=3.0), [a, b])
    assert gradcheck(lambda a: F.normalize(a, dim=0), [a])
    assert gradgradcheck(lambda a, b: F.cosine_similarity(a, b), [a, b])
    with pytest.raises(ValueError, match=r"cosine_similarity: the inputs of shapes \(3, 4\) and "
                                         r"\(3, 5\) do not broadcast"):
        F.cosine_similarity(sg.randn(3, 4), sg.randn(3, 5))
    with pytest.raises(IndexError, match="normalize: dimension 1 is out of range"):
        F.normalize(sg.randn(3))
    with pytest.raises(ValueError, match="pairwise_distance: p must be positive"):
        F.pairwise_distance(a, b, p=-1.0)


# ---------------------------------------------------------------------- Conv1d and 1-D pools
@pytest.mark.parametrize("kw", [{}, {"stride": 2}, {"padding": 2}, {"dilation": 2},
                                {"padding": "same"}, {"padding": "valid"}, {"bias": False},
                                {"groups": 2, "padding": 1}, {"groups": 2, "stride": 3}])
@pytest.mark.parametrize("shape", [(3, 4, 11), (4, 11)])
def test_conv1d_matches_torch(torch, kw, shape):
    tmod, m = torch.nn.Conv1d(4, 6, 3, **kw), nn.Conv1d(4, 6, 3, **kw)
    assert list(m.state_dict()) == list(tmod.state_dict())
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tmod.state_dict().items()}
    assert repr(m) == repr(tmod)
    copy_from_torch(m, tmod)
    run_pair(torch, m, tmod, randn(*shape))


def test_conv1d_default_init_bound():
    m = nn.Conv1d(4, 8, 5)
    bound = 1 / math.sqrt(4 * 5)
    assert m.weight.dtype == np.float32
    assert np.abs(m.weight._data).max() <= bound and np.abs(m.bias._data).max() <= bound


def test_conv1d_gradcheck_and_errors():
    x, W, b = sg.randn(2, 4, 7, requires_grad=True), sg.randn(4, 2, 3, requires_grad=True), \
        sg.randn(4, requires_grad=True)
    assert gradcheck(lambda x, W, b: F.conv1d(x, W, b, stride=2, padding=1, groups=2), [x, W, b])
    assert gradgradcheck(lambda x, W: F.conv1d(x, W, dilation=2, groups=2), [x, W])
    m = nn.Conv1d(2, 4, 3)
    with pytest.raises(ValueError, match=r"Conv1d\(2, 4.*expected a 3-D input \(N, 2, L\).*"
                                         r"\(2, 3, 5\)"):
        m(sg.randn(2, 3, 5))
    with pytest.raises(ValueError, match=r"Conv1d\(2, 4.*got an input of shape \(2, 2, 5, 5\)"):
        m(sg.randn(2, 2, 5, 5))
    with pytest.raises(ValueError, match=r"conv1d: expected a 3-D input \(N, C, L\).*\(5,\)"):
        F.conv1d(sg.randn(5), sg.randn(1, 1, 3))
    with pytest.raises(ValueError, match=r"conv1d: weight must be 3-D.*\(4, 2, 3, 3\)"):
        F.conv1d(sg.randn(1, 2, 5), sg.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv1d: input of shape \(1, 3, 5\) has 3 channels "
                                         r"but weight of shape \(4, 2, 3\)"):
        F.conv1d(sg.randn(1, 3, 5), sg.randn(4, 2, 3))
    with pytest.raises(ValueError, match="conv1d: the padded input length is 2.*spans 3"):
        F.conv1d(sg.randn(1, 2, 2), sg.randn(4, 2, 3))
    with pytest.raises(ValueError, match="Conv1d: padding='same' is not supported for strided"):
        nn.Conv1d(2, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv1d: kernel_size must be an int or a 1-tuple, "
                                         r"got \(3, 3\)"):
        nn.Conv1d(2, 4, (3, 3))


@pytest.mark.parametrize("cls,kw", [("MaxPool1d", {"kernel_size": 2}),
                                    ("MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}),
                                    ("MaxPool1d", {"kernel_size": 2, "dilation": 2}),
                                    ("AvgPool1d", {"kernel_size": 2}),
                                    ("AvgPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}),
                                    ("AvgPool1d", {"kernel_size": 3, "padding": 1,
                                                   "count_include_pad": False})])
@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 9)])
def test_pool1d_matches_torch(torch, cls, kw, shape):
    m, tmod = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)


def test_max_pool1d_indices_match_torch(torch):
    x = randn(2, 3, 9)
    y, idx = F.max_pool1d(sg.tensor(x), 3, 2, 1, return_indices=True)
    yt, it = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    close(y, yt)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.numpy(), it.numpy())


def test_pool1d_gradcheck_and_errors():
    x = sg.randn(2, 3, 8, requires_grad=True)
    assert gradcheck(lambda x: F.avg_pool1d(x, 3, 2, 1), [x])
    assert gradcheck(lambda x: F.max_pool1d(x, 2), [x])
    with pytest.raises(ValueError, match=r"max_pool1d: expected a 3-D input \(N, C, L\) or a "
                                         r"2-D unbatched input \(C, L\), got shape \(2, 3, 5, 5\)"):
        nn.MaxPool1d(2)(sg.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"avg_pool1d: expected a 3-D.*got shape \(5,\)"):
        F.avg_pool1d(sg.randn(5), 2)
    with pytest.raises(ValueError, match="max_pool1d: padding 2 must be at most half of "
                                         "kernel_size 2"):
        F.max_pool1d(sg.randn(1, 2, 8), 2, padding=2)


# ---------------------------------------------------------------------- padding layers
@pytest.mark.parametrize("cls,args,shape", [
    ("ZeroPad2d", (1,), (2, 3, 4, 5)), ("ZeroPad2d", ((1, 2, 0, 3),), (3, 4, 5)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad1d", ((0, 3), -1.0), (3, 4)),
    ("ConstantPad2d", ((1, 2, 0, 1), 1.0), (2, 3, 4, 5)), ("ZeroPad1d", ((1, 2),), (2, 3, 4)),
])
def test_padding_layers_match_torch(torch, cls, args, shape):
    m, tmod = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)


def test_padding_layer_errors():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a 4-tuple.*"
                                         r"\(1, 2, 3\)"):
        nn.ZeroPad2d((1, 2, 3))
    with pytest.raises(ValueError, match=r"ConstantPad2d\(padding=\(1, 1, 1, 1\), value=2.0\): "
                                         r"expected a 4-D input.*\(5,\)"):
        nn.ConstantPad2d(1, 2.0)(sg.randn(5))


# ---------------------------------------------------------------------- Upsample / interpolate
@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5), {"scale_factor": 2}), ((2, 3, 5), {"size": 12}), ((2, 3, 7), {"size": 3}),
    ((2, 3, 4, 5), {"scale_factor": 2}), ((2, 3, 4, 5), {"scale_factor": (1.5, 3)}),
    ((2, 3, 4, 5), {"size": (7, 3)}), ((1, 2, 6, 6), {"scale_factor": 0.5}),
    ((1, 2, 5, 5), {"scale_factor": 1.7}),
    ((1, 2, 5, 5), {"scale_factor": 1.7, "recompute_scale_factor": True}),
    ((2, 3, 4, 5), {"scale_factor": 2, "mode": "bilinear"}),
    ((2, 3, 4, 5), {"size": (7, 9), "mode": "bilinear"}),
    ((2, 3, 4, 5), {"size": (3, 2), "mode": "bilinear"}),
    ((2, 3, 4, 5), {"scale_factor": 1.7, "mode": "bilinear"}),
    ((2, 3, 4, 5), {"scale_factor": 2, "mode": "bilinear", "align_corners": True}),
    ((2, 3, 4, 5), {"size": (7, 1), "mode": "bilinear", "align_corners": True}),
    ((2, 3, 4, 5), {"size": (3, 8), "mode": "bilinear", "align_corners": True}),
])
def test_upsample_matches_torch(torch, shape, kw):
    m, tmod = nn.Upsample(**kw), torch.nn.Upsample(**kw)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)


def test_interpolate_gradcheck_and_errors():
    x = sg.randn(1, 2, 3, 4, requires_grad=True)
    assert gradcheck(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [x])
    assert gradcheck(lambda x: F.interpolate(x, size=(5, 2), mode="bilinear",
                                             align_corners=True), [x])
    assert gradcheck(lambda x: F.interpolate(x, size=(5, 7)), [x])
    with pytest.raises(ValueError, match="interpolate: only one of size or scale_factor"):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="interpolate: align_corners can only be set"):
        F.interpolate(x, size=4, align_corners=True)
    with pytest.raises(NotImplementedError, match=r"interpolate: got a 3-D input of shape "
                                                  r"\(1, 2, 3\), but bilinear mode needs"):
        F.interpolate(sg.randn(1, 2, 3), size=4, mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: expected a 3-D .* got shape \(2, 3\)"):
        nn.Upsample(size=4)(sg.randn(2, 3))
    with pytest.raises(ValueError, match=r"interpolate: the input has 2 spatial dimension\(s\) "
                                         r"\(3, 4\) but size \(4, 5, 6\) gives 3"):
        F.interpolate(x, size=(4, 5, 6))
    with pytest.raises(NotImplementedError, match="interpolate: mode 'trilinear' is not "
                                                  "supported; only 'nearest', "):
        F.interpolate(x, size=4, mode="trilinear")
    with pytest.raises(NotImplementedError, match=r"interpolate: got a 4-D input of shape "
                                                  r"\(1, 2, 3, 4\), but linear mode needs a "
                                                  "3-D input"):
        F.interpolate(x, size=4, mode="linear")
    with pytest.raises(NotImplementedError, match=r"interpolate: got a 3-D input of shape "
                                                  r"\(1, 2, 3\), but bicubic mode needs a 4-D"):
        nn.Upsample(size=4, mode="bicubic")(sg.randn(1, 2, 3))
    for mode in ("area", "nearest-exact"):
        with pytest.raises(ValueError, match=r"interpolate: align_corners can only be set with "
                                             rf"the interpolating modes .* mode='{mode}'"):
            F.interpolate(x, size=4, mode=mode, align_corners=False)


# ---------------------------------------------------------------------- ParameterList / Dict
def test_parameter_containers_register_with_torch_keys(torch):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.plist = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(2, 3)),
                                                 torch.nn.Parameter(torch.randn(3))])
            self.pdict = torch.nn.ParameterDict({"scale": torch.nn.Parameter(torch.randn(4)),
                                                 "shift": torch.nn.Parameter(torch.randn(4))})
            self.lin = torch.nn.Linear(3, 4)

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.plist = nn.ParameterList([nn.Parameter(sg.zeros(2, 3)), sg.zeros(3)])
            self.pdict = nn.ParameterDict({"scale": sg.zeros(4), "shift": sg.zeros(4)})
            self.lin = nn.Linear(3, 4)

    ours, theirs = Ours(), Net()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    copy_from_torch(ours, theirs)
    close(ours.plist[1], theirs.plist[1])
    close(ours.pdict["shift"], theirs.pdict["shift"])

    def loss(m):
        return ((m.lin(m.plist[0]) * m.pdict["scale"] + m.pdict["shift"]) ** 2).sum() \
            + (m.plist[1] ** 3).sum()

    loss(ours).backward()
    loss(theirs).backward()
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, tparams[name].grad, atol=1e-4)


def test_parameter_containers_behave_like_lists_and_dicts():
    pl = nn.ParameterList([sg.zeros(2)])
    pl.append(sg.ones(3))
    pl += [sg.ones(1)]
    assert len(pl) == 3 and isinstance(pl[1], nn.Parameter) and pl[-1].shape == (1,)
    assert [p.shape for p in pl] == [(2,), (3,), (1,)]
    assert len(pl[1:]) == 2
    pl[0] = sg.ones(5)
    assert pl[0].shape == (5,)
    with pytest.raises(TypeError, match="ParameterList: expected a Parameter or a Tensor, got "
                                        "int"):
        pl.append(3)
    with pytest.raises(IndexError):
        pl[7]
    pd = nn.ParameterDict({"a": sg.zeros(1)})
    pd["b"] = sg.ones(2)
    assert list(pd) == ["a", "b"] and "a" in pd and pd.get("c") is None
    assert pd.pop("a").shape == (1,) and list(pd.keys()) == ["b"]
    with pytest.raises(KeyError, match="ParameterDict: no parameter named 'z'"):
        pd["z"]
    assert "(b): Parameter containing: [float32 of size 2" in repr(pd)


# ---------------------------------------------------------------------- GroupNorm
@pytest.mark.parametrize("groups,shape", [(2, (3, 4, 5)), (1, (2, 4, 3, 3)), (4, (2, 4)),
                                          (2, (2, 4, 3, 2, 2)), (1, (4, 7))])
@pytest.mark.parametrize("kw", [{}, {"affine": False}, {"eps": 1e-3}, {"bias": False}])
def test_groupnorm_matches_torch(torch, groups, shape, kw):
    C = shape[1]
    tmod, m = torch.nn.GroupNorm(groups, C, **kw), nn.GroupNorm(groups, C, **kw)
    if tmod.weight is not None:  # not the ones/zeros defaults, so a mix-up shows
        with torch.no_grad():
            tmod.weight.copy_(torch.tensor(randn(C)))
            if tmod.bias is not None:
                tmod.bias.copy_(torch.tensor(randn(C)))
    assert list(m.state_dict()) == list(tmod.state_dict())
    assert repr(m) == repr(tmod)
    copy_from_torch(m, tmod)
    # A group of one element normalises to 0 whatever it holds: the input gradient is 0, and
    # both libraries return rounding noise times 1/sqrt(eps), up to ~1e-3 apart.
    one = C // groups * int(np.prod(shape[2:], dtype=int)) == 1
    run_pair(torch, m, tmod, randn(*shape) * 2 + 1, atol=1e-2 if one else 1e-4)


def test_groupnorm_gradcheck_and_errors():
    x = sg.randn(2, 4, 3, requires_grad=True)
    w, b = sg.randn(4, requires_grad=True), sg.randn(4, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x, w, b])
    assert gradgradcheck(lambda x, w: F.group_norm(x, 2, w), [x, w])
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(4\) must be divisible by "
                                         r"num_groups \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 4.*expected an input \(N, 4, \*\).*"
                                         r"\(2, 6, 3\)"):
        nn.GroupNorm(2, 4)(sg.randn(2, 6, 3))
    with pytest.raises(ValueError, match=r"group_norm: expected the number of channels.*"
                                         r"\(2, 6, 3\) and num_groups=4"):
        F.group_norm(sg.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match=r"group_norm: expected weight to be a vector of size "
                                         r"equal to the number of channels in input \(6\)"):
        F.group_norm(sg.randn(2, 6, 3), 2, sg.ones(4))


# ---------------------------------------------------------------------- Dropout1d / Dropout2d
@pytest.mark.parametrize("cls,shape", [("Dropout2d", (8, 50, 3, 3)), ("Dropout1d", (8, 50, 4)),
                                       ("Dropout1d", (50, 4))])
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    m = getattr(nn, cls)(0.3)
    x = sg.tensor(randn(*shape), requires_grad=True)
    y = m(x)
    ratio = y.detach().numpy() / x.detach().numpy()
    k = 2 if len(shape) > 2 else 1  # the (sample, channel) axes that share one draw
    flat = ratio.reshape(shape[:k] + (-1,))
    # each channel is all zeros or all 1 / (1 - p)
    assert np.allclose(flat, flat[..., :1])
    assert (np.isclose(flat, 0.0) | np.isclose(flat, 1 / 0.7, rtol=1e-5)).all()
    kept = (flat[..., 0] > 0).mean()
    assert 0.5 < kept < 0.9
    gy = randn(*shape)
    y.backward(sg.tensor(gy))
    np.testing.assert_allclose(x.grad.numpy(), gy * ratio, rtol=1e-5, atol=1e-6)
    assert y.dtype == np.float32
    m.eval()
    assert np.array_equal(m(x).detach().numpy(), x.detach().numpy())
    assert repr(m) == f"{cls}(p=0.3, inplace=False)"


def test_channel_dropout_edges_and_errors():
    x = sg.randn(2, 3, 4, 4)
    assert np.array_equal(F.dropout2d(x, 0.0).numpy(), x.numpy())
    assert not F.dropout2d(x, 1.0).numpy().any()
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        F.dropout2d(sg.randn(2, 3, 4), 0.5)
    with pytest.raises(ValueError, match=r"dropout1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) "
                                         r"input, got a 4-D input of shape \(2, 3, 4, 4\)"):
        nn.Dropout1d()(x)
    with pytest.raises(ValueError, match=r"dropout2d: expected a 4-D input.*\(2, 3\)"):
        F.dropout2d(sg.randn(2, 3))
    with pytest.raises(ValueError, match="Dropout2d: probability has to be between 0 and 1, got "
                                         "1.5"):
        nn.Dropout2d(1.5)
    sg.manual_seed(5)
    a = F.dropout2d(x, 0.5).numpy()
    sg.manual_seed(5)
    assert np.array_equal(a, F.dropout2d(x, 0.5).numpy())


# ---------------------------------------------------------------------- instance norm
@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm1d", (4, 7)),
                                       ("InstanceNorm2d", (2, 4, 3, 5)),
                                       ("InstanceNorm2d", (4, 3, 5))])
@pytest.mark.parametrize("affine,track", [(False, False), (True, False), (True, True),
                                          (False, True)])
def test_instancenorm_train_steps_then_eval_match_torch(torch, cls, shape, affine, track):
    tmod = getattr(torch.nn, cls)(4, affine=affine, track_running_stats=track, momentum=0.3)
    m = getattr(nn, cls)(4, affine=affine, track_running_stats=track, momentum=0.3)
    assert list(m.state_dict()) == list(tmod.state_dict())
    assert repr(m) == repr(tmod)
    copy_from_torch(m, tmod)
    for _ in range(2):
        run_pair(torch, m, tmod, randn(*shape) * 2 + 1)
    if track:
        close(m.running_mean, tmod.running_mean)
        close(m.running_var, tmod.running_var)
    m.eval()
    tmod.eval()
    run_pair(torch, m, tmod, randn(*shape))


def test_instancenorm_gradcheck_and_errors():
    w = sg.tensor(randn(3), requires_grad=True)
    b = sg.tensor(randn(3), requires_grad=True)
    x = sg.tensor(randn(2, 3, 5), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [x, w, b])
    with pytest.raises(ValueError, match=r"InstanceNorm1d\(3.*dim=1.*num_features \(3\).*"
                                         r"\(2, 4, 5\)"):
        nn.InstanceNorm1d(3, affine=True)(sg.randn(2, 4, 5))
    with pytest.warns(UserWarning, match="InstanceNorm1d: input's size at dim=1"):
        nn.InstanceNorm1d(3)(sg.randn(2, 4, 5))
    with pytest.raises(ValueError, match=r"InstanceNorm2d.*expected 4D.*\(2, 3\)"):
        nn.InstanceNorm2d(3)(sg.randn(2, 3))
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 spatial element.*"
                                         r"\(2, 3, 1\)"):
        F.instance_norm(sg.randn(2, 3, 1))


# ---------------------------------------------------------------------- pixel shuffle
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((18, 2, 3), 3), ((2, 1, 9, 2, 2), 3)])
def test_pixel_shuffle_and_unshuffle_match_torch(torch, shape, r):
    tmod, m = torch.nn.PixelShuffle(r), nn.PixelShuffle(r)
    y = run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)
    tmod, m = torch.nn.PixelUnshuffle(r), nn.PixelUnshuffle(r)
    run_pair(torch, m, tmod, y.detach().numpy())
    assert repr(m) == repr(tmod)


def test_pixel_shuffle_errors():
    with pytest.raises(ValueError, match=r"pixel_shuffle: .*divisible by 4.*\(1, 6, 2, 2\)"):
        nn.PixelShuffle(2)(sg.randn(1, 6, 2, 2))
    with pytest.raises(ValueError, match=r"pixel_unshuffle: .*divisible by 2.*\(1, 6, 3, 2\)"):
        nn.PixelUnshuffle(2)(sg.randn(1, 6, 3, 2))
    with pytest.raises(ValueError, match="upscale_factor must be a positive int, got 0"):
        F.pixel_shuffle(sg.randn(1, 4, 2, 2), 0)


# ---------------------------------------------------------------------- bilinear
@pytest.mark.parametrize("shape", [(5,), (4, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(torch, shape, bias):
    tmod, m = torch.nn.Bilinear(3, 4, 2, bias=bias), nn.Bilinear(3, 4, 2, bias=bias)
    copy_from_torch(m, tmod)
    assert repr(m) == repr(tmod)
    a, b = randn(*shape, 3), randn(*shape, 4)
    xs = [sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)]
    txs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    y, yt = m(*xs), tmod(*txs)
    close(y, yt)
    assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    yt.backward(torch.tensor(gy))
    for x, xt in zip(xs, txs):
        close(x.grad, xt.grad)
    tp = dict(tmod.named_parameters())
    for name, p in m.named_parameters():
        close(p.grad, tp[name].grad)


def test_bilinear_init_gradcheck_and_errors():
    m = nn.Bilinear(16, 3, 5)
    assert np.abs(m.weight.detach().numpy()).max() <= 0.25
    assert np.abs(m.bias.detach().numpy()).max() <= 0.25
    assert m.weight.detach().numpy().std() > 0.1
    a, b = sg.tensor(randn(2, 3), requires_grad=True), sg.tensor(randn(2, 4), requires_grad=True)
    W, c = sg.tensor(randn(5, 3, 4), requires_grad=True), sg.tensor(randn(5), requires_grad=True)
    assert gradcheck(F.bilinear, [a, b, W, c])
    with pytest.raises(ValueError, match=r"Bilinear\(in1_features=16.*\(2, 3\) and \(2, 3\)"):
        m(sg.randn(2, 3), sg.randn(2, 3))
    with pytest.raises(ValueError, match=r"bilinear: .*\(2, 3\), \(3, 4\) and \(5, 3, 4\)"):
        F.bilinear(a, sg.randn(3, 4), W)


# ---------------------------------------------------------------------- adaptive pooling 1-D
@pytest.mark.parametrize("shape,size", [((2, 3, 10), 3), ((3, 7), 4), ((2, 3, 8), 8)])
def test_adaptive_avg_pool1d_matches_torch(torch, shape, size):
    tmod, m = torch.nn.AdaptiveAvgPool1d(size), nn.AdaptiveAvgPool1d(size)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)


def test_adaptive_avg_pool1d_gradcheck_and_errors():
    x = sg.tensor(randn(2, 3, 7), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_avg_pool1d(t, 3), [x])
    with pytest.raises(ValueError, match=r"adaptive_avg_pool1d: expected a 3-D.*\(2, 3, 4, 4\)"):
        F.adaptive_avg_pool1d(sg.randn(2, 3, 4, 4), 2)
    with pytest.raises(ValueError, match="adaptive_avg_pool1d: output_size must be >= 1"):
        F.adaptive_avg_pool1d(sg.randn(2, 3, 4), 0)


# ---------------------------------------------------------------------- adaptive max pooling
@pytest.mark.parametrize("shape,size", [((2, 3, 7, 9), (3, 4)), ((3, 7, 9), 5),
                                        ((2, 3, 8, 8), (2, None)), ((1, 2, 5, 6), (5, 6)),
                                        ((2, 2, 6, 6), 1)])
def test_adaptive_max_pool2d_matches_torch(torch, shape, size):
    m, tmod = nn.AdaptiveMaxPool2d(size), torch.nn.AdaptiveMaxPool2d(size)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)
    x = randn(*shape)
    y, idx = nn.AdaptiveMaxPool2d(size, return_indices=True)(sg.tensor(x))
    yt, it = torch.nn.AdaptiveMaxPool2d(size, return_indices=True)(torch.tensor(x))
    close(y, yt)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.numpy(), it.numpy())


def test_adaptive_max_pool_ties_and_nan_pick_torchs_index(torch):
    # All-equal windows: the gradient and the index go to the first position in scan order.
    x = np.zeros((1, 2, 5, 7), np.float32)
    x[0, 1, 2:, 3:] = np.nan
    for size in [(2, 3), (3, 4)]:
        xs, xt = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, idx = F.adaptive_max_pool2d(xs, size, return_indices=True)
        yt, it = torch.nn.functional.adaptive_max_pool2d(xt, size, return_indices=True)
        np.testing.assert_array_equal(idx.numpy(), it.numpy())
        np.testing.assert_array_equal(np.isnan(y.detach().numpy()), np.isnan(yt.detach().numpy()))
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(xs.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("shape,size", [((2, 3, 10), 3), ((3, 7), 4), ((2, 3, 8), 8)])
def test_adaptive_max_pool1d_matches_torch(torch, shape, size):
    m, tmod = nn.AdaptiveMaxPool1d(size), torch.nn.AdaptiveMaxPool1d(size)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)
    x = randn(*shape)
    y, idx = F.adaptive_max_pool1d(sg.tensor(x), size, return_indices=True)
    yt, it = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), size, return_indices=True)
    close(y, yt)
    np.testing.assert_array_equal(idx.numpy(), it.numpy())


def test_adaptive_max_pool_gradcheck_and_errors():
    x = sg.tensor(RNG.standard_normal((2, 2, 5, 7)), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_max_pool2d(t, (3, 4)), [x])
    assert gradgradcheck(lambda t: F.adaptive_max_pool2d(t, (2, 3)), [x])
    x1 = sg.tensor(RNG.standard_normal((2, 3, 7)), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_max_pool1d(t, 3), [x1])
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: expected a 4-D input .* got "
                                         r"shape \(2, 3, 4, 4, 4\)"):
        nn.AdaptiveMaxPool2d(2)(sg.randn(2, 3, 4, 4, 4))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be an int or "
                                         r"a pair, got \(2, 2, 2\)"):
        F.adaptive_max_pool2d(sg.randn(1, 3, 4, 4), (2, 2, 2))
    with pytest.raises(ValueError, match="adaptive_max_pool2d: output_size must be positive"):
        F.adaptive_max_pool2d(sg.randn(1, 3, 4, 4), 0)
    with pytest.raises(TypeError, match="adaptive_max_pool2d: expected a floating input, got "
                                        "int64"):
        F.adaptive_max_pool2d(sg.tensor(np.ones((1, 1, 4, 4), np.int64)), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool1d: expected a 3-D.*\(2, 3, 4, 4\)"):
        nn.AdaptiveMaxPool1d(2)(sg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="adaptive_max_pool1d: output_size must be >= 1"):
        F.adaptive_max_pool1d(sg.randn(2, 3, 4), 0)


# ---------------------------------------------------------------------- unfold and fold
_BLOCKS = [((2, 3, 7, 6), {"kernel_size": 3}),
           ((2, 3, 7, 6), {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1,
                           "stride": (2, 1)}),
           ((3, 5, 5), {"kernel_size": 2, "stride": 2}),
           ((2, 1, 9, 9), {"kernel_size": 3, "padding": 1})]


@pytest.mark.parametrize("shape,kw", _BLOCKS)
def test_unfold_and_fold_match_torch(torch, shape, kw):
    m, tmod = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    y = run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)
    m, tmod = nn.Fold(shape[-2:], **kw), torch.nn.Fold(shape[-2:], **kw)
    run_pair(torch, m, tmod, randn(*y.shape))
    assert repr(m) == repr(tmod)


def test_fold_is_the_adjoint_of_unfold():
    x, c = RNG.standard_normal((2, 3, 7, 6)), RNG.standard_normal((2, 27, 12))
    kw = {"kernel_size": 3, "padding": 1, "stride": 2}
    lhs = (F.unfold(sg.tensor(x), **kw) * sg.tensor(c)).sum().item()
    rhs = (sg.tensor(x) * F.fold(sg.tensor(c), (7, 6), **kw)).sum().item()
    assert lhs == pytest.approx(rhs, rel=1e-10)


def test_unfold_fold_gradcheck_and_errors():
    x = sg.tensor(RNG.standard_normal((2, 2, 5, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, (2, 3), dilation=(1, 2), padding=1, stride=2), [x])
    c = sg.tensor(RNG.standard_normal((2, 8, 12)), requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, (5, 6), 2, stride=2, padding=1), [c])
    with pytest.raises(ValueError, match=r"unfold: expected a 4-D input .*\(2, 3, 4, 4, 4\)"):
        F.unfold(sg.randn(2, 3, 4, 4, 4), 2)
    with pytest.raises(ValueError, match=r"unfold: spatial size \(2, 2\) with kernel_size=\(3, "
                                         r"3\).* gives \(0, 0\) sliding blocks"):
        nn.Unfold(3)(sg.randn(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r"fold: input of shape \(2, 13, 16\): dimension 1 "
                                         r"\(13\) must be divisible by the product of "
                                         r"kernel_size \(2, 2\)"):
        F.fold(sg.randn(2, 13, 16), (5, 5), 2)
    with pytest.raises(ValueError, match=r"fold: input of shape \(2, 12, 15\) has 15 blocks but "
                                         r"output_size=\(5, 5\).* give 4 \* 4 = 16"):
        nn.Fold((5, 5), 2)(sg.randn(2, 12, 15))
    with pytest.raises(ValueError, match=r"fold: expected a 3-D input .*\(2, 3, 12, 15\)"):
        F.fold(sg.randn(2, 3, 12, 15), (5, 5), 2)
    with pytest.raises(ValueError, match=r"unfold: kernel_size must be an int or a pair"):
        F.unfold(sg.randn(1, 3, 4, 4), (2, 2, 2))


# ---------------------------------------------------------------------- ConvTranspose1d
@pytest.mark.parametrize("args,kw,shape", [
    ((4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2, "dilation": 2}, (2, 4, 7)),
    ((3, 5, 4), {"padding": 1, "bias": False}, (3, 9)),
    ((3, 5, 3), {"stride": 3, "padding": 2}, (2, 3, 5))])
def test_conv_transpose1d_matches_torch(torch, args, kw, shape):
    m, tmod = nn.ConvTranspose1d(*args, **kw), torch.nn.ConvTranspose1d(*args, **kw)
    assert list(m.state_dict()) == list(tmod.state_dict())
    copy_from_torch(m, tmod)
    run_pair(torch, m, tmod, randn(*shape))
    assert repr(m) == repr(tmod)


def test_conv_transpose1d_output_size_matches_torch(torch):
    m, tmod = nn.ConvTranspose1d(3, 2, 3, stride=3), torch.nn.ConvTranspose1d(3, 2, 3, stride=3)
    copy_from_torch(m, tmod)
    x = randn(2, 3, 5)
    for size in ([15], [2, 2, 17]):
        close(m(sg.tensor(x), size), tmod(torch.tensor(x), size))
    with pytest.raises(ValueError, match=r"ConvTranspose1d\(3, 2.*output_size \(18,\) is not "
                                         r"reachable .* \(15 to 17 for dimension 0\)"):
        m(sg.tensor(x), [18])


def test_conv_transpose1d_gradcheck_and_errors():
    x = sg.tensor(RNG.standard_normal((2, 4, 5)), requires_grad=True)
    w = sg.tensor(RNG.standard_normal((4, 3, 3)), requires_grad=True)
    b = sg.tensor(RNG.standard_normal(6), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1,
                                                        output_padding=1, groups=2), [x, w, b])
    with pytest.raises(ValueError, match=r"conv_transpose1d: weight must be 3-D .*got shape "
                                         r"\(4, 3, 3, 3\)"):
        F.conv_transpose1d(sg.randn(2, 4, 5), sg.randn(4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose1d: input of shape \(2, 5, 5\), weight "
                                         r"of shape \(4, 3, 3\).*5 channels"):
        F.conv_transpose1d(sg.randn(2, 5, 5), sg.randn(4, 3, 3))
    with pytest.raises(ValueError, match="conv_transpose1d: output_padding 2 must be smaller "
                                         "than either stride 2 or dilation 1"):
        F.conv_transpose1d(sg.randn(2, 4, 5), sg.randn(4, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"ConvTranspose1d\(4, 3.*expected a 3-D input \(N, 4, "
                                         r"L\).*got an input of shape \(2, 4, 5, 5\)"):
        nn.ConvTranspose1d(4, 3, 3)(sg.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="ConvTranspose1d: padding must be an int or a 1-tuple"):
        nn.ConvTranspose1d(4, 3, 3, padding="same")
    with pytest.raises(ValueError, match=r"ConvTranspose1d: kernel_size must be an int or a "
                                         r"1-tuple, got \(3, 3\)"):
        nn.ConvTranspose1d(2, 4, (3, 3))


# ---------------------------------------------------------------------- interpolate modes
# (at the end of the file: their draws from RNG leave the data of the tests above unchanged)
@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5), {"scale_factor": 2, "mode": "linear"}),
    ((2, 3, 5), {"size": 3, "mode": "linear"}),
    ((2, 3, 5), {"scale_factor": 1.7, "mode": "linear"}),
    ((2, 3, 5), {"size": 11, "mode": "linear", "align_corners": True}),
    ((2, 3, 5), {"scale_factor": 1.7, "mode": "nearest-exact"}),
    ((2, 3, 7), {"size": 3, "mode": "nearest-exact"}),
    ((2, 3, 4, 5), {"size": (9, 2), "mode": "nearest-exact"}),
    ((2, 3, 4, 5), {"scale_factor": (0.5, 2.5), "mode": "nearest-exact"}),
    ((2, 3, 7), {"size": 3, "mode": "area"}), ((2, 3, 5), {"size": 8, "mode": "area"}),
    ((2, 3, 6, 7), {"size": (4, 3), "mode": "area"}),
    ((2, 3, 6, 7), {"scale_factor": 0.5, "mode": "area"}),
    ((2, 3, 4, 5), {"scale_factor": 2, "mode": "bicubic"}),
    ((2, 3, 4, 5), {"scale_factor": 1.7, "mode": "bicubic"}),
    ((2, 3, 6, 7), {"size": (3, 11), "mode": "bicubic"}),
    ((2, 3, 6, 7), {"size": (1, 2), "mode": "bicubic"}),
    ((2, 3, 4, 5), {"scale_factor": 1.7, "mode": "bicubic", "recompute_scale_factor": True}),
    ((2, 3, 4, 5), {"scale_factor": 2, "mode": "bicubic", "align_corners": True}),
    ((2, 3, 6, 7), {"size": (3, 11), "mode": "bicubic", "align_corners": True}),
    ((2, 3, 6, 7), {"size": (1, 9), "mode": "bicubic", "align_corners": True}),
])
def test_upsample_new_modes_match_torch(torch, shape, kw):
    m, tmod = nn.Upsample(**kw), torch.nn.Upsample(**kw)
    # (atol: a few outputs near zero lose digits to cancellation in either float32 sum)
    run_pair(torch, m, tmod, randn(*shape), atol=1e-5, rtol=1e-5)
    assert repr(m) == repr(tmod)


@pytest.mark.parametrize("mode,kw", [
    ("linear", {}), ("linear", {"align_corners": True}), ("nearest-exact", {}), ("area", {}),
    ("bicubic", {}), ("bicubic", {"align_corners": True}),
])
def test_interpolate_new_modes_gradcheck(mode, kw):
    shape = (1, 2, 5) if mode == "linear" else (1, 2, 4, 5)
    x = sg.tensor(RNG.standard_normal(shape), requires_grad=True)  # float64
    assert x.dtype == np.float64
    for size in ((7,), (3,)) if mode == "linear" else ((7, 3), (3, 8)):
        assert gradcheck(lambda x: F.interpolate(x, size=size, mode=mode, **kw), [x])
    y = F.interpolate(x, scale_factor=1.5, mode=mode, **kw)
    assert y.dtype == np.float64 and y.shape[2:] == tuple(int(s * 1.5) for s in shape[2:])
