"""A one-minute first look at scratchgrad on CUDA: every GPU-specific path once, each check
reported PASS or FAIL with its error, so one run on a GPU machine shows everything that breaks.

Each result on cuda is compared with the same computation on the CPU (forward and gradients),
and the hand-written kernels with the generic CuPy path (SCRATCHGRAD_CUDA_KERNELS switched per
check). Exit status: the number of failed checks (0: all passed).

    python scripts/gpu_smoke.py
    GPU_SMOKE_DEVICE=cpu python scripts/gpu_smoke.py   # dry run of the script itself, no GPU
"""
from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import scratchgrad as sg  # noqa: E402
import scratchgrad.nn.functional as F  # noqa: E402
from scratchgrad import nn  # noqa: E402

RESULTS: list[tuple[str, bool, str]] = []
DEV = os.environ.get("GPU_SMOKE_DEVICE", "cuda")  # "cpu": check the script without a GPU


def check(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def wrap(fn: Callable[[], Any]) -> Callable[[], Any]:
        t0 = time.perf_counter()
        try:
            note = fn() or ""
            RESULTS.append((name, True, str(note)))
        except Exception as e:  # report every failure, keep going
            tb = traceback.format_exc(limit=6)
            RESULTS.append((name, False, f"{type(e).__name__}: {e}\n{tb}"))
        print(f"{'PASS' if RESULTS[-1][1] else 'FAIL'} {name} ({time.perf_counter() - t0:.1f}s)"
              + (f": {RESULTS[-1][2]}" if RESULTS[-1][2] else ""), flush=True)
        return fn
    return wrap


def host(t: sg.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def kernels(on: bool) -> None:
    os.environ["SCRATCHGRAD_CUDA_KERNELS"] = "1" if on else "0"


def fwd_bwd(fn: Callable[..., sg.Tensor], arrays: list[np.ndarray], device: str) -> list:
    """Forward and the gradient of every input for a random upstream gradient, as host
    arrays."""
    xs = [sg.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in arrays]
    y = fn(*xs)
    gy = np.random.default_rng(7).standard_normal(y.shape).astype(y.dtype)
    y.backward(sg.tensor(gy, device=device))
    assert y.device == device, f"output on {y.device}, expected {device}"
    return [host(y)] + [np.zeros(x.shape) if x.grad is None else host(x.grad)
                        for x in xs if x.requires_grad]


def same_on_devices(fn: Callable[..., sg.Tensor], arrays: list[np.ndarray],
                    rtol: float = 1e-4, atol: float = 1e-5) -> str:
    """fn on cpu == fn on cuda (kernels on) == fn on cuda (kernels off)."""
    ref = fwd_bwd(fn, arrays, "cpu")
    notes = []
    for on in (True, False):
        kernels(on)
        try:
            got = fwd_bwd(fn, arrays, DEV)
        finally:
            kernels(True)
        for k, (a, b) in enumerate(zip(got, ref)):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                       err_msg=f"kernels {'on' if on else 'off'}, "
                                               f"{'output' if k == 0 else f'grad {k - 1}'}")
        notes.append(f"kernels {'on' if on else 'off'} ok")
    return ", ".join(notes)


rng = np.random.default_rng(0)


def f32(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


@check("cuda.is_available and device info")
def _():
    if DEV == "cpu":
        return "dry run on the CPU"
    assert sg.cuda.is_available(), sg.cuda.unavailable_reason()
    return f"{sg.cuda.get_device_name()}, {sg.cuda.device_count()} device(s)"


@check("tensor round trip, .to/.cpu/.cuda, factories on cuda")
def _():
    x = sg.tensor([1.0, 2.0], device=DEV)
    assert x.device == DEV and str(x.device).startswith(DEV)
    assert host(x).tolist() == [1.0, 2.0] and x.cpu().device == "cpu"
    assert sg.ones(2).to(DEV).device == DEV and sg.zeros(2, device=DEV).device == DEV
    for t in (sg.rand(3, device=DEV), sg.randn(3, device=DEV),
              sg.randint(0, 5, (3,), device=DEV), sg.arange(3, device=DEV),
              sg.eye(2, device=DEV), sg.full((2,), 1.0, device=DEV)):
        assert t.device == DEV
    _ = repr(x)


@check("mixed devices give a clear error")
def _():
    if DEV == "cpu":
        return "dry run: nothing to mix"
    try:
        sg.ones(2) + sg.ones(2, device=DEV)
    except RuntimeError as e:
        assert "same device" in str(e) and "cpu" in str(e) and "cuda" in str(e), str(e)
        return str(e)
    raise AssertionError("no error for cpu + cuda")


@check("seeded GPU stream is reproducible")
def _():
    sg.manual_seed(3)
    a = host(sg.rand(4, device=DEV))
    sg.manual_seed(3)
    b = host(sg.rand(4, device=DEV))
    assert (a == b).all()


@check("elementwise, reductions, indexing (cpu vs cuda)")
def _():
    def fn(x, y):
        z = (x * y).sin() + x.exp() / (1 + y.abs()) - x.relu() * y.tanh()
        return z[1:, [0, 2, 2]].sum(dim=0) + z.max(dim=1)[0].mean() + z.logsumexp(dim=0)[:3]
    return same_on_devices(fn, [f32(4, 5), f32(4, 5)])


@check("matmul, linear, softmax, layer_norm")
def _():
    W, b = f32(6, 5), f32(6)

    def fn(x, w, bb):
        return F.layer_norm(F.softmax(F.linear(x, w, bb), dim=1) @ w, (5,))
    return same_on_devices(fn, [f32(4, 5), W, b])


@check("conv2d (stride, padding, dilation, groups) fwd/bwd: im2col/col2im kernels")
def _():
    notes = []
    for stride, padding, dilation, groups in [(1, 1, 1, 1), (2, 0, 1, 1), (1, 2, 2, 2),
                                              ((2, 1), (1, 0), 1, 4)]:
        def fn(x, w, b):
            return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,
                            groups=groups)
        notes.append(same_on_devices(fn, [f32(2, 4, 9, 8), f32(8, 4 // groups, 3, 3), f32(8)],
                                     rtol=1e-3, atol=1e-4))
    return notes[-1]


@check("conv_transpose2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d")
def _():
    def fn(x, w):
        y = F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)  # (2, 4, 10, 12)
        pooled = F.max_pool2d(y, 2) + F.avg_pool2d(y, 3, 2, 1, count_include_pad=False)
        return pooled.sum(dim=1) + F.adaptive_avg_pool2d(y, (3, 5)).mean()
    return same_on_devices(fn, [f32(2, 3, 5, 6), f32(3, 4, 3, 3)], rtol=1e-3, atol=1e-4)


@check("cross_entropy (fused kernel; weight, ignore_index, smoothing) and nll_loss")
def _():
    t = rng.integers(0, 7, 12)
    t[3] = -100
    w = np.abs(f32(7)) + 0.1

    def fn(x, target, weight):
        return (F.cross_entropy(x, target, reduction="none").sum()
                + F.cross_entropy(x, target, weight=weight.detach())
                + F.cross_entropy(x, target, label_smoothing=0.1, reduction="sum")
                + F.nll_loss(F.log_softmax(x, dim=1), target))
    return same_on_devices(fn, [f32(12, 7), t, w])


@check("LSTM, GRU, RNN layers (fused LSTM step kernel)")
def _():
    sg.manual_seed(0)
    layers = [nn.LSTM(5, 6, num_layers=2), nn.GRU(5, 6), nn.RNN(5, 6)]
    state = [m.state_dict() for m in layers]
    notes = []
    for m, s in zip(layers, state):
        def fn(x):
            m.to(x.device)
            m.load_state_dict(s)
            return m(x)[0]
        notes.append(same_on_devices(fn, [f32(7, 3, 5)], rtol=1e-3, atol=1e-4))
    return notes[0]


@check("embedding (scatter-add backward), dropout on cuda, one_hot")
def _():
    idx = rng.integers(0, 9, (4, 6))

    def fn(w, i):
        return F.embedding(i, w) * 2
    note = same_on_devices(fn, [f32(9, 3), idx])
    x = sg.ones(1000, device=DEV)
    y = F.dropout(x, 0.5, training=True)
    kept = float(host((y > 0).float().mean()))
    assert y.device == DEV and 0.4 < kept < 0.6, kept
    assert F.one_hot(sg.tensor([0, 2], device=DEV), 3).device == DEV
    return note


@check("Module.to('cuda') then optimizer: one Adam/SGD step matches the CPU")
def _():
    for make in (lambda ps: sg.optim.Adam(ps, lr=1e-2),
                 lambda ps: sg.optim.SGD(ps, lr=1e-2, momentum=0.9, weight_decay=1e-4)):
        results = []
        for device in ("cpu", DEV):
            sg.manual_seed(0)
            # No bias before the batch norm: its gradient is 0 up to rounding, and Adam turns
            # rounding noise into steps of +-lr, so the devices would differ there by design.
            model = nn.Sequential(nn.Linear(5, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(),
                                  nn.Linear(8, 3)).to(device)
            opt = make(model.parameters())
            x = sg.tensor(np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5),
                          device=device)
            for _ in range(3):
                opt.zero_grad()
                F.cross_entropy(model(x), sg.tensor([0, 1, 2, 1], device=device)).backward()
                opt.step()
            for v in opt.state.values():
                for a in v.values():
                    if hasattr(a, "shape"):
                        assert sg.backend.device_of(a) == device, (device, type(a))
            results.append([host(p) for p in model.parameters()])
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@check("Trainer on cuda, checkpoint save/load round trip")
def _():
    import tempfile

    from scratchgrad.data import DataLoader, TensorDataset
    from scratchgrad.train import Trainer

    sg.manual_seed(0)
    x = sg.randn(64, 4)
    y = sg.tensor(rng.integers(0, 3, 64))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    trainer = Trainer(model, nn.CrossEntropyLoss(), sg.optim.Adam(model.parameters()),
                      device=DEV, progress=False)  # the optimizer is made before the move
    with tempfile.TemporaryDirectory() as d:
        hist = trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), 2, checkpoint_dir=d)
        assert model[0].weight.device == DEV
        assert os.path.exists(os.path.join(d, "checkpoint.npz"))
    return f"{len(hist)} epochs"


def main() -> int:
    failed = [r for r in RESULTS if not r[1]]
    print(f"\ngpu_smoke on {DEV}: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    for name, _, msg in failed:
        print(f"\n--- FAILED: {name}\n{msg}")
    return len(failed)


if __name__ == "__main__":
    raise SystemExit(main())
