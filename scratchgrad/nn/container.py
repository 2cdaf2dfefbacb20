"""The containers: Sequential, ModuleList and ModuleDict hold modules, ParameterList and
ParameterDict hold parameters, each registering what it holds under PyTorch's names ("0",
"1", ... or the keys), so that ``parameters()`` and ``state_dict()`` see it. They are modules
themselves (PyTorch's ``torch.nn.modules.container``).
"""
from __future__ import annotations

import operator
from collections import OrderedDict
from itertools import islice
from typing import Any, Iterable, Iterator, Mapping

from ..tensor import Tensor
from .parameter import Parameter
from .module import Module, _addindent

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(idx: Any, n: int, container: str) -> int:
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{container}: index {idx} is out of range for {n} module(s)")
    return idx % n


class Sequential(Module):
    """Modules applied one after another; built from arguments or an ordered dict of names.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(sg.randn(5, 4)).shape
    (5, 2)
    >>> len(model), type(model[1]).__name__, len(model[:2])
    (3, 'ReLU', 2)

    The modules run in the order they are given, and only that order. (Max pooling and ReLU
    commute, so a CNN that writes ``MaxPool2d`` before ``ReLU`` computes the same values and
    gradients with the ReLU on a quarter of the elements: see ``scratchgrad.models.cnn``.)
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
        for module in self._modules.values():
            x = module(x)
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
