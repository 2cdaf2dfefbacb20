"""The shrinkage activations, RMSNorm, the reflection / replication / circular padding
layers, LP pooling, local response norm, the margin losses, pdist and the in-place
activations of nn.functional, against PyTorch: values and input gradients."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn

RNG = np.random.default_rng(5)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def compare(torch, ours, theirs, *arrays, atol=1e-5):
    """ours(*tensors) against theirs(*torch tensors): value and every input gradient, with a
    random upstream gradient."""
    xs = [sg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-4)
    g = randn(*yt.shape)
    y.backward(sg.tensor(g))
    yt.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=1e-4)


X = randn(2, 3, 5, 6)
LAYERS = [
    ("Hardshrink", (), X), ("Hardshrink", (0.8,), X), ("Softshrink", (0.3,), X),
    ("Tanhshrink", (), X), ("Softmax2d", (), X), ("ReflectionPad1d", ((2, 1),), X[0]),
    ("ReflectionPad2d", ((1, 2, 2, 1),), X), ("ReflectionPad3d", (1,), X),
    ("ReplicationPad1d", (3,), X[0]), ("ReplicationPad2d", ((0, 2, 3, 1),), X),
    ("ReplicationPad3d", ((1, 0, 1, 2, 0, 1),), X), ("CircularPad1d", ((1, 2),), X[0]),
    ("CircularPad2d", (2,), X), ("CircularPad3d", (1,), X), ("ZeroPad3d", (1,), X),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 0.5), X), ("LPPool1d", (2, 2), X[0]),
    ("LPPool2d", (2, (2, 3)), X), ("LPPool2d", (3, 2, 1), X),
    ("LocalResponseNorm", (3,), X), ("LocalResponseNorm", (2, 1e-2, 0.5, 2.0), X),
    ("UpsamplingNearest2d", (None, 2), X), ("UpsamplingBilinear2d", ((7, 9),), X),
]


@pytest.mark.parametrize("name,args,x", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_layer_matches_pytorch(torch, name, args, x):
    x = np.abs(x) + 0.1 if name.startswith("LPPool") else x
    compare(torch, getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x)


def test_reprs_match_pytorch(torch):
    for name, args in [("Hardshrink", (0.3,)), ("ReflectionPad2d", (1,)), ("ZeroPad3d", (1,)),
                       ("LocalResponseNorm", (2,)), ("RMSNorm", (4,)),
                       ("AlphaDropout", (0.2,))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("shape,affine,eps", [((6,), True, None), ((5, 6), False, 1e-3),
                                              (6, True, 1e-6)])
def test_rms_norm_matches_pytorch(torch, shape, affine, eps):
    ours, theirs = nn.RMSNorm(shape, eps, affine), torch.nn.RMSNorm(shape, eps, affine)
    if affine:
        w = randn(*ours.weight.shape)
        ours.weight._data[...] = w
        theirs.weight.data = torch.tensor(w)
    compare(torch, ours, theirs, X)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_pad_modes_refuse_too_large_reflection(torch):
    with pytest.raises(ValueError, match="at most 4"):
        F.pad(sg.zeros(1, 1, 5), (5, 0), mode="reflect")
    with pytest.raises(NotImplementedError):
        F.pad(sg.zeros(2, 3, 4, 5), (1, 1), mode="replicate")


WEIGHT = np.abs(randn(5)) + 0.1
LOSSES = [
    ("multi_margin_loss", lambda lib, n: {}),
    ("multi_margin_loss", lambda lib, n: {"p": 2, "margin": 0.5, "reduction": "sum"}),
    ("multi_margin_loss", lambda lib, n: {"weight": lib.tensor(WEIGHT),
                                          "reduction": "none"}),
    ("multilabel_soft_margin_loss", lambda lib, n: {}),
    ("multilabel_soft_margin_loss", lambda lib, n: {"reduction": "none",
                                                    "weight": lib.tensor(np.ones(5, "f"))}),
    ("multilabel_margin_loss", lambda lib, n: {}),
    ("multilabel_margin_loss", lambda lib, n: {"reduction": "none"}),
]


@pytest.mark.parametrize("name,kw", LOSSES, ids=[n for n, _ in LOSSES])
def test_margin_losses_match_pytorch(torch, name, kw):
    x = randn(4, 5)
    if name == "multi_margin_loss":
        t = np.array([0, 3, 4, 1])
    elif name == "multilabel_margin_loss":
        t = np.array([[3, 0, -1, 1, 2], [1, -1, 0, 0, 0], [4, 3, 2, 1, 0], [-1, 2, 2, 2, 2]])
    else:
        t = (RNG.random((4, 5)) > 0.5).astype(np.float32)
    compare(torch, lambda a: getattr(F, name)(a, sg.tensor(t), **kw(sg, 0)),
            lambda a: getattr(torch.nn.functional, name)(a, torch.tensor(t), **kw(torch, 0)), x)


def test_loss_modules_match_pytorch(torch):
    x, t = randn(3, 4), np.array([1, 0, 3])
    compare(torch, lambda a: nn.MultiMarginLoss(p=2)(a, sg.tensor(t)),
            lambda a: torch.nn.MultiMarginLoss(p=2)(a, torch.tensor(t)), x)
    a, p, n = randn(4, 3), randn(4, 3), randn(4, 3)
    for kw in ({}, {"swap": True, "margin": 0.5}):
        compare(torch, nn.TripletMarginWithDistanceLoss(**kw),
                torch.nn.TripletMarginWithDistanceLoss(**kw), a, p, n)
    dist = lambda u, v: ((u - v) ** 2).sum(dim=-1)  # noqa: E731
    compare(torch, nn.TripletMarginWithDistanceLoss(distance_function=dist),
            torch.nn.TripletMarginWithDistanceLoss(distance_function=dist), a, p, n)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pdist_matches_pytorch(torch, p):
    compare(torch, lambda x: F.pdist(x, p), lambda x: torch.nn.functional.pdist(x, p),
            randn(5, 3))


@pytest.mark.parametrize("name,args", [("relu_", ()), ("elu_", (0.5,)), ("selu_", ()),
                                       ("celu_", (2.0,)), ("leaky_relu_", (0.2,)),
                                       ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, 9.0))])
def test_inplace_activations_match_pytorch(torch, name, args):
    x = randn(3, 4)
    ours, theirs = sg.tensor(x), torch.tensor(x)
    assert getattr(F, name)(ours, *args) is ours
    getattr(torch.nn.functional, name)(theirs, *args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)
    with pytest.raises(RuntimeError, match="requires grad"):
        getattr(F, name)(sg.tensor(x, requires_grad=True), *args)


def test_dropouts_keep_statistics_and_eval_identity():
    sg.manual_seed(0)
    x = sg.randn(200_000)
    y = F.alpha_dropout(x, 0.3, training=True)
    assert abs(y.mean().item()) < 0.02 and abs(y.std().item() - 1) < 0.02
    assert F.alpha_dropout(x, 0.3) is x  # training defaults to False, as in PyTorch
    z = F.feature_alpha_dropout(sg.randn(4, 50, 3), 0.5, training=True)
    per_channel = z._data.std(axis=2)
    assert ((per_channel < 1e-6) | (per_channel > 1e-6)).all()
    d = nn.Dropout3d(0.5)(sg.ones(2, 30, 2, 2, 2))
    sums = d.sum(dim=(2, 3, 4))._data
    assert set(np.unique(sums)) <= {0.0, 16.0}
    assert nn.Dropout3d().eval()(sg.ones(1, 2, 1, 1, 1)).sum().item() == 2.0


def test_gumbel_softmax():
    sg.manual_seed(0)
    logits = sg.randn(6, 4, requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(dim=-1).detach().numpy(), np.ones(6), rtol=1e-5)
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(hard.detach().numpy())) <= {0.0, 1.0}
    (hard * sg.randn(6, 4)).sum().backward()
    assert logits.grad is not None and float(np.abs(logits.grad.numpy()).sum()) > 0


def test_deprecated_upsample_names_warn(torch):
    x = randn(1, 2, 3, 3)
    with pytest.warns(UserWarning, match="deprecated"):
        y = F.upsample_bilinear(sg.tensor(x), scale_factor=2)
    with pytest.warns(UserWarning):
        yt = torch.nn.functional.upsample_bilinear(torch.tensor(x), scale_factor=2)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), atol=1e-5)
    values, indices = F.max_pool2d_with_indices(sg.tensor(x), 2)
    tv, ti = torch.nn.functional.max_pool2d_with_indices(torch.tensor(x), 2)
    np.testing.assert_allclose(values.numpy(), tv.numpy())
    assert indices.tolist() == ti.tolist()
