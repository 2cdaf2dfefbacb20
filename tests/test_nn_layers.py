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
    assert np.abs(m.weight.data).max() <= bound
    assert np.abs(m.bias.data).max() <= bound
    # uniform on [-b, b] has std b / sqrt(3)
    assert abs(m.weight.data.std() - bound / math.sqrt(3)) < 0.1 * bound
    sg.manual_seed(3)
    a = nn.Linear(5, 5).weight.data.copy()
    sg.manual_seed(3)
    assert np.array_equal(a, nn.Linear(5, 5).weight.data)


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
    assert np.all(m.weight.data[4] == 0)
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
    assert abs(m.weight.data.std() - 1.0) < 0.05
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
    np.testing.assert_allclose(x.grad.data, gy * kept / 0.7, rtol=1e-6)  # the same mask
    drop.eval()
    x2 = sg.randn(3, 4)
    assert drop(x2) is x2
    assert float(F.dropout(sg.ones(10), 1.0).abs().sum()) == 0.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_mask_follows_the_global_seed():
    sg.manual_seed(7)
    a = nn.Dropout(0.5)(sg.ones(50)).data
    sg.manual_seed(7)
    assert np.array_equal(a, nn.Dropout(0.5)(sg.ones(50)).data)


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
