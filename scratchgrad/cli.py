"""The ``scratchgrad`` command: train, evaluate and use image classifiers from the shell.

::

    scratchgrad train --dataset fashion-mnist --model cnn --epochs 5 --out runs/cnn
    scratchgrad eval runs/cnn/checkpoint.npz
    scratchgrad predict runs/cnn/checkpoint.npz shirt.png
    scratchgrad demo

``train`` writes ``checkpoint.npz``, ``history.csv``, ``history.json`` and ``curves.png`` under
``--out``. The checkpoint records the model's name and arguments, the dataset and the input
normalisation, so ``eval`` and ``predict`` rebuild everything from it alone.

>>> import tempfile
>>> main(["train", "--dataset", "spiral", "--epochs", "1", "--out", tempfile.mkdtemp(),
...       "--quiet"])  # doctest: +ELLIPSIS
test accuracy ... test samples)
0
"""
from __future__ import annotations

import argparse
import inspect
import math
import os
import reprlib
import shutil
import subprocess
import sys
import time
from typing import Any, Callable, NoReturn, Sequence

import numpy as np

from . import __version__, nn, optim
from . import random as sg_random
from .backend import device, keep_freed_memory
from .data import (DataLoader, DatasetUnavailableError, FashionMNIST, IDXError, MNIST, Spiral,
                   TensorDataset)
from .models import MODELS, build_model
from .optim import lr_scheduler
from .train import CHECKPOINT_NAME, CheckpointError, Trainer, load_checkpoint, plot_history
from .utils.image import PNGError, png_size, read_png, to_grayscale
from .utils.serialization import SerializationError

__all__ = ["main", "build_parser"]

# Per-pixel mean and standard deviation of each training set (after scaling to [0, 1]); fixed
# constants rather than recomputed, so a checkpoint's normalisation never depends on a subset.
_IMAGE_SETS = {
    "fashion-mnist": {"cls": FashionMNIST, "mean": 0.2860, "std": 0.3530},
    "mnist": {"cls": MNIST, "mean": 0.1307, "std": 0.3081},
}
DATASETS = ("fashion-mnist", "mnist", "spiral")
_DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3}
_SPIRAL_TRAIN_PER_CLASS, _SPIRAL_TEST_PER_CLASS = 300, 100
_SPIRAL_DEMO_EPOCHS = 60


# Bounds on the numbers a user types. They are far above any sensible run and exist so that a
# typo (10**12 for 10**2) is an error at once rather than a run that never ends.
_MAX_EPOCHS = 100_000
_MAX_BATCH = 1 << 20
# NumPy's legacy generator, which the CLI seeds too (for user code), takes 32-bit seeds.
_MAX_SEED = 2**32 - 1
# A training loss this many times worse than guessing uniformly (ln of the number of classes)
# means the weights have blown up even while the numbers stay finite (Adam with --lr 1e6).
_DIVERGED_FACTOR = 1000.0
# A 28x28 PNG takes a few KB; even with large metadata chunks 16 MiB is generous.
_MAX_IMAGE_BYTES = 16 << 20


class CLIError(Exception):
    """A problem to report as one clear line, without a traceback: what the user gave cannot
    be used (a bad flag, file or checkpoint). Exit status 2, as for a usage error."""

    status = 2


class RunFailed(CLIError):
    """The run started but failed (the training diverged). Exit status 1."""

    status = 1


def _one_line(message: object, limit: int = 2000) -> str:
    """``message`` as one line (the parts of a multi-line message joined by '; '), cut at
    ``limit`` characters: whatever a loader raised, the user sees a single readable line."""
    parts = [ln.strip() for ln in str(message).splitlines() if ln.strip()]
    text = ""
    for part in parts:
        text += (" " if text.endswith(":") else "; " if text else "") + part
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    return text or type(message).__name__


def _short(value: Any) -> str:
    """A bounded repr of a value read from a file (a list of a million numbers prints as a
    few of them and '...')."""
    return reprlib.repr(value)


# ---------------------------------------------------------------------- data
def _load_image_set(name: str, train: bool, root: str | None, download: bool = True) -> Any:
    spec = _IMAGE_SETS[name]
    try:
        ds = spec["cls"](root=root, train=train, download=download)
    except DatasetUnavailableError as e:
        raise CLIError(f"{e}\n(or try --dataset spiral, which needs no files)") from e
    # The IDX reader checks the format; what the models need (28x28 images, labels that are
    # classes) is checked here, or a stray file would fail deep inside the first batch.
    where = f"{name} {'training' if train else 'test'} set in {ds.folder}"
    if ds.data.ndim != 3 or ds.data.shape[1:] != (28, 28) or len(ds.data) == 0:
        raise CLIError(f"the {where}: expected 28x28 images, found an array of shape "
                       f"{ds.data.shape}")
    n_classes = len(spec["cls"].classes)
    if ds.targets.min() < 0 or ds.targets.max() >= n_classes:
        raise CLIError(f"the {where}: expected labels from 0 to {n_classes - 1}, found labels "
                       f"from {ds.targets.min()} to {ds.targets.max()}")
    return ds


def _normalize(images: np.ndarray, mean: float, std: float) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), scaled to [0, 1] then standardised."""
    x = images.astype(np.float32) / np.float32(255.0)
    return ((x - np.float32(mean)) / np.float32(std))[:, None, :, :]


def _dataset_meta(name: str, seed: int) -> dict[str, Any]:
    if name == "spiral":
        return {"dataset": "spiral", "classes": ["arm 0", "arm 1", "arm 2"], "input_shape": [2],
                "normalization": None, "test_seed": seed + 1}
    spec = _IMAGE_SETS[name]
    classes = list(spec["cls"].classes)
    return {"dataset": name, "classes": classes, "input_shape": [1, 28, 28],
            "normalization": {"mean": spec["mean"], "std": spec["std"]}}


def _test_arrays(meta: dict[str, Any], root: str | None) -> tuple[np.ndarray, np.ndarray]:
    if meta["dataset"] == "spiral":
        ds = Spiral(num_samples_per_class=_SPIRAL_TEST_PER_CLASS, seed=meta["test_seed"])
        return ds.data, ds.targets
    ds = _load_image_set(meta["dataset"], False, root)
    norm = meta["normalization"]
    return _normalize(ds.data, norm["mean"], norm["std"]), ds.targets


_Arrays = tuple[np.ndarray, np.ndarray]


def _train_val_arrays(args: argparse.Namespace) -> tuple[_Arrays, _Arrays | None]:
    """The (inputs, targets) of the training and validation parts, prepared for the model."""
    if args.dataset == "spiral":
        ds = Spiral(num_samples_per_class=_SPIRAL_TRAIN_PER_CLASS, seed=args.seed)
        x, y = ds.data, ds.targets
    else:
        ds = _load_image_set(args.dataset, True, args.data_root)
        spec = _IMAGE_SETS[args.dataset]
        x, y = ds.data, ds.targets
    # The split comes from its own seeded generator, so it is the same on --resume whatever
    # the global generator holds.
    order = np.random.default_rng(args.seed).permutation(len(y))
    n_val = int(round(args.val_split * len(y)))
    val_idx, train_idx = order[:n_val], order[n_val:]
    if args.limit_train:
        train_idx = train_idx[:args.limit_train]
        val_idx = val_idx[:max(args.limit_train // 4, 1)] if n_val else val_idx
    train_idx, val_idx = np.sort(train_idx), np.sort(val_idx)
    if args.dataset != "spiral":
        prep = lambda idx: _normalize(x[idx], spec["mean"], spec["std"])  # noqa: E731
    else:
        prep = lambda idx: x[idx]  # noqa: E731
    train = (prep(train_idx), y[train_idx])
    val = (prep(val_idx), y[val_idx]) if n_val else None
    return train, val


# ---------------------------------------------------------------------- models and optimizers
def _model_kwargs(model: str, dataset: str) -> dict[str, Any]:
    if dataset == "spiral":
        if model != "mlp":
            raise CLIError(f"--model {model} needs images; the spiral set is 2-D points, use "
                           "--model mlp")
        return {"in_features": 2, "hidden": [64, 64], "num_classes": 3}
    return {} if model == "cnn" else {"in_features": 784, "hidden": [256, 256],
                                      "num_classes": 10}


def _make_optimizer(name: str, params: Any, lr: float, weight_decay: float,
                    momentum: float | None = None) -> Any:
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9 if momentum is None else momentum,
                         weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    return optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def _make_scheduler(name: str, opt: Any, epochs: int, steps_per_epoch: int, lr: float
                    ) -> tuple[Any, str]:
    if name == "none":
        return None, "epoch"
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1)), "epoch"
    if name == "plateau":
        return lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1), "epoch"
    return lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(epochs * steps_per_epoch, 1),
                                   cycle_momentum=False), "batch"


# What a checkpoint's metadata may ask _rebuild to build. The metadata comes from a file, so
# only the known models are built, with their known keyword arguments, each of the right type
# and in range; anything else is refused before a single parameter is allocated.
_MAX_UNITS = 1 << 20
_MAX_LAYERS = 256


def _check_int(value: Any, lo: int, hi: int) -> bool:
    # bool is an int subclass, and True is no layer width
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) \
        and lo <= value <= hi


def _check_rate(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, (bool, np.bool_)) and 0.0 <= value < 1.0


def _check_widths(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) <= _MAX_LAYERS \
        and all(_check_int(v, 1, _MAX_UNITS) for v in value)


_KWARG_RULES: dict[str, dict[str, tuple[Callable[[Any], bool], str]]] = {
    "mlp": {"in_features": (lambda v: _check_int(v, 1, _MAX_UNITS),
                            f"an integer from 1 to {_MAX_UNITS}"),
            "hidden": (_check_widths, f"a list of at most {_MAX_LAYERS} integers from 1 to "
                                      f"{_MAX_UNITS}"),
            "num_classes": (lambda v: _check_int(v, 1, _MAX_UNITS),
                            f"an integer from 1 to {_MAX_UNITS}"),
            "dropout": (_check_rate, "a number in [0, 1)")},
    "cnn": {"in_channels": (lambda v: _check_int(v, 1, 4096), "an integer from 1 to 4096"),
            "num_classes": (lambda v: _check_int(v, 1, _MAX_UNITS),
                            f"an integer from 1 to {_MAX_UNITS}"),
            "image_size": (lambda v: _check_int(v, 4, 4096) and v % 4 == 0,
                           "a multiple of 4 from 4 to 4096"),
            "dropout": (_check_rate, "a number in [0, 1)")},
}


def _parameter_count(name: str, kw: dict[str, Any]) -> int:
    """How many parameters (weights and biases, not buffers) ``build_model(name, **kw)`` would
    allocate, computed without building it."""
    if name == "mlp":
        widths = [int(kw["in_features"]), *map(int, kw["hidden"]), int(kw["num_classes"])]
        return sum(a * b + b for a, b in zip(widths, widths[1:]))
    side = int(kw["image_size"]) // 4
    return (int(kw["in_channels"]) * 32 * 9 + 32 + 2 * 32 + 32 * 64 * 9 + 64 + 2 * 64
            + 64 * side * side * 128 + 128 + 128 * int(kw["num_classes"]) + int(kw["num_classes"]))


def _checked_meta(ckpt: dict[str, Any]) -> dict[str, Any]:
    """The metadata of a checkpoint written by 'scratchgrad train', checked field by field
    (everything eval and predict use); raises CLIError naming the file and the bad field."""
    path = ckpt.get("path")
    meta = ckpt.get("meta")
    if not isinstance(meta, dict) or "model" not in meta:
        raise CLIError(f"{path} has no model name in its metadata, so it was not written by "
                       "'scratchgrad train'; load it in Python with "
                       "scratchgrad.train.restore_checkpoint")
    name, dataset = meta["model"], meta.get("dataset")
    if not isinstance(name, str) or name not in _KWARG_RULES:
        raise CLIError(f"{path}: its metadata names the model {_short(name)}; expected one of "
                       f"{', '.join(_KWARG_RULES)}")
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise CLIError(f"{path}: its metadata names the dataset {_short(dataset)}; expected one "
                       f"of {', '.join(DATASETS)}")
    given = meta.get("model_kwargs", {})
    if not isinstance(given, dict):
        raise CLIError(f"{path}: model_kwargs in its metadata should be a dict, got "
                       f"{_short(given)}")
    rules = _KWARG_RULES[name]
    for key, value in given.items():
        if key not in rules:
            raise CLIError(f"{path}: model_kwargs names {_short(key)}, which {name} does not "
                           f"take; expected some of {', '.join(rules)}")
        check, expected = rules[key]
        if not check(value):
            size = f" ({len(value)} entries)" if isinstance(value, (list, tuple)) else ""
            raise CLIError(f"{path}: model_kwargs[{key!r}] should be {expected}, got "
                           f"{_short(value)}{size}")
    defaults = {k: p.default for k, p in inspect.signature(MODELS[name]).parameters.items()}
    kw = {**defaults, **given}
    # The model must take the dataset's inputs and give its classes, or the first batch fails.
    n_classes = 3 if dataset == "spiral" else 10
    if dataset == "spiral":
        fits = name == "mlp" and kw["in_features"] == 2
    elif name == "mlp":
        fits = kw["in_features"] == 784
    else:
        fits = kw["in_channels"] == 1 and kw["image_size"] == 28
    if not fits or kw["num_classes"] != n_classes:
        inputs = "2-D points" if dataset == "spiral" else "1x28x28 images"
        shape = _short({k: v for k, v in kw.items() if k != "dropout"})
        raise CLIError(f"{path}: its metadata describes a {name} with {shape}, which does not "
                       f"fit the {dataset} set ({inputs}, {n_classes} classes)")
    state = ckpt.get("model")
    if not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, (np.ndarray, np.generic))
            and v.dtype.kind in "biuf" for k, v in state.items()):
        raise CLIError(f"{path}: its model state should map names to numeric arrays, got "
                       f"{_short(state)}")
    stored = sum(int(np.size(v)) for v in state.values())
    needed = _parameter_count(name, kw)
    if needed > stored:
        raise CLIError(f"{path}: its metadata describes a {name} of {needed:,} parameters, but "
                       f"the checkpoint stores only {stored:,} values")
    classes = meta.get("classes")
    if not isinstance(classes, list) or len(classes) != n_classes or \
            not all(isinstance(c, str) and len(c) <= 100 for c in classes):
        raise CLIError(f"{path}: its metadata should list {n_classes} class names, got "
                       f"{_short(classes)}")
    if dataset == "spiral":
        if not _check_int(meta.get("test_seed"), 0, _MAX_SEED + 1):
            raise CLIError(f"{path}: test_seed in its metadata should be an integer from 0 to "
                           f"{_MAX_SEED + 1}, got {_short(meta.get('test_seed'))}")
    else:
        norm = meta.get("normalization")
        if not isinstance(norm, dict) or not all(
                isinstance(norm.get(k), (int, float, np.integer, np.floating))
                and not isinstance(norm[k], bool) and math.isfinite(norm[k])
                for k in ("mean", "std")) or norm["std"] <= 0:
            raise CLIError(f"{path}: normalization in its metadata should be "
                           f"{{'mean': number, 'std': positive number}}, got {_short(norm)}")
    return {**meta, "model_kwargs": given}


def _rebuild(ckpt: dict[str, Any]) -> nn.Module:
    """The model a checkpoint describes, built from its checked metadata, with its weights."""
    meta = _checked_meta(ckpt)
    model = build_model(meta["model"], **meta["model_kwargs"])
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint {ckpt.get('path')} does not fit the "
                              f"{meta['model']} it names:\n{e}") from e
    return model.eval()


# ---------------------------------------------------------------------- commands
def cmd_train(args: argparse.Namespace) -> dict[str, Any]:
    """Train and test one model; return the test results (used by ``demo`` too)."""
    if args.patience is not None and args.val_split == 0:
        raise CLIError(f"--patience {args.patience} needs a validation set; give --val-split > 0")
    if args.momentum is not None and args.optimizer != "sgd":
        raise CLIError(f"--momentum applies to --optimizer sgd only, got --optimizer "
                       f"{args.optimizer} (Adam and AdamW use their own moment estimates)")
    _check_out_dir(args.out)
    sg_random.manual_seed(args.seed)
    np.random.seed(args.seed % 2**32)
    kwargs = _model_kwargs(args.model, args.dataset)
    run = {"model": args.model, "dataset": args.dataset, "seed": args.seed,
           "val_split": args.val_split, "limit_train": args.limit_train,
           "batch_size": args.batch_size, "optimizer": args.optimizer,
           "scheduler": args.scheduler}
    if args.resume:
        _check_same_run(os.path.join(args.out, CHECKPOINT_NAME), run)
    meta = {**run, "model_kwargs": kwargs, **_dataset_meta(args.dataset, args.seed),
            "scratchgrad_version": __version__}
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))

    began = time.perf_counter()
    (x_train, y_train), val = _train_val_arrays(args)
    say(f"{args.dataset}: {len(y_train)} training samples"
        f"{f', {len(val[1])} validation' if val else ''} "
        f"(loaded in {time.perf_counter() - began:.1f}s)")
    model = build_model(args.model, **kwargs)
    lr = args.lr if args.lr is not None else _DEFAULT_LR[args.optimizer]
    opt = _make_optimizer(args.optimizer, model.parameters(), lr, args.weight_decay,
                          args.momentum)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                              shuffle=True)
    val_loader = DataLoader(TensorDataset(*val), batch_size=512) if val else None
    sched, step = _make_scheduler(args.scheduler, opt, args.epochs, len(train_loader), lr)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=not args.quiet,
                      scheduler_step=step, meta=meta, device=args.device,
                      compile=args.compile,
                      scheduler_monitor=None if val_loader else "loss")
    n_params = sum(p.numel() for p in model.parameters())
    say(f"model {args.model} ({n_params:,} parameters), {args.optimizer} lr {lr:g}, "
        f"batch {args.batch_size}, {args.epochs} epoch(s) on {args.device} -> {args.out}")
    early = None
    if args.patience is not None:
        if not val_loader:
            raise CLIError(f"--patience needs a validation set, and --val-split "
                           f"{args.val_split:g} of {len(y_train)} samples holds none; give a "
                           "larger --val-split")
        early = {"monitor": "val_accuracy", "patience": args.patience, "mode": "max"}

    os.makedirs(args.out, exist_ok=True)
    hint = f"it ran {args.optimizer} with --lr {lr:g}"
    try:
        history = trainer.fit(train_loader, args.epochs, val_loader=val_loader,
                              checkpoint_dir=args.out, resume=args.resume,
                              early_stopping=early)
    except FloatingPointError as e:  # the Trainer stops at the first non-finite batch loss
        raise RunFailed(f"the training diverged: {str(e).removeprefix('fit: ')} ({hint})"
                        ) from e
    _check_not_diverged(history, model, len(meta["classes"]), hint)
    if len(history):
        try:
            plot_history(history, os.path.join(args.out, "curves.png"),
                         title=f"{args.model} on {args.dataset}")
        except ImportError as e:
            say(f"note: no curves.png ({e})")
    x_test, y_test = _test_arrays(meta, args.data_root)
    result = trainer.evaluate(DataLoader(TensorDataset(x_test, y_test), batch_size=512))
    print(f"test accuracy {result['accuracy']:.4f}  test loss {result['loss']:.4f}  "
          f"({len(y_test)} {args.dataset} test samples)", flush=True)
    say(f"wrote {os.path.join(args.out, CHECKPOINT_NAME)}, history.csv, history.json"
        f"{', curves.png' if os.path.exists(os.path.join(args.out, 'curves.png')) else ''} "
        f"in {time.perf_counter() - began:.1f}s")
    return result


def _check_not_diverged(history: Any, model: nn.Module, n_classes: int, hint: str) -> None:
    """Raise RunFailed when training blew up without a non-finite batch loss: the last step
    made the weights inf/nan, or the loss ran far past that of guessing (see _DIVERGED_FACTOR)."""
    for name, p in model.named_parameters():
        if not np.isfinite(p.detach().cpu().numpy()).all():
            raise RunFailed(f"the training diverged: the parameter {name} holds inf or nan "
                            f"after the last epoch; lower the learning rate ({hint})")
    last = history["loss"][-1] if len(history) and "loss" in history else None
    limit = _DIVERGED_FACTOR * math.log(max(n_classes, 2))
    if isinstance(last, float) and not last <= limit:
        raise RunFailed(f"the training diverged: the mean training loss of the last epoch is "
                        f"{last:.4g}, over {_DIVERGED_FACTOR:g} times that of guessing "
                        f"uniformly ({math.log(max(n_classes, 2)):.3f}); lower the learning "
                        f"rate ({hint})")


def _check_out_dir(out: str) -> None:
    """Refuse an --out that cannot become the run folder before any time is spent on data."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise CLIError(f"--out {out} is a file; expected a folder for the run (it is created "
                       "when missing)")
    parent = os.path.abspath(out)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise CLIError(f"--out {out}: {parent} is a file, so the run folder cannot be created "
                       "under it")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"--out {out}: no permission to write in {parent}")


def _check_same_run(path: str, run: dict[str, Any]) -> None:
    """Refuse to resume a checkpoint made with other run-defining flags: the data, its order
    or the model would differ, and the result would silently be neither run."""
    if not os.path.exists(path):
        return
    saved = load_checkpoint(path).get("meta")
    saved = saved if isinstance(saved, dict) else {}
    flag = {"val_split": "--val-split", "limit_train": "--limit-train",
            "batch_size": "--batch-size"}
    diffs = [f"{flag.get(k, '--' + k)} {_short(saved[k])} (now {v})" for k, v in run.items()
             if k in saved and saved[k] != v]
    if diffs:
        raise CLIError(f"cannot resume {path}: it was trained with " + ", ".join(diffs) +
                       "; resume with the same flags, or train into another --out")


def _load_run_checkpoint(given: str) -> dict[str, Any]:
    """load_checkpoint, with a clear error for a path that is neither a checkpoint file nor a
    run folder holding one."""
    if not os.path.exists(given):
        raise CLIError(f"{given}: no such file or folder; expected a checkpoint.npz written by "
                       "'scratchgrad train', or its run folder")
    if os.path.isdir(given) and not os.path.isfile(os.path.join(given, CHECKPOINT_NAME)):
        raise CLIError(f"{given} is a folder without a {CHECKPOINT_NAME}; expected a checkpoint "
                       "file, or the --out folder of 'scratchgrad train'")
    return load_checkpoint(given)


def cmd_eval(args: argparse.Namespace) -> dict[str, Any]:
    """Rebuild the model of a checkpoint and print its test loss and accuracy."""
    ckpt = _load_run_checkpoint(args.checkpoint)
    model = _rebuild(ckpt)
    meta = ckpt["meta"]
    x_test, y_test = _test_arrays(meta, args.data_root)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters()),
                      progress=False, device=args.device)
    result = trainer.evaluate(DataLoader(TensorDataset(x_test, y_test),
                                         batch_size=args.batch_size))
    print(f"{meta['model']} on {meta['dataset']} (epoch {_short(ckpt.get('epoch'))}): test loss "
          f"{result['loss']:.4f}  test accuracy {result['accuracy']:.4f}  "
          f"({len(y_test)} samples)")
    return result


def _prepare_image(path: str, meta: dict[str, Any], invert: str) -> np.ndarray:
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file; expected a 28x28 PNG image")
    if not os.path.isfile(path):
        raise CLIError(f"{path} is a folder; expected a 28x28 PNG image")
    size = os.path.getsize(path)
    if size > _MAX_IMAGE_BYTES:
        raise CLIError(f"{path} is {size:,} bytes; expected a 28x28 PNG image (a few KB)")
    width, height = png_size(path)  # before decoding: a huge image is refused unread
    if (width, height) != (28, 28):
        raise CLIError(f"{path} is {width}x{height} pixels; the model expects 28x28 (resize it "
                       "first, e.g. with any image editor)")
    image = to_grayscale(read_png(path))
    if invert == "yes" or (invert == "auto" and
                           np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
                           .mean() > 127):
        # The training images are light objects on a black background.
        if invert == "auto":
            print("note: the image has a light background; inverting it to match the training "
                  "data (white on black). Use --invert no to keep it as is.")
        image = 255 - image
    norm = meta["normalization"]
    return _normalize(image[None], norm["mean"], norm["std"])


def cmd_predict(args: argparse.Namespace) -> list[tuple[str, float]]:
    """Classify a 28x28 PNG with a checkpoint; print the top classes."""
    ckpt = _load_run_checkpoint(args.checkpoint)
    meta = ckpt.get("meta") if isinstance(ckpt.get("meta"), dict) else {}
    if meta.get("dataset") == "spiral":
        raise CLIError(f"{ckpt['path']} is a model of the 'spiral' set, not an image "
                       "classifier; predict needs a fashion-mnist or mnist checkpoint")
    model = _rebuild(ckpt)
    x = _prepare_image(args.image, meta, args.invert)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters()),
                      progress=False, device=args.device)
    logits = trainer.predict(x).detach().cpu().numpy()[0].astype(np.float64)
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    classes = meta["classes"]
    top = np.argsort(-probs, kind="stable")[:args.top_k]
    width = max(len(classes[i]) for i in top)
    print(f"{args.image}:")
    for rank, i in enumerate(top, 1):
        print(f"  {rank}. {classes[i]:<{width}}  {probs[i]:7.2%}")
    return [(classes[i], float(probs[i])) for i in top]


def _fashion_mnist_available(root: str | None) -> bool:
    try:
        FashionMNIST(root=root, train=False, download=False)
        return True
    except DatasetUnavailableError:
        return False


def _ensure_fashion_mnist(root: str | None) -> bool:
    """Find Fashion-MNIST, installing or downloading it if we can; True when it is there."""
    if _fashion_mnist_available(root):
        return True
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Fashion-MNIST not found. Running as root with apt-get, so installing the Debian "
              "package dataset-fashion-mnist (apt-get update; apt-get install -y "
              "dataset-fashion-mnist), which puts the files in "
              "/usr/share/datasets/fashion-mnist ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "dataset-fashion-mnist"],
                           check=True, env=env)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"apt-get failed ({e}); trying a download instead.", flush=True)
        if _fashion_mnist_available(root):
            return True
    print("Trying to download Fashion-MNIST ...", flush=True)
    try:
        FashionMNIST(root=root, train=True, download=True)
        FashionMNIST(root=root, train=False, download=True)
        return True
    except DatasetUnavailableError as e:
        print(f"Could not get Fashion-MNIST:\n{e}", flush=True)
        return False


def cmd_demo(args: argparse.Namespace) -> dict[str, Any]:
    """Train the CNN on Fashion-MNIST (or the MLP on the spiral set if that is missing)."""
    _check_out_dir(args.out)
    if _ensure_fashion_mnist(args.data_root):
        dataset, model = "fashion-mnist", "cnn"
    else:
        print("Falling back to the spiral set with the MLP, which needs no files. For the real "
              "demo: sudo apt-get install dataset-fashion-mnist (Debian/Ubuntu), or put the "
              "four Fashion-MNIST .gz files in a folder and pass --data-root.", flush=True)
        dataset, model = "spiral", "mlp"
        # An epoch of the spiral set is 810 points: it takes many to draw its arms apart.
        args.epochs = max(args.epochs, _SPIRAL_DEMO_EPOCHS)
    train_args = build_parser().parse_args([
        "train", "--dataset", dataset, "--model", model, "--epochs", str(args.epochs),
        "--batch-size", str(args.batch_size), "--optimizer", "adam", "--val-split", "0.1",
        "--seed", str(args.seed), "--out", args.out, "--device", args.device,
        "--limit-train", str(args.limit_train if dataset != "spiral" else 0),
        *(["--lr", "0.01"] if dataset == "spiral" else []),
        *(["--data-root", args.data_root] if args.data_root else []),
        *(["--quiet"] if args.quiet else [])])
    _check_args(train_args)
    result = cmd_train(train_args)
    print(f"demo done: {model} on {dataset}, test accuracy {result['accuracy']:.2%}; see "
          f"{os.path.join(args.out, 'curves.png')}. Next: scratchgrad eval "
          f"{os.path.join(args.out, CHECKPOINT_NAME)}")
    return result


# ---------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line on stderr, ``scratchgrad train:
    error: ...`` with exit status 2 (argparse prints the whole usage block first, which buries
    the one line that matters)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def _number(kind: type) -> Callable[[str], Any]:
    """An argparse type: ``int`` or ``float`` with a message that names the value."""
    def parse(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
    parse.__name__ = kind.__name__
    return parse


# Checked after parsing and before anything is loaded, so a typo costs no time and every
# message reads the same way: dest -> (flag, test, what the value must be).
_RULES: dict[str, tuple[str, Callable[[Any], bool], str]] = {
    "lr": ("--lr", lambda v: math.isfinite(v) and v > 0, "a positive finite number"),
    "weight_decay": ("--weight-decay", lambda v: math.isfinite(v) and v >= 0,
                     "a finite number >= 0"),
    "momentum": ("--momentum", lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "epochs": ("--epochs", lambda v: 1 <= v <= _MAX_EPOCHS,
               f"an integer from 1 to {_MAX_EPOCHS}"),
    "batch_size": ("--batch-size", lambda v: 1 <= v <= _MAX_BATCH,
                   f"an integer from 1 to {_MAX_BATCH}"),
    "seed": ("--seed", lambda v: 0 <= v <= _MAX_SEED, f"an integer from 0 to {_MAX_SEED}"),
    "val_split": ("--val-split", lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "limit_train": ("--limit-train", lambda v: v >= 0, "an integer >= 0 (0 for all)"),
    "patience": ("--patience", lambda v: v >= 0, "an integer >= 0"),
    "top_k": ("--top-k", lambda v: v >= 1, "a positive integer"),
}


def _check_args(args: argparse.Namespace) -> None:
    """Refuse numbers out of range (see _RULES) and a --data-root that is not a folder."""
    for dest, (flag, ok, expected) in _RULES.items():
        value = getattr(args, dest, None)
        if value is not None and not ok(value):  # nan fails every comparison, so it is refused
            raise CLIError(f"{flag} must be {expected}, got {value:g}" if isinstance(value, float)
                           else f"{flag} must be {expected}, got {value}")
    root = getattr(args, "data_root", None)
    if root is not None:
        if not os.path.exists(root):
            raise CLIError(f"--data-root {root}: no such folder; expected the folder holding the "
                           "dataset's IDX .gz files")
        if not os.path.isdir(root):
            raise CLIError(f"--data-root {root} is a file; expected the folder holding the "
                           "dataset's IDX .gz files")


def _device_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cpu", metavar="DEVICE",
                   help="cpu, or cuda to run on an NVIDIA GPU (needs CuPy: pip install "
                        "'scratchgrad[cuda12]'). Default: %(default)s")


def _check_device(name: str) -> None:
    """A clear CLI error for a device that does not exist here (before any data is loaded)."""
    from . import cuda  # noqa: PLC0415

    try:
        dev = device(name)
    except ValueError:
        raise CLIError(f"--device: expected cpu or cuda, got {name!r}") from None
    if dev.type == "cuda" and not cuda.is_available():
        raise CLIError(f"--device {name}: CUDA is not available ({cuda.unavailable_reason()}); "
                       "use --device cpu")


def _add_common(p: argparse.ArgumentParser) -> None:
    _device_flag(p)
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help="folder holding the dataset's IDX .gz files (default: "
                        "/usr/share/datasets/<name>, then the download cache "
                        "$SCRATCHGRAD_DATA or ~/.cache/scratchgrad)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``scratchgrad`` command (one subparser per subcommand).

    >>> build_parser().parse_args(["eval", "runs/x/checkpoint.npz"]).checkpoint
    'runs/x/checkpoint.npz'
    """
    parser = _Parser(
        prog="scratchgrad", description="Train, evaluate and use image classifiers built "
        "with scratchgrad, a deep learning framework written from scratch on NumPy.",
        epilog="Run 'scratchgrad COMMAND --help' for the flags of each command.")
    parser.add_argument("--version", action="version", version=f"scratchgrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    t = sub.add_parser("train", help="train a model and test it",
                       description="Train a model, checkpointing after every epoch, then print "
                       "its test accuracy. Writes checkpoint.npz, history.csv, history.json "
                       "and curves.png under --out.")
    t.add_argument("--dataset", choices=DATASETS, default="fashion-mnist",
                   help="fashion-mnist / mnist (28x28 images, 10 classes) or spiral (2-D "
                        "points, 3 classes, generated; needs no files). Default: %(default)s")
    t.add_argument("--model", choices=("mlp", "cnn"), default="mlp",
                   help="mlp: 784-256-256-10 with ReLU (64-64 hidden units on spiral); cnn: two "
                        "conv-BN-ReLU-maxpool blocks, then 128 units with dropout (images "
                        "only). Default: %(default)s")
    t.add_argument("--epochs", type=_number(int), default=5,
                   help="total number of epochs (with --resume, counted from the start of the "
                        "run). Default: %(default)s")
    t.add_argument("--batch-size", type=_number(int), default=128,
                   help="samples per training step. Default: %(default)s")
    t.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="adam",
                   help="sgd (with momentum 0.9), adam, or adamw (decoupled weight decay). "
                        "Default: %(default)s")
    t.add_argument("--lr", type=_number(float), default=None,
                   help="learning rate (default: 0.05 for sgd, 0.001 for adam and adamw)")
    t.add_argument("--weight-decay", type=_number(float), default=0.0,
                   help="L2 penalty (adamw: decoupled decay). Default: %(default)s")
    t.add_argument("--momentum", type=_number(float), default=None,
                   help="momentum of --optimizer sgd, in [0, 1). Default: 0.9")
    t.add_argument("--scheduler", choices=("none", "cosine", "plateau", "onecycle"),
                   default="none",
                   help="learning-rate schedule: cosine annealing over the epochs, halving on a "
                        "plateau of the validation loss, or one-cycle (stepped per batch). "
                        "Default: %(default)s")
    t.add_argument("--seed", type=_number(int), default=0,
                   help="random seed for initialisation, shuffling, dropout and the "
                        "train/validation split. Default: %(default)s")
    t.add_argument("--val-split", type=_number(float), default=0.1,
                   help="fraction of the training set held out for validation (0 for none). "
                        "Default: %(default)s")
    t.add_argument("--patience", type=_number(int), default=None,
                   help="stop early when the validation accuracy has not improved for this "
                        "many epochs (default: never)")
    t.add_argument("--limit-train", type=_number(int), default=0, metavar="N",
                   help="use only the first N training samples (and N/4 validation samples) "
                        "for a quick run; 0 uses all. Default: %(default)s")
    t.add_argument("--out", default=None, metavar="DIR",
                   help="run folder for the checkpoint, history and curves (default: "
                        "runs/<dataset>-<model>)")
    t.add_argument("--compile", action="store_true",
                   help="run the training step under scratchgrad.compile: traced once per "
                        "batch shape, then replayed without building the autograd graph; the "
                        "same results, less Python overhead per step")
    t.add_argument("--resume", action="store_true",
                   help="continue from DIR/checkpoint.npz after its last finished epoch; the "
                        "result is bit-identical to an uninterrupted run with the same flags")
    t.add_argument("--quiet", action="store_true",
                   help="print only the final test accuracy (no progress)")
    _add_common(t)

    e = sub.add_parser("eval", help="print a checkpoint's test loss and accuracy",
                       description="Rebuild the model saved in CHECKPOINT (its name, dataset "
                       "and normalisation are in the checkpoint) and evaluate it on the test "
                       "set.")
    e.add_argument("checkpoint", help="a checkpoint.npz written by 'scratchgrad train', or its "
                                      "run folder")
    e.add_argument("--batch-size", type=_number(int), default=512,
                   help="samples per forward pass. Default: %(default)s")
    _add_common(e)

    p = sub.add_parser("predict", help="classify a 28x28 PNG image",
                       description="Classify IMAGE (a 28x28 PNG; RGB and alpha are converted "
                       "to grayscale) with the model in CHECKPOINT and print the top classes "
                       "with their probabilities.")
    p.add_argument("checkpoint", help="a checkpoint.npz of a fashion-mnist or mnist model, or "
                                      "its run folder")
    p.add_argument("image", help="a 28x28 PNG (8 or 16-bit gray, gray+alpha, RGB, RGBA or "
                                 "palette, not interlaced)")
    p.add_argument("--top-k", type=_number(int), default=3,
                   help="how many classes to print. Default: %(default)s")
    _device_flag(p)
    p.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                   help="the training images are light on black: 'auto' inverts an image whose "
                        "border is mostly light. Default: %(default)s")

    d = sub.add_parser("demo", help="train the CNN on Fashion-MNIST (what 'make demo' runs)",
                       description="Train the CNN on Fashion-MNIST for a short run and write "
                       "runs/demo/{checkpoint.npz, history.csv, history.json, curves.png}. If "
                       "the dataset is missing: as root with apt-get, install the Debian "
                       "package dataset-fashion-mnist; else try a download; else fall back to "
                       "the spiral set with the MLP.")
    d.add_argument("--epochs", type=_number(int), default=2, help="Default: %(default)s")
    d.add_argument("--batch-size", type=_number(int), default=128,
                   help="Default: %(default)s")
    d.add_argument("--limit-train", type=_number(int), default=0, metavar="N",
                   help="train on the first N images only (0: all 54,000, about a minute per "
                        "epoch on a laptop CPU). Default: %(default)s")
    d.add_argument("--seed", type=_number(int), default=0, help="Default: %(default)s")
    d.add_argument("--out", default=os.path.join("runs", "demo"), metavar="DIR",
                   help="Default: %(default)s")
    d.add_argument("--quiet", action="store_true", help="print only the results")
    _add_common(d)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``scratchgrad`` command with ``argv`` (default ``sys.argv[1:]``); return the
    exit status: 0 on success, 2 for a mistake in what was given (a flag, a file, a
    checkpoint; argparse's own usage errors exit 2 too), 1 for a run that failed (the training
    diverged), 130 on Ctrl-C. Each error is one line on stderr, without a traceback.

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     status = main(["eval", "/nonexistent/checkpoint.npz"])
    >>> status, err.getvalue().split(":")[:2]
    (2, ['scratchgrad eval', ' error'])
    """
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # reported by the subcommand's parser, so the line names the subcommand
        sub = next(a for a in parser._actions if a.dest == "command").choices[args.command]
        sub.error(f"unrecognized arguments: {' '.join(unknown)}")
    if getattr(args, "out", "") is None:
        args.out = os.path.join("runs", f"{args.dataset}-{args.model}")

    def fail(status: int, message: object) -> int:
        print(f"scratchgrad {args.command}: error: {_one_line(message)}", file=sys.stderr,
              flush=True)
        return status

    commands = {"train": cmd_train, "eval": cmd_eval, "predict": cmd_predict, "demo": cmd_demo}
    try:
        # NumPy's overflow warnings would add lines to stderr; divergence is detected and
        # reported by cmd_train itself.
        with np.errstate(all="ignore"):
            _check_args(args)
            _check_device(args.device)
            keep_freed_memory()  # training and evaluation reuse their large arrays
            commands[args.command](args)
    except CLIError as e:
        return fail(e.status, e)
    # What the loaders raise for a file the user named: unreadable, corrupt, not ours, missing.
    except (SerializationError, IDXError, PNGError, DatasetUnavailableError,
            FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as e:
        return fail(2, e)
    except MemoryError as e:
        hint = "; try a smaller --batch-size" if hasattr(args, "batch_size") else ""
        return fail(1, f"out of memory ({_one_line(e)}){hint}")
    except OSError as e:  # the disk is full, a device failed...: the run failed
        return fail(1, e)
    except KeyboardInterrupt:
        print(f"\nscratchgrad {args.command}: interrupted"
              f"{'; continue with --resume' if args.command == 'train' else ''}",
              file=sys.stderr)
        return 130
    return 0
