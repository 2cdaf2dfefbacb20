"""Tracing: run the function once, eagerly, and write down what it did, call by call.

The tracer is a policy (:mod:`scratchgrad._policy`): it is installed as
``_config._state.policy`` while the user's function runs, and the library reports to it at a
handful of places:

* ``Function.__call__``            -> :meth:`Tracer.call`      (one op's forward)
* the backward engine              -> :meth:`Tracer.backward`, :meth:`Tracer.add`,
                                      :meth:`Tracer.leaf_grad`, :meth:`Tracer.seed`
* in-place Tensor methods, ``.grad = ...`` (``@mutating``)  -> :meth:`Tracer.mutate`
* ``@opaque`` library calls (optimizer and scheduler steps, gradient clipping)
                                   -> :meth:`Tracer.opaque`
* factories and Python scalars     -> :meth:`Tracer.constant`
* ``item()``, ``bool()``, ``numpy()``, random draws outside an op, gradient hooks ->
  :meth:`Tracer.read` / :meth:`Tracer.unrecordable`

Ops never call it: what the tracer must know about an op it reads from the op, ``pure`` and
``shape_depends_on`` (an op whose output shapes depend on values, such as nonzero, is kept only
when those values are constants of the trace).

While the tracer runs a reported call it sets the policy back to ``EAGER``, so the op's own
work (a fused op calling others, a backward rule built from ops) is one node, not many.

Every array met is a *value*. A value comes from an argument of the function, a constant, an
*external* tensor read by reference at each call (parameters, buffers), or a node. Arrays are
known by identity (``id``); a weak reference per array forgets the id when the array is freed
(CPython reuses ids), so tracing keeps nothing alive that eager mode would free.

The trace is also the first call's result: the function really ran. When something can't be
replayed (Python looked at a value, a random draw outside an op, a tensor made from raw data),
the tracer only notes why (``invalid``) and lets the run finish eagerly, so nothing runs twice.
"""
from __future__ import annotations

import sys
import types
import weakref
from typing import Any, Callable

import numpy as np

from .. import _config
from .._policy import EAGER, Policy
from ..autograd import to_leaf, vjp
from ..tensor import Tensor

_state = _config._state


class Node:
    """One step of a trace.

    ``kind``: ``"call"`` (an op's forward: ``fn.forward``), ``"vjp"`` (that op's backward),
    ``"add"`` (two gradients summed by the engine), ``"copy"`` (a gradient seed copied),
    ``"leaf"`` (a gradient handed to a leaf's ``.grad``), ``"mutate"`` (an in-place method or
    ``.grad = ...``), ``"opaque"`` (an ``@opaque`` library call). ``ins`` and ``outs`` are
    value ids (None where a gradient is absent).
    """

    __slots__ = ("kind", "fn", "ins", "outs", "multi", "req", "key", "random", "target",
                 "args", "kwargs", "owned", "attrs", "restore")

    def __init__(self, kind: str, fn: Any, ins: list, outs: list) -> None:
        self.kind = kind
        self.fn = fn
        self.ins = ins
        self.outs = outs
        self.multi = False     # call: forward returned a tuple
        self.req = ()          # call: requires_grad of each input, as traced
        self.key = None        # call: static description for common-subexpression elimination
        self.random = False    # call: drew random numbers
        self.target = None     # leaf / mutate: the Tensor whose .grad / data changes
        self.args = ()         # mutate / opaque: arguments, values marked by _Val
        self.kwargs = {}
        # per output: True for a fresh array that shares memory with nothing (it may be
        # written into), else the ids of the values it may share memory with
        self.owned = ()
        self.attrs = ()        # call: (attribute name, value id or tuple of them) to rebind
        self.restore = {}      # call: attributes forward changed, as they were before it

    def __repr__(self) -> str:
        name = self.fn.__name__ if callable(self.fn) and hasattr(self.fn, "__name__") \
            else type(self.fn).__name__
        return f"<{self.kind} {name} {self.ins} -> {self.outs}>"


class _Val:
    """A tensor argument of a mutate / opaque call, replaced by its value at replay."""

    __slots__ = ("vid",)

    def __init__(self, vid: int) -> None:
        self.vid = vid


class Tracer(Policy):
    """The policy that records: see the module's docstring."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.meta: dict[int, tuple] = {}    # value id -> (shape, dtype) as traced
        self.arrays: list = []              # value id -> weak reference to its array
        self.sources: list[tuple] = []      # per value: ("arg", i) | ("const", a) | ("ext", t)
        self.by_array: dict[int, int] = {}  # id(array) -> value id
        self.refs: dict[int, Any] = {}      # id(array) -> weak reference to it
        self.keep: list = []                # arrays that can't be weakly referenced
        self.const_ids: set[int] = set()    # arrays made from constants during the trace
        self.invalid: str | None = None
        self.modules: dict[int, tuple] = {}  # id -> (module, its training flag)
        self.externals: dict[int, Tensor] = {}  # value id -> tensor read at every call
        self.snapshots: list[tuple] = []    # (tensor, copy of its data at first use)
        self.fn_node: dict[int, int] = {}   # id(Function) -> index of its call node
        self.touched: set[int] = set()      # ids of tensors that mutate/opaque nodes change
        self.versions: dict[int, Tensor] = {}  # value id after an in-place change -> tensor
        self.loose_attrs: list[tuple] = []  # (array, op name, attribute) neither traced nor const

    # ------------------------------------------------------------------ values
    def new_value(self, array: Any, source: tuple) -> int:
        vid = len(self.sources)
        self.sources.append(source)
        self.meta[vid] = (array.shape, array.dtype)
        self.arrays.append(self._watch(array))
        self.by_array[id(array)] = vid
        return vid

    def _watch(self, array: Any) -> Any:
        """A weak reference to ``array`` that makes the tracer forget its id when it dies."""
        key = id(array)
        ref = self.refs.get(key)
        if ref is not None and ref() is array:
            return ref
        try:
            ref = weakref.ref(array, lambda r, k=key: self._forget(k, r))
        except TypeError:  # not weakly referenceable: keep it alive instead
            self.keep.append(array)
            return lambda: array
        self.refs[key] = ref
        return ref

    def _forget(self, key: int, ref: Any) -> None:
        if self.refs.get(key) is ref:
            del self.refs[key]
            self.by_array.pop(key, None)
            self.const_ids.discard(key)

    def value_of(self, t: Tensor) -> int:
        a = t._data
        vid = self.by_array.get(id(a))
        if vid is not None:
            return vid
        if id(a) in self.const_ids:
            return self.new_value(a, ("const", a))
        vid = self.new_value(a, ("ext", None))
        self.sources[vid] = ("ext", vid)
        self.externals[vid] = t
        if t.requires_grad and isinstance(a, np.ndarray):
            self.snapshots.append((t, a.copy()))
        return vid

    def constant(self, array: Any) -> None:
        self.const_ids.add(id(array))
        self._watch(array)

    def _dynamic(self, fn: Any, inputs: tuple) -> None:
        """The op ``fn`` makes a result whose shape depends on the values of some arrays
        (``Function.shape_depends_on``: a boolean mask's count, unique values): a plan has
        fixed shapes, so unless every such array is a constant of the trace the function runs
        eagerly."""
        for a in fn.shape_depends_on(*[x._data for x in inputs]):
            vid = self.by_array.get(id(a))
            if id(a) in self.const_ids or (vid is not None and self.sources[vid][0] == "const"):
                continue
            self.invalidate(f"{type(fn).__name__} gives a result whose shape depends on the "
                            "values (a boolean mask's count, nonzero, unique)")
            return

    def invalidate(self, why: str) -> None:
        if self.invalid is None:
            self.invalid = why

    def unrecordable(self, why: str) -> None:
        self.invalidate(why)

    def read(self, t: Tensor, what: str) -> None:
        vid = self.by_array.get(id(t._data))
        if vid is None and id(t._data) in self.const_ids:
            return  # a constant's value is the same at every call
        if vid is not None and self.sources[vid][0] == "const":
            return
        self.invalidate(f"Python reads a tensor's value ({what}); the value can differ from "
                        "call to call")

    def module(self, m: Any) -> None:
        self.modules[id(m)] = (m, m.training)

    # ------------------------------------------------------------------ forward
    def call(self, fn: Any, inputs: tuple) -> Any:
        ins = [self.value_of(x) for x in inputs]
        self._dynamic(fn, inputs)
        key = _static_key(fn, ins)
        attrs = self._data_attributes(fn)
        before = dict(vars(fn))
        draws = _state.rng_draws
        _state.policy = EAGER
        try:
            out = fn(*inputs)
        finally:
            _state.policy = self
        multi = type(out) is tuple
        outs = out if multi else (out,)
        node = Node("call", fn, ins, [])
        node.multi = multi
        node.req = tuple(x.requires_grad for x in inputs)
        node.random = _state.rng_draws != draws
        node.attrs = attrs
        # A replay runs forward on the same object again: what forward changed (a cache such
        # as Conv2dOp's col) must be as it was, or the second forward would reuse it.
        after = vars(fn)
        node.restore = {k: v for k, v in before.items() if after.get(k, k) is not v}
        node.key = None if node.random or not fn.pure else key
        node.owned = tuple(self._sharing(o._data, ins) for o in outs)
        k = len(self.nodes)
        node.outs = [self.new_value(o._data, ("node", k)) for o in outs]
        self.nodes.append(node)
        self.fn_node[id(fn)] = k
        return out

    def _sharing(self, a: Any, reads: list[int]) -> Any:
        """True if ``a`` is a fresh array sharing memory with none of the values ``reads``
        (found by identity along the ``.base`` chains), else the values it shares with. The
        same code on the same shapes shares alike at every call."""
        chain = _chain(a)
        shares = tuple(v for v in reads if chain & _chain(self.arrays[v]()))
        if not shares and isinstance(a, np.ndarray) and a.flags.owndata:
            return True
        return shares

    def _data_attributes(self, fn: Any) -> tuple:
        """Arrays an op was given as attributes (class targets, embedding indices, index
        arrays) that are values of this trace: a replay sets them to that call's values.
        An attribute that is a view of such a value can't be followed: the trace is invalid."""
        found = []
        for name, a in vars(fn).items():
            if isinstance(a, np.ndarray):
                ref = self._attr_value(a, fn, name)
                if ref is not None:
                    found.append((name, ref))
            elif type(a) is tuple and any(isinstance(v, np.ndarray) for v in a):
                refs = tuple(self._attr_value(v, fn, name) if isinstance(v, np.ndarray)
                             else None for v in a)
                if any(r is not None for r in refs):
                    found.append((name, refs))
        return tuple(found)

    def _attr_value(self, a: np.ndarray, fn: Any, name: str) -> int | None:
        vid = self.by_array.get(id(a))
        if vid is not None:
            return None if self.sources[vid][0] == "const" else vid
        base = a.base
        while base is not None:
            v = self.by_array.get(id(base))
            if v is not None and self.sources[v][0] != "const":
                self.invalidate(f"{type(fn).__name__} keeps a view of a traced value as its "
                                f"attribute {name!r}")
                return None
            base = getattr(base, "base", None)
        if id(a) not in self.const_ids:
            # Neither a value of the trace nor a constant made in it: the array of a tensor
            # that outlives the call (a class-weight tensor: a replay reads the same array), or
            # one computed during the call outside the op library (a mask made with NumPy),
            # which a replay would reuse stale. finish() tells them apart.
            self.loose_attrs.append((a, type(fn).__name__, name))
        return None

    # ------------------------------------------------------------------ backward
    def for_backward(self, create_graph: bool) -> Policy:
        if not create_graph:
            return self
        self.invalidate("backward with create_graph=True (higher-order gradients)")
        return EAGER

    def free_saved(self, fn: Any) -> None:
        """Nothing: a plan runs the same op objects again."""

    def seed(self, gradient: Any, seed: Tensor) -> Tensor:
        if id(seed._data) in self.by_array:
            return seed
        if gradient is None or not isinstance(gradient, Tensor):
            self.constant(seed._data)
            return seed
        src = self.value_of(gradient)
        node = Node("copy", seed._data.dtype, [src], [])
        node.owned = (True,)
        node.outs = [self.new_value(seed._data, ("node", len(self.nodes)))]
        self.nodes.append(node)
        return seed

    def backward(self, fn: Any, gys: list, create_graph: bool = False) -> Any:
        k = self.fn_node.get(id(fn))
        if k is None:
            self.invalidate(f"backward reaches {type(fn).__name__}, an op run before the "
                            "function was called")
            return fn.backward(*gys)
        ins = [None if g is None else self.value_of(g) for g in gys]
        _state.policy = EAGER
        try:
            gxs = vjp(fn, gys)
        finally:
            _state.policy = self
        multi = type(gxs) is tuple
        outs_t = gxs if multi else (gxs,)
        node = Node("vjp", self.nodes[k], ins, [])
        node.multi = multi
        reads = [v for v in ins if v is not None] + self.nodes[k].ins + self.nodes[k].outs
        node.owned = tuple(() if g is None else self._sharing(g._data, reads) for g in outs_t)
        n = len(self.nodes)
        node.outs = [None if g is None else self.new_value(g._data, ("node", n)) for g in outs_t]
        self.nodes.append(node)
        return gxs

    def add(self, a: Tensor, b: Tensor) -> Tensor:
        ins = [self.value_of(a), self.value_of(b)]
        out = Tensor._make(a._data + b._data)
        node = Node("add", None, ins, [])
        node.owned = (True,)
        node.outs = [self.new_value(out._data, ("node", len(self.nodes)))]
        self.nodes.append(node)
        return out

    def leaf_grad(self, x: Tensor, gx: Tensor, create_graph: bool, handed: set) -> None:
        node = Node("leaf", None, [self.value_of(gx)], [])
        _state.policy = EAGER
        try:
            to_leaf(x, gx, False, handed)
        finally:
            _state.policy = self
        node.target = x
        node.outs = [self.new_value(x.grad._data, ("node", len(self.nodes)))]
        self.nodes.append(node)

    # ------------------------------------------------------------------ side effects
    def mutate(self, t: Tensor, method: Callable, args: tuple, kwargs: dict) -> Any:
        """An in-place method of ``t`` (or ``t.grad = value``): replayed by calling it again
        on the value ``t`` has then."""
        target = self.value_of(t)
        margs = tuple(self._mark(a) for a in args)
        _state.policy = EAGER
        try:
            result = method(t, *args, **kwargs)
        finally:
            _state.policy = self
        node = Node("mutate", method, [target] + _vals(margs), [])
        node.target = t
        node.args = margs
        node.kwargs = kwargs
        if getattr(method, "changes_data", True):  # .grad = ... leaves the data alone
            self.touched.add(id(t))
        node.outs = [self.new_value(t._data, ("node", len(self.nodes)))]
        if target in self.externals or target in self.versions:
            self.versions[node.outs[0]] = t  # still that parameter, changed
        self.nodes.append(node)
        return result

    def opaque(self, method: Callable, args: tuple, kwargs: dict) -> Any:
        """A library call recorded as a whole (an optimizer's step): replayed by calling it
        again with the same objects."""
        args = tuple(list(a) if isinstance(a, (types.GeneratorType, map, filter)) else a
                     for a in args)
        margs = tuple(self._mark(a) for a in args)
        mkw = {k: self._mark(v) for k, v in kwargs.items()}
        _state.policy = EAGER
        try:
            result = method(*args, **kwargs)
        finally:
            _state.policy = self
        node = Node("opaque", method, _vals(margs) + _vals(tuple(mkw.values())), [])
        node.args, node.kwargs = margs, mkw
        for a in args:  # what the call may change: an optimizer's parameters
            for group in getattr(a, "param_groups", ()):
                self.touched.update(id(p) for p in group["params"])
        if isinstance(result, Tensor):
            node.outs = [self.new_value(result._data, ("node", len(self.nodes)))]
        elif result is not None and not isinstance(result, (int, float, bool, str)):
            self.invalidate(f"{getattr(method, '__qualname__', method)} returned "
                            f"{type(result).__name__}, which a replay can't rebuild")
        self.nodes.append(node)
        return result

    def _mark(self, a: Any) -> Any:
        if isinstance(a, Tensor):
            return _Val(self.value_of(a))
        if type(a) is tuple and any(isinstance(v, Tensor) for v in a):
            return tuple(_Val(self.value_of(v)) if isinstance(v, Tensor) else v for v in a)
        return a

    # ------------------------------------------------------------------ end
    def finish(self) -> None:
        """Checks that need the whole trace; drops the arrays kept alive while tracing."""
        self.keep = []
        self.arrays = []
        self.refs = {}
        held: dict[int, int] = {}  # id(tensor) -> how often recorded ops hold it as an input
        for node in self.nodes:
            if node.kind == "call":
                for x in getattr(node.fn, "inputs", ()):
                    held[id(x)] = held.get(id(x), 0) + 1
        for x, _ in self.snapshots:
            held[id(x)] = held.get(id(x), 0) + 1
        # A tensor that nobody but the trace holds any more was made during the call. Made by
        # a factory or from a Python number it is a constant; otherwise it was computed from
        # raw arrays, out of the trace's sight, and a replay would reuse a stale value.
        for vid in list(self.externals):
            # the dict's, getrefcount's argument's, and the recorded ops' references
            t = self.externals[vid]
            if sys.getrefcount(t) <= 3 + held.get(id(t), 0) and \
                    id(self.externals[vid]._data) not in self.const_ids:
                self.invalidate(f"an op was given a tensor of shape "
                                f"{self.externals[vid].shape} computed outside the op library "
                                "(from .data or NumPy)")
                break
            del t
        # The same for an op's array attribute: held by nobody but the recorded ops (and this
        # list), it was computed during the call from raw arrays, as a mask x._data > 0 made
        # outside the op library would be.
        counts: dict[int, int] = {}
        for a, _, _ in self.loose_attrs:
            counts[id(a)] = counts.get(id(a), 0) + 1
        for a, op, name in self.loose_attrs:
            # this list's and getrefcount's references, and one per op attribute holding it
            if a.size > 1 and sys.getrefcount(a) <= 2 + 2 * counts[id(a)]:
                self.invalidate(f"{op} was given an array computed outside the op library as "
                                f"its attribute {name!r} (a value the trace can't follow)")
                break
        self.loose_attrs = []
        # A parameter changed in place outside any op or optimizer: e.g. p.data -= lr * g.
        for t, before in self.snapshots:
            if id(t) not in self.touched and not np.array_equal(t._data, before, equal_nan=True):
                self.invalidate(f"a parameter of shape {t.shape} was changed outside the op "
                                "library (e.g. p.data -= ...); use p -= ... under no_grad() "
                                "or an optimizer")
                break
        self.snapshots = []

    def release(self) -> None:
        """Drop the tensors the recorded ops hold from the traced call (a replay sets them
        afresh): the traced step's activations would otherwise stay alive."""
        for node in self.nodes:
            if node.kind == "call":
                node.fn.inputs = ()
                node.fn.outputs = []


def _chain(a: Any) -> set[int]:
    """The ids of an array and of the arrays it is a view of."""
    ids = set()
    while a is not None:
        ids.add(id(a))
        a = getattr(a, "base", None)
    return ids


def _vals(margs: tuple) -> list[int]:
    out = []
    for a in margs:
        if isinstance(a, _Val):
            out.append(a.vid)
        elif type(a) is tuple:
            out.extend(v.vid for v in a if isinstance(v, _Val))
    return out


def _static_key(fn: Any, ins: list[int]) -> Any:
    """What makes two calls of an op interchangeable: its class, its attributes before
    forward (hyperparameters) and its inputs. None when an attribute isn't hashable."""
    try:
        attrs = tuple(sorted(vars(fn).items()))
        hash(attrs)
    except TypeError:
        return None
    return (type(fn), attrs, tuple(ins))
