"""Metrics that accumulate over the batches of an epoch: ``reset()``, ``update(output, target)``,
``compute()``.

A metric is built from a name (``"accuracy"``, ``"top5_accuracy"``), an instance of
:class:`Metric`, or any function ``fn(output, target) -> float`` (averaged over samples,
weighted by batch size).

>>> import numpy as np
>>> m = get_metric("accuracy")
>>> m.update(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))
>>> m.compute()
0.5
"""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np

from ..tensor import Tensor

__all__ = ["Metric", "Accuracy", "MeanMetric", "get_metric"]


def _numpy(x: Any) -> np.ndarray:
    """The host NumPy array of a Tensor / array / list."""
    if isinstance(x, Tensor):
        x = x._data
    if hasattr(x, "get") and not isinstance(x, np.ndarray):  # CuPy
        x = x.get()
    return np.asarray(x)


class Metric:
    """Base class: a running value over batches; ``name`` is its key in the history.

    >>> class Count(Metric):
    ...     name = "count"
    ...     def reset(self): self.n = 0
    ...     def update(self, output, target): self.n += len(target)
    ...     def compute(self): return float(self.n)
    >>> c = Count(); c.update(None, [1, 2]); c.compute()
    2.0
    """

    name: str = "metric"

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget what was accumulated (called at the start of each epoch)."""
        raise NotImplementedError

    def update(self, output: Any, target: Any) -> None:
        """Add one batch: the model's output (logits) and the targets."""
        raise NotImplementedError

    def compute(self) -> float:
        """The value over every batch since the last reset."""
        raise NotImplementedError


class Accuracy(Metric):
    """Fraction of samples whose target is among the ``top_k`` largest outputs.

    Targets are class indices of shape (N,), or one-hot / probability rows of shape (N, C)
    (their argmax is taken).

    >>> acc = Accuracy(top_k=2)
    >>> acc.update(np.array([[0.1, 0.5, 0.4], [0.8, 0.05, 0.15]]), np.array([2, 1]))
    >>> acc.name, acc.compute()
    ('top2_accuracy', 0.5)
    """

    def __init__(self, top_k: int = 1) -> None:
        if top_k < 1:
            raise ValueError(f"Accuracy: top_k should be >= 1, got {top_k}")
        self.top_k = top_k
        self.name = "accuracy" if top_k == 1 else f"top{top_k}_accuracy"
        super().__init__()

    def reset(self) -> None:
        self.correct = 0
        self.total = 0

    def update(self, output: Any, target: Any) -> None:
        out, tgt = _numpy(output), _numpy(target)
        if out.ndim != 2:
            raise ValueError(f"Accuracy: expected outputs of shape (N, C), got {out.shape}")
        if tgt.ndim == 2:
            tgt = tgt.argmax(axis=1)
        if tgt.shape != (out.shape[0],):
            raise ValueError(f"Accuracy: expected targets of shape ({out.shape[0]},) to match "
                             f"outputs {out.shape}, got {tgt.shape}")
        if self.top_k == 1:
            hit = out.argmax(axis=1) == tgt
        else:
            k = min(self.top_k, out.shape[1])
            top = np.argpartition(-out, k - 1, axis=1)[:, :k]
            hit = (top == tgt[:, None]).any(axis=1)
        self.correct += int(hit.sum())
        self.total += int(tgt.shape[0])

    def compute(self) -> float:
        return self.correct / self.total if self.total else float("nan")


class MeanMetric(Metric):
    """The sample-weighted mean of ``fn(output, target)`` over batches.

    >>> mae = MeanMetric(lambda o, t: float(np.abs(o - t).mean()), name="mae")
    >>> mae.update(np.array([1.0, 2.0]), np.array([1.0, 1.0])); mae.compute()
    0.5
    """

    def __init__(self, fn: Callable[[Any, Any], Any], name: str | None = None) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "metric")
        super().__init__()

    def reset(self) -> None:
        self.sum = 0.0
        self.count = 0

    def update(self, output: Any, target: Any) -> None:
        n = len(_numpy(target))
        value = self.fn(output, target)
        self.sum += float(value.item() if isinstance(value, Tensor) else value) * n
        self.count += n

    def compute(self) -> float:
        return self.sum / self.count if self.count else float("nan")


def get_metric(spec: str | Metric | Callable[[Any, Any], Any]) -> Metric:
    """A fresh :class:`Metric` from a name, a Metric (returned as is) or a function.

    Names: ``"accuracy"`` (``"acc"``), ``"topK_accuracy"`` (``"top5"``).

    >>> get_metric("top5").name
    'top5_accuracy'
    """
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        key = spec.lower()
        if key in ("accuracy", "acc"):
            return Accuracy()
        match = re.fullmatch(r"top(\d+)(_acc(uracy)?)?", key)
        if match:
            return Accuracy(top_k=int(match.group(1)))
        raise ValueError(f"unknown metric {spec!r}: expected 'accuracy', 'topK_accuracy' "
                         "(e.g. 'top5'), a Metric instance, or a function (output, target)")
    if callable(spec):
        return MeanMetric(spec)
    raise TypeError(f"a metric should be a name, a Metric or a function, got "
                    f"{type(spec).__name__}")
