"""Module: the base class of every layer, and the containers Sequential, ModuleList, ModuleDict.

A module registers what it is given, in the order it is given: assigning a ``Parameter`` or a
``Module`` to an attribute files it in the ordered dicts ``_parameters`` / ``_modules`` (and
``register_buffer`` files state such as BatchNorm's running mean in ``_buffers``). Everything
else (``parameters()``, ``state_dict()``, ``train()``, ``to()``) walks those dicts, so names and
order are deterministic and identical to PyTorch's for the same layer.
"""
from __future__ import annotations

import operator
from collections import OrderedDict, namedtuple
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from .._config import _state, no_grad, opaque
from ..backend import get_array_module, like, to_device_array
from ..tensor import Parameter, Tensor, as_dtype

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]

# What load_state_dict returns (PyTorch's name and fields), also when strict=True.
_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _loadable(value: Any, target: Tensor) -> tuple[Any, str | None]:
    """``value`` as an array that can be written into ``target`` without a surprise, or the
    reason it can't: its dtype must cast to the target's (numbers to a float tensor; integers,
    or floats that are whole numbers, to an integer one; bools to a bool one)."""
    if isinstance(value, Tensor):
        array = value._data
    elif hasattr(value, "__cuda_array_interface__"):
        array = value
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as e:  # e.g. a ragged nested list
            return None, f"can't be read as an array ({e})"
    kind, want = array.dtype.kind, target._data.dtype.kind
    allowed = {"f": "biuf", "c": "biufc", "i": "biuf", "u": "biuf", "b": "b"}.get(want, "biufc")
    if kind not in allowed:
        return None, (f"expected numbers that cast to {target.dtype}, found dtype "
                      f"{array.dtype}")
    if want in "iu" and kind == "f":
        xp = get_array_module(array)
        if not bool(xp.all(xp.isfinite(array))) or bool(xp.any(array != xp.trunc(array))):
            return None, (f"expected whole numbers for the {target.dtype} tensor, found "
                          "fractional or non-finite values")
    return array, None


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``handle.remove()`` unregisters the hook
    (also on leaving a ``with`` block).

    >>> from scratchgrad import nn
    >>> m = nn.ReLU()
    >>> with m.register_forward_hook(lambda mod, args, out: None):
    ...     len(m._forward_hooks)
    1
    >>> len(m._forward_hooks)
    0
    """

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (how nested modules are printed)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class for all layers and models: subclass it, assign parameters and submodules in
    ``__init__`` (after ``super().__init__()``) and write ``forward``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = nn.Parameter(sg.ones(3))
    ...         self.shift = nn.Parameter(sg.zeros(3))
    ...     def forward(self, x):
    ...         return x * self.scale + self.shift
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['scale', 'shift']
    >>> m(sg.ones(2, 3)).shape
    (2, 3)
    """

    training: bool
    _version = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments "
                            f"{args or ''}{kwargs or ''}; Module.__init__ takes none")
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        # Names of buffers left out of state_dict; a dict (ordered), not a set.
        set_(self, "_non_persistent_buffers", OrderedDict())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())

    forward: Callable[..., Any]

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        """The computation of the module; every subclass overrides it."""
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define "
                                  "forward(self, ...) in the subclass")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _state.policy.module(self)  # scratchgrad.compile: retrace if train()/eval() flips
        if not self._forward_pre_hooks and not self._forward_hooks:
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a non-None result replaces args.

        >>> from scratchgrad import nn
        >>> h = nn.Identity().register_forward_pre_hook(lambda m, args: None); h.remove()
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a non-None result replaces
        the output (for inspecting activations).

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> seen = []
        >>> m = nn.ReLU(); h = m.register_forward_hook(lambda mod, a, out: seen.append(out.shape))
        >>> _ = m(sg.ones(2)); seen
        [(2,)]
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ registration
    def _check_name(self, name: Any, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call; call "
                                 f"super().__init__() first in {type(self).__name__}.__init__")
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a str, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{what} name can't be empty or contain '.', got {name!r}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a slot that stays empty, e.g. ``bias=False``).

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> m = nn.Module(); m.register_parameter("w", nn.Parameter(sg.zeros(2)))
        >>> list(m.state_dict())
        ['w']
        """
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign a {type(param).__name__} as parameter {name!r} of "
                            f"{type(self).__name__} (nn.Parameter or None expected); wrap it "
                            "in nn.Parameter(...)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not a parameter (running statistics): saved in ``state_dict``
        unless ``persistent=False``, moved and cast by ``to()``, never trained.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> m = nn.Module(); m.register_buffer("count", sg.zeros(1))
        >>> [name for name, _ in m.named_buffers()]
        ['count']
        """
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign a {type(tensor).__name__} as buffer {name!r} of "
                            f"{type(self).__name__} (Tensor or None expected)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.pop(name, None)
        else:
            self._non_persistent_buffers[name] = None

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module under ``name`` (what ``self.name = module`` does).

        >>> from scratchgrad import nn
        >>> m = nn.Module(); m.add_module("act", nn.ReLU())
        >>> m
        Module(
          (act): ReLU()
        )
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, d, self._buffers, self._modules,
                              self._non_persistent_buffers)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as parameter "
                                f"{name!r} of {type(self).__name__} (nn.Parameter or None "
                                "expected)")
            params[name] = None
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign a module before Module.__init__() call")
            self._remove_from(name, d, self._parameters, self._buffers,
                              self._non_persistent_buffers)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as child module "
                                f"{name!r} of {type(self).__name__} (Module or None expected)")
            modules[name] = None
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer {name!r} "
                                f"of {type(self).__name__} (Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name: str, *dicts: dict) -> None:
        for dct in dicts:
            dct.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries. self.__dict__ is read
        # directly so that a half-built object (unpickling) does not recurse forever.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            items = d.get(registry)
            if items is not None and name in items:
                return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.pop(name, None)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(super().__dir__()) + list(self._parameters) + list(self._buffers) + \
            list(self._modules)
        return sorted(k for k in dict.fromkeys(keys) if not k[:1].isdigit())

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # ------------------------------------------------------------------ traversal
    def _named_members(self, get_members: Callable[["Module"], Iterable], prefix: str = "",
                       recurse: bool = True, remove_duplicate: bool = True
                       ) -> Iterator[tuple[str, Any]]:
        # `seen` holds ids for de-duplication only; the order comes from the ordered dicts.
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None:
                    continue
                if remove_duplicate:
                    if id(v) in seen:
                        continue
                    seen.add(id(v))
                yield (module_prefix + "." if module_prefix else "") + k, v

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, in registration order; a shared parameter once.

        >>> from scratchgrad import nn
        >>> [n for n, _ in nn.Sequential(nn.Linear(2, 3), nn.ReLU()).named_parameters()]
        ['0.weight', '0.bias']
        """
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters (what an optimizer is given).

        >>> from scratchgrad import nn
        >>> sum(p.numel() for p in nn.Linear(4, 3).parameters())
        15
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs.

        >>> from scratchgrad import nn
        >>> [n for n, _ in nn.BatchNorm1d(3).named_buffers()]
        ['running_mean', 'running_var', 'num_batches_tracked']
        """
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers (non-trainable state).

        >>> from scratchgrad import nn
        >>> [b.shape for b in nn.BatchNorm1d(2).buffers()]
        [(2,), (2,), ()]
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """(name, module) for the direct submodules.

        >>> from scratchgrad import nn
        >>> [n for n, _ in nn.Sequential(nn.ReLU(), nn.Tanh()).named_children()]
        ['0', '1']
        """
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        """The direct submodules.

        >>> from scratchgrad import nn
        >>> list(nn.Sequential(nn.ReLU(), nn.Tanh()).children())
        [ReLU(), Tanh()]
        """
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """This module and all below it, depth first, as (dotted name, module); '' is self.

        >>> from scratchgrad import nn
        >>> [n for n, _ in nn.Sequential(nn.Sequential(nn.ReLU())).named_modules()]
        ['', '0', '0.0']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        """This module and every module below it.

        >>> from scratchgrad import nn
        >>> len(list(nn.Sequential(nn.Linear(2, 2), nn.ReLU()).modules()))
        3
        """
        for _, module in self.named_modules():
            yield module

    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path (``"encoder.0"``); '' is self.

        >>> from scratchgrad import nn
        >>> nn.Sequential(nn.Sequential(nn.ReLU())).get_submodule("0.0")
        ReLU()
        """
        module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"get_submodule: {type(module).__name__} has no submodule "
                                     f"{part!r} (looking for {target!r})")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path.

        >>> from scratchgrad import nn
        >>> nn.Sequential(nn.Linear(2, 3)).get_parameter("0.weight").shape
        (3, 2)
        """
        mod_path, _, name = target.rpartition(".")
        module = self.get_submodule(mod_path)
        if name not in module._parameters:
            raise AttributeError(f"get_parameter: {type(module).__name__} has no parameter "
                                 f"{name!r} (looking for {target!r})")
        return module._parameters[name]

    # ------------------------------------------------------------------ state
    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name, in PyTorch's order and layout:
        for each module, its parameters, then its buffers, then its children's entries.
        Values are detached tensors sharing memory with the model (``keep_vars=True`` gives
        the parameters themselves).

        >>> from scratchgrad import nn
        >>> {k: v.shape for k, v in nn.Linear(2, 3).state_dict().items()}
        {'weight': (3, 2), 'bias': (3,)}
        """
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _state_slots(self) -> "OrderedDict[str, Tensor]":
        """Every tensor that state_dict saves, by name, as the live objects (to load into)."""
        return self.state_dict(keep_vars=True)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> Any:
        """Copy parameters and buffers from ``state_dict`` (values: Tensors, NumPy arrays, or
        anything NumPy converts, so a PyTorch state dict mapped through ``.numpy()`` loads).

        Values are copied into the existing tensors (optimizers keep their references) and
        cast to their dtypes. Nothing is changed unless everything fits: every value is checked
        and converted first (its shape, and a dtype that casts to the tensor's: numbers for a
        float tensor, integers or integral floats for an integer buffer), and a mismatch is
        always a ``RuntimeError`` listing every key at fault; missing or unexpected keys are one
        when ``strict``. Returns ``(missing_keys, unexpected_keys)``. ``assign=True`` replaces
        the arrays instead of copying into them.

        >>> from scratchgrad import nn
        >>> a, b = nn.Linear(2, 3), nn.Linear(2, 3)
        >>> b.load_state_dict({k: v.numpy() for k, v in a.state_dict().items()})
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((a.weight == b.weight).all())
        True
        """
        commit, result = self._prepare_load_state_dict(state_dict, strict, assign)
        commit()
        return result

    def _prepare_load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                                 assign: bool = False) -> tuple[Callable[[], None], Any]:
        """Check and convert everything :meth:`load_state_dict` would load, changing nothing;
        return a function that copies the values in (and cannot fail on a bad value) and the
        ``(missing_keys, unexpected_keys)``. ``restore_checkpoint`` prepares the model, the
        optimizer and the scheduler before it commits any of them."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> tensor, got "
                            f"{type(state_dict).__name__}")
        slots = self._state_slots()
        missing = [k for k in slots if k not in state_dict]
        unexpected = [k for k in state_dict if k not in slots]
        mismatched, wrong = [], []
        ready = []
        for key, target in slots.items():
            if key not in state_dict:
                continue
            array, problem = _loadable(state_dict[key], target)
            if problem is not None:
                wrong.append(f"  {key}: {problem}")
            elif array.shape != target.shape:
                mismatched.append(f"\tsize mismatch for {key}: copying a param with shape "
                                  f"{array.shape} from checkpoint, the shape in current model "
                                  f"is {target.shape}.")
            elif not assign and not target._data.flags.writeable:
                wrong.append(f"  {key}: the model's tensor is a read-only view; load with "
                             "assign=True")
            elif assign:  # the new array, made now so that committing cannot fail
                ready.append((target, to_device_array(np.array(array, dtype=target.dtype,
                                                               copy=True), target.device)))
            else:  # host data for a GPU tensor goes to the device now, for the same reason
                ready.append((target, like(array, target._data)))
        problems = list(mismatched)  # PyTorch's wording, so that code testing for it works
        if wrong:
            problems.append("\tvalues that can't be loaded:\n" + "\n".join(wrong))
        if strict and missing:
            problems.append("\tMissing key(s) in state_dict: " +
                            ", ".join(f'"{k}"' for k in missing) + ".")
        if strict and unexpected:
            problems.append("\tUnexpected key(s) in state_dict: " +
                            ", ".join(f'"{k}"' for k in unexpected) + ".")
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__} "
                               "(nothing was loaded):\n" + "\n".join(problems))

        def commit() -> None:
            with no_grad():
                for target, array in ready:
                    if assign:
                        target._data = array
                    else:  # casts to the model's dtype (float32 stays)
                        target._data[...] = array
                    target._bump_version()  # a graph that saved the old values is stale

        return commit, _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ modes and flags
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``mode=True``) or evaluation mode here and in all submodules;
        Dropout and BatchNorm behave differently in the two. Returns self.

        >>> from scratchgrad import nn
        >>> m = nn.Sequential(nn.Dropout(0.5)).train(False)
        >>> m[0].training
        False
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``. Returns self.

        >>> from scratchgrad import nn
        >>> nn.Dropout().eval().training
        False
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Turn gradient recording on or off for every parameter (freeze a part of a model).

        >>> from scratchgrad import nn
        >>> m = nn.Linear(2, 2).requires_grad_(False)
        >>> m.weight.requires_grad
        False
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    @opaque
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to None by default, as in PyTorch).

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> fc = nn.Linear(2, 1); fc(sg.ones(1, 2)).sum().backward()
        >>> fc.zero_grad(); fc.weight.grad is None
        True
        """
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if set_to_none:
                p.grad = None
            elif g.creator is None and g._data.flags.writeable:
                g._data[...] = 0  # in place, as PyTorch's zero_()
            else:  # a gradient with a graph (create_graph=True) or a read-only view
                p.grad = Tensor._make(np.zeros_like(g._data))

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule (children first) and then on self; for custom
        initialisation. Returns self.

        >>> from scratchgrad import nn
        >>> names = []
        >>> _ = nn.Sequential(nn.ReLU()).apply(lambda m: names.append(type(m).__name__))
        >>> names
        ['ReLU', 'Sequential']
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply_to_tensors(self, convert: Callable[[Tensor], Tensor]) -> "Module":
        """Replace the data of every parameter, gradient and buffer by ``convert``'s result,
        keeping the objects (so optimizers built before ``to()`` stay valid)."""
        with no_grad():
            for module in self.modules():
                for registry in (module._parameters, module._buffers):
                    for t in registry.values():
                        if t is None:
                            continue
                        t._data = convert(t)._data
                        if t.grad is not None:
                            t.grad = Tensor._make(convert(t.grad)._data)
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Move and/or cast parameters and buffers in place: ``to("cpu")``, ``to(sg.float64)``,
        ``to(device, dtype)``, ``to(tensor)``. Only floating-point tensors change dtype
        (``num_batches_tracked`` stays int64). Returns self.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).to(sg.float64).weight.dtype
        dtype('float64')
        """
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif a is None:
                continue
            elif str(a).split(":")[0] in ("cpu", "cuda"):
                dev = a
            else:
                dtype = a
        if dtype is not None:
            dtype = as_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"to: nn.Module.to only accepts floating point dtypes, got "
                                f"{dtype}")

        def convert(t: Tensor) -> Tensor:
            out = t
            if dev is not None:
                out = out.to(dev)
            if dtype is not None and out.dtype.kind == "f":
                out = out.to(dtype)
            return out

        return self._apply_to_tensors(convert)

    def cpu(self) -> "Module":
        """Move to the CPU (a no-op for CPU tensors).

        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).cpu().weight.device
        device(type='cpu')
        """
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "Module":
        """Move to the GPU (needs CuPy).

        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).cuda()  # doctest: +SKIP
        """
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> "Module":
        """Cast floating-point parameters and buffers to float32.

        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).double().float().weight.dtype
        dtype('float32')
        """
        return self.to(np.float32)

    def double(self) -> "Module":
        """Cast floating-point parameters and buffers to float64 (for gradient checks).

        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).double().weight.dtype
        dtype('float64')
        """
        return self.to(np.float64)

    def half(self) -> "Module":
        """Cast floating-point parameters and buffers to float16.

        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).half().weight.dtype
        dtype('float16')
        """
        return self.to(np.float16)

    def type(self, dst_type: Any) -> "Module":
        """Cast floating-point parameters and buffers to ``dst_type``.

        >>> from scratchgrad import nn
        >>> nn.Linear(2, 2).type("float64").bias.dtype
        dtype('float64')
        """
        return self.to(dst_type)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its hyperparameters);
        subclasses override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = []
        for name, module in self._modules.items():
            child_lines.append("(" + name + "): " + _addindent(repr(module), 2))
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


# ---------------------------------------------------------------------- containers
def _index(idx: Any, n: int, container: str) -> int:
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{container}: index {idx} is out of range for {n} module(s)")
    return idx % n


_COMMUTING: tuple[type, type] | None = None


def _pool_commutes(first: Module, second: Module) -> bool:
    """True when ``first`` is a plain ``ReLU`` and ``second`` a plain ``MaxPool2d``, neither
    with hooks (which would see the reordered inputs): see :class:`Sequential`."""
    global _COMMUTING
    if _COMMUTING is None:
        from .activation import ReLU  # these modules import this one
        from .pooling import MaxPool2d
        _COMMUTING = (ReLU, MaxPool2d)
    return (type(first) is _COMMUTING[0] and type(second) is _COMMUTING[1]
            and not second.return_indices
            and not (first._forward_hooks or first._forward_pre_hooks
                     or second._forward_hooks or second._forward_pre_hooks))


class Sequential(Module):
    """Modules applied one after another; built from arguments or an ordered dict of names.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(sg.randn(5, 4)).shape
    (5, 2)
    >>> len(model), type(model[1]).__name__, len(model[:2])
    (3, 'ReLU', 2)

    A ``ReLU`` directly followed by a ``MaxPool2d`` runs as the pool, then the ReLU: max
    pooling commutes with ReLU (``max(relu(a), relu(b)) == relu(max(a, b))``), values and
    gradients alike, ties and all-negative windows included, and the ReLU then works on a
    quarter of the values (2x2 windows): about 9% of the reference CNN's training step. A pair
    with hooks, a subclass, or a pool that returns indices runs in the written order.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, x: Any) -> Any:
        modules = tuple(self._modules.values())
        i, n = 0, len(modules)
        while i < n:
            if i + 1 < n and _pool_commutes(modules[i], modules[i + 1]):
                x = modules[i](modules[i + 1](x))
                i += 2
            else:
                x = modules[i](x)
                i += 1
        return x

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        i = _index(idx, len(self), "Sequential")
        return next(islice(self._modules.values(), i, None))

    def __setitem__(self, idx: Any, module: Module) -> None:
        i = _index(idx, len(self), "Sequential")
        key = list(self._modules)[i]
        self.add_module(key, module)

    def __delitem__(self, idx: Any) -> None:
        keys = list(self._modules)
        if isinstance(idx, slice):
            for key in keys[idx]:
                del self._modules[key]
        else:
            del self._modules[keys[_index(idx, len(keys), "Sequential")]]
        # Renumber, as PyTorch does, so that indices stay 0..n-1.
        items = list(self._modules.values())
        self._modules.clear()
        for i, module in enumerate(items):
            self._modules[str(i)] = module

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add a module at the end; returns self.

        >>> from scratchgrad import nn
        >>> len(nn.Sequential(nn.Linear(2, 2)).append(nn.ReLU()))
        2
        """
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        """Insert a module before position ``index``; returns self.

        >>> from scratchgrad import nn
        >>> nn.Sequential(nn.ReLU()).insert(0, nn.Tanh())[0]
        Tanh()
        """
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} "
                             "module(s)")
        index = index % (n + 1) if index < 0 else index
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)
        return self

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        """Append every module of ``modules``; returns self.

        >>> from scratchgrad import nn
        >>> len(nn.Sequential().extend([nn.ReLU(), nn.Tanh()]))
        2
        """
        for m in modules:
            self.append(m)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list's would not be).

    >>> from scratchgrad import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx: Any) -> None:
        items = list(self._modules.values())
        if isinstance(idx, slice):
            del items[idx]
        else:
            del items[_index(idx, len(items), "ModuleList")]
        self._modules.clear()
        for i, m in enumerate(items):
            self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        return ModuleList(list(self) + list(other))

    def append(self, module: Module) -> "ModuleList":
        """Add a module at the end; returns self.

        >>> from scratchgrad import nn
        >>> len(nn.ModuleList().append(nn.ReLU()))
        1
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Append every module of ``modules``; returns self.

        >>> from scratchgrad import nn
        >>> len(nn.ModuleList([nn.ReLU()]).extend([nn.Tanh(), nn.ReLU()]))
        3
        """
        if isinstance(modules, (Module, Tensor)) or not hasattr(modules, "__iter__"):
            raise TypeError(f"ModuleList.extend: expected an iterable of modules, got "
                            f"{type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert a module before position ``index``.

        >>> from scratchgrad import nn
        >>> ml = nn.ModuleList([nn.ReLU()]); ml.insert(0, nn.Tanh()); ml[0]
        Tanh()
        """
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList is a container, not a layer: iterate over it "
                                  "in your module's forward")

    def __repr__(self) -> str:
        # Runs of identical children print once ("(0-2): 3 x Linear(...)"), as in PyTorch.
        items = list(self._modules.items())
        if not items:
            return self._get_name() + "()"
        reprs = [repr(m) for _, m in items]
        lines = []
        start = 0
        for i in range(1, len(items) + 1):
            if i < len(items) and reprs[i] == reprs[start]:
                continue
            if i - start == 1:
                label = f"({items[start][0]}): "
            else:
                label = f"({items[start][0]}-{items[i - 1][0]}): {i - start} x "
            lines.append(label + _addindent(reprs[start], 2))
            start = i
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules (insertion-ordered) whose parameters are registered.

    >>> from scratchgrad import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 4)})
    >>> list(heads.keys()), [n for n, _ in heads.named_parameters()][:2]
    (['cls', 'box'], ['cls.weight', 'cls.bias'])
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"ModuleDict: no module named {key!r}; keys are "
                           f"{list(self._modules)}") from None

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The names, in insertion order.

        >>> from scratchgrad import nn
        >>> list(nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()}).keys())
        ['b', 'a']
        """
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order.

        >>> from scratchgrad import nn
        >>> list(nn.ModuleDict({"act": nn.ReLU()}).values())
        [ReLU()]
        """
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """(name, module) pairs.

        >>> from scratchgrad import nn
        >>> list(nn.ModuleDict({"act": nn.ReLU()}).items())
        [('act', ReLU())]
        """
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove and return the module ``key``.

        >>> from scratchgrad import nn
        >>> d = nn.ModuleDict({"act": nn.ReLU()}); d.pop("act"), len(d)
        (ReLU(), 0)
        """
        module = self[key]
        del self._modules[key]
        return module

    def clear(self) -> None:
        """Remove every module.

        >>> from scratchgrad import nn
        >>> d = nn.ModuleDict({"act": nn.ReLU()}); d.clear(); len(d)
        0
        """
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        """Add modules from a mapping or from (name, module) pairs.

        >>> from scratchgrad import nn
        >>> d = nn.ModuleDict(); d.update([("act", nn.ReLU())]); list(d)
        ['act']
        """
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict is a container, not a layer: index it in your "
                                  "module's forward")


def _as_parameter(value: Any, container: str) -> Parameter:
    # PyTorch's containers wrap a plain tensor in a Parameter, so it is trained too.
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.detach())
    raise TypeError(f"{container}: expected a Parameter or a Tensor, got "
                    f"{type(value).__name__}")


def _parameter_line(key: str, p: Parameter) -> str:
    size = "x".join(str(s) for s in p.shape)
    device = "" if p.device.type == "cpu" else f" ({p.device})"
    return f"  ({key}): Parameter containing: [{p.dtype} of size {size}{device}]"


class ParameterList(Module):
    """A list of parameters, registered under the names "0", "1", ... (so ``parameters()``
    and ``state_dict()`` see them, with PyTorch's keys). Plain tensors are wrapped in
    ``Parameter``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> ps = nn.ParameterList([nn.Parameter(sg.zeros(2, 3)), sg.ones(3)])
    >>> list(ps.state_dict()), type(ps[1]).__name__
    (['0', '1'], 'Parameter')
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._parameters.values())[idx])
        return self._parameters[str(_index(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx: int, param: Any) -> None:
        self.register_parameter(str(_index(idx, len(self), "ParameterList")),
                                _as_parameter(param, "ParameterList"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __iadd__(self, params: Iterable[Any]) -> "ParameterList":
        return self.extend(params)

    def append(self, value: Any) -> "ParameterList":
        """Add a parameter at the end; returns self.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> len(nn.ParameterList().append(sg.zeros(2)))
        1
        """
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        """Append every parameter of ``values``; returns self.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> len(nn.ParameterList().extend([sg.zeros(2), sg.zeros(1)]))
        2
        """
        if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
            raise TypeError(f"ParameterList.extend: expected an iterable of parameters, got "
                            f"{type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterList is a container, not a layer: iterate over it "
                                  "in your module's forward")

    def __repr__(self) -> str:
        lines = [_parameter_line(k, p) for k, p in self._parameters.items()]
        return self._get_name() + ("(\n" + "\n".join(lines) + "\n)" if lines else "()")


class ParameterDict(Module):
    """An insertion-ordered dict of parameters, registered under their keys (so
    ``parameters()`` and ``state_dict()`` see them). Plain tensors are wrapped in
    ``Parameter``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> pd = nn.ParameterDict({"scale": sg.ones(3), "shift": sg.zeros(3)})
    >>> list(pd.state_dict()), pd["scale"].requires_grad
    (['scale', 'shift'], True)
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        try:
            return self._parameters[key]
        except KeyError:
            raise KeyError(f"ParameterDict: no parameter named {key!r}; keys are "
                           f"{list(self._parameters)}") from None

    def __setitem__(self, key: str, param: Any) -> None:
        self.register_parameter(key, _as_parameter(param, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        """The names, in insertion order.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> list(nn.ParameterDict({"b": sg.zeros(1), "a": sg.zeros(1)}).keys())
        ['b', 'a']
        """
        return self._parameters.keys()

    def values(self) -> Iterable[Parameter]:
        """The parameters, in insertion order.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> [p.shape for p in nn.ParameterDict({"w": sg.zeros(2)}).values()]
        [(2,)]
        """
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        """(name, parameter) pairs.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> [k for k, _ in nn.ParameterDict({"w": sg.zeros(2)}).items()]
        ['w']
        """
        return self._parameters.items()

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter ``key``, or ``default``.

        >>> from scratchgrad import nn
        >>> nn.ParameterDict().get("w") is None
        True
        """
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        """Remove and return the parameter ``key``.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> d = nn.ParameterDict({"w": sg.zeros(2)}); d.pop("w").shape, len(d)
        ((2,), 0)
        """
        param = self[key]
        del self._parameters[key]
        return param

    def clear(self) -> None:
        """Remove every parameter.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> d = nn.ParameterDict({"w": sg.zeros(2)}); d.clear(); len(d)
        0
        """
        self._parameters.clear()

    def update(self, parameters: Any) -> None:
        """Add parameters from a mapping or from (name, parameter) pairs.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> d = nn.ParameterDict(); d.update([("w", sg.zeros(2))]); list(d)
        ['w']
        """
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterDict is a container, not a layer: index it in "
                                  "your module's forward")

    def __repr__(self) -> str:
        lines = [_parameter_line(k, p) for k, p in self._parameters.items()]
        return self._get_name() + ("(\n" + "\n".join(lines) + "\n)" if lines else "()")
