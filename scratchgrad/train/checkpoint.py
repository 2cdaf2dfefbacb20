"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the model's ``state_dict``, the optimizer's and the scheduler's, the number
of finished epochs, the history, the states of the random generators (scratchgrad's global
generator, NumPy's legacy ``np.random`` and Python's ``random``), the trainer's own state
(early stopping) and free-form ``meta`` (which model and data it was trained on, so
``scratchgrad eval`` can rebuild it).

It is written with :func:`scratchgrad.utils.serialization.save`: one ``.npz`` holding arrays
under readable keys plus a JSON blob, written atomically and read back without pickle.

>>> import os, tempfile
>>> import scratchgrad as sg
>>> from scratchgrad import nn, optim
>>> model = nn.Linear(2, 1); opt = optim.SGD(model.parameters(), lr=0.1)
>>> path = save_checkpoint(os.path.join(tempfile.mkdtemp(), "checkpoint.npz"), model, opt,
...                        epoch=3, meta={"model": "linear"})
>>> ckpt = restore_checkpoint(path, nn.Linear(2, 1), optim.SGD(nn.Linear(2, 1).parameters()))
>>> ckpt["epoch"], ckpt["meta"]
(3, {'model': 'linear'})
"""
from __future__ import annotations

import os
import random
from typing import Any, Callable, Mapping

import numpy as np

from .. import random as sg_random
from .._statecheck import count, show
from ..nn.module import Module
from ..optim.lr_scheduler import LRScheduler
from ..optim.optimizer import Optimizer
from ..utils.serialization import SerializationError, load, save

__all__ = ["CHECKPOINT_NAME", "CheckpointError", "get_rng_states", "set_rng_states",
           "save_checkpoint", "load_checkpoint", "restore_checkpoint"]

#: The file name the Trainer writes into its ``checkpoint_dir`` after every epoch.
CHECKPOINT_NAME = "checkpoint.npz"
_KIND = "scratchgrad.checkpoint"
_VERSION = 1


class CheckpointError(SerializationError):
    """A checkpoint that cannot be used: corrupt, not a checkpoint, or for another model."""


def get_rng_states() -> dict[str, Any]:
    """The states of every random generator a training run draws from, as plain data.

    scratchgrad's global generator drives initialisation, dropout and DataLoader shuffling;
    NumPy's legacy global state and Python's ``random`` are saved too, for user code that
    draws from them (e.g. a transform with ``np.random.rand``).

    >>> states = get_rng_states(); a = np.random.rand()
    >>> set_rng_states(states); bool(np.random.rand() == a)
    True
    """
    return {"scratchgrad": sg_random.get_rng_state(), "numpy": np.random.get_state(),
            "python": random.getstate()}


def set_rng_states(states: Mapping[str, Any]) -> None:
    """Restore what :func:`get_rng_states` returned (the keys that are present). Every state is
    checked first: a bad one raises :class:`CheckpointError` and no generator changes.

    >>> import scratchgrad as sg
    >>> states = get_rng_states(); a = sg.rand(2)
    >>> set_rng_states(states); bool((sg.rand(2) == a).all())
    True
    """
    _prepare_rng_states(states, "set_rng_states")()


_RNG_KEYS = ("scratchgrad", "numpy", "python")


def _prepare_rng_states(states: Any, where: str) -> Callable[[], None]:
    """Check ``states`` by loading each into a fresh generator of its kind; return the function
    that sets the global generators (which cannot fail)."""
    if not isinstance(states, Mapping):
        raise CheckpointError(f"{where}: the random generators' states should be a dict with "
                              f"keys {list(_RNG_KEYS)}, found {show(states)}")
    unknown = [k for k in states if k not in _RNG_KEYS]
    if unknown:
        raise CheckpointError(f"{where}: unknown random generator(s) {unknown}; expected "
                              f"some of {list(_RNG_KEYS)}")
    steps = []
    try:
        if "scratchgrad" in states:
            probe = sg_random.Generator(0)
            probe.set_state(states["scratchgrad"])
            sg_state = probe.get_state()
            steps.append(lambda: sg_random.set_rng_state(sg_state))
        if "numpy" in states:
            legacy = np.random.RandomState(0)
            legacy.set_state(tuple(states["numpy"]))
            np_state = legacy.get_state()
            steps.append(lambda: np.random.set_state(np_state))
        if "python" in states:
            version, internal, gauss = states["python"]
            py = random.Random()
            py.setstate((version, tuple(internal), gauss))
            py_state = py.getstate()
            steps.append(lambda: random.setstate(py_state))
    except Exception as e:  # each library raises its own types for a malformed state
        raise CheckpointError(f"{where}: a random generator's state is malformed "
                              f"({type(e).__name__}: {e})") from e

    def commit() -> None:
        for step in steps:
            step()

    return commit


def save_checkpoint(path: str | os.PathLike, model: Any, optimizer: Any = None,
                    scheduler: Any = None, epoch: int = 0, history: Any = None,
                    meta: Mapping[str, Any] | None = None,
                    trainer_state: Mapping[str, Any] | None = None,
                    rng: bool = True) -> str:
    """Write a checkpoint atomically to ``path`` (``.npz``, or ``.safetensors`` when that
    optional package is installed) and return the path.

    ``epoch`` counts the finished epochs; ``history`` is a :class:`History` or a list of rows;
    ``meta`` and ``trainer_state`` are JSON-like dicts. ``rng=True`` saves the random
    generators' states as they are now, i.e. the states the next epoch starts from.

    >>> import os, tempfile
    >>> from scratchgrad import nn
    >>> p = save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.npz"), nn.Linear(3, 2))
    >>> sorted(load_checkpoint(p)["model"])
    ['bias', 'weight']
    """
    rows = getattr(history, "rows", history)
    state = {
        "kind": _KIND,
        "version": _VERSION,
        "epoch": int(epoch),
        "model_class": type(model).__name__,
        "model": dict(model.state_dict()),
        "optimizer_class": type(optimizer).__name__ if optimizer is not None else None,
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler_class": type(scheduler).__name__ if scheduler is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "history": list(rows) if rows is not None else [],
        "rng": get_rng_states() if rng else None,
        "trainer": dict(trainer_state or {}),
        "meta": dict(meta or {}),
    }
    save(state, path)
    return os.fspath(path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint as a dict (arrays as NumPy arrays) without applying it anywhere.

    Raises ``FileNotFoundError`` when there is no file, :class:`CheckpointError` naming the
    file when it is corrupt or is not a checkpoint.

    >>> import os, tempfile
    >>> from scratchgrad import nn
    >>> p = save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.npz"), nn.Linear(3, 2), epoch=5)
    >>> load_checkpoint(p)["epoch"]
    5
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT_NAME)
    try:
        state = load(path)
    except CheckpointError:
        raise
    except SerializationError as e:
        raise CheckpointError(str(e)) from e
    if not isinstance(state, dict) or state.get("kind") != _KIND:
        raise CheckpointError(f"{path} is a scratchgrad file but not a training checkpoint "
                              f"(expected kind {_KIND!r}, found "
                              f"{state.get('kind') if isinstance(state, dict) else type(state)})")
    version = state.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise CheckpointError(f"{path}: the checkpoint version should be an integer, found "
                              f"{show(version)}")
    if version > _VERSION:
        raise CheckpointError(f"{path} has checkpoint version {version}, newer than this "
                              f"scratchgrad reads ({_VERSION}); upgrade scratchgrad")
    state["path"] = path
    return state


def restore_checkpoint(path_or_state: str | os.PathLike | Mapping[str, Any], model: Any,
                       optimizer: Any = None, scheduler: Any = None,
                       rng: bool = True) -> dict[str, Any]:
    """Load a checkpoint into ``model`` (and ``optimizer``, ``scheduler``, the random
    generators when ``rng``) and return it as a dict (``epoch``, ``history``, ``meta``...).

    All or nothing: every part is checked and converted before any is applied (the model's
    names, shapes and dtypes, the optimizer's groups, options and per-parameter state, the
    scheduler's attributes, the epoch, the history rows, the generators' states). Anything
    wrong raises :class:`CheckpointError` naming the file, the part and the key, and nothing
    has changed. (A model, optimizer or scheduler class that overrides ``load_state_dict``
    itself is loaded by that method after the others, so it is checked only by itself.)

    >>> import os, tempfile
    >>> from scratchgrad import nn
    >>> p = save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.npz"), nn.Linear(3, 2))
    >>> try:
    ...     restore_checkpoint(p, nn.Linear(4, 2))
    ... except CheckpointError as e:
    ...     print("size mismatch for weight" in str(e))
    True
    """
    state = path_or_state if isinstance(path_or_state, Mapping) \
        else load_checkpoint(path_or_state)
    where = state.get("path", "the checkpoint")
    # Check everything that can be checked before changing anything.
    for obj, key in ((optimizer, "optimizer"), (scheduler, "scheduler")):
        if obj is None:
            continue
        if state.get(key) is None:
            raise CheckpointError(f"the checkpoint {where} has no {key} state, but a "
                                  f"{type(obj).__name__} was given to restore it into")
        saved = state.get(key + "_class")
        if saved and saved != type(obj).__name__:
            raise CheckpointError(f"the checkpoint {where} holds the state of a {saved} "
                                  f"{key}, not of a {type(obj).__name__}")
    try:
        epoch = count("'epoch'", state.get("epoch", 0))
        history = state.get("history") or []
        if not isinstance(history, list) or not all(
                isinstance(r, Mapping) and all(isinstance(k, str) for k in r) for r in history):
            raise TypeError(f"'history': expected a list of rows (dicts of column -> value), "
                            f"found {show(history)}")
        for key in ("meta", "trainer"):
            if not isinstance(state.get(key) or {}, Mapping):
                raise TypeError(f"{key!r}: expected a dict, found {show(state[key])}")
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"the checkpoint {where}: {e}") from e

    commits: list[Callable[[], None]] = []
    custom: list[Callable[[], None]] = []  # objects with their own load_state_dict: last
    parts = [(model, "model", Module, f"the checkpoint {where} does not fit this model (it was "
              f"saved from a {state.get('model_class')}, this is a {type(model).__name__}):\n")]
    if optimizer is not None:
        parts.append((optimizer, "optimizer", Optimizer,
                      f"the optimizer state in {where} does not fit this optimizer: "))
    if scheduler is not None:
        parts.append((scheduler, "scheduler", LRScheduler,
                      f"the scheduler state in {where} does not fit this scheduler: "))
    for obj, key, base, message in parts:
        if not (isinstance(obj, base) and type(obj).load_state_dict is base.load_state_dict):
            custom.append(lambda obj=obj, key=key: obj.load_state_dict(state[key]))
            continue
        try:
            commit = obj._prepare_load_state_dict(state[key])
        except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as e:
            raise CheckpointError(message + str(e)) from e
        commits.append(commit[0] if isinstance(commit, tuple) else commit)  # Module: + keys
    if rng and state.get("rng"):
        commits.append(_prepare_rng_states(state["rng"], f"the checkpoint {where}"))

    for commit in commits:  # nothing below can fail on a bad value
        commit()
    for load_custom in custom:
        load_custom()
    restored = dict(state)
    restored["epoch"] = epoch
    return restored
