"""Recurrent layers and cells against PyTorch (outputs, final states and every gradient),
finite-difference checks of the fused sequence Functions (first and second order), truncated
BPTT, padding with masks, state dicts and bad input."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import autograd, nn
from scratchgrad.nn.utils import detach_state, pad_sequence, sequence_mask
from scratchgrad.ops import rnn as R
from scratchgrad.utils import gradcheck, gradgradcheck

# Every test here runs once per device under test (tests/conftest.py: the device fixture).
pytestmark = pytest.mark.usefixtures("device")

T, N, I, H = 5, 3, 4, 6
ATOL, RTOL = 2e-5, 1e-4
KINDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def _rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _modules(torch, kind: str, **kw):
    """The same layer (or cell, with ``cell=True``) in both frameworks, torch's weights
    loaded into ours through a NumPy state dict."""
    cell = kw.pop("cell", False)
    torch.manual_seed(0)
    if kind.startswith("rnn"):
        kw["nonlinearity"] = kind[4:]
    name = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    name += "Cell" if cell else ""
    tm = getattr(torch.nn, name)(**kw)
    m = getattr(nn, name)(**kw)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return tm, m


def _close(ours: sg.Tensor | None, theirs, what: str) -> None:
    assert ours is not None, f"{what}: no gradient"
    assert ours.dtype == np.float32, f"{what}: dtype {ours.dtype}"
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), atol=ATOL, rtol=RTOL,
                               err_msg=what)


def _flatten(out) -> list:
    """(output, h_n) or (output, (h_n, c_n)) -> [output, h_n(, c_n)]."""
    y, state = out
    return [y] + (list(state) if isinstance(state, tuple) else [state])


# ---------------------------------------------------------------------- layers vs PyTorch
@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,with_state",
                         list(itertools.product(KINDS, [1, 2], [False, True], [False, True],
                                                [False, True])))
def test_layer_matches_torch(torch, kind, num_layers, bidirectional, batch_first, with_state):
    tm, m = _modules(torch, kind, input_size=I, hidden_size=H, num_layers=num_layers,
                     bidirectional=bidirectional, batch_first=batch_first)
    rng = np.random.default_rng(1)
    x = _rand(rng, N, T, I) if batch_first else _rand(rng, T, N, I)
    LD = num_layers * (2 if bidirectional else 1)
    states = [_rand(rng, LD, N, H) for _ in range(2 if kind == "lstm" else 1)]
    xs, xt = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ss = [sg.tensor(s, requires_grad=True) for s in states]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    hx_s = (tuple(ss) if kind == "lstm" else ss[0]) if with_state else None
    hx_t = (tuple(st) if kind == "lstm" else st[0]) if with_state else None
    outs, outt = _flatten(m(xs, hx_s)), _flatten(tm(xt, hx_t))
    for i, (a, b) in enumerate(zip(outs, outt)):
        assert a.shape == tuple(b.shape)
        _close(a, b, f"output {i}")
    grads = [_rand(rng, *o.shape) for o in outs]
    autograd.backward(outs, [sg.tensor(g) for g in grads])
    torch.autograd.backward(outt, [torch.tensor(g) for g in grads])
    _close(xs.grad, xt.grad, "input grad")
    if with_state:
        for i, (a, b) in enumerate(zip(ss, st)):
            _close(a.grad, b.grad, f"state {i} grad")
    tparams = dict(tm.named_parameters())
    names = [n for n, _ in m.named_parameters()]
    assert names == list(tparams)
    for name, p in m.named_parameters():
        _close(p.grad, tparams[name].grad, name)


@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_layer_matches_torch(torch, kind):
    tm, m = _modules(torch, kind, input_size=I, hidden_size=H, num_layers=2,
                     bidirectional=True)
    rng = np.random.default_rng(2)
    x = _rand(rng, T, I)
    states = [_rand(rng, 4, H) for _ in range(2 if kind == "lstm" else 1)]
    hx_s = tuple(sg.tensor(s) for s in states) if kind == "lstm" else sg.tensor(states[0])
    hx_t = tuple(torch.tensor(s) for s in states) if kind == "lstm" else torch.tensor(states[0])
    xs, xt = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs, outt = _flatten(m(xs, hx_s)), _flatten(tm(xt, hx_t))
    for a, b in zip(outs, outt):
        assert a.shape == tuple(b.shape)
        _close(a, b, "output")
    grads = [_rand(rng, *o.shape) for o in outs]
    autograd.backward(outs, [sg.tensor(g) for g in grads])
    torch.autograd.backward(outt, [torch.tensor(g) for g in grads])
    _close(xs.grad, xt.grad, "input grad")


def test_no_bias_matches_torch(torch):
    tm, m = _modules(torch, "lstm", input_size=I, hidden_size=H, bias=False)
    assert [n for n, _ in m.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    x = _rand(np.random.default_rng(3), T, N, I)
    xs, xt = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = m(xs)[0], tm(xt)[0]
    _close(ys, yt, "output")
    (ys * ys).sum().backward()
    (yt * yt).sum().backward()
    _close(m.weight_hh_l0.grad, tm.weight_hh_l0.grad, "weight_hh_l0")
    _close(xs.grad, xt.grad, "input grad")


# ---------------------------------------------------------------------- cells vs PyTorch
@pytest.mark.parametrize("kind,with_state,batched",
                         list(itertools.product(KINDS, [False, True], [True, False])))
def test_cell_matches_torch(torch, kind, with_state, batched):
    tm, m = _modules(torch, kind, input_size=I, hidden_size=H, cell=True)
    rng = np.random.default_rng(4)
    lead = (N,) if batched else ()
    x = _rand(rng, *lead, I)
    states = [_rand(rng, *lead, H) for _ in range(2 if kind == "lstm" else 1)]
    xs, xt = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ss = [sg.tensor(s, requires_grad=True) for s in states]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    hx_s = (tuple(ss) if kind == "lstm" else ss[0]) if with_state else None
    hx_t = (tuple(st) if kind == "lstm" else st[0]) if with_state else None
    outs, outt = m(xs, hx_s), tm(xt, hx_t)
    outs = list(outs) if kind == "lstm" else [outs]
    outt = list(outt) if kind == "lstm" else [outt]
    grads = [_rand(rng, *o.shape) for o in outs]
    for a, b in zip(outs, outt):
        assert a.shape == tuple(b.shape)
        _close(a, b, "output")
    autograd.backward(outs, [sg.tensor(g) for g in grads])
    torch.autograd.backward(outt, [torch.tensor(g) for g in grads])
    _close(xs.grad, xt.grad, "input grad")
    if with_state:
        for a, b in zip(ss, st):
            _close(a.grad, b.grad, "state grad")
    tparams = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        _close(p.grad, tparams[name].grad, name)


def test_lstm_cell_loop_equals_layer():
    """Stepping LSTMCell through a sequence gives nn.LSTM's outputs (same weights)."""
    layer, cell = nn.LSTM(I, H), nn.LSTMCell(I, H)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = sg.randn(T, N, I)
    out, (h, c) = layer(x)
    state = None
    for t in range(T):
        state = cell(x[t], state)
        np.testing.assert_allclose(state[0]._data, out[t]._data, atol=1e-6)
    np.testing.assert_allclose(state[1]._data, c[0]._data, atol=1e-6)


# ---------------------------------------------------------------------- fused Functions
def _sequence_call(kind: str, reverse: bool, bias: bool = True):
    """A function of (x, h0, c0, W_ih, W_hh, b_ih, b_hh) running one fused layer."""
    def fn(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        b = (b_ih, b_hh) if bias else (None, None)
        if kind == "lstm":
            return R.lstm_sequence(x, h0, c0, w_ih, w_hh, *b, reverse=reverse)
        if kind == "gru":
            return R.gru_sequence(x, h0, w_ih, w_hh, *b, reverse=reverse)
        return R.rnn_sequence(x, h0, w_ih, w_hh, *b, nonlinearity=kind[4:], reverse=reverse)
    return fn


def _sequence_inputs(kind: str, T_: int = 3, N_: int = 2, I_: int = 3, H_: int = 2) -> list:
    G = {"lstm": 4, "gru": 3}.get(kind, 1)
    shapes = [(T_, N_, I_), (N_, H_), (N_, H_), (G * H_, I_), (G * H_, H_), (G * H_,),
              (G * H_,)]
    ts = [sg.randn(*s, requires_grad=True) for s in shapes]
    if kind != "lstm":
        ts[2] = ts[2].detach()  # no c0 outside the LSTM
    return ts


@pytest.mark.parametrize("kind,reverse", list(itertools.product(KINDS, [False, True])))
def test_fused_sequence_gradcheck(kind, reverse):
    fn, xs = _sequence_call(kind, reverse), _sequence_inputs(kind)
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_fused_sequence_gradcheck_no_bias(kind):
    assert gradcheck(_sequence_call(kind, False, bias=False), _sequence_inputs(kind))


@pytest.mark.parametrize("kind,reverse", list(itertools.product(KINDS, [False, True])))
def test_fused_matches_reference_and_create_graph_path(kind, reverse):
    """The NumPy first-order backward, the Tensor-op backward taken under create_graph and
    the per-step composition of primitive ops agree."""
    fn = _sequence_call(kind, reverse)
    xs = _sequence_inputs(kind, T_=4, N_=3, I_=4, H_=5)
    diff = [x for x in xs if x.requires_grad]
    outs = fn(*xs)
    assert isinstance(outs[0].grad_fn, R._Recurrence)
    ups = [sg.randn(*o.shape) for o in outs]
    first = autograd.grad(list(outs), diff, ups, retain_graph=True)
    graph = autograd.grad(list(outs), diff, ups, create_graph=True)
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = xs
    if kind == "lstm":
        ref = R.lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse, single_op=False)
    elif kind == "gru":
        ref = R.gru_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse, single_op=False)
    else:
        ref = R.rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, kind[4:], reverse, single_op=False)
    for a, b in zip(outs, ref):
        np.testing.assert_allclose(a._data, b._data, rtol=1e-5, atol=1e-5)
    reference = autograd.grad(list(ref), diff, ups)
    for a, b, c in zip(first, graph, reference):
        np.testing.assert_allclose(a._data, b._data, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(a._data, c._data, rtol=1e-5, atol=1e-5)


def _both_paths(monkeypatch, fused, sequence, xs, reverse, ups, outputs):
    """A sequence Function's outputs and input gradients with the compiled loops
    (scratchgrad.fused) and with the NumPy path (fused kernels off); ``outputs`` picks the
    outputs that get an upstream gradient."""
    runs = []
    for on in (True, False):
        monkeypatch.setattr(fused, "_status", [on])
        outs = sequence(*xs, reverse=reverse)
        grads = autograd.grad([outs[k] for k in outputs],
                              [x for x in xs if x is not None and x.requires_grad],
                              [ups[k] for k in outputs])
        runs.append([o._data for o in outs] + [g._data for g in grads])
    return runs


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_fused_loops_equal_the_numpy_path(monkeypatch, fused_kernels, dtype, reverse):
    """Above MIN_ELEMENTS gate values the LSTM's elementwise work per step runs in compiled
    loops; its outputs and every gradient equal the NumPy path's bit for bit: with upstream
    gradients on all outputs (the one on the outputs strided), on the outputs only, on the
    final states only."""
    calls = []
    for name in ("lstm_gates", "lstm_grad_step"):
        monkeypatch.setattr(fused_kernels, name, lambda *a, _f=getattr(fused_kernels, name),
                            _n=name: calls.append(_n) or _f(*a))
    T_, N_, I_, H_ = 6, 8, 5, 256
    assert 4 * T_ * N_ * H_ >= fused_kernels.MIN_ELEMENTS
    rng = np.random.default_rng(5)
    shapes = [(T_, N_, I_), (N_, H_), (N_, H_), (4 * H_, I_), (4 * H_, H_), (4 * H_,),
              (4 * H_,)]
    xs = [sg.tensor((rng.standard_normal(s) * (0.5 if k >= 3 else 1.5)).astype(dtype),
                    requires_grad=True) for k, s in enumerate(shapes)]
    ups = [rng.standard_normal((N_, T_, H_)).astype(dtype).transpose(1, 0, 2),
           rng.standard_normal((N_, H_)).astype(dtype), rng.standard_normal((N_, H_)).astype(dtype)]
    ups = [sg.tensor(u) for u in ups]
    for outputs in ((0, 1, 2), (0,), (1, 2)):
        fused_run, numpy_run = _both_paths(monkeypatch, fused_kernels, R.lstm_sequence, xs,
                                           reverse, ups, outputs)
        assert len(fused_run) == 3 + 7
        for a, b in zip(fused_run, numpy_run):
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b)
    # each fused forward makes one lstm_gates call per step, each backward one grad step
    assert calls.count("lstm_gates") == 3 * T_ and calls.count("lstm_grad_step") == 3 * T_


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gru_fused_loops_equal_the_numpy_path(monkeypatch, fused_kernels, dtype, reverse, bias):
    """As for the LSTM: the GRU's compiled loops give the NumPy path's outputs and gradients
    bit for bit, with and without biases, with upstream gradients on both outputs (the one on
    the outputs strided), on the outputs only and on the final state only."""
    calls = []
    for name in ("gru_step", "gru_grad_step"):
        monkeypatch.setattr(fused_kernels, name, lambda *a, _f=getattr(fused_kernels, name),
                            _n=name: calls.append(_n) or _f(*a))
    T_, N_, I_, H_ = 6, 8, 5, 256
    assert 3 * T_ * N_ * H_ >= fused_kernels.MIN_ELEMENTS
    rng = np.random.default_rng(6)
    shapes = [(T_, N_, I_), (N_, H_), (3 * H_, I_), (3 * H_, H_)]
    shapes += [(3 * H_,), (3 * H_,)] if bias else []
    xs = [sg.tensor((rng.standard_normal(s) * (0.5 if k >= 2 else 1.5)).astype(dtype),
                    requires_grad=True) for k, s in enumerate(shapes)]
    if not bias:
        xs += [None, None]
    ups = [sg.tensor(rng.standard_normal((N_, T_, H_)).astype(dtype).transpose(1, 0, 2)),
           sg.tensor(rng.standard_normal((N_, H_)).astype(dtype))]
    for outputs in ((0, 1), (0,), (1,)):
        fused_run, numpy_run = _both_paths(monkeypatch, fused_kernels, R.gru_sequence, xs,
                                           reverse, ups, outputs)
        assert len(fused_run) == 2 + (6 if bias else 4)
        for a, b in zip(fused_run, numpy_run):
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b)
    # three forward stages and one backward call per step, in each of the three fused runs
    assert calls.count("gru_step") == 3 * 3 * T_ and calls.count("gru_grad_step") == 3 * T_


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_backward_after_a_reference_forward(kind):
    """A layer run with the kernels off and differentiated with them on: the backward kernels
    read what the forward kernels save, so the op's own backward runs, with the same
    gradients as with the kernels on throughout."""
    fn, xs = _sequence_call(kind, False), _sequence_inputs(kind, T_=4, N_=3, I_=4, H_=5)
    diff = [x for x in xs if x.requires_grad]
    with sg.kernels.reference():
        outs = fn(*xs)
    ref = autograd.grad(outs[0].sum(), diff)
    fast = autograd.grad(fn(*xs)[0].sum(), diff)
    for a, b in zip(ref, fast):
        np.testing.assert_allclose(a._data, b._data, rtol=1e-5, atol=1e-5)


@pytest.mark.cpu_only("the scratch arrays of the backward kernels are NumPy's")
def test_lstm_backward_in_threads_gets_the_serial_gradients():
    """The backward kernels take their temporaries from one pool shared by the process
    (kernels/numpy_rnn.py); backward passes running in several threads at once each get the
    gradients they get alone."""
    import threading

    def grads(seed: int) -> list:
        rng = np.random.default_rng(seed)
        T_, N_, I_, H_ = 6, 4, 5, 32
        shapes = [(T_, N_, I_), (N_, H_), (N_, H_), (4 * H_, I_), (4 * H_, H_), (4 * H_,),
                  (4 * H_,)]
        xs = [sg.tensor((rng.standard_normal(s) * 0.5).astype(np.float32), requires_grad=True)
              for s in shapes]
        out = R.lstm_sequence(*xs)[0]
        return [g._data.copy() for g in autograd.grad((out * out).sum(), xs)]

    expected = [grads(seed) for seed in range(4)]
    failures: list = []

    def worker(seed: int) -> None:
        for _ in range(10):
            for a, b in zip(grads(seed), expected[seed]):
                if not np.array_equal(a, b):
                    failures.append(seed)
                    return

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_double_backward_through_lstm_layer():
    """A gradient penalty through nn.LSTM: d/dW of |dL/dx|^2 matches the reference path."""
    m = nn.LSTM(3, 4).double()
    x = sg.randn(4, 2, 3, dtype=sg.float64, requires_grad=True)
    (gx,) = autograd.grad(m(x)[0].sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    fused = m.weight_hh_l0.grad._data.copy()
    m.zero_grad()
    out = R.lstm_sequence(x, sg.zeros(2, 4, dtype=sg.float64), sg.zeros(2, 4, dtype=sg.float64),
                          m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0,
                          single_op=False)[0]
    (gx,) = autograd.grad(out.sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    np.testing.assert_allclose(fused, m.weight_hh_l0.grad._data, atol=1e-10)


def test_float32_end_to_end():
    m = nn.GRU(I, H, num_layers=2, bidirectional=True)
    x = sg.randn(T, N, I, requires_grad=True)
    out, h = m(x)
    assert out.dtype == h.dtype == np.float32
    (out.sum() + h.sum()).backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in m.parameters())


# ---------------------------------------------------------------------- dropout
def test_dropout_between_layers_only_in_training():
    m = nn.LSTM(I, H, num_layers=2, dropout=0.5)
    x = sg.randn(T, N, I)
    m.eval()
    ref = m(x)[0]._data
    np.testing.assert_array_equal(m(x)[0]._data, ref)  # deterministic in eval mode
    m.train()
    assert not np.allclose(m(x)[0]._data, ref)
    m.dropout = 0.0
    np.testing.assert_allclose(m(x)[0]._data, ref, atol=1e-7)
    with pytest.warns(UserWarning, match="dropout"):
        nn.GRU(I, H, dropout=0.2)


# ---------------------------------------------------------------------- truncated BPTT
def test_truncated_bptt_stops_gradient_at_detached_state():
    m = nn.LSTM(I, H)
    x1 = sg.randn(T, N, I, requires_grad=True)
    x2 = sg.randn(T, N, I, requires_grad=True)
    _, state = m(x1)
    out, _ = m(x2, detach_state(state))
    out.sum().backward()
    assert x2.grad is not None and x1.grad is None  # nothing flowed past the cut
    # the same without the cut does reach the first chunk
    _, state = m(x1)
    m(x2, state)[0].sum().backward()
    assert x1.grad is not None and float(np.abs(x1.grad._data).max()) > 0


def test_detach_state_nested_and_carried_values():
    h = sg.randn(2, 3, requires_grad=True) * 2
    state = detach_state([(h, h), None])
    assert isinstance(state, list) and state[1] is None
    assert not state[0][0].requires_grad and state[0][0].grad_fn is None
    np.testing.assert_array_equal(state[0][1]._data, h._data)
    with pytest.raises(TypeError, match="detach_state"):
        detach_state("h")


def test_truncated_bptt_training_loop_with_loader():
    from scratchgrad.data import BPTTLoader

    stream = np.tile(np.arange(5), 60)  # a periodic sequence: easy to learn
    emb, lstm, head = nn.Embedding(5, 8), nn.LSTM(8, 16), nn.Linear(16, 5)
    params = list(emb.parameters()) + list(lstm.parameters()) + list(head.parameters())
    opt = sg.optim.Adam(params, lr=0.05)
    losses = []
    for _ in range(3):
        state = None
        for x, y in BPTTLoader(stream, batch_size=4, bptt=10):
            out, state = lstm(emb(x), state)
            state = detach_state(state)
            loss = F.cross_entropy(head(out).reshape(-1, 5), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


# ---------------------------------------------------------------------- padding and masks
def test_pad_sequence_and_mask():
    a, b = sg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True), sg.ones(1, 2)
    p = pad_sequence([a, b], padding_value=-1.0)
    assert p.shape == (3, 2, 2)
    np.testing.assert_array_equal(p._data[:, 1, 0], [1.0, -1.0, -1.0])
    assert pad_sequence([a, b], batch_first=True).shape == (2, 3, 2)
    left = pad_sequence([sg.tensor([1, 2]), sg.tensor([3])], batch_first=True,
                        padding_side="left")
    assert left.tolist() == [[1, 2], [0, 3]]
    (p * sg.arange(3.0).reshape(3, 1, 1)).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [[0, 0], [1, 1], [2, 2]])
    mask = sequence_mask([3, 1])
    assert mask.shape == (3, 2) and mask.tolist() == [[True, True], [True, False],
                                                      [True, False]]
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 3\)"):
        pad_sequence([sg.ones(2, 2), sg.ones(2, 3)])


def test_masked_loss_with_ignore_index_equals_per_sequence_loss():
    """A padded batch with targets padded by ignore_index gives the mean loss over the real
    steps, the same as running every sequence alone (right padding: the forward LSTM's
    outputs at real steps do not see the padding)."""
    V = 7
    emb, lstm, head = nn.Embedding(V, 5), nn.LSTM(5, 8, batch_first=True), nn.Linear(8, V)
    rng = np.random.default_rng(5)
    seqs = [rng.integers(0, V, size=n) for n in (6, 3, 4)]
    inputs = pad_sequence([sg.tensor(s[:-1]) for s in seqs], batch_first=True)
    targets = pad_sequence([sg.tensor(s[1:]) for s in seqs], batch_first=True,
                           padding_value=-100)
    logits = head(lstm(emb(inputs))[0])
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=-100)
    mask = sequence_mask([len(s) - 1 for s in seqs], batch_first=True)
    assert (targets._data != -100).tolist() == mask.tolist()
    total, count = 0.0, 0
    for s in seqs:
        out = head(lstm(emb(sg.tensor(s[None, :-1])))[0])
        total += F.cross_entropy(out.reshape(-1, V), sg.tensor(s[1:]), reduction="sum").item()
        count += len(s) - 1
    assert loss.item() == pytest.approx(total / count, rel=1e-5)


# ---------------------------------------------------------------------- state dicts
def test_state_dict_loads_from_torch_and_matches_layout(torch):
    tm = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    m = nn.LSTM(I, H, num_layers=2, bidirectional=True)
    sd = m.state_dict()
    assert list(sd) == list(tm.state_dict())
    assert all(sd[k].shape == tuple(v.shape) for k, v in tm.state_dict().items())
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = _rand(np.random.default_rng(6), T, N, I)
    np.testing.assert_allclose(m(sg.tensor(x))[0]._data, tm(torch.tensor(x))[0].detach().numpy(),
                               atol=ATOL)
    assert repr(m) == repr(tm)


def test_default_init_is_uniform_in_inverse_sqrt_hidden():
    m = nn.GRU(3, 16, num_layers=2)
    for p in m.parameters():
        assert p.dtype == np.float32
        assert np.abs(p._data).max() <= 0.25 and np.abs(p._data).max() > 0.2
    assert len(m.all_weights) == 2 and len(m.all_weights[0]) == 4


# ---------------------------------------------------------------------- bad input
def test_wrong_input_size_names_shapes():
    with pytest.raises(ValueError, match=r"LSTM: expected an input with input_size=4 .*"
                                         r"got shape \(5, 3, 7\)"):
        nn.LSTM(I, H)(sg.randn(5, 3, 7))
    with pytest.raises(ValueError, match=r"GRU: expected a 2-D .* got shape \(5,\)"):
        nn.GRU(I, H)(sg.randn(5))
    with pytest.raises(ValueError, match=r"GRUCell: expected an input with input_size=4 .*"
                                         r"\(3, 2\)"):
        nn.GRUCell(I, H)(sg.randn(3, 2))


def test_wrong_state_shape_names_expected_and_found():
    m = nn.LSTM(I, H, num_layers=2)
    x = sg.randn(T, N, I)
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \(2, 3, 6\), got "
                                         r"\(1, 3, 6\)"):
        m(x, (sg.zeros(1, N, H), sg.zeros(2, N, H)))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(2, 3, 6\), got \(2, 3, 5\)"):
        m(x, (sg.zeros(2, N, H), sg.zeros(2, N, 5)))
    with pytest.raises(TypeError, match="tuple"):
        m(x, sg.zeros(2, N, H))
    with pytest.raises(ValueError, match=r"RNN: expected h_0 of shape \(1, 6\), got "
                                         r"\(1, 1, 6\)"):
        nn.RNN(I, H)(sg.randn(T, I), sg.zeros(1, 1, H))
    with pytest.raises(ValueError, match=r"LSTMCell: expected c of shape \(3, 6\), got "
                                         r"\(3, 2\)"):
        nn.LSTMCell(I, H)(sg.randn(N, I), (sg.zeros(N, H), sg.zeros(N, 2)))
    with pytest.raises(ValueError, match=r"lstm: expected h0 of shape \(3, 6\), got \(2, 6\)"):
        R.lstm_sequence(sg.randn(T, N, I), sg.zeros(2, H), sg.zeros(N, H),
                        sg.randn(4 * H, I), sg.randn(4 * H, H))


def test_wrong_dtype_and_config_errors():
    with pytest.raises(TypeError, match="float64"):
        nn.LSTM(I, H)(sg.randn(T, N, I, dtype=sg.float64))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(I, H, dropout=1.5)
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(I, H, proj_size=2)


# ---------------------------------------------------------------------- the example
@pytest.mark.cpu_only("the example is a CPU script: its NumPy code meets the model's outputs")
def test_sine_rnn_example_runs_and_plots(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "sine_rnn.py"
    spec = importlib.util.spec_from_file_location("example_sine_rnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(["--epochs", "3", "--points", "200", "--streams", "2",
                       "--out", str(tmp_path)])
    for cell in ("rnn", "lstm"):
        assert out["histories"][cell][-1] < out["histories"][cell][0]
        assert np.isfinite(out["test_mse"][cell])
    with open(out["png"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
