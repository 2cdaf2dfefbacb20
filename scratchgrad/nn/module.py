"""Module: the base class of every layer and model (the containers are in ``container.py``).

A module registers what it is given, in the order it is given: assigning a ``Parameter`` or a
``Module`` to an attribute files it in the ordered dicts ``_parameters`` / ``_modules`` (and
``register_buffer`` files state such as BatchNorm's running mean in ``_buffers``). Everything
else (``parameters()``, ``state_dict()``, ``train()``, ``to()``) walks those dicts, so names and
order are deterministic and identical to PyTorch's for the same layer.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from .._config import _state, no_grad, opaque
from ..backend import get_array_module, like, to_device_array
from ..tensor import Tensor, as_dtype
from .parameter import Parameter
from ..utils.hooks import RemovableHandle

__all__ = ["Module"]

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


_MOVED = frozenset({"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"})


def __getattr__(name: str) -> Any:
    """The containers, which used to live here, by their old path: pickles of whole models
    saved before they moved name ``scratchgrad.nn.module.Sequential``."""
    if name in _MOVED:
        from . import container  # noqa: PLC0415  (container imports this module)

        return getattr(container, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
