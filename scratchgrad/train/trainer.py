"""The Trainer: the fit loop every example would otherwise rewrite, with metrics, a progress
bar, validation, learning-rate schedules, early stopping, checkpoints and exact resumption.

Scheduler policy. A scheduler is stepped once per epoch, after validation (PyTorch's
convention: ``optimizer.step()`` every batch, ``scheduler.step()`` every epoch).
``ReduceLROnPlateau`` is given the monitored value of that epoch: ``scheduler_monitor``
(default ``"val_loss"`` when there is a validation loader, else the training ``"loss"``); its
``mode`` must match (``"min"`` for a loss, ``"max"`` for an accuracy). Schedules defined per
batch, such as ``OneCycleLR``, need ``scheduler_step="batch"``: then ``scheduler.step()``
follows every ``optimizer.step()``.

Resumption. After every epoch the Trainer writes ``checkpoint_dir/checkpoint.npz`` holding the
model, optimizer and scheduler states, the history, the early-stopping state and the random
generators' states taken at the epoch boundary. ``fit(..., resume=True)`` restores all of
them and continues with the next epoch. Because dropout and DataLoader shuffling draw from
the global generator (the loader draws its epoch's seed when iteration starts), restoring the
generator at the boundary makes the continued run draw the same numbers as an uninterrupted
one: the final weights are bit-identical.

>>> import scratchgrad as sg
>>> from scratchgrad import nn, optim
>>> _ = sg.manual_seed(0)
>>> x = sg.randn(64, 2); y = (x[:, 0] > 0).long()
>>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
>>> trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
...                   progress=False)
>>> history = trainer.fit([(x, y)] * 8, epochs=5)
>>> history["loss"][-1] < history["loss"][0], trainer.evaluate([(x, y)])["accuracy"] > 0.9
(True, True)
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .._config import no_grad
from ..backend import keep_freed_memory
from .._statecheck import count, like, show
from .. import jit as _jit
from ..factory import as_tensor
from ..ops import cat
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor
from .checkpoint import (CHECKPOINT_NAME, CheckpointError, load_checkpoint, restore_checkpoint,
                         save_checkpoint)
from .history import History
from .metrics import Metric, get_metric

__all__ = ["Trainer", "EarlyStopping"]


class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs. ``mode`` is ``"max"`` for accuracies, ``"min"`` for losses.

    >>> es = EarlyStopping(monitor="val_loss", patience=1, mode="min")
    >>> [es.update({"val_loss": v}) for v in (1.0, 0.8, 0.9, 0.85)]
    [False, False, False, True]
    >>> es.best, es.best_epoch
    (0.8, 2)
    """

    def __init__(self, monitor: str = "val_accuracy", patience: int = 3, mode: str = "max",
                 min_delta: float = 0.0) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"early_stopping: mode should be 'min' or 'max', got {mode!r}")
        if patience < 0:
            raise ValueError(f"early_stopping: patience should be >= 0, got {patience}")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, \
            min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.epochs_seen = 0
        self.stopped = False

    def update(self, row: Mapping[str, Any]) -> bool:
        """Record one epoch's row; return True when training should stop."""
        if self.monitor not in row or row[self.monitor] is None:
            raise KeyError(f"early_stopping monitors {self.monitor!r}, but the epoch's values "
                           f"are {sorted(row)}; pass a val_loader for 'val_*' metrics or "
                           "monitor one of those")
        value = float(row[self.monitor])
        self.epochs_seen += 1
        better = value < self.best - self.min_delta if self.mode == "min" \
            else value > self.best + self.min_delta
        if better:
            self.best, self.best_epoch, self.wait = value, self.epochs_seen, 0
        else:
            self.wait += 1
        self.stopped = self.wait > self.patience
        return self.stopped

    def state_dict(self) -> dict[str, Any]:
        """Plain data for the checkpoint."""
        return dict(self.__dict__)

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; every value is checked first (a key this
        class has no attribute for, a value of another kind, a count that is not an integer
        >= 0 raise naming the key) and nothing changes when one is wrong.

        >>> es = EarlyStopping(monitor="loss", mode="min")
        >>> es.load_state_dict({"wait": -1})
        Traceback (most recent call last):
        ...
        ValueError: EarlyStopping.load_state_dict: 'wait': expected an integer >= 0, found -1 (int)
        """
        self._prepare_load_state_dict(state)()

    _COUNTS = ("patience", "best_epoch", "wait", "epochs_seen")

    def _prepare_load_state_dict(self, state: Mapping[str, Any]) -> Callable[[], None]:
        """Check and convert ``state``, changing nothing; return the function that applies
        it."""
        name = "EarlyStopping.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{name}: expected a dict from state_dict(), found {show(state)}")
        unexpected = [k for k in state if k not in self.__dict__]
        if unexpected:
            raise KeyError(f"{name}: unexpected key(s) {unexpected}; expected some of "
                           f"{sorted(self.__dict__)}")
        new = {}
        for key, value in state.items():
            where = f"{name}: {key!r}"
            if key == "mode" and value not in ("min", "max"):
                raise ValueError(f"{where}: expected 'min' or 'max', found {show(value)}")
            new[key] = count(where, value) if key in self._COUNTS else \
                like(where, value, self.__dict__[key], infinite=key == "best")
        return lambda: self.__dict__.update(new)


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    length = f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""
    raise ValueError(f"Trainer: expected each batch to be a pair (inputs, targets), got a "
                     f"{type(batch).__name__}{length}")


def _num_samples(x: Any) -> int:
    return int(x.shape[0]) if hasattr(x, "shape") and len(x.shape) else len(x)


@contextlib.contextmanager
def _batches(loader: Iterable[Any]) -> Iterator[Iterator[Any]]:
    """Iterate ``loader`` for one pass and close the iterator at the end, also on an error
    or Ctrl-C: a loader's background work (a prefetch thread, worker processes) stops then,
    not whenever the garbage collector reaches the iterator."""
    batches = iter(loader)
    try:
        yield batches
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


class _Progress:
    """A tqdm bar per epoch when stderr is a terminal and tqdm is installed; otherwise one
    plain line per epoch on stdout; nothing when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tqdm = None
        if enabled and _terminal_columns() > 0:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:
                pass
        self.bar: Any = None

    def start(self, epoch: int, epochs: int, total: int | None) -> None:
        if self.tqdm is not None:
            self.bar = self.tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="batch",
                                 leave=True, dynamic_ncols=True, file=sys.stderr)

    def batch(self, values: Mapping[str, float]) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(_format(values), refresh=False)
            self.bar.update(1)

    def end(self, epoch: int, epochs: int, row: Mapping[str, Any]) -> None:
        shown = {k: v for k, v in row.items() if k not in ("epoch", "time")}
        if self.bar is not None:
            # The bar already shows its rate; keep the final line short enough to stay a bar.
            brief = {k: v for k, v in shown.items() if k not in ("lr", "samples_per_s")}
            self.bar.set_postfix_str(_format(brief), refresh=True)
            self.bar.close()
            self.bar = None
        elif self.enabled:
            print(f"epoch {epoch}/{epochs}  {_format(shown)}  {row.get('time', 0):.1f}s",
                  flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _terminal_columns() -> int:
    """Width of the terminal stderr writes to; 0 when it is not a terminal (a pipe, a file, a
    pseudo-terminal without a size), where a bar would be garbage or invisible."""
    try:
        if not sys.stderr.isatty():
            return 0
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


def _format(values: Mapping[str, Any]) -> str:
    parts = []
    for k, v in values.items():
        if isinstance(v, float):
            text = f"{v:.0f}" if k == "samples_per_s" else f"{v:.3g}" if k == "lr" \
                else f"{v:.4f}"
        else:
            text = str(v)
        parts.append(f"{'samples/s' if k == 'samples_per_s' else k} {text}")
    return "  ".join(parts)


class Trainer:
    """Fit a model with a loss and an optimizer; evaluate it; predict with it.

    - ``loss_fn(output, target)`` returns the batch's mean loss (a scalar Tensor).
    - ``metrics``: names (``"accuracy"``, ``"top5"``), :class:`Metric` objects or functions
      ``fn(output, target) -> float``; each is logged for training and validation.
    - ``scheduler`` and ``scheduler_step`` (``"epoch"`` or ``"batch"``), ``scheduler_monitor``:
      see the module's scheduler policy.
    - ``device``: moves the model there and every batch with it (``"cpu"``, ``"cuda"``).
    - ``progress``: a tqdm bar per epoch on a terminal (a plain line per epoch otherwise);
      False prints nothing.
    - ``meta``: JSON-like facts saved in every checkpoint (model name, dataset, ...).
    - ``compile``: run the training step under :func:`scratchgrad.compile` (same results).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn, optim
    >>> model = nn.Linear(3, 2)
    >>> t = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
    ...             progress=False)
    >>> t.predict(sg.randn(5, 3)).shape
    (5, 2)
    """

    def __init__(self, model: Any, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any,
                 scheduler: Any = None,
                 metrics: Sequence[str | Metric | Callable[[Any, Any], Any]] = ("accuracy",),
                 device: Any = None, progress: bool = True, scheduler_step: str = "epoch",
                 scheduler_monitor: str | None = None,
                 meta: Mapping[str, Any] | None = None, compile: bool = False) -> None:
        if scheduler_step not in ("epoch", "batch"):
            raise ValueError(f"Trainer: scheduler_step should be 'epoch' or 'batch', got "
                             f"{scheduler_step!r}")
        if scheduler_step == "batch" and isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError("Trainer: ReduceLROnPlateau needs an epoch's metric; use "
                             "scheduler_step='epoch' with it")
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.scheduler_step = scheduler_step
        self.scheduler_monitor = scheduler_monitor
        self.metric_specs = list(metrics or ())
        names = [get_metric(m).name for m in self.metric_specs]
        if len(set(names)) != len(names) or "loss" in names:
            raise ValueError(f"Trainer: metric names must be distinct and not 'loss', got "
                             f"{names}")
        self.device = device
        if device is not None:
            model.to(device)
        self.progress = progress
        self.meta = dict(meta or {})
        self.history = History()
        self.epoch = 0  # finished epochs
        self.early_stopping: EarlyStopping | None = None
        # compile=True: the training step (forward, loss, backward, optimizer and per-batch
        # scheduler) runs under scratchgrad.compile, traced once per batch shape.
        self._train_step = _jit.compile(self._step) if compile else self._step

    # ------------------------------------------------------------------ helpers
    def _metrics(self) -> list[Metric]:
        # Fresh objects each time: a Metric instance passed in is reset, not shared state.
        out = []
        for spec in self.metric_specs:
            m = get_metric(spec)
            m.reset()
            out.append(m)
        return out

    def _to_device(self, x: Any) -> Any:
        if isinstance(x, Tensor):
            return x.to(self.device) if self.device is not None else x
        if isinstance(x, np.ndarray):
            t = as_tensor(x)
            return t.to(self.device) if self.device is not None else t
        return x

    def _lr(self) -> float | None:
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else None

    def _checkpoint_path(self, checkpoint_dir: str | os.PathLike) -> str:
        return os.path.join(os.fspath(checkpoint_dir), CHECKPOINT_NAME)

    # ------------------------------------------------------------------ training
    def fit(self, train_loader: Iterable[Any], epochs: int, val_loader: Iterable[Any] | None = None,
            checkpoint_dir: str | os.PathLike | None = None, resume: bool = False,
            early_stopping: Mapping[str, Any] | EarlyStopping | None = None) -> History:
        """Train until ``epochs`` epochs in total have finished; return the :class:`History`.

        ``epochs`` counts from the start of the run, so after a resume from epoch 1,
        ``fit(epochs=3)`` trains epochs 2 and 3. Without ``resume`` every call starts a new
        run at epoch 1 (with a new history), from the model's current weights.

        With ``checkpoint_dir`` a checkpoint and ``history.csv`` / ``history.json`` are
        written there (atomically) after every epoch.
        ``resume=True`` continues from ``checkpoint_dir/checkpoint.npz`` when it exists (and
        starts afresh when it does not). ``early_stopping``: a dict such as
        ``dict(monitor="val_accuracy", patience=3, mode="max")`` or an :class:`EarlyStopping`.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn, optim
        >>> x, y = sg.randn(16, 2), sg.zeros(16).long()
        >>> m = nn.Linear(2, 2)
        >>> t = Trainer(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters(), lr=0.1),
        ...             progress=False)
        >>> t.fit([(x, y)], epochs=2).columns
        ['epoch', 'loss', 'accuracy', 'lr', 'time', 'samples_per_s']
        """
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"fit: epochs should be a non-negative int, got {epochs!r}")
        keep_freed_memory()  # a training loop reuses its large arrays (see backend)
        if isinstance(early_stopping, Mapping):
            early_stopping = EarlyStopping(**early_stopping)
        self.early_stopping = early_stopping
        if early_stopping is not None and early_stopping.monitor.startswith("val_") \
                and val_loader is None:
            raise ValueError(f"fit: early_stopping monitors {early_stopping.monitor!r}, which "
                             "needs a val_loader")
        monitor = self.scheduler_monitor or ("val_loss" if val_loader is not None else "loss")
        if isinstance(self.scheduler, ReduceLROnPlateau) and monitor.startswith("val_") \
                and val_loader is None:
            raise ValueError(f"fit: ReduceLROnPlateau is given {monitor!r}, which needs a "
                             "val_loader (or set Trainer(scheduler_monitor='loss'))")

        start = 0
        self.history = History()
        if resume:
            if checkpoint_dir is None:
                raise ValueError("fit: resume=True needs the checkpoint_dir to resume from")
            path = self._checkpoint_path(checkpoint_dir)
            if os.path.exists(path):
                start = self._restore(path)
                if self.progress:
                    print(f"resuming from {path} after epoch {start}", flush=True)
            elif self.progress:
                print(f"no checkpoint at {path}; starting from epoch 1", flush=True)
        if early_stopping is not None and early_stopping.stopped:
            return self.history

        progress = _Progress(self.progress)
        try:
            for epoch in range(start + 1, epochs + 1):
                row: dict[str, Any] = {"epoch": epoch}
                lr = self._lr()
                began = time.perf_counter()
                row.update(self._train_epoch(train_loader, epoch, epochs, progress))
                train_time = time.perf_counter() - began
                if val_loader is not None:
                    row.update({"val_" + k: v for k, v in self.evaluate(val_loader).items()})
                if lr is not None:
                    row["lr"] = lr
                row["time"] = time.perf_counter() - began
                row["samples_per_s"] = row.pop("_samples") / max(train_time, 1e-9)
                self._step_scheduler_epoch(row, monitor)
                stop = early_stopping.update(row) if early_stopping is not None else False
                self.history.append(row)
                self.epoch = epoch
                if checkpoint_dir is not None:
                    self.save_checkpoint(self._checkpoint_path(checkpoint_dir))
                    self.history.save(checkpoint_dir)
                progress.end(epoch, epochs, row)
                if stop:
                    if self.progress:
                        print(f"early stopping: {early_stopping.monitor} has not improved for "
                              f"{early_stopping.wait} epochs (best {early_stopping.best:.4f} "
                              f"at epoch {early_stopping.best_epoch})", flush=True)
                    break
        finally:
            progress.close()
        return self.history

    def _train_epoch(self, loader: Iterable[Any], epoch: int, epochs: int,
                     progress: _Progress) -> dict[str, Any]:
        self.model.train()
        metrics = self._metrics()
        progress.start(epoch, epochs, len(loader) if hasattr(loader, "__len__") else None)
        began = time.perf_counter()
        total_loss, seen = 0.0, 0
        with _batches(loader) as batches:
            for batch in batches:
                x, y = _split_batch(batch)
                x, y = self._to_device(x), self._to_device(y)
                out, loss = self._train_step(x, y)
                n = _num_samples(y)
                value = float(loss.item())
                if not math.isfinite(value):
                    raise FloatingPointError(f"fit: the loss became {value} in epoch {epoch} "
                                             f"after {seen} samples; lower the learning rate "
                                             "or check the data")
                total_loss += value * n
                seen += n
                for m in metrics:
                    m.update(out._data, y._data if isinstance(y, Tensor) else y)
                if progress.bar is not None:
                    shown = {"loss": total_loss / seen}
                    shown.update({m.name: m.compute() for m in metrics})
                    shown["samples_per_s"] = seen / max(time.perf_counter() - began, 1e-9)
                    progress.batch(shown)
        if seen == 0:
            raise ValueError(f"fit: the train loader yielded no batches in epoch {epoch}")
        row = {"loss": total_loss / seen}
        row.update({m.name: m.compute() for m in metrics})
        row["_samples"] = seen
        return row

    def _step(self, x: Any, y: Any) -> tuple[Tensor, Tensor]:
        """One training step; returns the model's output and the loss."""
        out = self.model(x)
        loss = self.loss_fn(out, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_step == "batch":
            self.scheduler.step()
        return out, loss

    def _step_scheduler_epoch(self, row: Mapping[str, Any], monitor: str) -> None:
        if self.scheduler is None or self.scheduler_step != "epoch":
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            if monitor not in row:
                raise KeyError(f"fit: ReduceLROnPlateau monitors {monitor!r}, but the epoch's "
                               f"values are {sorted(row)}")
            self.scheduler.step(row[monitor])
        else:
            self.scheduler.step()

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path: str | os.PathLike) -> str:
        """Write the complete training state (see the module's notes) to ``path``.

        >>> import os, tempfile
        >>> from scratchgrad import nn, optim
        >>> m = nn.Linear(2, 2)
        >>> t = Trainer(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters()), progress=False)
        >>> os.path.basename(t.save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.npz")))
        'c.npz'
        """
        es = self.early_stopping.state_dict() if self.early_stopping is not None else None
        return save_checkpoint(path, self.model, self.optimizer, self.scheduler,
                               epoch=self.epoch, history=self.history, meta=self.meta,
                               trainer_state={"early_stopping": es})

    def _restore(self, path: str) -> int:
        # All or nothing: the early-stopping state is checked before restore_checkpoint
        # checks (and then applies) the rest, and applied only after it succeeded.
        ckpt = load_checkpoint(path)
        trainer_state = ckpt.get("trainer") or {}  # restore_checkpoint checks it is a dict
        es = trainer_state.get("early_stopping") if isinstance(trainer_state, Mapping) else None
        load_es = None
        if self.early_stopping is not None and es:
            try:
                load_es = self.early_stopping._prepare_load_state_dict(es)
            except (TypeError, ValueError, KeyError) as e:
                raise CheckpointError(f"the early-stopping state in {ckpt['path']} does not "
                                      f"fit: {e}") from e
        ckpt = restore_checkpoint(ckpt, self.model, self.optimizer, self.scheduler)
        if load_es is not None:
            load_es()
        self.history = History(ckpt["history"] or [])
        self.epoch = ckpt["epoch"]
        return self.epoch

    def load_checkpoint(self, path: str | os.PathLike, rng: bool = True) -> dict[str, Any]:
        """Restore model, optimizer, scheduler, history (and the random generators when
        ``rng``) from a checkpoint; return its contents.

        >>> import os, tempfile
        >>> from scratchgrad import nn, optim
        >>> m = nn.Linear(2, 2)
        >>> t = Trainer(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters()), progress=False)
        >>> p = t.save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.npz"))
        >>> t.load_checkpoint(p)["epoch"]
        0
        """
        ckpt = restore_checkpoint(path, self.model, self.optimizer, self.scheduler, rng=rng)
        self.history = History(ckpt.get("history") or [])
        self.epoch = ckpt["epoch"]
        return ckpt

    # ------------------------------------------------------------------ inference
    def evaluate(self, loader: Iterable[Any]) -> dict[str, float]:
        """Mean loss and metrics over ``loader`` in eval mode, without recording a graph.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn, optim
        >>> m = nn.Linear(2, 2)
        >>> t = Trainer(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters()), progress=False)
        >>> sorted(t.evaluate([(sg.randn(4, 2), sg.tensor([0, 1, 1, 0]))]))
        ['accuracy', 'loss']
        """
        was_training = getattr(self.model, "training", False)
        self.model.eval()
        metrics = self._metrics()
        total_loss, seen = 0.0, 0
        try:
            with no_grad(), _batches(loader) as batches:
                for batch in batches:
                    x, y = _split_batch(batch)
                    x, y = self._to_device(x), self._to_device(y)
                    out = self.model(x)
                    n = _num_samples(y)
                    total_loss += float(self.loss_fn(out, y).item()) * n
                    seen += n
                    for m in metrics:
                        m.update(out._data, y._data if isinstance(y, Tensor) else y)
        finally:
            self.model.train(was_training)
        if seen == 0:
            raise ValueError("evaluate: the loader yielded no batches")
        result = {"loss": total_loss / seen}
        result.update({m.name: m.compute() for m in metrics})
        return result

    def predict(self, x_or_loader: Any, batch_size: int | None = None) -> Tensor:
        """The model's outputs, in eval mode without a graph, for a Tensor/array of inputs
        (in chunks of ``batch_size`` when given) or for every batch of a loader (a batch may
        be ``inputs`` or ``(inputs, targets)``), concatenated along the first axis.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn, optim
        >>> m = nn.Linear(3, 4)
        >>> t = Trainer(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters()), progress=False)
        >>> t.predict(sg.randn(10, 3), batch_size=4).shape
        (10, 4)
        """
        if isinstance(x_or_loader, (Tensor, np.ndarray)):
            x = self._to_device(x_or_loader)
            n = _num_samples(x)
            step = batch_size or max(n, 1)
            batches: Iterable[Any] = (x[i:i + step] for i in range(0, n, step))
        else:
            batches = (b[0] if isinstance(b, (tuple, list)) else b for b in x_or_loader)
        was_training = getattr(self.model, "training", False)
        self.model.eval()
        outs = []
        try:
            with no_grad():
                for xb in batches:
                    outs.append(self.model(self._to_device(xb)))
        finally:
            self.model.train(was_training)
        if not outs:
            raise ValueError("predict: got no inputs")
        return outs[0] if len(outs) == 1 else cat(outs, dim=0)
