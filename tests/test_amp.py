"""scratchgrad.amp: GradScaler scales, skips and adapts as PyTorch's does; autocast is
accepted and changes nothing; set_float32_matmul_precision is recorded."""
from __future__ import annotations

import pytest

import scratchgrad as sg


def _run(lib, values, **kwargs):
    scaler = lib.amp.GradScaler("cpu", **kwargs)
    w = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
    opt = lib.optim.SGD([w], lr=0.1, momentum=0.5)
    trace = []
    for v in values:
        opt.zero_grad()
        scaler.scale((w * v).sum() + (w ** 2).sum()).backward()
        scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), [round(x, 6) for x in w.tolist()]))
    return trace, scaler


@pytest.mark.parametrize("kwargs", [dict(init_scale=256.0, growth_interval=2),
                                    dict(init_scale=4.0, growth_factor=3.0, backoff_factor=0.25,
                                         growth_interval=1),
                                    dict(enabled=False)])
def test_grad_scaler_matches_pytorch(torch, kwargs):
    values = [1.0, float("inf"), 0.5, float("nan"), 2.0, 1.0, 1.0]
    if not kwargs.get("enabled", True):
        values = [1.0, 0.5, 2.0]  # nothing is skipped: an inf would reach the weights
    ours, scaler = _run(sg, values, **kwargs)
    theirs, tscaler = _run(torch, values, **kwargs)
    assert ours == theirs
    assert sorted(scaler.state_dict()) == sorted(tscaler.state_dict())


def test_unscale_twice_raises_and_state_round_trips():
    scaler = sg.amp.GradScaler("cpu", init_scale=8.0)
    w = sg.nn.Parameter(sg.ones(1))
    opt = sg.optim.SGD([w], lr=1.0)
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    assert w.grad.tolist() == [1.0]
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    other = sg.amp.GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.get_scale() == 8.0


def test_autocast_changes_nothing_and_decorates():
    x = sg.ones(2, 2)
    with sg.autocast("cpu", dtype=sg.float16):
        assert (x @ x).dtype == sg.float32

    @sg.amp.autocast("cpu")
    def f(t):
        return t * 2
    assert f(x).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert sg.cuda.amp.GradScaler is sg.amp.GradScaler


def test_float32_matmul_precision_is_recorded():
    sg.set_float32_matmul_precision("medium")
    try:
        assert sg.get_float32_matmul_precision() == "medium"
        with pytest.raises(ValueError, match="highest"):
            sg.set_float32_matmul_precision("low")
    finally:
        sg.set_float32_matmul_precision("highest")
