"""Learning-rate schedulers against torch.optim.lr_scheduler: the same rates, step by step."""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import optim
from scratchgrad.optim import lr_scheduler as sched_mod

STEPS = 60
LRS = (0.1, 0.02)


def _sg_opt(name="SGD", **kwargs):
    """Two groups with different rates, so per-group handling is checked too."""
    params = [sg.Parameter(sg.ones(2)), sg.Parameter(sg.ones(3))]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, LRS)]
    return getattr(optim, name)(groups, **kwargs)


def _torch_opt(torch, name="SGD", **kwargs):
    params = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, LRS)]
    return getattr(torch.optim, name)(groups, **kwargs)


def _lr_trace(opt, sched, steps, metrics=None):
    """Rates (and momenta) after construction and after each step. ``opt.step()`` runs first,
    as it should; no parameter has a gradient, so it changes nothing."""
    def record():
        groups = opt.param_groups
        return (list(sched.get_last_lr()), [g["lr"] for g in groups],
                [g.get("momentum", g.get("betas", (None,))[0]) for g in groups])

    trace = [record()]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        trace.append(record())
    return trace


def _assert_same_trace(ours, theirs):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for what, x, y in zip(("get_last_lr", "group lr", "momentum"), a, b):
            x = [float(v) if v is not None else None for v in x]
            y = [float(v) if v is not None else None for v in y]
            if None in x or None in y:
                assert x == y, f"step {step}: {what} {x} != torch {y}"
            else:
                np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-15,
                                           err_msg=f"step {step}: {what}")


# Each case builds a scheduler from (module, optimizer): the same code runs on both sides.
CASES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=17),
    "LinearLR-defaults": lambda m, o: m.LinearLR(o),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0,
                                              total_iters=40),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    "CosineAnnealingLR-long": lambda m, o: m.CosineAnnealingLR(o, T_max=55),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 1.0 / (1 + e),
                                                      lambda e: 0.5 * (e % 4 + 1)]),
    "OneCycleLR-cos": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.3], total_steps=STEPS),
    "OneCycleLR-linear": lambda m, o: m.OneCycleLR(o, max_lr=0.5, epochs=6, steps_per_epoch=10,
                                                   anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(o, max_lr=0.8, total_steps=STEPS,
                                                        three_phase=True, div_factor=10.0,
                                                        base_momentum=0.8, max_momentum=0.9),
    "OneCycleLR-no-momentum": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=STEPS,
                                                        cycle_momentum=False),
    "SequentialLR-warmup-cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=45)],
        milestones=[5]),
    "SequentialLR-three": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, gamma=0.9), m.LinearLR(o, start_factor=0.5, total_iters=10),
            m.StepLR(o, step_size=5, gamma=0.7)], milestones=[8, 25]),
    "SequentialLR-lambda": lambda m, o: m.SequentialLR(
        o, [m.LambdaLR(o, lambda e: (e + 1) / 10), m.MultiStepLR(o, [10, 20], gamma=0.5)],
        milestones=[10]),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=10),
    "ConstantLR-defaults": lambda m, o: m.ConstantLR(o),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=40, power=2.0),
    "PolynomialLR-defaults": lambda m, o: m.PolynomialLR(o),
    "PolynomialLR-sqrt": lambda m, o: m.PolynomialLR(o, total_iters=70, power=0.5),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.95),
    "MultiplicativeLR-per-group": lambda m, o: m.MultiplicativeLR(
        o, [lambda e: 0.9 if e < 20 else 1.02, lambda e: 1.0 if e % 3 else 0.5]),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=0.001),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(
        o, base_lr=[0.01, 0.002], max_lr=[0.1, 0.05], step_size_up=5, step_size_down=8,
        mode="triangular2", base_momentum=[0.85, 0.8], max_momentum=0.95),
    "CyclicLR-exp-range": lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=4,
                                                  mode="exp_range", gamma=0.97),
    "CyclicLR-no-momentum": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                    step_size_up=6, cycle_momentum=False),
    "CyclicLR-scale-fn": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                 scale_fn=lambda x: 1.0 / (1.0 + 0.1 * x),
                                                 scale_mode="iterations"),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.2, total_iters=5), m.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-three": lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.1, total_iters=8), m.MultiplicativeLR(o, lambda e: 0.98),
         m.StepLR(o, step_size=10, gamma=0.5)], optimizer=o),
    "SequentialLR-chained": lambda m, o: m.SequentialLR(
        o, [m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=3),
                                m.ExponentialLR(o, gamma=0.9)]),
            m.PolynomialLR(o, total_iters=30)], milestones=[10]),
}


# torch's SequentialLR restarts a ChainedScheduler by stepping it, which its own check takes
# for a scheduler step before the first optimizer step.
@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_same_rates_as_torch(torch, name, opt_name):
    kwargs = dict(momentum=0.9) if opt_name == "SGD" else {}
    ours_opt, theirs_opt = _sg_opt(opt_name, **kwargs), _torch_opt(torch, opt_name, **kwargs)
    ours = CASES[name](sched_mod, ours_opt)
    theirs = CASES[name](torch.optim.lr_scheduler, theirs_opt)
    _assert_same_trace(_lr_trace(ours_opt, ours, STEPS), _lr_trace(theirs_opt, theirs, STEPS))


def test_rates_actually_change():
    # Guards the comparison above against two constant sequences agreeing trivially.
    for name, make in CASES.items():
        opt = _sg_opt(momentum=0.9)
        lrs = {round(t[0][0], 12) for t in _lr_trace(opt, make(sched_mod, opt), STEPS)}
        assert len(lrs) > (1 if name.startswith("ConstantLR") else 2), name  # one change


PLATEAU_METRICS = (
    [5.0, 4.0, 3.5, 3.4, 3.4, 3.41, 3.39, 3.5, 3.6, 3.3, 3.3, 3.3, 3.3, 3.29999, 3.2]
    + [3.2 + 0.01 * ((7 * i) % 5) for i in range(30)]
    + [3.0 - 0.2 * i for i in range(15)]
    + [0.2 - 1e-6 * i for i in range(8)]  # improvements below every threshold
)

PLATEAU_CASES = {
    "min-rel": dict(),
    "min-rel-patience": dict(factor=0.5, patience=2, threshold=1e-3),
    "min-abs-cooldown": dict(factor=0.5, patience=1, threshold=0.05, threshold_mode="abs",
                             cooldown=3),
    "max-rel": dict(mode="max", factor=0.3, patience=2),
    "max-abs-min-lr": dict(mode="max", factor=0.2, patience=0, threshold=0.1,
                           threshold_mode="abs", min_lr=[0.001, 0.0005]),
    "min-lr-eps": dict(factor=0.5, patience=0, min_lr=0.01, eps=5e-3),  # 0.0125 stays
}


@pytest.mark.parametrize("name", list(PLATEAU_CASES))
def test_reduce_on_plateau_same_rates_as_torch(torch, name):
    kwargs = PLATEAU_CASES[name]
    metrics = PLATEAU_METRICS if "max" not in name else [-m for m in PLATEAU_METRICS]
    ours_opt, theirs_opt = _sg_opt(momentum=0.9), _torch_opt(torch, momentum=0.9)
    ours = sched_mod.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    a = _lr_trace(ours_opt, ours, len(metrics), metrics)
    b = _lr_trace(theirs_opt, theirs, len(metrics), metrics)
    _assert_same_trace(a, b)
    assert a[-1][0] != a[0][0], "the metric sequence should trigger a reduction"
    assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter) == \
        (theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter)


def test_step_with_epoch_uses_the_closed_form(torch):
    for make in (CASES["StepLR"], CASES["MultiStepLR"], CASES["CosineAnnealingLR"],
                 CASES["LinearLR"], CASES["ExponentialLR"], CASES["ConstantLR"],
                 CASES["PolynomialLR"], CASES["CosineAnnealingWarmRestarts"]):
        ours_opt, theirs_opt = _sg_opt(), _torch_opt(torch)
        ours, theirs = make(sched_mod, ours_opt), make(torch.optim.lr_scheduler, theirs_opt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch deprecates step(epoch)
            for epoch in (3, 17, 9, 30):
                ours.step(epoch)
                theirs.step(epoch)
                np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(),
                                           rtol=1e-12)


RESUME_CASES = {
    "StepLR": dict(step_size=7, gamma=0.5),
    "MultiStepLR": dict(milestones=[5, 12, 12, 30], gamma=0.3),
    "ExponentialLR": dict(gamma=0.93),
    "LinearLR": dict(start_factor=0.1, end_factor=0.9, total_iters=17),
    "CosineAnnealingLR": dict(T_max=20, eta_min=0.001),
    "LambdaLR": dict(lr_lambda=lambda e: 0.95 ** e),
    "ConstantLR": dict(factor=0.25, total_iters=12),
    "PolynomialLR": dict(total_iters=30, power=1.5),
    "MultiplicativeLR": dict(lr_lambda=lambda e: 0.97),
    "CosineAnnealingWarmRestarts": dict(T_0=4, T_mult=2, eta_min=0.001),
    "CyclicLR": dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular2"),
}


@pytest.mark.parametrize("name", list(RESUME_CASES))
def test_resuming_with_last_epoch_same_rates_as_torch(torch, name):
    ours_opt, theirs_opt = _sg_opt(momentum=0.9), _torch_opt(torch, momentum=0.9)
    for opt in (ours_opt, theirs_opt):
        for group in opt.param_groups:  # as a checkpointed run would have them
            group["initial_lr"] = group["lr"]
            group["lr"] = 0.5 * group["lr"]
    ours = getattr(sched_mod, name)(ours_opt, last_epoch=6, **RESUME_CASES[name])
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, last_epoch=6,
                                                     **RESUME_CASES[name])
    assert ours.last_epoch == 7
    _assert_same_trace(_lr_trace(ours_opt, ours, 40), _lr_trace(theirs_opt, theirs, 40))


# ---------------------------------------------------------------------- checkpoints
ROUND_TRIP = ["StepLR", "MultiStepLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR-cos",
              "OneCycleLR-three-phase", "SequentialLR-warmup-cosine", "SequentialLR-three",
              "ConstantLR", "PolynomialLR", "MultiplicativeLR-per-group",
              "CosineAnnealingWarmRestarts-mult", "CyclicLR-triangular2", "CyclicLR-exp-range",
              "CyclicLR-scale-fn", "ChainedScheduler-three", "SequentialLR-chained"]


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_state_dict_round_trip_through_json(name):
    make = CASES[name]
    opt = _sg_opt("Adam")
    sched = make(sched_mod, opt)
    straight = _lr_trace(opt, sched, 10)
    opt_state = json.loads(json.dumps(opt.state_dict()))
    sched_state = json.loads(json.dumps(sched.state_dict()))
    straight += _lr_trace(opt, sched, 30)[1:]

    # PyTorch's order: build the scheduler, then load the optimizer, then the scheduler.
    opt2 = _sg_opt("Adam", lr=7.0, betas=(0.5, 0.5))
    sched2 = make(sched_mod, opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    resumed = _lr_trace(opt2, sched2, 30)
    _assert_same_trace(resumed, straight[10:])


def test_reduce_on_plateau_round_trip_through_json():
    opt = _sg_opt()
    sched = sched_mod.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=2)
    metrics = PLATEAU_METRICS
    straight = _lr_trace(opt, sched, 20, metrics)
    saved = (json.loads(json.dumps(opt.state_dict())), json.loads(json.dumps(sched.state_dict())))
    straight += _lr_trace(opt, sched, 25, metrics[20:])[1:]

    opt2 = _sg_opt()
    sched2 = sched_mod.ReduceLROnPlateau(opt2, factor=0.5, patience=1, cooldown=2)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    _assert_same_trace(_lr_trace(opt2, sched2, 25, metrics[20:]), straight[20:])
    assert straight[-1][0] != straight[0][0]


def test_lambda_lr_state_keeps_callable_objects_but_not_functions():
    class Warmup:
        def __init__(self):
            self.length = 3

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.length)

    opt = _sg_opt()
    fn = Warmup()
    sched = sched_mod.LambdaLR(opt, [fn, lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"length": 3}, None]
    fn.length = 10
    sched.load_state_dict(state)
    assert fn.length == 3


# ---------------------------------------------------------------------- training with a schedule
@pytest.mark.parametrize("opt_name, opt_kwargs, make", [
    ("Adam", dict(lr=0.01), lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=50)),
    ("SGD", dict(lr=0.05, momentum=0.9), lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.2, total_iters=5), m.CosineAnnealingLR(o, T_max=45)],
        milestones=[5])),
    ("SGD", dict(lr=0.05, momentum=0.9), lambda m, o: m.CyclicLR(
        o, base_lr=0.01, max_lr=0.05, step_size_up=5, mode="exp_range", gamma=0.99)),
    ("RAdam", dict(lr=0.01), lambda m, o: m.CyclicLR(o, base_lr=0.005, max_lr=0.02,
                                                     step_size_up=8, base_momentum=0.85,
                                                     max_momentum=0.95)),
    ("NAdam", dict(lr=0.02), lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=4),
         m.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2)])),
])
def test_training_with_a_schedule_follows_torch(torch, opt_name, opt_kwargs, make):
    import test_optim as t  # the same fixed problem as the optimizer tests

    ours = t._Sg(opt_name, opt_kwargs)
    theirs = t._Torch(torch, opt_name, opt_kwargs)
    ours_sched = make(sched_mod, ours.opt)
    theirs_sched = make(torch.optim.lr_scheduler, theirs.opt)
    for step in range(50):
        ours.step()
        theirs.step()
        ours_sched.step()
        theirs_sched.step()
        t._assert_close(ours.values(), theirs.values(), step)
    assert ours.opt.param_groups[0]["lr"] == pytest.approx(theirs.opt.param_groups[0]["lr"])


# ---------------------------------------------------------------------- errors and API
def test_get_last_lr_is_a_copy_and_last_epoch_counts_steps():
    opt = _sg_opt()
    sched = sched_mod.ExponentialLR(opt, gamma=0.5)
    assert sched.last_epoch == 0 and opt.param_groups[0]["initial_lr"] == 0.1
    lrs = sched.get_last_lr()
    lrs[0] = 99.0
    assert sched.get_last_lr() == [0.1, 0.02]
    sched.step()
    sched.step()
    assert sched.last_epoch == 2
    assert sched.get_last_lr() == pytest.approx([0.025, 0.005])


def test_scheduler_errors():
    opt = _sg_opt()
    with pytest.raises(TypeError, match="expected a scratchgrad.optim.Optimizer, got list"):
        sched_mod.StepLR([], step_size=2)
    with pytest.raises(KeyError, match=r"param_groups\[0\] has no 'initial_lr'"):
        sched_mod.StepLR(_sg_opt(), step_size=2, last_epoch=5)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        sched_mod.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="start_factor should be in"):
        sched_mod.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="step_size should be a positive integer"):
        sched_mod.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        sched_mod.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode should be 'min' or 'max'"):
        sched_mod.ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(ValueError, match="threshold_mode should be 'rel' or 'abs'"):
        sched_mod.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="expected one value per parameter group"):
        sched_mod.ReduceLROnPlateau(opt, min_lr=[0.1])


def test_one_cycle_errors():
    opt = _sg_opt()
    with pytest.raises(ValueError, match="give total_steps, or both epochs"):
        sched_mod.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="total_steps should be a positive integer"):
        sched_mod.OneCycleLR(opt, max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="pct_start should be a float"):
        sched_mod.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1)
    with pytest.raises(ValueError, match="anneal_strategy should be"):
        sched_mod.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="cycle_momentum needs an optimizer with momentum"):
        sched_mod.OneCycleLR(_sg_opt("Adagrad"), max_lr=0.1, total_steps=10)
    sched = sched_mod.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="tried to step 4 times, but total_steps is 3"):
        sched.step()


def test_sequential_errors():
    opt, other = _sg_opt(), _sg_opt()
    a = sched_mod.StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match="expected 1 milestone"):
        sched_mod.SequentialLR(opt, [a, sched_mod.StepLR(opt, step_size=3)], milestones=[])
    with pytest.raises(ValueError, match="belongs to a different optimizer"):
        sched_mod.SequentialLR(opt, [a, sched_mod.StepLR(other, step_size=3)], milestones=[4])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        sched_mod.SequentialLR(opt, [a, sched_mod.ReduceLROnPlateau(opt)], milestones=[4])
    with pytest.raises(ValueError, match="at least one scheduler"):
        sched_mod.SequentialLR(opt, [], milestones=[])


def test_cosine_matches_its_closed_form_over_half_a_period():
    opt = _sg_opt()
    sched = sched_mod.CosineAnnealingLR(opt, T_max=30, eta_min=0.001)
    for epoch in range(1, 31):
        sched.step()
        expected = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * epoch / 30)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, rel=1e-9, abs=1e-15)


# ---------------------------------------------------------------------- the newer schedulers
@pytest.mark.parametrize("T_0, T_mult", [(10, 1), (3, 2), (4, 3)])
def test_warm_restarts_with_fractional_epochs_same_rates_as_torch(torch, T_0, T_mult):
    """step(epoch) with per-batch fractions, jumps forward and back, interleaved with step()."""
    ours_opt, theirs_opt = _sg_opt(), _torch_opt(torch)
    make = lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=T_0, T_mult=T_mult,  # noqa: E731
                                                      eta_min=0.002)
    ours, theirs = make(sched_mod, ours_opt), make(torch.optim.lr_scheduler, theirs_opt)
    epochs = [k / 4 for k in range(0, 120)] + [37.3, 2.5, None, None, 0, 15.75, None, 61.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates step(epoch)
        for epoch in epochs:
            ours.step(epoch)
            theirs.step(epoch)
            assert (ours.last_epoch, ours.T_i) == (theirs.last_epoch, theirs.T_i), epoch
            assert ours.T_cur == pytest.approx(theirs.T_cur, rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12,
                                       atol=1e-15, err_msg=str(epoch))
            assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()
    assert len({round(x, 9) for x in ours.get_last_lr()}) == 2


def test_cyclic_lr_state_keeps_callable_objects_and_cycles_beta1(torch):
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, x):
            return self.rate ** x

    opt = _sg_opt("Adam")
    fn = Decay()
    sched = sched_mod.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=fn)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)  # beta1 starts at max_momentum
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5}
    json.dumps(state)
    fn.rate = 0.9
    sched.load_state_dict(state)
    assert fn.rate == 0.5 and sched.scale_mode == "cycle"
    sched.step()
    assert opt.param_groups[1]["betas"] == pytest.approx((0.9 - 0.1 * 0.5 * 0.5, 0.999))
    theirs_opt = _torch_opt(torch, "Adam")
    theirs = torch.optim.lr_scheduler.CyclicLR(theirs_opt, base_lr=0.01, max_lr=0.1,
                                               step_size_up=2, scale_fn=Decay())
    # PyTorch's layout, less its flag for a get_lr() warning that scratchgrad doesn't give.
    assert sorted(state) == sorted(k for k in theirs.state_dict()
                                   if k not in ("_scale_fn_ref", "_get_lr_called_within_step"))


def test_newer_scheduler_errors():
    opt = _sg_opt()
    with pytest.raises(ValueError, match="ConstantLR: factor should be in"):
        sched_mod.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="MultiplicativeLR: expected 2 lr_lambdas"):
        sched_mod.MultiplicativeLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="MultiplicativeLR: lr_lambda should be callable"):
        sched_mod.MultiplicativeLR(opt, 0.5)
    with pytest.raises(ValueError, match="T_0 should be a positive integer, got 0"):
        sched_mod.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="T_mult should be an integer >= 1, got 1.5"):
        sched_mod.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=1.5)
    with pytest.raises(ValueError, match="epoch should be >= 0"):
        sched_mod.CosineAnnealingWarmRestarts(opt, T_0=5).step(-1)
    with pytest.raises(ValueError, match="CyclicLR: mode should be"):
        sched_mod.CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode="sine")
    with pytest.raises(ValueError, match="CyclicLR: max_lr: expected one value per parameter"):
        sched_mod.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="CyclicLR: cycle_momentum needs an optimizer"):
        sched_mod.CyclicLR(_sg_opt("Adagrad"), base_lr=0.01, max_lr=0.1)
    with pytest.raises(ValueError, match="at least one scheduler"):
        sched_mod.ChainedScheduler([])
    with pytest.raises(ValueError, match="scheduler 1 .*belongs to a different optimizer"):
        sched_mod.ChainedScheduler([sched_mod.StepLR(opt, 2), sched_mod.StepLR(_sg_opt(), 2)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        sched_mod.ChainedScheduler([sched_mod.ReduceLROnPlateau(opt)])
    with pytest.raises(TypeError, match="has no optimizer attribute"):
        sched_mod.ChainedScheduler([sched_mod.StepLR(opt, 2), object()])
    chained = sched_mod.ChainedScheduler([sched_mod.StepLR(opt, 2)])
    assert repr(chained).startswith("ChainedScheduler([StepLR]")
