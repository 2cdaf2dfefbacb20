"""Module, Sequential, ModuleList, ModuleDict: registration order, traversal, state_dict
layouts identical to PyTorch's, loading a PyTorch state dict, modes, dtype moves, repr."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(8, 3)
        self.scale = nn.Parameter(sg.ones(3))
        self.register_buffer("offset", sg.zeros(3))
        self.register_buffer("scratch", sg.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.drop(self.act(self.bn(self.fc1(x))))) * self.scale + self.offset


def torch_net(torch):
    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 8)
            self.bn = torch.nn.BatchNorm1d(8)
            self.act = torch.nn.ReLU()
            self.drop = torch.nn.Dropout(0.2)
            self.fc2 = torch.nn.Linear(8, 3)
            self.scale = torch.nn.Parameter(torch.ones(3))
            self.register_buffer("offset", torch.zeros(3))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc2(self.drop(self.act(self.bn(self.fc1(x))))) * self.scale + \
                self.offset
    return TNet()


def shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


# ---------------------------------------------------------------------- registration
def test_registration_order_and_traversal_match_torch(torch):
    m, t = Net(), torch_net(torch)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in m.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert shapes(m.state_dict()) == shapes(t.state_dict())
    assert "scratch" not in m.state_dict()
    assert len(list(m.parameters())) == 7 and len(list(m.buffers())) == 5
    assert len(list(m.parameters(recurse=False))) == 1
    assert m.fc1.weight is m._modules["fc1"]._parameters["weight"]
    assert m.get_submodule("fc1") is m.fc1 and m.get_parameter("fc2.bias") is m.fc2.bias


@pytest.mark.parametrize("make", [
    lambda nn: nn.Linear(3, 2),
    lambda nn: nn.Linear(3, 2, bias=False),
    lambda nn: nn.BatchNorm2d(4),
    lambda nn: nn.LayerNorm((2, 3)),
    lambda nn: nn.Embedding(7, 3, padding_idx=1),
    lambda nn: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 8),
                             nn.Tanh(), nn.Linear(8, 2)),
])
def test_state_dict_layout_equals_torch(torch, make):
    m, t = make(nn), make(torch.nn)
    assert shapes(m.state_dict()) == shapes(t.state_dict())
    assert repr(m) == repr(t)
    for k, v in m.state_dict().items():
        assert v.dtype == np.dtype(str(t.state_dict()[k].dtype).replace("torch.", ""))


def test_torch_state_dict_loads_and_gives_the_same_outputs(torch):
    t = torch_net(torch)
    with torch.no_grad():  # make the BatchNorm buffers non-trivial
        t.bn.running_mean.uniform_(-1, 1)
        t.bn.running_var.uniform_(0.5, 2)
        t.bn.num_batches_tracked.fill_(5)
        t.offset.uniform_()
    m = Net()
    result = m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert m.bn.num_batches_tracked.item() == 5
    assert m.bn.num_batches_tracked.dtype == np.int64
    assert all(p.dtype == np.float32 for p in m.parameters())
    m.eval()
    t.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(m(sg.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), atol=1e-5, rtol=1e-5)


def test_load_state_dict_copies_in_place_and_keeps_float32():
    m = nn.Linear(3, 2)
    w = m.weight
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": [1.0, 2.0]})  # float64, list
    assert m.weight is w and w.dtype == np.float32
    assert np.all(w._data == 1) and m.bias.tolist() == [1.0, 2.0]
    other = nn.Linear(3, 2)
    other.load_state_dict(m.state_dict())
    assert np.array_equal(other.weight._data, w._data)
    assert not np.shares_memory(other.weight._data, w._data)


def test_load_state_dict_errors_name_the_keys_and_shapes():
    m = nn.Sequential(nn.Linear(3, 2))
    good = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    before = m[0].weight._data.copy()
    bad = dict(good, **{"0.wieght": good["0.weight"]})
    del bad["0.weight"]
    with pytest.raises(RuntimeError, match=r"Missing key\(s\) in state_dict: \"0\.weight\"") as e:
        m.load_state_dict(bad)
    assert 'Unexpected key(s) in state_dict: "0.wieght".' in str(e.value)
    wrong = dict(good, **{"0.weight": np.zeros((4, 3), np.float32) + 7})
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight: copying a param with "
                                           r"shape \(4, 3\) from checkpoint, the shape in "
                                           r"current model is \(2, 3\)"):
        m.load_state_dict(wrong, strict=False)  # shape mismatches are errors even then
    assert np.array_equal(m[0].weight._data, before)  # nothing was loaded
    partial = {"0.bias": np.zeros(2, np.float32), "extra": np.zeros(1)}
    missing, unexpected = m.load_state_dict(partial, strict=False)
    assert missing == ["0.weight"] and unexpected == ["extra"]
    assert np.all(m[0].bias._data == 0)


def test_setattr_getattr_delattr_rules():
    m = nn.Module()
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        m.nothing
    m.w = nn.Parameter(sg.zeros(2))
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.w = sg.zeros(2)
    m.w = None
    assert "w" in m._parameters and list(m.parameters()) == []
    m.register_buffer("b", sg.zeros(1))
    m.b = sg.ones(1)  # a tensor assigned to a buffer name replaces the buffer
    assert m._buffers["b"].item() == 1.0
    m.sub = nn.ReLU()
    del m.sub
    assert "sub" not in m._modules
    m.plain = 3
    assert m.plain == 3 and "plain" in dir(m) and "b" in dir(m)

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(sg.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgot()
    with pytest.raises(KeyError, match="'.'"):
        nn.Module().register_buffer("a.b", sg.zeros(1))


def test_shared_parameters_are_listed_once():
    fc = nn.Linear(2, 2)
    m = nn.Sequential(fc, nn.ReLU(), fc)
    assert len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


# ---------------------------------------------------------------------- behaviour
def test_train_eval_zero_grad_apply_requires_grad():
    m = Net()
    assert m.training and m.bn.training
    assert m.eval() is m and not m.training and not m.drop.training
    m.train()
    assert m.fc2.training
    with pytest.raises(ValueError, match="bool"):
        m.train("yes")
    m(sg.randn(6, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_casts_floating_tensors_in_place():
    m = Net()
    w = m.fc1.weight
    m(sg.randn(4, 4)).sum().backward()
    assert m.to(sg.float64) is m
    assert m.fc1.weight is w and w.dtype == np.float64 and w.grad.dtype == np.float64
    assert m.bn.running_mean.dtype == np.float64
    assert m.bn.num_batches_tracked.dtype == np.int64
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert m.to("cpu") is m and m.cpu() is m
    with pytest.raises(TypeError, match="floating point"):
        m.to(sg.int64)
    out = m(sg.randn(4, 4))
    assert out.dtype == np.float32


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape))
    y = m(sg.ones(3, 2))
    assert calls == [(3, 2)]
    np.testing.assert_allclose(y._data, np.broadcast_to(m.bias._data, (3, 2)))
    h1.remove()
    h2.remove()
    m(sg.ones(1, 2))
    assert calls == [(3, 2)]


def test_module_pickles():
    m = Net()
    m2 = pickle.loads(pickle.dumps(m))
    assert list(m2.state_dict()) == list(m.state_dict())
    np.testing.assert_array_equal(m2.fc1.weight._data, m.fc1.weight._data)


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


# ---------------------------------------------------------------------- containers
def test_sequential_runs_its_modules_in_the_written_order(torch):
    """Sequential never reorders: ReLU -> MaxPool2d runs as written. Pooling first, as
    scratchgrad.models.cnn writes it, gives the same values and gradients, bit for bit, on
    all-negative windows, ties at zero and equal positives; both match PyTorch's Sequential."""
    sg.manual_seed(3)
    conv = nn.Conv2d(1, 2, 3, padding=1)
    relu_pool = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2))
    pool_relu = nn.Sequential(conv, nn.MaxPool2d(2), nn.ReLU())
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(2))
    tmodel.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in relu_pool.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 1, 6, 6)).astype(np.float32)
    x[0, 0, :2, :2] = -5.0           # an all-negative window after the conv
    x[1, 0, 2:4, 2:4] = 0.5          # equal inputs: ties after the conv
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    results = []
    for model in (relu_pool, pool_relu):
        conv.zero_grad()
        xt = sg.tensor(x, requires_grad=True)
        y = model(xt)
        (y * sg.tensor(w)).sum().backward()
        results.append((y, xt.grad.numpy().copy(), conv.weight.grad.numpy().copy()))
    (y, gx, gw), (y_pool_first, gx_pool_first, gw_pool_first) = results
    assert type(y.creator).__name__ != "ReLU"          # the pool ran last, as written
    assert type(y_pool_first.creator).__name__ == "ReLU"
    np.testing.assert_array_equal(y.detach().numpy(), y_pool_first.detach().numpy())
    np.testing.assert_array_equal(gx, gx_pool_first)
    np.testing.assert_array_equal(gw, gw_pool_first)
    tx = torch.tensor(x, requires_grad=True)
    (tmodel(tx) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), tmodel(tx).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw, tmodel[0].weight.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_sequential_hooks_see_the_written_order():
    """Each module's hooks see what the written order gives it, with or without hooks on the
    neighbours; a pool that returns indices hands its tuple on."""
    seen = []
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    model = nn.Sequential(relu, pool)
    x = sg.randn(2, 3, 4, 4).requires_grad_()
    h1 = relu.register_forward_hook(lambda mod, args, out: seen.append(("relu", args[0].shape)))
    h2 = pool.register_forward_pre_hook(lambda mod, args: seen.append(("pool", args[0].shape)))
    assert type(model(x).creator).__name__ != "ReLU"
    assert seen == [("relu", (2, 3, 4, 4)), ("pool", (2, 3, 4, 4))]
    h1.remove()
    h2.remove()
    assert type(model(x).creator).__name__ != "ReLU"
    y, idx = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    assert y.shape == idx.shape == (2, 3, 2, 2)


def test_sequential_indexing_and_mutation(torch):
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and isinstance(s[1], nn.ReLU)
    head = s[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is s[0]
    assert [type(x).__name__ for x in s] == ["Linear", "ReLU", "Linear"]
    s.append(nn.Sigmoid())
    assert list(s._modules) == ["0", "1", "2", "3"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and isinstance(s[1], nn.Linear)
    s[2] = nn.Tanh()
    assert isinstance(s[2], nn.Tanh)
    s.insert(0, nn.Identity())
    assert isinstance(s[0], nn.Identity) and len(s) == 4
    assert s(sg.randn(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError, match="out of range"):
        s[10]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    tnamed = torch.nn.Sequential(OrderedDict([("enc", torch.nn.Linear(2, 2)),
                                              ("act", torch.nn.ReLU())]))
    assert list(named.state_dict()) == list(tnamed.state_dict()) == ["enc.weight", "enc.bias"]
    assert repr(named) == repr(tnamed)


def test_module_list_and_dict(torch):
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    tlayers = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    assert shapes(layers.state_dict()) == shapes(tlayers.state_dict())
    assert repr(layers) == repr(tlayers)
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    assert len(layers) == 6 and isinstance(layers[-1], nn.Sigmoid)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == [str(i) for i in range(5)]
    layers.insert(1, nn.Identity())
    assert isinstance(layers[1], nn.Identity)
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(nn.ReLU())

    d = nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.ReLU()})
    td = torch.nn.ModuleDict({"b": torch.nn.Linear(2, 2), "a": torch.nn.ReLU()})
    assert list(d) == ["b", "a"] and "a" in d and len(d) == 2
    assert shapes(d.state_dict()) == shapes(td.state_dict())
    assert repr(d) == repr(td)
    d["c"] = nn.Tanh()
    assert list(d.keys()) == ["b", "a", "c"]
    assert isinstance(d.pop("a"), nn.ReLU) and list(d) == ["b", "c"]
    with pytest.raises(KeyError, match="no module named 'z'"):
        d["z"]


def test_nested_repr_matches_torch(torch):
    m, t = Net(), torch_net(torch)
    assert repr(m) == repr(t).replace("TNet(", "Net(", 1)


def test_an_mlp_trains_in_float32():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    x = sg.randn(64, 2)
    y = sg.tensor((x._data[:, 0] * x._data[:, 1] > 0).astype(np.int64))
    loss_fn = nn.CrossEntropyLoss()
    first = None
    for _ in range(200):
        loss = loss_fn(model(x), y)
        first = first if first is not None else loss.item()
        model.zero_grad()
        loss.backward()
        with sg.no_grad():
            for p in model.parameters():
                assert p.grad.dtype == np.float32
                p -= 0.5 * p.grad
    assert loss.item() < 0.5 * first
    assert all(p.dtype == np.float32 for p in model.parameters())
