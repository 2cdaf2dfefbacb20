"""``torch.amp``'s names: ``GradScaler`` (dynamic loss scaling) and ``autocast``.

scratchgrad computes in each tensor's own dtype: ``autocast`` is accepted (as a context and as
a decorator) and changes nothing, so a float32 model stays float32 inside it (PyTorch would run
matrix products in float16/bfloat16 there). ``GradScaler`` scales the loss and unscales the
gradients as PyTorch's does, skipping a step whose gradients are not finite and backing the
scale off; with ``enabled=False`` it passes everything through, the usual setting on a CPU.

>>> import scratchgrad as sg
>>> w = sg.nn.Parameter(sg.ones(2))
>>> opt = sg.optim.SGD([w], lr=0.5)
>>> scaler = GradScaler("cpu", init_scale=8.0)
>>> with autocast("cpu"):
...     loss = (w * 3).sum()
>>> scaler.scale(loss).backward()
>>> scaler.step(opt)
>>> scaler.update()
>>> w.tolist(), scaler.get_scale()
([-0.5, -0.5], 8.0)
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

from . import _config
from .tensor import Tensor

__all__ = ["GradScaler", "autocast"]


class autocast:  # noqa: N801  (PyTorch's name)
    """Accepted and without effect: every op runs in its inputs' dtypes (see the module)."""

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, enabled

    def __enter__(self) -> "autocast":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return wrapper


class GradScaler:
    """Dynamic loss scaling in PyTorch's shape: ``scale``, ``unscale_``, ``step``, ``update``.

    A step whose unscaled gradients hold an inf or a nan is skipped and the scale multiplied by
    ``backoff_factor``; after ``growth_interval`` good steps in a row it grows by
    ``growth_factor``.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self.device = device
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor, self._backoff_factor = growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._per_optimizer: dict[int, dict[str, bool]] = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """The loss (or tensors, nested in lists and tuples) times the current scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer: Any) -> dict[str, bool]:
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False,
                                                               "found_inf": False})

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, once."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        inv = 1.0 / self._scale
        found_inf = False
        with _config.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inv)
                    total = float(p.grad.abs().sum().item())
                    found_inf = found_inf or not math.isfinite(total)
        state.update(unscaled=True, found_inf=found_inf)

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()`` on unscaled gradients, skipped when they are not finite."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        state = self._state(optimizer)
        if not state["unscaled"]:
            self.unscale_(optimizer)
        if state["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Back off after a skipped step, grow after ``growth_interval`` good ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        elif any(s["found_inf"] for s in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._per_optimizer.clear()

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        self._scale = float(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]
