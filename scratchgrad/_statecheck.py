"""Checks that ``load_state_dict`` methods run on saved values before they change anything.

A state dict comes from a file, so every value is checked (type, finiteness, range) and
converted to what the live object holds; only when all of them pass is anything assigned. The
errors name where the value sits (``"StepLR.load_state_dict: 'last_epoch'"``), what was expected
and what was found: ``TypeError`` for a value of the wrong kind, ``ValueError`` for a bad value.

>>> like("lr", 0.5, 0.1), like("betas", [0.8, 0.9], (0.9, 0.999))
(0.5, (0.8, 0.9))
>>> count("step", 3.0)
3
"""
from __future__ import annotations

import copy
import math
import numbers
from typing import Any, Mapping

import numpy as np

__all__ = ["show", "number", "count", "like", "plain"]


def show(value: Any) -> str:
    """A short description of a found value for an error message."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def number(where: str, value: Any, infinite: bool = False) -> int | float:
    """``value`` as a Python int or float; not a bool, not NaN, and finite unless ``infinite``.
    A 0-d array (how PyTorch's scalars arrive through NumPy) counts as its value.

    >>> number("lr", np.float32(0.5)), number("best", float("inf"), infinite=True)
    (0.5, inf)
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected a number, found {show(value)}")
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and (math.isnan(value) or (math.isinf(value) and not infinite)):
        raise ValueError(f"{where}: expected a finite number, found {value}")
    return value


def count(where: str, value: Any, minimum: int = 0) -> int:
    """``value`` as an int ``>= minimum``; an integral float (PyTorch saves ``step`` as one)
    counts.

    >>> count("epoch", np.int64(2))
    2
    """
    v = number(where, value)
    if v != int(v) or v < minimum:
        raise ValueError(f"{where}: expected an integer >= {minimum}, found {show(value)}")
    return int(v)


def plain(where: str, value: Any) -> Any:
    """A deep copy of ``value`` when it is plain data (None, bool, str, finite numbers, and
    lists, tuples and string-keyed dicts of those); raises otherwise.

    >>> plain("x", {"a": [1, 2.5, None]})
    {'a': [1, 2.5, None]}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (numbers.Real, np.ndarray)) and np.ndim(value) == 0:
        return number(where, value)
    if isinstance(value, (list, tuple)):
        return type(value)(plain(f"{where}[{i}]", v) for i, v in enumerate(value))
    if isinstance(value, Mapping):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"{where}: expected string keys, found the key {show(k)}")
        return {k: plain(f"{where}[{k!r}]", v) for k, v in value.items()}
    raise TypeError(f"{where}: expected plain data (numbers, strings, lists, dicts), found "
                    f"{show(value)}")


def like(where: str, saved: Any, current: Any, integer: bool = False,
         infinite: bool = False) -> Any:
    """``saved`` checked to be the same kind of value as ``current`` (what the live object
    holds) and converted to its type: a bool for a bool, a finite number for a number (an
    integer when ``integer``; +-inf allowed when ``infinite``), a string for a string, a list or
    tuple of the same length, element by element, a dict with the same keys. None on either
    side accepts plain data.

    >>> like("betas", [0.5, 0.9], (0.9, 0.999))
    (0.5, 0.9)
    >>> like("amsgrad", 0, False)
    Traceback (most recent call last):
    ...
    TypeError: amsgrad: expected a bool (like False), found 0 (int)
    """
    if current is None or saved is None:
        return plain(where, saved)
    if isinstance(current, (bool, np.bool_)):
        if not isinstance(saved, (bool, np.bool_)):
            raise TypeError(f"{where}: expected a bool (like {current!r}), found {show(saved)}")
        return bool(saved)
    if isinstance(current, numbers.Real):
        return count(where, saved) if integer else number(where, saved, infinite)
    if isinstance(current, str):
        if not isinstance(saved, str):
            raise TypeError(f"{where}: expected a string (like {current!r}), found "
                            f"{show(saved)}")
        return saved
    if isinstance(current, (list, tuple)):
        if not isinstance(saved, (list, tuple)) or len(saved) != len(current):
            raise ValueError(f"{where}: expected a list of {len(current)} (like "
                             f"{show(current)}), found {show(saved)}")
        items = (like(f"{where}[{i}]", s, c, integer, infinite)
                 for i, (s, c) in enumerate(zip(saved, current)))
        return tuple(items) if isinstance(current, tuple) else list(items)
    if isinstance(current, Mapping):
        if not isinstance(saved, Mapping):
            raise TypeError(f"{where}: expected a dict with keys {sorted(map(str, current))}, "
                            f"found {show(saved)}")
        if set(saved) != set(current):
            raise KeyError(f"{where}: expected the keys {sorted(map(str, current))}, found "
                           f"{sorted(map(str, saved))}")
        return {k: like(f"{where}[{k!r}]", saved[k], v, integer, infinite)
                for k, v in current.items()}
    return copy.deepcopy(saved)
