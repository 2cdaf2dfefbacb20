"""The Optimizer base class: parameter groups, per-parameter state and checkpoints.

It has PyTorch's shape so that a PyTorch user finds what they expect: ``param_groups`` is a list
of dicts (``"params"`` plus the options of that group), ``state`` maps each parameter to a dict
of arrays, and ``state_dict()`` uses PyTorch's layout with plain NumPy values.

Updates work on the raw arrays (``p._data``) in place, so a step never records a graph and
never allocates a new parameter array. Each optimizer's ``_update`` is its reference, the
algorithm on arrays; :meth:`Optimizer._update_fn` is the one place that may pick a faster
variant of it instead (fast paths: scratchgrad/kernels/optim.py).
"""
from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping, Union

import numpy as np

from .. import kernels
from .._config import enable_grad, opaque
from .._statecheck import count, like, number, plain, show
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["Optimizer", "ParamsT"]

#: What an optimizer accepts: tensors, ``(name, tensor)`` pairs, or dicts (parameter groups).
ParamsT = Union[Iterable[Tensor], Iterable[tuple[str, Tensor]], Iterable[dict[str, Any]]]


class Optimizer:
    """Base class of all optimizers: holds parameter groups and per-parameter state.

    A subclass passes its hyperparameters as ``defaults`` (each group falls back to them) and
    implements ``_step_group(group)``, which updates the group's parameters in place.

    >>> import scratchgrad as sg
    >>> from scratchgrad.optim import SGD
    >>> w, b = sg.Parameter(sg.ones(2)), sg.Parameter(sg.zeros(1))
    >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    >>> (w * 3.0).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.7, 0.7]
    """

    #: State entries that are numbers, not arrays (PyTorch keeps them as 0-d tensors); loading a
    #: state dict turns them into Python floats. Subclasses with more add theirs.
    _scalar_state: tuple[str, ...] = ("step",)
    #: Scalar state entries that count (steps): integers >= 0 on load, floats as in PyTorch.
    _count_state: tuple[str, ...] = ("step",)
    #: State entries that are arrays shaped like their parameter (never None); subclasses list
    #: theirs. Other entries may be None, strings, finite numbers or parameter-shaped arrays.
    _array_state: tuple[str, ...] = ()
    #: Options that a loaded state must give as integers (LBFGS's ``max_iter``...).
    _int_options: tuple[str, ...] = ()

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or "
                            f"dicts, but got a single Tensor of shape {params.shape}; wrap it "
                            "in a list")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: params should be an ordered collection; "
                            "a set changes its order from run to run. Use a list instead")
        self.defaults: dict[str, Any] = dict(defaults)
        # Keys are the parameter objects themselves: Tensor hashes by identity, and a dict
        # compares identity before ``==`` (which is elementwise for tensors), so lookups are safe.
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._work: dict[tuple, Any] = {}

        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        n_dicts = sum(isinstance(g, dict) for g in groups)
        if n_dicts == 0:
            groups = [{"params": groups}]
        elif n_dicts != len(groups):
            raise TypeError(f"{type(self).__name__}: params mixes dicts (parameter groups) with "
                            "other entries; pass either all tensors or all dicts")
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (the rest come from ``defaults``).

        Useful when fine-tuning: unfreeze a layer and hand it to the optimizer mid-training.

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> opt = SGD([sg.Parameter(sg.ones(2))], lr=0.1)
        >>> opt.add_param_group({"params": [sg.Parameter(sg.ones(3))], "lr": 0.01})
        >>> [(len(g["params"]), g["lr"]) for g in opt.param_groups]
        [(1, 0.1), (1, 0.01)]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict with a 'params' entry, "
                            f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry "
                             f"(keys: {sorted(param_group)})")
        group = dict(param_group)  # never mutate the caller's dict
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters should be an ordered collection; a set "
                            "changes its order from run to run. Use a list instead")
        params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: give either all parameters with names "
                                 "((name, tensor) pairs) or none")
            params = [p[1] for p in params]
            group["param_names"] = names
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but parameter {i} of the "
                                f"group is a {type(p).__module__}.{type(p).__qualname__}")
            if p.creator is not None:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i} of "
                                 f"the group, shape {p.shape}, was produced by "
                                 f"{type(p.creator).__name__}); pass the leaf it came from")
            if p._data.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating-point tensors, but "
                                f"parameter {i} of the group has dtype {p.dtype}")
        group["params"] = params

        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._validate_group(group)

        seen: set[int] = set()
        for p in params:
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter of shape {p.shape} appears twice in the "
                                 "same parameter group")
            seen.add(id(p))
        named = "param_names" in group
        if self.param_groups and ("param_names" in self.param_groups[0]) != named:
            raise ValueError(f"{name}: all parameter groups should be with names or all without")
        for k, other in enumerate(self.param_groups):
            for p in other["params"]:
                if id(p) in seen:
                    raise ValueError(f"{name}: some parameters appear in more than one "
                                     f"parameter group (one of shape {p.shape} is already in "
                                     f"group {k})")
        self.param_groups.append(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Check a group's options; subclasses extend it. Runs for every group, so a bad value
        given per group is caught as well as a bad default."""
        _check_range(self, group, "lr", 0.0)

    # ------------------------------------------------------------------ steps
    @opaque
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: drop them (``set_to_none=True``) or zero them in place.

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> w = sg.Parameter(sg.ones(2)); (w * 2.0).sum().backward()
        >>> opt = SGD([w]); opt.zero_grad(set_to_none=False); w.grad
        tensor([0., 0.])
        >>> opt.zero_grad(); w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                g.creator = None  # a grad kept with create_graph=True stops being a graph node
                g.requires_grad = False
                if g._data.flags.writeable:
                    g._data.fill(0)
                else:  # e.g. a broadcast view: give the parameter its own zero array
                    p.grad = Tensor._from_data(get_array_module(g._data).zeros_like(g._data))

    @opaque
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        The closure recomputes the loss and its gradients (it runs with autograd enabled).

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> w = sg.Parameter(sg.tensor([1.0]))
        >>> opt = SGD([w], lr=0.25)
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (w * w).sum()
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure).item(), w.item()
        (1.0, 0.5)
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
            for p in group["params"]:  # updated in place: a graph that saved p is now stale
                if p._grad is not None:
                    p._bump_version()
        return loss

    def _replay_zero_grad(self) -> Callable[[], bool] | None:
        """For ``scratchgrad.compile``: ``zero_grad()`` (dropping the gradients) as a loop
        over the parameters, listed once, while ``param_groups`` holds the same lists."""
        groups = [(g, g["params"], len(g["params"])) for g in self.param_groups]
        params = [p for _, ps, _ in groups for p in ps]

        def run() -> bool:
            pg = self.param_groups
            if len(pg) != len(groups):
                return False
            for g, (g0, ps, n) in zip(pg, groups):
                if g is not g0 or g["params"] is not ps or len(ps) != n:
                    return False
            for p in params:
                p._grad = None
            return True
        return run

    def _replay_step(self) -> Callable[[], bool] | None:
        """For ``scratchgrad.compile``: a function that a compiled plan calls instead of
        ``step()``, which updates as ``step()`` would and returns True, or changes nothing and
        returns False (the plan then calls ``step()``). None: the plan calls ``step()``; so
        under ``SCRATCHGRAD_KERNELS=reference`` and for optimizers whose update has no fast
        variant with a replay (:class:`~scratchgrad.optim.Adam`'s has one)."""
        variants = self._variants()
        if variants is None or variants.replay is None:
            return None
        return variants.replay(self)

    def _step_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _step_group(group)")

    def _variants(self) -> Any:
        """The fast variants of this optimizer's ``_update`` while kernels are enabled, else
        None (see :meth:`_update_fn`)."""
        if not kernels.enabled():
            return None
        return _fast().UPDATES.get(getattr(type(self), "_update", None))

    def _update_fn(self, group: dict[str, Any]) -> Callable[..., Any]:
        """The function that updates one parameter of ``group``, called as ``fn(self, x, g,
        ...)`` with the arguments of the optimizer's ``_update``. The one place where an
        update is chosen.

        ``_update`` is the reference: the algorithm on arrays, what a reader follows, and what
        runs under ``SCRATCHGRAD_KERNELS=reference``. Otherwise an update with faster variants
        (scratchgrad/kernels/optim.py, the same values) runs one of them: the fused loop when
        the group's ``fused`` option allows it (True; None, the default, for a group large
        enough to repay loading Numba), else the in-place NumPy one."""
        variants = self._variants()
        if variants is None:
            return type(self)._update
        fused = group.get("fused")  # absent in a group saved before the option existed
        if fused or (fused is None and _fast().worth_it(group["params"])):
            return variants.fused
        return variants.numpy

    def _params_with_grad(self, group: dict[str, Any]) -> Iterable[tuple[Tensor, Any]]:
        """Yield ``(param, gradient array)`` for the group's parameters that have a gradient."""
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            g = g._data
            if g.shape != p._data.shape:
                raise ValueError(f"{type(self).__name__}.step: a parameter of shape "
                                 f"{p._data.shape} has a gradient of shape {g.shape}")
            if g.dtype != p._data.dtype:  # e.g. a hand-set float64 grad: keep state in p's dtype
                g = g.astype(p._data.dtype)
            yield p, g

    def _scratch(self, like: Any, slot: int) -> Any:
        """A scratch array shaped like ``like``, reused across parameters and steps.

        One flat buffer per slot, sized to the largest parameter seen, so a step allocates
        nothing per parameter; the views are contiguous. Not part of the state."""
        key = (slot, like.dtype, type(like))
        flat = self._work.get(key)
        if flat is None or flat.size < like.size:
            flat = get_array_module(like).empty(like.size, dtype=like.dtype)
            self._work[key] = flat
        return flat[:like.size].reshape(like.shape)

    def _grad_with_decay(self, g: Any, x: Any, weight_decay: float, maximize: bool,
                         out: Any, tmp: Any) -> Any:
        """``(-g if maximize else g) + weight_decay * x``; written to ``out`` when it differs
        from ``g``, so the parameter's own ``.grad`` is never modified."""
        xp = get_array_module(x)
        if maximize:
            g = xp.negative(g, out=out)
        if weight_decay != 0:
            xp.multiply(x, weight_decay, out=tmp)
            g = xp.add(g, tmp, out=out)
        return g

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout, as a snapshot of plain values.

        ``{"state": {index: {name: array or float}}, "param_groups": [{options..., "params":
        [indices]}]}``. Parameters are numbered in group order; arrays are NumPy copies, so the
        dict does not change as training goes on.

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> w = sg.Parameter(sg.ones(2)); opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w * 2.0).sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd["state"][0]["momentum_buffer"], sd["param_groups"][0]["params"]
        (array([2., 2.], dtype=float32), [0])
        """
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(group["params"])
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) not in index:
                raise RuntimeError(f"{type(self).__name__}.state_dict: the state holds a "
                                   f"parameter of shape {p.shape} that is in no parameter group")
            state[index[id(p)]] = {k: _snapshot(v) for k, v in s.items()}
        state = dict(sorted(state.items()))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state made by :meth:`state_dict` (ours, or PyTorch's converted to NumPy).

        Parameters are matched by position, group by group; state keys may be ints or strings
        (JSON turns keys into strings). Arrays are copied and cast to each parameter's dtype.
        Everything is checked before anything changes: the group layout, every option against
        the current one (a bool for a bool, a finite number for a number, a pair for a pair,
        then the optimizer's own range checks), every state entry (arrays of the parameter's
        shape and a numeric dtype, step counts integers >= 0, other scalars finite). A bad
        value raises ``ValueError`` / ``TypeError`` naming it, and the optimizer is unchanged.
        Options missing from a saved group take the optimizer's defaults.

        >>> import scratchgrad as sg
        >>> from scratchgrad.optim import SGD
        >>> w = sg.Parameter(sg.ones(2)); opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w * 2.0).sum().backward(); opt.step(); sd = opt.state_dict()
        >>> opt2 = SGD([sg.Parameter(w.detach().clone())], lr=1.0)
        >>> opt2.load_state_dict(sd); opt2.param_groups[0]["lr"]
        0.1
        """
        self._prepare_load_state_dict(state_dict)()

    def _prepare_load_state_dict(self, state_dict: Mapping[str, Any]) -> Callable[[], None]:
        """Check and convert everything :meth:`load_state_dict` would load, changing nothing;
        return the function that installs it (which cannot fail). ``restore_checkpoint``
        prepares the model, the optimizer and the scheduler before it commits any of them."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}: expected a dict with 'state' and 'param_groups', got "
                            f"{type(state_dict).__name__}")
        if "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups', got one "
                             f"with keys {sorted(map(str, state_dict))}")
        groups = self.param_groups
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or \
                not all(isinstance(s, Mapping) for s in saved_groups):
            raise TypeError(f"{name}: 'param_groups' should be a list of dicts, found "
                            f"{show(saved_groups)}")
        if not isinstance(saved_state, Mapping):
            raise TypeError(f"{name}: 'state' should be a dict of parameter index -> state, "
                            f"found {show(saved_state)}")
        if len(groups) != len(saved_groups):
            raise ValueError(f"{name}: the state dict has {len(saved_groups)} "
                             f"parameter group(s) but this optimizer has {len(groups)}")
        id_map: dict[int, Tensor] = {}
        for k, (g, s) in enumerate(zip(groups, saved_groups)):
            indices = s.get("params")
            if not isinstance(indices, (list, tuple)):
                raise ValueError(f"{name}: parameter group {k} of the state dict has no "
                                 f"'params' list (found {show(indices)})")
            if len(g["params"]) != len(indices):
                raise ValueError(f"{name}: parameter group {k} has "
                                 f"{len(indices)} parameter(s) in the state dict but "
                                 f"{len(g['params'])} in this optimizer")
            for j, (i, p) in enumerate(zip(indices, g["params"])):
                i = count(f"{name}: param_groups[{k}]['params'][{j}]", i)
                if i in id_map:
                    raise ValueError(f"{name}: parameter index {i} is listed twice in the "
                                     "state dict's param_groups")
                id_map[i] = p

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        seen: set[int] = set()
        for key, values in saved_state.items():
            index = _state_index(key)
            if index is None or index not in id_map:
                raise ValueError(f"{name}: the state has an entry for parameter "
                                 f"{key!r}, which no parameter group lists (they list "
                                 f"{sorted(id_map)})")
            if index in seen:
                raise ValueError(f"{name}: the state has two entries for parameter {index} "
                                 f"(keys {index!r} and {str(index)!r})")
            seen.add(index)
            if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
                raise TypeError(f"{name}: state[{key!r}] should be a dict of name -> value, "
                                f"found {show(values)}")
            p = id_map[index]
            entry = {k: self._cast_state(p, index, k, v) for k, v in values.items()}
            self._check_state_entry(index, entry)
            state[p] = entry

        new_groups = []
        for k, (g, s) in enumerate(zip(groups, saved_groups)):
            ng = {key: self._cast_option(k, key, v, g.get(key, _ABSENT))
                  for key, v in s.items() if key != "params"}
            for key, default in self.defaults.items():  # options saved before they existed
                ng.setdefault(key, copy.deepcopy(default))
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            try:
                self._validate_group(ng)
            except (TypeError, ValueError) as e:
                raise type(e)(f"{name}: parameter group {k} of the state dict: {e}") from None
            new_groups.append(ng)

        for g in new_groups:  # an entry with some of the state but not all: step() would fail
            need = self._required_state(g)
            for p in g["params"]:
                missing = [k for k in need if state.get(p) and k not in state[p]]
                if missing:
                    index = next(i for i, q in id_map.items() if q is p)
                    raise ValueError(f"{name}: the state of parameter {index} has "
                                     f"{sorted(state[p])} but lacks {missing}")

        def commit() -> None:
            self.state = state
            self.param_groups = new_groups

        return commit

    def _cast_option(self, group: int, key: str, value: Any, current: Any) -> Any:
        """One saved option of a group, checked against the current one (any plain value when
        this optimizer has no such option: PyTorch's ``foreach``, a scheduler's
        ``initial_lr``)."""
        where = f"{type(self).__name__}.load_state_dict: param_groups[{group}][{key!r}]"
        if current is _ABSENT:
            return plain(where, value)
        return like(where, value, current, integer=key in self._int_options)

    def _cast_state(self, p: Tensor, index: int, key: str, value: Any) -> Any:
        """Turn one saved state value into what a step uses, or raise naming it: ``step`` (and
        the other ``_scalar_state`` entries) a float, arrays copies on ``p``'s device in ``p``'s
        dtype and shape."""
        where = f"{type(self).__name__}.load_state_dict: state {key!r} of parameter {index}"
        if key in self._scalar_state:
            if key in self._count_state:
                return float(count(where, value))
            return float(number(where, value))  # a float, a 0-d array, or a torch scalar
        if key not in self._array_state:
            if value is None or isinstance(value, (bool, str)):
                return value
            if isinstance(value, (int, float)):
                return number(where, value)
        return _state_array(where, p, value, p._data.shape)

    # What every started state entry holds (an empty entry is a parameter not stepped yet).
    _state_keys: tuple[str, ...] = ()

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        """The keys a parameter's non-empty state must have under ``group``'s options."""
        return self._state_keys

    def _check_state_entry(self, index: int, entry: dict[str, Any]) -> None:
        """Check one parameter's loaded state as a whole (subclasses: entries that must agree)."""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


_ABSENT = object()  # an option the current group does not have


def _state_index(key: Any) -> int | None:
    """A state key as a parameter index (an int, or a string of one after JSON), else None."""
    if isinstance(key, (bool, np.bool_)):
        return None
    if isinstance(key, (int, np.integer)):
        return int(key)
    if isinstance(key, str) and key.isdigit():
        return int(key)
    return None


def _state_array(where: str, p: Tensor, value: Any, shape: tuple[int, ...],
                 what: str = "the parameter") -> Any:
    """A saved state array as a copy on ``p``'s device in ``p``'s dtype, checked to have a
    numeric dtype and ``shape`` (that of ``what``)."""
    if value is None:
        raise TypeError(f"{where}: expected an array of shape {shape}, found None")
    host = value.get() if hasattr(value, "__cuda_array_interface__") else value
    try:
        array = np.asarray(host)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{where}: expected an array of shape {shape}, found "
                        f"{show(value)} ({e})") from None
    allowed = "biufc" if p._data.dtype.kind == "c" else "biuf"
    if array.dtype.kind not in allowed:
        raise TypeError(f"{where}: expected numbers that cast to {p._data.dtype}, found dtype "
                        f"{array.dtype}")
    if array.shape != shape:
        raise ValueError(f"{where} has shape {array.shape} but {what} has shape {shape}")
    return get_array_module(p._data).array(array, dtype=p._data.dtype, copy=True)


def _snapshot(value: Any) -> Any:
    """A plain copy of a state value: host NumPy arrays, Python scalars as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if hasattr(value, "get") and hasattr(value, "dtype"):  # a CuPy array: copy to the host
        return value.get()
    return copy.deepcopy(value)


def _check_range(opt: Optimizer, group: dict[str, Any], key: str, low: float,
                 high: float | None = None, high_open: bool = False) -> None:
    """Raise a ValueError naming the option when ``group[key]`` is outside [low, high]."""
    value = group[key]
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{type(opt).__name__}: {key} should be a number, got "
                        f"{value!r}") from None
    bad = v < low or (high is not None and (v >= high if high_open else v > high))
    if bad or v != v:
        span = f">= {low}" if high is None else f"in [{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{type(opt).__name__}: invalid {key}: expected a value {span}, "
                         f"got {value!r}")


def _check_betas(opt: Optimizer, group: dict[str, Any]) -> None:
    """Check a group's ``betas``: a pair, each in [0, 1)."""
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{type(opt).__name__}: betas should be a pair (beta1, beta2), "
                         f"got {betas!r}")
    for i, b in enumerate(betas):
        if not 0.0 <= float(b) < 1.0:
            raise ValueError(f"{type(opt).__name__}: invalid beta parameter at index {i}: "
                             f"expected a value in [0, 1), got {b!r}")


def _f32(value: float) -> float:
    """``value`` rounded to float32, as a Python float: PyTorch keeps some scalar state (NAdam's
    ``mu_product``, ASGD's ``eta`` and ``mu``) in float32 tensors, rounding at every update."""
    return float(np.float32(value))


def _fast() -> Any:
    """scratchgrad/kernels/optim.py, the fast variants of the updates, imported at the first
    call: kernels import optim, never the other way round."""
    try:
        return kernels.optim
    except AttributeError:  # not imported yet
        from ..kernels import optim as fast

        return fast


def _check_fused(opt: Optimizer, group: dict[str, Any]) -> None:
    """Check a group's ``fused`` option (None, True or False; True needs Numba)."""
    fused = group.get("fused")
    if fused not in (None, True, False):
        raise TypeError(f"{type(opt).__name__}: fused should be None, True or False, got "
                        f"{fused!r}")
    if fused and not _fast().available():
        raise RuntimeError(f"{type(opt).__name__}(fused=True) needs Numba, which is not "
                           "installed (pip install 'scratchgrad[fast]') or is turned off by "
                           "SCRATCHGRAD_FUSED=0; use fused=None to fall back to NumPy")


def _lerp_(a: Any, b: Any, weight: float, tmp: Any = None) -> Any:
    """``a += weight * (b - a)`` in place, using ``tmp`` as scratch (a new array if None).

    Mirrors PyTorch's lerp, which switches form at ``weight = 0.5`` to stay accurate near 1.
    """
    xp = get_array_module(a)
    tmp = xp.subtract(b, a, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        a += tmp
    else:
        tmp *= 1.0 - weight
        xp.subtract(b, tmp, out=a)
    return a
