"""PyTorch's ``torch.utils.hooks``: the handle that the ``register_*_hook`` methods of modules
and tensors return. It lives here, below both, so that the tensor engine needs nothing from
``nn``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["RemovableHandle"]


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
