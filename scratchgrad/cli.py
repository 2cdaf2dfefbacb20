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
import os
import shutil
import subprocess
import sys
import time
from typing import Any, Sequence

import numpy as np

from . import __version__, nn, optim
from . import random as sg_random
from .backend import device
from .data import DataLoader, DatasetUnavailableError, FashionMNIST, MNIST, Spiral, TensorDataset
from .models import build_model
from .optim import lr_scheduler
from .train import CHECKPOINT_NAME, CheckpointError, Trainer, load_checkpoint, plot_history
from .utils.image import PNGError, read_png, to_grayscale
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


class CLIError(Exception):
    """A problem to report as one clear line, without a traceback."""


# ---------------------------------------------------------------------- data
def _load_image_set(name: str, train: bool, root: str | None, download: bool = True) -> Any:
    spec = _IMAGE_SETS[name]
    try:
        return spec["cls"](root=root, train=train, download=download)
    except DatasetUnavailableError as e:
        raise CLIError(f"{e}\n(or try --dataset spiral, which needs no files)") from e


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
    if not 0.0 <= args.val_split < 1.0:
        raise CLIError(f"--val-split should be in [0, 1), got {args.val_split}")
    if args.limit_train < 0:
        raise CLIError(f"--limit-train should be >= 0 (0 for all), got {args.limit_train}")
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


def _make_optimizer(name: str, params: Any, lr: float, weight_decay: float) -> Any:
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
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


def _rebuild(ckpt: dict[str, Any]) -> nn.Module:
    meta = ckpt.get("meta") or {}
    if "model" not in meta:
        raise CLIError(f"{ckpt.get('path')} has no model name in its metadata, so it was not "
                       "written by 'scratchgrad train'; load it in Python with "
                       "scratchgrad.train.restore_checkpoint")
    model = build_model(meta["model"], **meta.get("model_kwargs", {}))
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as e:
        raise CheckpointError(f"the checkpoint {ckpt.get('path')} does not fit the "
                              f"{meta['model']} it names:\n{e}") from e
    return model.eval()


# ---------------------------------------------------------------------- commands
def cmd_train(args: argparse.Namespace) -> dict[str, Any]:
    """Train and test one model; return the test results (used by ``demo`` too)."""
    if args.epochs < 0:
        raise CLIError(f"--epochs should be >= 0, got {args.epochs}")
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
    opt = _make_optimizer(args.optimizer, model.parameters(), lr, args.weight_decay)
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
            raise CLIError("--patience needs a validation set (--val-split > 0)")
        early = {"monitor": "val_accuracy", "patience": args.patience, "mode": "max"}

    os.makedirs(args.out, exist_ok=True)
    history = trainer.fit(train_loader, args.epochs, val_loader=val_loader,
                          checkpoint_dir=args.out, resume=args.resume, early_stopping=early)
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


def _check_same_run(path: str, run: dict[str, Any]) -> None:
    """Refuse to resume a checkpoint made with other run-defining flags: the data, its order
    or the model would differ, and the result would silently be neither run."""
    if not os.path.exists(path):
        return
    saved = load_checkpoint(path).get("meta") or {}
    flag = {"val_split": "--val-split", "limit_train": "--limit-train",
            "batch_size": "--batch-size"}
    diffs = [f"{flag.get(k, '--' + k)} {saved[k]} (now {v})" for k, v in run.items()
             if k in saved and saved[k] != v]
    if diffs:
        raise CLIError(f"cannot resume {path}: it was trained with " + ", ".join(diffs) +
                       "; resume with the same flags, or train into another --out")


def cmd_eval(args: argparse.Namespace) -> dict[str, Any]:
    """Rebuild the model of a checkpoint and print its test loss and accuracy."""
    ckpt = load_checkpoint(args.checkpoint)
    model = _rebuild(ckpt)
    meta = ckpt["meta"]
    x_test, y_test = _test_arrays(meta, args.data_root)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters()),
                      progress=False, device=args.device)
    result = trainer.evaluate(DataLoader(TensorDataset(x_test, y_test),
                                         batch_size=args.batch_size))
    print(f"{meta['model']} on {meta['dataset']} (epoch {ckpt['epoch']}): test loss "
          f"{result['loss']:.4f}  test accuracy {result['accuracy']:.4f}  "
          f"({len(y_test)} samples)")
    return result


def _prepare_image(path: str, meta: dict[str, Any], invert: str) -> np.ndarray:
    image = to_grayscale(read_png(path))
    if image.shape != (28, 28):
        raise CLIError(f"{path} is {image.shape[1]}x{image.shape[0]} pixels; the model "
                       "expects 28x28 (resize it first, e.g. with any image editor)")
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
    ckpt = load_checkpoint(args.checkpoint)
    meta = ckpt.get("meta") or {}
    if meta.get("dataset") not in _IMAGE_SETS:
        raise CLIError(f"{ckpt['path']} is a model of the {meta.get('dataset')!r} set, not an "
                       "image classifier; predict needs a fashion-mnist or mnist checkpoint")
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
    result = cmd_train(train_args)
    print(f"demo done: {model} on {dataset}, test accuracy {result['accuracy']:.2%}; see "
          f"{os.path.join(args.out, 'curves.png')}. Next: scratchgrad eval "
          f"{os.path.join(args.out, CHECKPOINT_NAME)}")
    return result


# ---------------------------------------------------------------------- parser
def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


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
    parser = argparse.ArgumentParser(
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
    t.add_argument("--epochs", type=int, default=5,
                   help="total number of epochs (with --resume, counted from the start of the "
                        "run). Default: %(default)s")
    t.add_argument("--batch-size", type=_positive_int, default=128,
                   help="samples per training step. Default: %(default)s")
    t.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="adam",
                   help="sgd (with momentum 0.9), adam, or adamw (decoupled weight decay). "
                        "Default: %(default)s")
    t.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: 0.05 for sgd, 0.001 for adam and adamw)")
    t.add_argument("--weight-decay", type=float, default=0.0,
                   help="L2 penalty (adamw: decoupled decay). Default: %(default)s")
    t.add_argument("--scheduler", choices=("none", "cosine", "plateau", "onecycle"),
                   default="none",
                   help="learning-rate schedule: cosine annealing over the epochs, halving on a "
                        "plateau of the validation loss, or one-cycle (stepped per batch). "
                        "Default: %(default)s")
    t.add_argument("--seed", type=int, default=0,
                   help="random seed for initialisation, shuffling, dropout and the "
                        "train/validation split. Default: %(default)s")
    t.add_argument("--val-split", type=float, default=0.1,
                   help="fraction of the training set held out for validation (0 for none). "
                        "Default: %(default)s")
    t.add_argument("--patience", type=int, default=None,
                   help="stop early when the validation accuracy has not improved for this "
                        "many epochs (default: never)")
    t.add_argument("--limit-train", type=int, default=0, metavar="N",
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
    e.add_argument("--batch-size", type=_positive_int, default=512,
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
    p.add_argument("--top-k", type=_positive_int, default=3,
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
    d.add_argument("--epochs", type=int, default=2, help="Default: %(default)s")
    d.add_argument("--batch-size", type=_positive_int, default=128,
                   help="Default: %(default)s")
    d.add_argument("--limit-train", type=int, default=0, metavar="N",
                   help="train on the first N images only (0: all 54,000, about a minute per "
                        "epoch on a laptop CPU). Default: %(default)s")
    d.add_argument("--seed", type=int, default=0, help="Default: %(default)s")
    d.add_argument("--out", default=os.path.join("runs", "demo"), metavar="DIR",
                   help="Default: %(default)s")
    d.add_argument("--quiet", action="store_true", help="print only the results")
    _add_common(d)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``scratchgrad`` command with ``argv`` (default ``sys.argv[1:]``); return the
    exit status: 0 on success, 1 for an error explained on stderr, 130 on Ctrl-C.

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     status = main(["eval", "/nonexistent/checkpoint.npz"])
    >>> status, err.getvalue().split(":")[:2]
    (1, ['scratchgrad eval', ' error'])
    """
    args = build_parser().parse_args(argv)
    if getattr(args, "out", "") is None:
        args.out = os.path.join("runs", f"{args.dataset}-{args.model}")
    commands = {"train": cmd_train, "eval": cmd_eval, "predict": cmd_predict, "demo": cmd_demo}
    try:
        _check_device(args.device)
        commands[args.command](args)
    except (CLIError, CheckpointError, SerializationError, PNGError, FileNotFoundError) as e:
        print(f"scratchgrad {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nscratchgrad {args.command}: interrupted"
              f"{'; continue with --resume' if args.command == 'train' else ''}",
              file=sys.stderr)
        return 130
    return 0
