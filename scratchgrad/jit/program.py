"""A traced function as a program: its optimisation passes and its replay.

A :class:`Program` is the list of nodes a :class:`~scratchgrad.jit.trace.Tracer` wrote down,
rewritten by these passes and then turned into one Python closure per step:

1. **dead-code elimination**: calls whose results nobody uses (and that change nothing) go;
2. **constant folding**: pure calls on constants only are computed once, now;
3. **common-subexpression elimination**: a pure call repeated on the same inputs with the same
   hyperparameters is made once;
4. **max pooling before ReLU**: ``max_pool2d(relu(x))`` runs as ``relu(max_pool2d(x))``
   (the same values and gradients; ReLU on a quarter of the elements);
5. **fused kernels** (``scratchgrad.fused``, when Numba is there): a softmax cross-entropy
   whose backward runs in the same program computes loss and gradient in one loop (adding
   the bias of a Linear before it, and summing that bias's gradient);
   ``relu(linear(x, W, b))`` adds the bias and applies ReLU in one loop after the matrix
   product; ReLU's backward is one loop (summing the Linear's bias gradient too);
6. **memory planning**: each value is dropped right after its last use (including its use by
   the backward of the op that read it), and an elementwise op or a gradient sum whose input
   dies there and that nobody else can see writes its result into that input (``out=``): a
   chain of elementwise ops then runs in one buffer, which is this NumPy compiler's fusion.

The replay calls each op's ``forward`` on arrays. The backward of an op calls its rule with
recording off on light wrappers of the arrays (Linear's: ``Linear.grads`` on the arrays);
nothing is recorded for autograd, no heap, no Module calls, no checks already passed by the
trace. An optimizer's ``step()`` and ``zero_grad()`` run through its ``_replay_*`` functions
when it has them (Adam's calls its kernel directly).
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

import numpy as np

from .. import _config
from ..kernels import numba_cpu as _fused
from ..kernels.numpy_nn import linear_grads as _linear_grads
from ..autograd import to_leaf, vjp
from ..kernels import _BACKWARD, _FORWARD
from ..ops import arithmetic as _ar
from ..ops import conv as _conv
from ..ops import elementwise as _el
from ..ops import nn as _nn
from ..tensor import Tensor
from .trace import Node, Tracer, _Val

_state = _config._state


# Ops that may write their result into a dying input: the op's class -> the very ufunc its
# forward calls, given out=. Only ops whose forward is that one ufunc, so the results can't
# drift from eager mode's.
_UNARY: dict[type, Callable] = {
    _el.Exp: np.exp, _el.Log: np.log, _el.Log1p: np.log1p, _el.Sqrt: np.sqrt,
    _el.Sin: np.sin, _el.Cos: np.cos, _el.Tanh: np.tanh, _ar.Neg: np.negative,
    _el.ReLU: lambda x, out: np.maximum(x, 0, out=out),
}
_BINARY: dict[type, Callable] = {
    _ar.Add: np.add, _ar.Sub: np.subtract, _ar.Mul: np.multiply, _ar.Div: np.divide,
}


# Logits (rows x classes) up to which the compiler fuses a cross-entropy with its gradient: the
# kernel's scalar exp is slower per element than NumPy's vectorised pass, so past some 100k
# elements the op's ten calls win (the measurements: docs/performance.md, "the compiler's own
# kernels").
_FUSED_LOSS_MAX = 1 << 16


def _forward_of(fn: Any) -> Callable[..., Any]:
    """What a replay calls for ``fn``'s forward: the dispatch point (``run_forward``) for an op
    with kernels, else its own ``forward`` directly (one call less per op and replay)."""
    return fn.run_forward if type(fn) in _FORWARD else fn.forward


class Program:
    """The optimised plan of one traced signature, and how to run it."""

    def __init__(self, tracer: Tracer, arg_vids: list[int], out_template: Any,
                 meta: dict[int, tuple], arg_ids: dict[int, int]) -> None:
        self.nodes: list[Node] = list(tracer.nodes)
        self.sources = tracer.sources
        self.externals = tracer.externals
        self.versions = tracer.versions
        self.arg_vids = arg_vids
        self.arg_pos = {v: i for i, v in enumerate(arg_vids)}  # value id -> argument index
        self.arg_ids = arg_ids  # id(tensor argument at trace time) -> argument index
        self.out_template = out_template
        self.meta = meta  # value id -> (shape, dtype) as traced
        self.outputs = set(_template_vids(out_template))
        self.stats = {"traced": len(self.nodes)}
        self._alias: dict[int, int] = {}
        self._eliminate_dead_code()
        self._fold_constants()
        self._eliminate_common_subexpressions()
        self._pool_before_relu()
        self._eliminate_dead_code()
        self.stats["kept"] = len(self.nodes)
        # id(backward of a Linear) -> a slot where a kernel before it leaves the bias gradient
        # (and id(that kernel's node) -> the same slot)
        self._bias_grads: dict[int, list] = {}
        self._fuse_losses()
        self._fuse_linear_relu()
        self._plan_memory()
        self._build()

    # ------------------------------------------------------------------ helpers
    def _reads(self, node: Node) -> list[int]:
        """Every value a node reads, the forward values its backward rule uses included."""
        vals = [v for v in node.ins if v is not None]
        for _, ref in node.attrs:
            vals += [ref] if type(ref) is int else [r for r in ref if r is not None]
        if node.kind == "vjp":
            vals += node.fn.ins + node.fn.outs
        return vals

    def _effectful(self, node: Node) -> bool:
        if node.kind in ("leaf", "mutate", "opaque"):
            return True
        return node.kind == "call" and (node.random or not node.fn.pure)

    def _resolve(self, v: Any) -> Any:
        while v in self._alias:
            v = self._alias[v]
        return v

    # ------------------------------------------------------------------ passes
    def _eliminate_dead_code(self) -> None:
        live = set(self.outputs)
        keep: list[Node] = []
        needed: set[int] = set()  # ids of call nodes whose backward runs
        for node in reversed(self.nodes):
            used = self._effectful(node) or id(node) in needed or \
                any(v in live for v in node.outs if v is not None)
            if not used:
                continue
            keep.append(node)
            live.update(self._reads(node))
            if node.kind == "vjp":
                needed.add(id(node.fn))
        keep.reverse()
        self.stats.setdefault("dead", 0)
        self.stats["dead"] += len(self.nodes) - len(keep)
        self.nodes = keep

    def _fold_constants(self) -> None:
        has_vjp = {id(n.fn) for n in self.nodes if n.kind == "vjp"}
        mutated = {n.ins[0] for n in self.nodes if n.kind == "mutate"}
        kept, folded = [], 0
        for node in self.nodes:
            if (node.kind == "call" and node.key is not None and id(node) not in has_vjp
                    and not node.attrs and node.ins and all(self.sources[v][0] == "const" and v not in mutated
                                         for v in node.ins)):
                ys = node.fn.run_forward(*[self.sources[v][1] for v in node.ins])
                ys = ys if node.multi else (ys,)
                for v, y in zip(node.outs, ys):
                    self.sources[v] = ("const", np.asarray(y) if isinstance(y, np.generic) else y)
                folded += 1
                continue
            kept.append(node)
        self.stats["folded"] = folded
        self.nodes = kept

    def _eliminate_common_subexpressions(self) -> None:
        seen: dict[Any, Node] = {}
        replaced: dict[int, Node] = {}  # id(dropped call) -> the call kept instead
        kept, merged = [], 0
        has_mutation = any(n.kind == "mutate" and self.sources[n.ins[0]][0] != "ext"
                           for n in self.nodes)
        for node in self.nodes:
            node.ins = [None if v is None else self._resolve(v) for v in node.ins]
            node.attrs = tuple((name, self._resolve(r) if type(r) is int else
                                tuple(None if x is None else self._resolve(x) for x in r))
                               for name, r in node.attrs)
            if node.kind == "vjp" and id(node.fn) in replaced:
                node.fn = replaced[id(node.fn)]
            if node.kind == "call" and node.key is not None and not has_mutation:
                key = node.key[:2] + (tuple(node.ins),)
                first = seen.get(key)
                if first is not None and len(first.outs) == len(node.outs):
                    for a, b in zip(node.outs, first.outs):
                        self._alias[a] = b
                    replaced[id(node)] = first
                    merged += 1
                    continue
                seen[key] = node
            kept.append(node)
        self.outputs = {self._resolve(v) for v in self.outputs}
        self.out_template = _map_template(self.out_template, self._resolve)
        self.stats["merged"] = merged
        self.nodes = kept

    def _pool_before_relu(self) -> None:
        """``max_pool2d(relu(x))`` becomes ``relu(max_pool2d(x))``, backward rules swapped
        alike: the same values (max commutes with the monotone ReLU) and the same gradients
        (where a window's maximum is positive both pick the same element; where it is not, ReLU
        gives no gradient either way), with ReLU's passes over a quarter of the elements for a
        2x2 pool. Done when the ReLU's result feeds only that pool."""
        readers = self._readers()
        vjp = {id(n.fn): n for n in self.nodes if n.kind == "vjp"}
        swapped = 0
        for i, relu in enumerate(self.nodes):
            if relu.kind != "call" or type(relu.fn) is not _el.ReLU or relu.attrs:
                continue
            r = relu.outs[0]
            users = [n for n in readers.get(r, []) if n.kind == "call"]
            if len(users) != 1 or r in self.outputs:
                continue
            pool = users[0]
            if type(pool.fn) is not _conv.MaxPool2dOp or pool.ins != [r] or pool.attrs:
                continue
            v_relu, v_pool = vjp.get(id(relu)), vjp.get(id(pool))
            expected = {id(pool)} | {id(n) for n in (v_relu, v_pool) if n is not None}
            if (v_relu is None) != (v_pool is None) or \
                    {id(n) for n in readers[r]} != expected:
                continue
            x, p = relu.ins[0], pool.outs[0]
            j = self.nodes.index(pool)
            pool.ins, pool.outs = [x], [r]      # r now names the pooled x
            relu.ins, relu.outs = [r], [p]
            self.nodes[i], self.nodes[j] = pool, relu
            self.meta[r] = self.meta[p]
            if v_relu is not None:              # gp -> relu's rule -> g_r -> pool's rule -> gx
                (gp,), (g_r,) = v_pool.ins, v_pool.outs
                (gx,) = v_relu.outs
                v_relu.ins, v_relu.outs, v_relu.owned = [gp], [g_r], ((),)
                v_pool.ins, v_pool.outs, v_pool.owned = [g_r], [gx], ((),)
                a, b = self.nodes.index(v_pool), self.nodes.index(v_relu)
                self.nodes[a], self.nodes[b] = v_relu, v_pool
                self.meta[g_r] = self.meta[gp]
            swapped += 1
        self.stats["pool_before_relu"] = swapped

    def _fuse_losses(self) -> None:
        """Pick the softmax cross-entropies whose forward and backward can run as one
        compiled loop (``fused.cross_entropy_with_grad``): class-index targets without class
        weights or label smoothing, a mean or a sum, 2-D float logits, and a backward in this
        program. Eager mode can't do this: it runs the forward without knowing whether a
        backward will follow. Compiled, the kernel is used at every size (a compiled function
        is a hot loop: loading Numba, once, pays), up to ``_FUSED_LOSS_MAX`` logits."""
        # id(call node) -> [gradient, its scale, the upstream gradient when the plan knows it
        # (then the kernel scales), the bias a Linear before left to the kernel (at replay),
        # the slot for that bias's gradient or None]
        self._loss_slots: dict[int, list] = {}
        self._linear_loss: dict[int, list] = {}  # id(Linear call) -> its loss's slot
        vjp = {id(n.fn): n for n in self.nodes if n.kind == "vjp"}
        n_vjps: dict[int, int] = {}
        for n in self.nodes:
            if n.kind == "vjp":
                n_vjps[id(n.fn)] = n_vjps.get(id(n.fn), 0) + 1
        readers = self._readers()
        made_by = {n.outs[0]: n for n in self.nodes if n.kind == "call" and len(n.outs) == 1}
        mutated = {n.ins[0] for n in self.nodes if n.kind == "mutate"}
        for node in self.nodes:
            fn = node.fn
            # exactly one backward: a second (backward(retain_graph=True) twice) would need
            # the op's own forward state, which the fused step does not make
            if (node.kind != "call" or type(fn) is not _nn.CrossEntropy
                    or n_vjps.get(id(node)) != 1):
                continue
            z = node.ins[0]
            shape, dtype = self.meta.get(z, ((), None))
            if not (fn.weight is None and fn.eps == 0 and fn.reduction in ("mean", "sum")
                    and len(shape) == 2 and shape[1] > 0 and dtype in (np.float32, np.float64)
                    and shape[0] * shape[1] <= _FUSED_LOSS_MAX
                    and dict(node.attrs).keys() == {"target"} and _fused.available()):
                continue
            # The upstream gradient when the plan knows it (loss.backward(): a constant
            # seed): the kernel then hands over the final gradient, and the backward step has
            # nothing left to compute.
            v_loss = vjp[id(node)]
            src = self.sources[v_loss.ins[0]]
            upstream = float(src[1]) if (src[0] == "const" and np.size(src[1]) == 1
                                         and v_loss.ins[0] not in mutated) else None
            slot = self._loss_slots[id(node)] = [None, 0.0, upstream, None, None]
            # A Linear whose logits only the loss reads leaves its bias to the kernel, and,
            # when the loss's gradient feeds only that Linear's backward, the kernel sums the
            # bias's gradient too.
            lin = made_by.get(z)
            if (lin is None or type(lin.fn) is not _nn.Linear or len(lin.ins) != 3 or lin.attrs
                    or lin.restore or z in self.outputs):
                continue
            v_lin = vjp.get(id(lin))
            allowed = {id(n) for n in (node, v_loss, v_lin) if n is not None}
            if not all(id(n) in allowed for n in readers[z]):
                continue
            self._linear_loss[id(lin)] = slot
            if (upstream is not None and v_lin is not None and lin.req[2]
                    and v_lin.outs[2] is not None and v_lin.ins == v_loss.outs
                    and len(readers.get(v_loss.outs[0], [])) == 1):
                slot[4] = self._bias_grads[id(v_lin)] = [None]
        self.stats["fused_losses"] = len(self._loss_slots)
        self.stats["linear_loss"] = len(self._linear_loss)

    def _readers(self) -> dict[int, list[Node]]:
        """value id -> the nodes that read it (backward rules' reads included)"""
        readers: dict[int, list[Node]] = {}
        for node in self.nodes:
            for v in self._reads(node):
                readers.setdefault(v, []).append(node)
        return readers

    def _fuse_linear_relu(self) -> None:
        """Pick ``relu(linear(x, W, b))`` pairs whose pre-activation ``h`` nobody else reads
        (Linear's backward does not use its output; ReLU's reads ``h``), to run as the matrix
        product then one loop for the bias and ReLU; and every ReLU backward, to run as one
        loop (``fused.bias_relu``, ``fused.relu_grad``)."""
        self._linear_relu: dict[int, Node] = {}  # id(Linear call) -> its ReLU call
        self._relu_done: set[int] = set()         # ids of ReLU calls their Linear's step does
        self._relu_grads: set[int] = set()        # ids of ReLU backward nodes
        if _fused.available():
            readers = self._readers()
            vjp = {id(n.fn): n for n in self.nodes if n.kind == "vjp"}
            for lin in self.nodes:
                if (lin.kind != "call" or type(lin.fn) is not _nn.Linear or len(lin.ins) != 3
                        or lin.attrs or lin.restore or lin.outs[0] in self.outputs):
                    continue
                h = lin.outs[0]
                shape, dtype = self.meta.get(h, ((), None))
                users = [n for n in readers.get(h, []) if n.kind == "call"]
                if len(shape) != 2 or dtype not in (np.float32, np.float64) or len(users) != 1:
                    continue
                relu = users[0]
                if type(relu.fn) is not _el.ReLU or relu.attrs or relu.restore:
                    continue
                allowed = {id(n) for n in (relu, vjp.get(id(relu)), vjp.get(id(lin)))
                           if n is not None}
                if all(id(n) in allowed for n in readers[h]):
                    self._linear_relu[id(lin)] = relu
                    self._relu_done.add(id(relu))
                    v_relu, v_lin = vjp.get(id(relu)), vjp.get(id(lin))
                    if (v_relu is not None and v_lin is not None and lin.req[2]
                            and v_lin.outs[2] is not None and v_lin.ins == v_relu.outs
                            and len(readers.get(v_relu.outs[0], [])) == 1):
                        # ReLU's gradient feeds only this Linear's backward: the ReLU kernel
                        # also sums it into the bias gradient
                        self._bias_grads[id(v_relu)] = self._bias_grads[id(v_lin)] = [None]
            self._relu_grads = {id(n) for n in self.nodes
                                if n.kind == "vjp" and type(n.fn.fn) is _el.ReLU}
        self.stats["linear_relu"] = len(self._linear_relu)
        self.stats["bias_grads"] = len({id(slot) for slot in self._bias_grads.values()})
        self.stats["relu_grads"] = len(self._relu_grads)

    def _plan_memory(self) -> None:
        """Last use of each value, and which steps may write into a dying input."""
        last: dict[int, int] = {}
        for i, node in enumerate(self.nodes):
            for v in self._reads(node):
                last[v] = i
        # A result that may share memory with an input (a view, a gradient that is the
        # upstream one) keeps that input's buffer in use as long as the result lives.
        shares: dict[int, list[int]] = {}
        escaped: set[int] = set(self.outputs)
        owned: set[int] = set()
        for node in self.nodes:
            for v, own in zip(node.outs, node.owned or ((),) * len(node.outs)):
                if v is None:
                    continue
                if own is True:
                    owned.add(v)
                elif own:
                    shares[v] = [self._resolve(w) for w in own]
            if node.kind in ("leaf", "mutate", "opaque"):
                escaped.update(self._reads(node))
        for v in sorted(shares, reverse=True):  # later values first: chains propagate back
            end = last.get(v, -1)
            for w in shares[v]:
                if last.get(w, -1) < end:
                    last[w] = end
        frees: list[list[int]] = [[] for _ in self.nodes]
        for v, i in last.items():
            if v not in self.outputs:
                frees[i].append(v)
        self.frees = frees
        has_vjp = {id(n.fn) for n in self.nodes if n.kind == "vjp"}
        self.inplace: dict[int, int] = {}  # node index -> position of the input to overwrite
        for i, node in enumerate(self.nodes):
            elementwise = (node.kind == "call" and id(node) not in has_vjp
                           and (type(node.fn) in _UNARY or type(node.fn) in _BINARY))
            if node.kind != "add" and not elementwise:
                continue
            out_meta = self.meta.get(node.outs[0])
            for pos, v in enumerate(node.ins):
                if (v in owned and v not in escaped and last.get(v) == i
                        and self.meta.get(v) == out_meta and node.ins.count(v) == 1):
                    self.inplace[i] = pos
                    break
        self.stats["in_place"] = len(self.inplace)

    # ------------------------------------------------------------------ replay
    def _build(self) -> None:
        n_vals = len(self.sources)
        template: list[Any] = [None] * n_vals
        self.fresh: list[tuple[int, np.ndarray]] = []   # constants a call mutates: copied
        mutated = {n.ins[0] for n in self.nodes if n.kind == "mutate"}
        for v, src in enumerate(self.sources):
            if src[0] == "const":
                if v in mutated:
                    self.fresh.append((v, src[1]))
                else:
                    template[v] = src[1]
        self.template = template
        self.ext_loads = [(v, t) for v, t in self.externals.items()]
        self._ctx: dict[int, tuple] = {}  # id(forward node) -> tensors its backward reads
        self.steps = [self._step(i, node) for i, node in enumerate(self.nodes)]

    def _arg(self, a: Any, env: list) -> Any:
        if isinstance(a, _Val):
            return self._tensor(a.vid, env)
        if type(a) is tuple:
            return tuple(self._arg(v, env) for v in a)
        return a

    def _tensor(self, vid: int, env: list) -> Tensor:
        """The tensor behind a value: a parameter itself, this call's argument, or a
        wrapper of an intermediate array."""
        ext = self.externals.get(vid)
        if ext is None:
            ext = self.versions.get(vid)
        if ext is not None:
            return ext
        pos = self.arg_pos.get(vid)
        return env[-2][pos] if pos is not None else Tensor._make(env[vid])

    def _step(self, i: int, node: Node) -> Callable[[list], None]:
        frees = self.frees[i]
        ins, outs = node.ins, node.outs
        kind = node.kind
        if kind == "call":
            if id(node) in self._loss_slots:
                return self._fused_loss_step(i, node, frees)
            if id(node) in self._linear_relu:
                return self._linear_relu_step(i, node, frees)
            if id(node) in self._linear_loss:
                return self._linear_loss_step(i, node, frees)
            if id(node) in self._relu_done:  # done by its Linear's step
                def step(env: list) -> None:
                    for v in frees:
                        env[v] = None
                return step
            return self._call_step(i, node, frees)
        if kind == "vjp":
            if id(node.fn) in self._loss_slots:
                return self._fused_loss_grad_step(node, frees)
            if id(node) in self._relu_grads:
                return self._relu_grad_step(node, frees)
            if type(node.fn.fn) is _nn.Linear and node.ins[0] is not None:
                return self._linear_grad_step(node, frees)
            return self._vjp_step(node, frees)
        if kind == "add":
            a, b = ins
            (o,) = outs
            if i in self.inplace:
                x, y = (a, b) if self.inplace[i] == 0 else (b, a)

                def step(env: list) -> None:
                    env[o] = np.add(env[x], env[y], out=env[x])
                    for v in frees:
                        env[v] = None
            else:
                def step(env: list) -> None:
                    env[o] = env[a] + env[b]
                    for v in frees:
                        env[v] = None
            return step
        if kind == "copy":
            (a,), (o,), dtype = ins, outs, node.fn

            def step(env: list) -> None:
                env[o] = env[a].astype(dtype, copy=True)
                for v in frees:
                    env[v] = None
            return step
        if kind == "leaf":
            (a,), (o,), x = ins, outs, node.target
            pos = self.arg_ids.get(id(x))
            if pos is not None:  # a gradient for a tensor argument: this call's argument
                def step(env: list) -> None:
                    t = env[-2][pos]
                    to_leaf(t, Tensor._make(env[a]), False, env[-1])
                    env[o] = t.grad._data
                    for v in frees:
                        env[v] = None
                return step

            def step(env: list) -> None:
                d = env[a]
                # to_leaf's common case inline: the first gradient, an array of its own
                if x._grad is None and d.base is None and d.flags.writeable and \
                        id(d) not in env[-1]:
                    env[-1].add(id(d))
                    x._grad = Tensor._make(d)
                    env[o] = d
                else:
                    to_leaf(x, Tensor._make(d), False, env[-1])
                    env[o] = x._grad._data
                for v in frees:
                    env[v] = None
            return step
        if kind == "mutate":
            target, method, args, kwargs = ins[0], node.fn, node.args, node.kwargs
            (o,) = outs

            def step(env: list) -> None:
                t = self._tensor(target, env)
                method(t, *[self._arg(a, env) for a in args], **kwargs)
                env[o] = t._data
                for v in frees:
                    env[v] = None
            return step
        # opaque
        method, args, kwargs = node.fn, node.args, node.kwargs
        o = outs[0] if outs else None
        replay = _replay_step(method, args, kwargs)
        if replay is not None:  # an optimizer's step or zero_grad, with its own fast replay
            opt = args[0]

            def step(env: list) -> None:
                if not replay():
                    method(opt)
                for v in frees:
                    env[v] = None
            return step

        def step(env: list) -> None:
            result = method(*[self._arg(a, env) for a in args],
                            **{k: self._arg(v, env) for k, v in kwargs.items()})
            if o is not None:
                env[o] = result._data
            for v in frees:
                env[v] = None
        return step

    def _call_step(self, i: int, node: Node, frees: list[int]) -> Callable[[list], None]:
        step = self._plain_call_step(i, node, frees)
        if node.restore:
            inner, state, d = step, node.restore, vars(node.fn)

            def step(env: list) -> None:
                d.update(state)
                inner(env)
        if not node.attrs:
            return step
        fn, attrs = node.fn, [(name, ref if type(ref) is int else tuple(ref))
                              for name, ref in node.attrs]

        def rebinding_step(env: list) -> None:
            for name, ref in attrs:
                if type(ref) is int:
                    setattr(fn, name, env[ref])
                else:
                    old = getattr(fn, name)
                    setattr(fn, name, tuple(o if r is None else env[r]
                                            for o, r in zip(old, ref)))
            step(env)
        return rebinding_step

    def _plain_call_step(self, i: int, node: Node, frees: list[int]) -> Callable[[list], None]:
        fn, ins, outs, multi = node.fn, node.ins, node.outs, node.multi
        forward = _forward_of(fn)
        if i in self.inplace:
            pos = self.inplace[i]
            o = outs[0]
            kernel = _UNARY.get(type(fn))
            if kernel is not None:
                (a,) = ins

                def step(env: list) -> None:
                    env[o] = kernel(env[a], out=env[a])
                    for v in frees:
                        env[v] = None
                return step
            kernel = _BINARY[type(fn)]
            a, b = ins
            dst = ins[pos]

            def step(env: list) -> None:
                env[o] = kernel(env[a], env[b], out=env[dst])
                for v in frees:
                    env[v] = None
            return step
        if not multi:
            o = outs[0]
            if len(ins) == 1:
                (a,) = ins

                def step(env: list) -> None:
                    y = forward(env[a])
                    env[o] = np.asarray(y) if type(y) is not np.ndarray else y
                    for v in frees:
                        env[v] = None
                return step
            if len(ins) == 2:
                a, b = ins

                def step(env: list) -> None:
                    y = forward(env[a], env[b])
                    env[o] = np.asarray(y) if type(y) is not np.ndarray else y
                    for v in frees:
                        env[v] = None
                return step

        def step(env: list) -> None:
            ys = forward(*[env[v] for v in ins])
            ys = ys if multi else (ys,)
            for v, y in zip(outs, ys):
                env[v] = np.asarray(y) if type(y) is not np.ndarray else y
            for v in frees:
                env[v] = None
        return step

    def _fused_loss_step(self, i: int, node: Node, frees: list[int]) -> Callable[[list], None]:
        """A cross-entropy's forward that also computes its gradient, kept in the node's
        slot for :meth:`_fused_loss_grad_step`. Arrays of another module (CuPy) take the op's
        own step."""
        slot, fn, eager = self._loss_slots[id(node)], node.fn, self._call_step(i, node, frees)
        (x_v,), (o,), t_v = node.ins, node.outs, dict(node.attrs)["target"]
        ignore_index, mean, upstream = fn.ignore_index, fn.reduction == "mean", slot[2]
        bias_grad = slot[4]

        def step(env: list) -> None:
            x, bias = env[x_v], slot[3]
            slot[3] = None
            if type(x) is not np.ndarray:
                slot[0] = None
                eager(env)
                return
            gb = None if bias_grad is None else np.empty(x.shape[1], x.dtype)
            total, count, grad, bad = _fused.cross_entropy_with_grad(
                x, env[t_v], ignore_index, upstream, mean, bias, gb)
            if bad >= 0:
                raise _nn.target_error("cross_entropy", int(env[t_v][bad]), x.shape[1])
            slot[0] = grad
            if gb is not None:
                bias_grad[0] = gb
            if not mean:
                slot[1] = 1.0
            elif count:
                slot[1], total = 1.0 / count, total / count
            else:  # every target ignored: nan, and no gradient, as the op
                slot[1], total = 0.0, float("nan")
            env[o] = np.array(total, x.dtype)
            for v in frees:
                env[v] = None
        return step

    def _fused_loss_grad_step(self, node: Node, frees: list[int]) -> Callable[[list], None]:
        """The backward of a fused cross-entropy: its gradient times the upstream one."""
        slot, eager = self._loss_slots[id(node.fn)], self._vjp_step(node, frees)
        (gy,), (o,) = node.ins, node.outs

        def step(env: list) -> None:
            grad = slot[0]
            if grad is None:
                eager(env)
                return
            slot[0] = None
            env[o] = grad if slot[2] is not None else np.multiply(grad, env[gy] * slot[1],
                                                                  out=grad)
            for v in frees:
                env[v] = None
        return step

    def _linear_relu_step(self, i: int, node: Node, frees: list[int]) -> Callable[[list], None]:
        """Linear's forward without the bias (the matrix product), then the bias and the
        ReLU in one loop; the ReLU's own step only frees. Other arrays (CuPy, a bias of
        another dtype) take the ops' own arithmetic."""
        relu = self._linear_relu[id(node)]
        (x, w, b), (h_v,), (y_v,) = node.ins, node.outs, relu.outs
        forward, relu_forward = _forward_of(node.fn), _forward_of(relu.fn)
        # Without backward rules reading h, ReLU may overwrite it (as the in-place planning
        # would do for the plain ReLU step).
        in_place = not any(n.kind == "vjp" and n.fn in (node, relu) for n in self.nodes)

        def step(env: list) -> None:
            h, bias = forward(env[x], env[w]), env[b]
            if (type(h) is np.ndarray and type(bias) is np.ndarray and bias.dtype == h.dtype
                    and h.dtype in (np.float32, np.float64) and h.flags.c_contiguous
                    and bias.flags.c_contiguous):
                y = h if in_place else np.empty_like(h)
                _fused.bias_relu(h, bias, y)
            else:
                h += bias
                y = relu_forward(h)
            env[h_v], env[y_v] = h, y
            for v in frees:
                env[v] = None
        return step

    def _linear_grad_step(self, node: Node, frees: list[int]) -> Callable[[list], None]:
        """Linear's backward on the arrays (``Linear.grads``, which its rule calls too),
        without the wrappers a generic backward step sets up."""
        fwd = node.fn
        (gy,), outs, (x, w) = node.ins, node.outs, fwd.ins[:2]
        need = tuple(bool(r) and o is not None for r, o in zip(fwd.req, outs))
        grads = _linear_grads
        pairs = [(i, v) for i, v in enumerate(outs) if v is not None and need[i]]
        slot = self._bias_grads.get(id(node))
        if slot is not None:  # the bias gradient may come from the ReLU kernel
            need_wo_b, b_out = need[:2] + (False,), outs[2]

            def step(env: list) -> None:
                gb = slot[0]
                if gb is None:
                    gs = grads(env[gy], env[x], env[w], need)
                else:
                    slot[0] = None
                    gs = grads(env[gy], env[x], env[w], need_wo_b)
                for i, v in pairs:
                    env[v] = gs[i]
                if gb is not None:
                    env[b_out] = gb
                for v in frees:
                    env[v] = None
            return step

        def step(env: list) -> None:
            gs = grads(env[gy], env[x], env[w], need)
            for i, v in pairs:
                env[v] = gs[i]
            for v in frees:
                env[v] = None
        return step

    def _linear_loss_step(self, i: int, node: Node, frees: list[int]) -> Callable[[list], None]:
        """Linear's forward without the bias, which the fused loss after it adds; other
        arrays (CuPy, a bias of another dtype) get it added here, as Linear does."""
        slot, forward = self._linear_loss[id(node)], _forward_of(node.fn)
        (x, w, b), (h_v,) = node.ins, node.outs

        def step(env: list) -> None:
            h, bias = forward(env[x], env[w]), env[b]
            if (type(h) is np.ndarray and type(bias) is np.ndarray and bias.dtype == h.dtype
                    and bias.ndim == 1 and h.dtype in (np.float32, np.float64)):
                slot[3] = bias
            else:
                h += bias
                slot[3] = None
            env[h_v] = h
            for v in frees:
                env[v] = None
        return step

    def _relu_grad_step(self, node: Node, frees: list[int]) -> Callable[[list], None]:
        """ReLU's backward ``where(x <= 0, 0, gy)`` as one loop; the op's rule for other
        arrays."""
        eager = self._vjp_step(node, frees)
        (gy,), (o,), x_v = node.ins, node.outs, node.fn.ins[0]
        slot = self._bias_grads.get(id(node))

        def step(env: list) -> None:
            g, x = env[gy], env[x_v]
            if (type(g) is np.ndarray and type(x) is np.ndarray and g.dtype == x.dtype
                    and g.shape == x.shape and x.dtype in (np.float32, np.float64)
                    and g.flags.c_contiguous and x.flags.c_contiguous):
                if slot is not None and g.shape[0]:
                    env[o], slot[0] = _fused.relu_grad_colsum(g, x)
                else:
                    env[o] = _fused.relu_grad(g, x)
                for v in frees:
                    env[v] = None
            else:
                eager(env)
        return step

    def _vjp_step(self, node: Node, frees: list[int]) -> Callable[[list], None]:
        """A backward rule, run on tensors made once (at build time) whose ``._data`` is set
        to this call's arrays, and emptied again afterwards so nothing outlives the step."""
        fwd = node.fn
        fn = fwd.fn
        if id(fwd) not in self._ctx:  # the op's own inputs and outputs, shared by its vjps
            xs = [Tensor._make(None, r) for r in fwd.req]
            ys = [Tensor._make(None) for _ in fwd.outs]
            self._ctx[id(fwd)] = (tuple(xs), list(zip(xs, fwd.ins)), ys,
                                  [weakref.ref(y) for y in ys], list(zip(ys, fwd.outs)))
        inputs, in_pairs, ys, out_refs, out_pairs = self._ctx[id(fwd)]
        gys = [None if v is None else Tensor._make(None) for v in node.ins]
        gy_pairs = [(t, v) for t, v in zip(gys, node.ins) if v is not None]
        pairs = in_pairs + out_pairs + gy_pairs
        outs, multi = node.outs, node.multi
        dispatched = type(fn) in _BACKWARD  # else the op's own backward, one call less

        def step(env: list) -> None:
            for t, v in pairs:
                t._data = env[v]
            fn.inputs = inputs
            fn.outputs = out_refs
            gxs = vjp(fn, gys) if dispatched else fn.backward(*gys)
            if not multi:
                gxs = (gxs,)
            for v, g in zip(outs, gxs):
                if v is not None:
                    env[v] = g._data
            for t, _ in pairs:
                t._data = None
            fn.inputs = ()
            for v in frees:
                env[v] = None
        step.keep = ys  # the output tensors fn.outputs points to (weakly)
        return step

    # ------------------------------------------------------------------ pictures
    def to_graph(self) -> Any:
        """The optimised plan as a :class:`scratchgrad.graph.Graph`, for pictures
        (``scratchgrad.graph.plot_graph``): arguments are placeholders, parameters variables,
        backward steps dashed ``<Op>Grad`` boxes, library calls ``Apply...`` boxes."""
        from ..graph import core as gc

        graph = gc.Graph()
        made: dict[int, Any] = {}

        def value(v: int) -> Any:
            if v not in made:
                kind = self.sources[v][0]
                shape, dtype = self.meta.get(v, (None, None))
                if kind == "arg":
                    made[v] = gc.Placeholder(dtype, shape, name=f"arg{self.arg_pos[v]}")
                elif kind == "ext":
                    t = self.externals[v]
                    made[v] = gc.Variable(t._data, name="param", trainable=t.requires_grad)
                elif kind == "const":
                    made[v] = gc.Constant(self.sources[v][1], name="const")
                else:  # a version made by an in-place change that was dropped: no picture
                    made[v] = gc.Constant(np.zeros(shape, dtype), name="value")
            return made[v]

        with graph.as_default():
            for node in self.nodes:
                ins = [value(v) for v in node.ins if v is not None]
                if node.kind == "call":
                    op_type = type(node.fn).__name__
                elif node.kind == "vjp":
                    op_type = type(node.fn.fn).__name__ + "Grad"
                    ins += [value(v) for v in node.fn.outs[:1]]
                elif node.kind == "opaque":
                    op_type = "Apply" + getattr(node.fn, "__qualname__", "Call").replace(".", "_")
                else:
                    op_type = {"add": "AddN", "copy": "Identity", "leaf": "AssignAdd",
                               "mutate": "Assign"}[node.kind]
                outs = [v for v in node.outs if v is not None]
                shape, dtype = self.meta.get(outs[0], (None, None)) if len(outs) == 1 \
                    else (None, None)
                op = gc.Operation(op_type, ins, None, None, op_type, shape, dtype,
                                  graph=graph)
                if len(outs) == 1 and node.kind != "opaque":
                    made[outs[0]] = op
                else:
                    for j, v in enumerate(outs):
                        s, d = self.meta.get(v, (None, None))
                        made[v] = gc.Operation("GradientSelect" if node.kind == "vjp"
                                               else "Output", [op], None, None, f"out{j}",
                                               s, d, graph=graph)
        return graph

    def run(self, arrays: list[np.ndarray], tensors: list[Tensor]) -> Any:
        env = list(self.template)
        env.append(tensors)  # env[-2]: this call's tensor arguments
        env.append(set())  # env[-1]: arrays handed to leaves' .grad in this call
        for v, a in zip(self.arg_vids, arrays):
            env[v] = a
        for v, t in self.ext_loads:
            env[v] = t._data
        for v, a in self.fresh:
            env[v] = a.copy()
        prev = _state.grad_enabled
        _state.grad_enabled = False
        try:
            for step in self.steps:
                step(env)
        finally:
            _state.grad_enabled = prev
        return _rebuild(self.out_template, env)


def _replay_step(method: Callable, args: tuple, kwargs: dict) -> Callable[[], bool] | None:
    """The fast replay an optimizer offers for ``opt.step()`` or ``opt.zero_grad()``
    (:meth:`~scratchgrad.optim.Optimizer._replay_step`, ``_replay_zero_grad``), when the
    recorded call is exactly that: the base class's method on the optimizer alone, without
    arguments."""
    from ..optim.optimizer import Optimizer

    if kwargs or len(args) != 1 or not isinstance(args[0], Optimizer):
        return None
    for name in ("step", "zero_grad"):
        base = getattr(Optimizer, name)
        if method is base.__wrapped__ and getattr(type(args[0]), name) is base:
            return getattr(args[0], "_replay_" + name)()
    return None


# ---------------------------------------------------------------------- output structure
def _template_vids(template: Any) -> list[int]:
    kind = template[0]
    if kind == "T":
        return [template[1]]
    if kind in ("tuple", "list"):
        return [v for t in template[1] for v in _template_vids(t)]
    if kind == "dict":
        return [v for t in template[1].values() for v in _template_vids(t)]
    return []


def _map_template(template: Any, f: Callable[[int], int]) -> Any:
    kind = template[0]
    if kind == "T":
        return ("T", f(template[1]))
    if kind in ("tuple", "list"):
        return (kind, [_map_template(t, f) for t in template[1]])
    if kind == "dict":
        return (kind, {k: _map_template(t, f) for k, t in template[1].items()})
    return template


def _rebuild(template: Any, env: list) -> Any:
    kind = template[0]
    if kind == "T":
        return Tensor._make(env[template[1]])
    if kind == "tuple":
        return tuple(_rebuild(t, env) for t in template[1])
    if kind == "list":
        return [_rebuild(t, env) for t in template[1]]
    if kind == "dict":
        return {k: _rebuild(t, env) for k, t in template[1].items()}
    return template[1]
