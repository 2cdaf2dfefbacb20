"""Learning-rate schedules that rewrite ``group["lr"]`` of an optimizer, in PyTorch's shape.

Call ``scheduler.step()`` once per epoch (or per batch for :class:`OneCycleLR`), after
``optimizer.step()``. The values follow PyTorch 2.13 exactly: the same recursive ("chainable")
forms where PyTorch uses them, so schedulers can be stacked and resumed the same way.

>>> import scratchgrad as sg
>>> from scratchgrad.optim import SGD
>>> from scratchgrad.optim.lr_scheduler import StepLR
>>> opt = SGD([sg.Parameter(sg.zeros(2))], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
>>> lrs
[1.0, 0.5, 0.5, 0.25, 0.25]
"""
from __future__ import annotations

import copy
import math
import types
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable, Iterable, Mapping, Sequence

from .._config import opaque
from .._statecheck import count, like, plain, show
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "SequentialLR",
           "ChainedScheduler", "OneCycleLR", "CyclicLR", "CosineAnnealingWarmRestarts",
           "ReduceLROnPlateau"]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list is checked for length, a scalar repeated."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name}: expected one value per parameter group ({n}), got "
                             f"{len(value)}")
        return list(value)
    return [value] * n


def _callable_attrs(where: str, saved: Any) -> dict[str, Any] | None:
    """A saved callable object's ``__dict__`` (None for a plain function), checked."""
    if saved is None:
        return None
    if not isinstance(saved, Mapping):
        raise TypeError(f"{where}: expected None or a dict of the callable's attributes, "
                        f"found {show(saved)}")
    return plain(where, saved)


def _prepare_load(scheduler: Any, state_dict: Mapping[str, Any]) -> Callable[[], None]:
    """``scheduler``'s load checked now and applied by the returned function; a scheduler
    of another kind (its own ``load_state_dict``, unchecked) is loaded by that function."""
    if isinstance(scheduler, LRScheduler) and \
            type(scheduler).load_state_dict is LRScheduler.load_state_dict:
        return scheduler._prepare_load_state_dict(state_dict)
    return lambda: scheduler.load_state_dict(state_dict)


def _check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"expected a scratchgrad.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    return optimizer


class LRScheduler:
    """Base class: sets ``group["lr"]`` from :meth:`get_lr` at every :meth:`step`.

    ``last_epoch`` counts the steps taken (``-1`` before the first); construction takes step 0.
    Each group remembers its starting rate as ``group["initial_lr"]``; ``base_lrs`` lists them.
    A subclass implements ``get_lr()`` (the chainable form, from the current ``group["lr"]``)
    and may add ``_get_closed_form_lr()`` (from ``base_lrs``), used by ``step(epoch)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=0.1)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> sched.last_epoch, sched.get_last_lr()
    (0, [0.1])
    >>> sched.step(); sched.last_epoch, sched.get_last_lr()
    (1, [0.05])
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no "
                                   f"'initial_lr'; resuming with last_epoch={last_epoch} needs "
                                   "the optimizer's state loaded first (or use last_epoch=-1)")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take step 0 (the first learning rate)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for ``last_epoch``, one per group (computed, not applied)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest step, one per parameter group."""
        return list(self._last_lr)

    @opaque
    def step(self, epoch: int | None = None) -> None:
        """Advance one step and write the new rates into the optimizer's groups.

        ``epoch`` jumps to that step using the closed form where there is one (PyTorch has
        deprecated it; prefer plain ``step()``).
        """
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, as plain values (deep-copied).

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=0.1)
        >>> StepLR(opt, step_size=3).state_dict()["last_epoch"]
        0
        """
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict` (also one that went through JSON).

        Every value is checked against the attribute it replaces before anything changes: a
        key this scheduler has no attribute for is a ``KeyError``; a value of another kind, a
        list of another length (one rate per parameter group), a non-finite number, a step
        count that is not an integer >= 0 is a ``TypeError`` / ``ValueError`` naming the key.
        Keys missing from ``state_dict`` keep their current values (as in PyTorch), and keys
        only PyTorch's schedulers have are ignored.

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> sched = StepLR(SGD([sg.Parameter(sg.zeros(1))], lr=0.1), step_size=3)
        >>> sched.load_state_dict({"last_epoch": -4})
        Traceback (most recent call last):
        ...
        ValueError: StepLR.load_state_dict: 'last_epoch': expected an integer >= -1, found -4 (int)
        """
        self._prepare_load_state_dict(state_dict)()

    def _prepare_load_state_dict(self, state_dict: Mapping[str, Any]) -> Callable[[], None]:
        """Check and convert everything :meth:`load_state_dict` would load, changing nothing;
        return the function that installs it (which cannot fail). ``restore_checkpoint``
        prepares the model, the optimizer and the scheduler before it commits any of them."""
        new = self._checked_state(state_dict)

        def commit() -> None:
            self.__dict__.update(new)
            self._after_load()

        return commit

    # Keys of PyTorch's state dicts that scratchgrad keeps no attribute for: ignored on load.
    _TORCH_ONLY = frozenset({"_get_lr_called_within_step", "verbose", "_scale_fn_ref"})
    # Attributes that count steps (or are periods): integers >= 0 (last_epoch >= -1) when they
    # are integers now.
    _COUNTS = frozenset({"last_epoch", "_step_count", "cooldown_counter", "num_bad_epochs",
                         "patience", "cooldown", "step_size", "total_steps", "T_0", "T_i"})
    _INTEGERS = frozenset({"T_mult", "total_iters", "_milestones"})
    # Attributes that may be +-inf: ReduceLROnPlateau's best value before the first metric.
    _INFINITE = frozenset({"best", "mode_worse"})
    # Attributes with a fixed set of values (per class).
    _CHOICES: dict[str, tuple[str, ...]] = {}

    def _checked_state(self, state_dict: Mapping[str, Any], skip: tuple[str, ...] = ()
                       ) -> dict[str, Any]:
        """The values of ``state_dict`` checked against this scheduler's attributes and
        converted to their types (lists to tuples where a tuple is held...), ``skip`` left to
        the caller."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}: expected a dict from state_dict(), got "
                            f"{type(state_dict).__name__}")
        own = [k for k in self.__dict__ if k != "optimizer"]
        unexpected = [k for k in state_dict if k not in self._TORCH_ONLY and k not in skip
                      and (k == "optimizer" or k not in self.__dict__)]
        if unexpected:
            raise KeyError(f"{name}: unexpected key(s) {unexpected}: a {type(self).__name__} "
                           f"has {sorted(own)} (is the state of another scheduler?)")
        return {key: self._check_value(name, key, value, self.__dict__[key])
                for key, value in state_dict.items()
                if key not in self._TORCH_ONLY and key not in skip}

    def _check_value(self, name: str, key: str, value: Any, current: Any) -> Any:
        """One saved attribute checked against its current value (subclasses: special ones)."""
        where = f"{name}: {key!r}"
        choices = self._CHOICES.get(key)
        if choices is not None and value not in choices:
            raise ValueError(f"{where}: expected one of {list(choices)}, found {show(value)}")
        if key in self._COUNTS and isinstance(current, int):
            # -1: not started yet (SequentialLR's later schedulers wait there)
            return count(where, value, -1 if key == "last_epoch" else 0)
        integer = key in self._INTEGERS and (isinstance(current, int) or (
            isinstance(current, list) and all(isinstance(v, int) for v in current)))
        return like(where, value, current, integer=integer, infinite=key in self._INFINITE)

    def _after_load(self) -> None:
        """Recompute what derives from the loaded attributes (subclasses)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class _LambdaScheduler(LRScheduler):
    """What LambdaLR and MultiplicativeLR share: one function per group, and checkpoints that
    keep a callable object's ``__dict__`` but not a plain function (which is code), as
    PyTorch does."""

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        name = type(self).__name__
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"{name}: expected {len(optimizer.param_groups)} lr_lambdas "
                                 f"(one per parameter group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"{name}: lr_lambda should be callable, got "
                                f"{type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                 if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType)
                               else copy.deepcopy(fn.__dict__) for fn in self.lr_lambdas]
        return state

    def _prepare_load_state_dict(self, state_dict: Mapping[str, Any]) -> Callable[[], None]:
        new = self._checked_state(state_dict, skip=("lr_lambdas",))
        saved = state_dict.get("lr_lambdas", [None] * len(self.lr_lambdas))
        where = f"{type(self).__name__}.load_state_dict: 'lr_lambdas'"
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self.lr_lambdas):
            raise ValueError(f"{where}: expected a list of {len(self.lr_lambdas)} (one per "
                             f"parameter group), found {show(saved)}")
        attrs = [_callable_attrs(f"{where}[{i}]", s) for i, s in enumerate(saved)]

        def commit() -> None:
            self.__dict__.update(new)
            for fn, a in zip(self.lr_lambdas, attrs):
                if a is not None:
                    fn.__dict__.update(a)

        return commit


class LambdaLR(_LambdaScheduler):
    """``lr = base_lr * lr_lambda(epoch)``; one function for all groups or one per group.

    In checkpoints, plain functions are not saved (they are code); a callable object's
    ``__dict__`` is, as PyTorch does.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = LambdaLR(opt, lambda epoch: 1.0 / (epoch + 1))
    >>> sched.step(); sched.step(); sched.get_last_lr()
    [0.3333333333333333]
    """

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """Multiply the current rate by ``lr_lambda(epoch)`` at every step after the first (one
    function for all groups or one per group); chains with other schedulers.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = MultiplicativeLR(opt, lambda epoch: 0.5)
    >>> sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._current_lrs())]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.1)
    >>> for _ in range(4):
    ...     sched.step()
    >>> sched.get_last_lr()
    [0.010000000000000002]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if int(step_size) != step_size or step_size <= 0:
            raise ValueError(f"StepLR: step_size should be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone (a milestone given twice counts twice).

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> [(sched.step(), sched.get_last_lr()[0])[1] for _ in range(4)]
    [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]

    def _check_value(self, name: str, key: str, value: Any, current: Any) -> Any:
        if key != "milestones":
            return super()._check_value(name, key, value, current)
        where = f"{name}: 'milestones'"
        if not isinstance(value, Mapping):
            raise TypeError(f"{where}: expected a dict of milestone -> count, found "
                            f"{show(value)}")
        # JSON turns the milestone keys into strings; the lookups need ints.
        milestones: Counter = Counter()
        for k, v in value.items():
            step = int(k) if isinstance(k, str) and k.isdigit() else k
            milestones[count(f"{where} key {k!r}", step)] = count(f"{where}[{k!r}]", v, 1)
        return milestones


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` at every step.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5); sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """Multiply the rate by ``factor`` for the first ``total_iters`` steps, then restore it
    (a constant warm-up); chains with other schedulers.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = ConstantLR(opt, factor=0.5, total_iters=2)
    >>> [sched.get_last_lr()[0]] + [(sched.step(), sched.get_last_lr()[0])[1] for _ in range(3)]
    [0.5, 0.5, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"ConstantLR: factor should be in [0, 1], got {factor!r}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    steps, then keep it (the usual warm-up).

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> [round(sched.get_last_lr()[0], 6)] + [(sched.step(), round(sched.get_last_lr()[0], 6))[1]
    ...                                       for _ in range(4)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor should be in (0, 1], got {start_factor!r}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor should be in [0, 1], got {end_factor!r}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # The ratio of consecutive factors, so the form chains with other schedulers.
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (self.total_iters * self.start_factor
                               + (self.last_epoch - 1) * delta)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * frac)
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the rate as ``base_lr * (1 - epoch / total_iters) ** power`` for ``total_iters``
    steps (to zero), then keep it; the recursive form, so it chains.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = PolynomialLR(opt, total_iters=4, power=2.0)
    >>> [(sched.step(), sched.get_last_lr()[0])[1] for _ in range(5)]
    [0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        e, n = self.last_epoch, self.total_iters
        factor = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (1.0 - frac) ** self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal the rate from ``base_lr`` to ``eta_min`` along half a cosine over ``T_max``
    steps (and back up after, as PyTorch does; no restarts).

    Uses PyTorch's recursive form, so the values agree with it to the last bits.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=2)
    >>> sched.step(); round(sched.get_last_lr()[0], 6)
    0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max should be positive, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if (e - 1 - T) % (2 * T) == 0:  # at the bottom the ratio below is 0/0
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._current_lrs())]
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class _Composite:
    """The state of a scheduler made of schedulers (SequentialLR, ChainedScheduler): its own
    attributes but the optimizer, and each inner scheduler's state dict in order."""

    _schedulers: list

    def state_dict(self) -> dict[str, Any]:
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                 if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def _prepare_load_state_dict(self, state_dict: Mapping[str, Any]) -> Callable[[], None]:
        new = self._checked_state(state_dict, skip=("_schedulers",))  # type: ignore[attr-defined]
        name = f"{type(self).__name__}.load_state_dict"
        if "_schedulers" not in state_dict:
            raise KeyError(f"{name}: the state has no '_schedulers' (the inner schedulers' "
                           "states)")
        saved = state_dict["_schedulers"]
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self._schedulers):
            raise ValueError(f"{name}: the state has {show(saved)} as '_schedulers', "
                             f"expected a list of {len(self._schedulers)} state dicts")
        inner = []
        for i, (s, sd) in enumerate(zip(self._schedulers, saved)):
            try:
                inner.append(_prepare_load(s, sd))
            except (TypeError, ValueError, KeyError) as e:
                message = e.args[0] if e.args else str(e)
                raise type(e)(f"{name}: '_schedulers'[{i}]: {message}") from e

        def commit() -> None:
            self.__dict__.update(new)
            for c in inner:
                c()

        return commit


class SequentialLR(_Composite, LRScheduler):
    """Run ``schedulers`` one after another, switching at the given ``milestones`` steps.

    The usual warm-up: ``SequentialLR(opt, [LinearLR(opt, ...), CosineAnnealingLR(opt, ...)],
    milestones=[warmup_steps])``. At a milestone the next scheduler restarts from its step 0.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> warm = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = ExponentialLR(opt, gamma=0.5)
    >>> sched = SequentialLR(opt, [warm, decay], milestones=[2])
    >>> [round(sched.get_last_lr()[0], 4)] + [(sched.step(), sched.get_last_lr()[0])[1]
    ...                                       for _ in range(4)]
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        if len(schedulers) < 1:
            raise ValueError("SequentialLR: expected at least one scheduler, got none")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: scheduler {i} is a ReduceLROnPlateau, which "
                                 "needs a metric at each step and can't be sequenced")
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} ({type(s).__name__}) belongs to "
                                 "a different optimizer; all must share this one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestone(s) for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        # Each scheduler already took its step 0 when it was built, each changing the rates:
        # start over from the initial rates and take step 0 of the first one only.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def _undo_initial_steps(self, sched: Any) -> None:
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                self._undo_initial_steps(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    @opaque
    def step(self) -> None:  # type: ignore[override]
        """Advance one step, handing over to the next scheduler at a milestone."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)  # restart the next scheduler at its step 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()



class ChainedScheduler(_Composite, LRScheduler):
    """Step several schedulers of one optimizer together: each ``step()`` steps them all, in
    order, so their (chainable) changes multiply, e.g. a constant warm-up on an exponential
    decay. ``get_last_lr()`` is the rates after the last one.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2),
    ...                           ExponentialLR(opt, gamma=0.5)])
    >>> [round(sched.get_last_lr()[0], 6)] + [(sched.step(), round(sched.get_last_lr()[0], 6))[1]
    ...                                       for _ in range(3)]
    [0.1, 0.05, 0.25, 0.125]
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler: expected at least one scheduler, got none")
        optimizer = optimizer or schedulers[0].optimizer
        for i, s in enumerate(schedulers):
            if not hasattr(s, "optimizer"):
                raise TypeError(f"ChainedScheduler: scheduler {i} ({type(s).__name__}) has no "
                                "optimizer attribute; expected an LRScheduler")
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"ChainedScheduler: scheduler {i} is a ReduceLROnPlateau, "
                                 "which needs a metric at each step and can't be chained")
            if s.optimizer is not optimizer:
                raise ValueError(f"ChainedScheduler: scheduler {i} ({type(s).__name__}) belongs "
                                 "to a different optimizer; all must share one")
        self._schedulers = list(schedulers)
        self.optimizer = _check_optimizer(optimizer)
        self._last_lr = self._current_lrs()

    @opaque
    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = self._current_lrs()


    def __repr__(self) -> str:
        names = ", ".join(type(s).__name__ for s in self._schedulers)
        return f"ChainedScheduler([{names}], lr={self.get_last_lr()})"


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith and Topin, 2017): warm up to ``max_lr``, then anneal to
    ``max_lr / (div_factor * final_div_factor)``; step it after every batch.

    With ``cycle_momentum``, the momentum (SGD's ``momentum``, Adam's ``beta1``) moves the
    opposite way, between ``max_momentum`` and ``base_momentum``. ``three_phase`` adds a
    symmetric way down to the initial rate before the final annealing.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="linear")
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(9):
    ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
    >>> round(lrs[0], 4), round(max(lrs), 4), round(lrs[-1], 8), opt.param_groups[0]["momentum"]
    (0.04, 1.0, 4e-06, 0.95)
    """

    _CHOICES = {"_anneal_func_type": ("cos", "linear")}

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85,
                 max_momentum: float | Sequence[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer)
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"OneCycleLR: total_steps should be a positive integer, got "
                                 f"{total_steps!r}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            for name, v in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(v, int) or v <= 0:
                    raise ValueError(f"OneCycleLR: {name} should be a positive integer, got "
                                     f"{v!r}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        if not isinstance(pct_start, float) or not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"OneCycleLR: pct_start should be a float in [0, 1], got "
                             f"{pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy should be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self._anneal_func_type = anneal_strategy

        # Each phase runs from the previous end_step to its own, between two group keys.
        n = self.total_steps
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * n) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum",
                 "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * n) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum",
                 "end_momentum": "max_momentum"},
                {"end_step": n - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * n) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum",
                 "end_momentum": "base_momentum"},
                {"end_step": n - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]

        max_lrs = _per_group("OneCycleLR: max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for m, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = m / div_factor
                group["max_lr"] = m
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: cycle_momentum needs an optimizer with momentum "
                                 f"or betas; {type(optimizer).__name__} has neither (pass "
                                 "cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            max_ms = _per_group("OneCycleLR: max_momentum", optimizer, max_momentum)
            base_ms = _per_group("OneCycleLR: base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_ms, base_ms, optimizer.param_groups):
                    self._set_momentum(group, m_max)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but total_steps is "
                             f"{self.total_steps}")
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == last:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]],
                                                group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                self._set_momentum(group, momentum)
        return lrs


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith, 2017): the rate goes from ``base_lr`` up to ``max_lr``
    in ``step_size_up`` steps and back down in ``step_size_down`` (default: the same); step
    it after every batch.

    ``mode``: ``"triangular"`` (the same cycle again and again), ``"triangular2"`` (the
    amplitude halves every cycle), ``"exp_range"`` (the amplitude times ``gamma ** step``);
    ``scale_fn`` (a function of the cycle number, or of the step with
    ``scale_mode="iterations"``) replaces the mode. With ``cycle_momentum`` the momentum (SGD's
    ``momentum``, beta1 of the Adam family) moves the opposite way, between ``max_momentum`` and
    ``base_momentum``. As in PyTorch, construction sets each group's rate to ``base_lr``.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, mode="triangular2")
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(8):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs, round(opt.param_groups[0]["momentum"], 6)
    ([0.1, 0.3, 0.5, 0.3, 0.1, 0.2, 0.3, 0.2, 0.1], 0.9)
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | Sequence[float],
                 max_lr: float | Sequence[float], step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.8,
                 max_momentum: float | Sequence[float] = 0.9, last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer)
        base_lrs = _per_group("CyclicLR: base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("CyclicLR: max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if up <= 0 or down < 0:
            raise ValueError(f"CyclicLR: step_size_up should be > 0 and step_size_down >= 0, "
                             f"got {step_size_up!r} and {step_size_down!r}")
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode should be 'triangular', 'triangular2' or "
                             f"'exp_range' (or give scale_fn), got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode should be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"CyclicLR: cycle_momentum needs an optimizer with momentum or "
                                 f"betas; {type(optimizer).__name__} has neither (pass "
                                 "cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("CyclicLR: base_momentum", optimizer,
                                             base_momentum)
            self.max_momentums = _per_group("CyclicLR: max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(self.max_momentums, self.base_momentums,
                                                optimizer.param_groups):
                    self._set_momentum(group, m_max)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        # The first step uses the groups' initial_lr as base_lrs; base_lr from then on, as
        # PyTorch (they differ only when a group already had an initial_lr).
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is None:  # the built-in modes fix their scale_mode
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, m_base, m_max in zip(self.optimizer.param_groups, self.base_momentums,
                                            self.max_momentums):
                self._set_momentum(group, m_max - (m_max - m_base) * scale_factor * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                 if k not in ("optimizer", "_scale_fn_custom")}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = (None if fn is None or isinstance(fn, types.FunctionType)
                                     else copy.deepcopy(fn.__dict__))
        return state

    _CHOICES = {"scale_mode": ("cycle", "iterations")}

    def _prepare_load_state_dict(self, state_dict: Mapping[str, Any]) -> Callable[[], None]:
        new = self._checked_state(state_dict, skip=("_scale_fn_custom",))
        saved = state_dict.get("_scale_fn_custom")
        where = "CyclicLR.load_state_dict: '_scale_fn_custom'"
        attrs = _callable_attrs(where, saved)

        def commit() -> None:
            self.__dict__.update(new)
            if attrs is not None and self._scale_fn_custom is not None:
                self._scale_fn_custom.__dict__.update(attrs)
            self._init_scale_fn()

        return commit


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov and Hutter, 2017): cosine annealing from ``base_lr`` to ``eta_min``
    over ``T_0`` steps, then a restart, each period ``T_mult`` times longer than the last.

    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``. ``step(epoch)``
    takes a fractional epoch too (``epoch + batch / batches_per_epoch``), to step per batch.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    >>> [round(sched.get_last_lr()[0], 4)] + [(sched.step(), round(sched.get_last_lr()[0], 4))[1]
    ...                                       for _ in range(6)]
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    >>> sched.step(2.5); round(sched.get_last_lr()[0], 4)
    0.9619
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 should be a positive integer, "
                             f"got {T_0!r}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult should be an integer >= 1, "
                             f"got {T_mult!r}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"CosineAnnealingWarmRestarts: eta_min should be a number, got "
                             f"{eta_min!r}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    @opaque
    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or jump to ``epoch`` (may be fractional) on the restart schedule."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts: epoch should be >= 0, got "
                                 f"{epoch!r}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # the number of whole periods before epoch: T_0 (T_mult^n - 1)/(T_mult - 1)
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = self._current_lrs()


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has stopped improving for ``patience``
    steps; ``step(metric)`` takes the metric (e.g. the validation loss).

    ``threshold_mode="rel"`` counts an improvement past ``best * (1 -+ threshold)``, ``"abs"``
    past ``best -+ threshold``. After a reduction, ``cooldown`` steps ignore bad epochs; the
    rate never goes below ``min_lr``, and a change smaller than ``eps`` is skipped.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> opt = SGD([sg.Parameter(sg.zeros(1))], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | Sequence[float] = 0.0,
                 eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor!r}")
        self.factor = factor
        self.optimizer = _check_optimizer(optimizer)
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr = None
            self.min_lrs = _per_group("ReduceLROnPlateau: min_lr", optimizer, min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @opaque
    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this step's metric and reduce the rates if it has plateaued."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} "
                                   f"parameter groups but min_lr lists {len(self.min_lrs)}; "
                                   "update scheduler.min_lrs")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode should be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode should be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    _CHOICES = {"mode": ("min", "max"), "threshold_mode": ("rel", "abs")}

    def _after_load(self) -> None:
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
