"""``scratchgrad.Size``: the type of ``tensor.shape`` and ``tensor.size()``, as ``torch.Size``.

A tuple of ints that prints as ``scratchgrad.Size([2, 3])``, keeps its type through slicing,
``+`` and ``*``, and knows its ``numel()``. Being a tuple, it compares equal to the plain tuple
of the same sizes and NumPy takes it wherever a shape is expected.

Its ``repr`` (what the interpreter echoes, what a list of shapes shows) and its form inside an
f-string are the plain tuple's, ``(2, 3)``: the library's error messages and the examples in
its docstrings write shapes that way (``f"... of shape {x.shape}"``), and they read the same
as before Size existed. ``print(x.shape)`` and ``str(x.shape)`` give PyTorch's form.
"""
from __future__ import annotations

import operator
from typing import Any, Iterable


class Size(tuple):
    """The shape of a tensor: a tuple of ints (PyTorch's ``torch.Size``).

    >>> import scratchgrad as sg
    >>> s = sg.zeros(2, 3).shape
    >>> print(s)
    scratchgrad.Size([2, 3])
    >>> s == (2, 3), type(s[1:]).__name__, s.numel()
    (True, 'Size', 6)
    """

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> "Size":
        items = tuple(sizes)
        if all(type(s) is int for s in items):
            return tuple.__new__(cls, items)
        checked = []
        for i, s in enumerate(items):
            try:
                checked.append(operator.index(s))  # NumPy integers, 0-d integer tensors
            except TypeError:
                raise TypeError(f"scratchgrad.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(s).__name__}')") from None
        return tuple.__new__(cls, checked)

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        n = 1
        for s in self:
            n *= s
        return n

    def __str__(self) -> str:
        return f"scratchgrad.Size({list(self)})"

    def __format__(self, spec: str) -> str:
        if not spec:  # f"{x.shape}" reads (2, 3), as repr does (see the module docstring)
            return tuple.__repr__(self)
        return super().__format__(spec)

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, times: Any) -> "Size":
        result = tuple.__mul__(self, times)
        return result if result is NotImplemented else tuple.__new__(Size, result)

    __rmul__ = __mul__

    def __reduce__(self) -> tuple:
        return Size, (tuple(self),)


Size.__module__ = "scratchgrad"  # shown as scratchgrad.Size, where it is re-exported
