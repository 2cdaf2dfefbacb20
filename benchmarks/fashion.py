"""What the Fashion-MNIST training benchmarks (``mlp.py``, ``cnn.py``) share: the training
images as one float32 array, the batch order every framework follows, and DeZero kept in
float32.

Every framework slices its batches from the same NumPy arrays in the same order, so the time
measured is the framework's training step, not its data pipeline. All three share one process,
so glibc malloc's thresholds are pinned first (:func:`pin_malloc_thresholds`): otherwise, once
PyTorch has trained, NumPy's large temporaries are page-faulted in afresh at every step and the
NumPy frameworks are timed 1.2-2x slow for a reason that is not theirs.

Keeping DeZero 0.0.13 in float32 under NumPy 2. Under NumPy 2's promotion rules (NEP 50) a
NumPy float64 scalar or a 0-d float64 array is no longer "weak": a float32 array times either
gives float64. DeZero meets both:

* its initialisers multiply float32 weights by ``np.sqrt(1 / fan_in)`` (a float64 scalar), so
  the weights start as float64 -> :func:`dezero_cast_params` casts them back;
* ``SoftmaxCrossEntropy.backward`` scales by ``1/N`` through ``gy *= 1/N``, which DeZero wraps as
  a 0-d float64 array, so every gradient below the loss - the whole backward pass - is float64
  even with float32 weights -> :func:`dezero_loss` scales by a float32 instead;
* int64 labels make ``y - one_hot`` float64 -> :func:`dezero_labels` gives int8.

The variants a benchmark can run (``--dezero-variant``):

* ``float32``: all three fixes; forward and backward in float32 (the default: the fair one);
* ``params32``: weights cast and int8 labels only (the variant ANCHORS.md describes); the
  forward runs in float32 but the backward in float64;
* ``as-is``: DeZero as it comes (float64 weights and backward).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Callable, Iterator

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import (COMPILED, NO_COMPILE, add_suite_arguments, has_compile,  # noqa: E402
                     import_dezero, import_torch, measure, timed, wanted)

from scratchgrad.data import FashionMNIST  # noqa: E402

_cache: dict[bool, tuple[np.ndarray, np.ndarray]] = {}


def load(images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 60,000 training samples: x float32 in [0, 1], shaped (N, 784), or (N, 1, 28, 28)
    with ``images``; y int64 (N,). Loaded once per process."""
    if images not in _cache:
        if False not in _cache:
            ds = FashionMNIST(train=True)
            x = ds.data.reshape(len(ds), 784).astype(np.float32) / np.float32(255)
            _cache[False] = (x, ds.targets.astype(np.int64))
        x, y = _cache[False]
        _cache[True] = (x.reshape(-1, 1, 28, 28), y)
    return _cache[images]


def batch_indices(n: int, batch_size: int, steps: int, seed: int = 0) -> Iterator[np.ndarray]:
    """``steps`` batches of indices into ``n`` samples: shuffled epochs one after the other,
    the last batch of an epoch smaller when ``batch_size`` does not divide ``n`` (as a
    DataLoader without ``drop_last`` gives it)."""
    rng = np.random.default_rng(seed)
    done = 0
    while True:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            if done == steps:
                return
            yield order[start:start + batch_size]
            done += 1


def epoch_steps(n: int, batch_size: int) -> int:
    """Steps in one epoch without ``drop_last``: 469 for 60,000 samples at batch 128."""
    return -(-n // batch_size)


# ---------------------------------------------------------------------- DeZero in float32
DEZERO_VARIANTS = ("float32", "params32", "as-is")


def dezero_cast_params(model, variant: str) -> None:
    """Cast a DeZero model's parameters to float32 unless ``variant`` is ``as-is``."""
    if variant != "as-is":
        for p in model.params():
            p.data = p.data.astype(np.float32)


def dezero_labels(y: np.ndarray, variant: str) -> np.ndarray:
    """Class labels as DeZero's loss should get them: int8 (so the one-hot it builds from them
    does not promote the gradient), or int64 for ``as-is``."""
    return y.astype(np.int64 if variant == "as-is" else np.int8)


def dezero_loss(variant: str):
    """DeZero's softmax cross-entropy, with the float32 backward for the ``float32`` variant."""
    import dezero.functions as F

    if variant != "float32":
        return F.softmax_cross_entropy

    class SoftmaxCrossEntropy32(F.SoftmaxCrossEntropy):
        """DeZero's own backward, with ``1/N`` as a float32 so the gradient stays float32."""

        def backward(self, gy):
            x, t = self.inputs
            N, n_classes = x.shape
            gy = gy * np.float32(1 / N)
            y = F.softmax(x)
            t_onehot = np.eye(n_classes, dtype=t.dtype)[t.data]
            return (y - t_onehot) * gy

    return lambda x, t: SoftmaxCrossEntropy32()(x, t)


def dezero_grad_dtypes(model) -> str:
    """The dtypes of the model's gradients after a backward, e.g. ``'float32'``."""
    return "/".join(sorted({str(p.grad.dtype) for p in model.params() if p.grad is not None}))


# ---------------------------------------------------------------------- the allocator
def pin_malloc_thresholds() -> bool:
    """Fix glibc malloc's mmap and trim thresholds at 64 MB and 256 MB; True if it could.

    Why: once PyTorch has trained in a process, glibc stops reusing freed heap memory for
    NumPy's large temporaries (each one is mmapped and unmapped, or the heap top trimmed and
    regrown), so every temporary is page-faulted in again: measured on the MLP epoch, DeZero
    went from 0 to about 670,000 minor page faults and from 1.0 s to 1.7-3.2 s, and scratchgrad
    slowed less. A NumPy-only process never sees this, because glibc raises its thresholds
    itself as large blocks are freed. Pinning them gives every framework the allocator of a
    process of its own. Only glibc (Linux) has ``mallopt``; elsewhere nothing changes.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
        return bool(libc.mallopt(m_mmap_threshold, 64 << 20)
                    and libc.mallopt(m_trim_threshold, 256 << 20))
    except (OSError, AttributeError):
        return False


# ---------------------------------------------------------------------- the benchmark
def add_arguments(p: argparse.ArgumentParser, steps: int, repeats: int,
                  batch_size: int = 128) -> None:
    """The flags the Fashion-MNIST training benchmarks take."""
    p.add_argument("--steps", type=int, default=steps, help="training steps per run")
    p.add_argument("--batch-size", type=int, default=batch_size, help="samples per step")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    p.add_argument("--repeats", type=int, default=repeats, help="interleaved repetitions")
    p.add_argument("--warmup", type=int, default=10, help="steps per framework before timing")
    p.add_argument("--dezero-variant", choices=DEZERO_VARIANTS, default="float32",
                   help="how DeZero's dtypes are kept (see benchmarks/fashion.py)")
    p.add_argument("--default-malloc", action="store_true",
                   help="leave glibc malloc's thresholds alone (see pin_malloc_thresholds)")
    p.add_argument("--json", help="write the figures to this JSON file")
    add_suite_arguments(p)


def run(title: str, images: bool, build_scratchgrad: Callable[[], Any],
        build_torch: Callable[[Any], Any] | None, build_dezero: Callable[[Any], Any] | None,
        args: argparse.Namespace) -> dict[str, Any]:
    """Train each framework's model for ``args.steps`` Adam steps on the same batches, timed,
    ``args.repeats`` times interleaved after a warm-up; print and return the figures.

    The model and the optimizer are built before the clock starts (a fresh seeded model each
    repetition); the clock covers slicing the batches, forward, loss, backward and the update.
    ``build_torch(torch)`` / ``build_dezero(dezero)`` are skipped when the framework is missing.
    When ``scratchgrad.compile`` exists, "scratchgrad compiled" runs the same step through it:
    the compiled function is made afresh with each fresh model, so its clock includes the
    first call's tracing; that first call is also timed on its own (``first_call_s``).
    """
    import scratchgrad as sg
    import scratchgrad.nn.functional as sgF

    x, y = load(images)
    final_loss: dict[str, float] = {}
    notes: dict[str, str] = {}

    def steps_of(n: int) -> list[np.ndarray]:
        return list(batch_indices(len(x), args.batch_size, n))

    def scratchgrad_run(n: int) -> float:
        sg.manual_seed(0)
        model = build_scratchgrad()
        opt = sg.optim.Adam(model.parameters(), lr=args.lr)
        batches = steps_of(n)

        def loop() -> None:
            for idx in batches:
                loss = sgF.cross_entropy(model(sg.from_numpy(x[idx])), sg.from_numpy(y[idx]))
                opt.zero_grad()
                loss.backward()
                opt.step()
            final_loss["scratchgrad"] = loss.item()

        return timed(loop)

    def compiled_run(n: int) -> float:
        sg.manual_seed(0)
        model = build_scratchgrad()
        opt = sg.optim.Adam(model.parameters(), lr=args.lr)
        batches = steps_of(n)

        def train_step(xb, yb):
            loss = sgF.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        step = sg.compile(train_step)
        first = [0.0]

        def loop() -> None:
            for i, idx in enumerate(batches):
                t0 = time.perf_counter()
                loss = step(sg.from_numpy(x[idx]), sg.from_numpy(y[idx]))
                if i == 0:
                    first[0] = time.perf_counter() - t0
            final_loss[COMPILED] = loss.item()

        seconds = timed(loop)
        notes[COMPILED] = f"first call (tracing included) {first[0]:.3f} s"
        return seconds

    runners: dict[str, Callable[[int], float]] = {}
    if wanted("scratchgrad", args.only):
        runners["scratchgrad"] = scratchgrad_run
    if has_compile() and wanted(COMPILED, args.only):
        runners[COMPILED] = compiled_run

    torch = import_torch() if build_torch is not None and wanted("pytorch", args.only) else None
    if torch is not None:
        def torch_run(n: int) -> float:
            torch.manual_seed(0)
            model = build_torch(torch)
            opt = torch.optim.Adam(model.parameters(), lr=args.lr)
            batches = steps_of(n)
            cross_entropy = torch.nn.functional.cross_entropy

            def loop() -> None:
                for idx in batches:
                    loss = cross_entropy(model(torch.from_numpy(x[idx])),
                                         torch.from_numpy(y[idx]))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                final_loss["pytorch"] = loss.item()

            return timed(loop)

        runners["pytorch"] = torch_run

    dezero = import_dezero() if build_dezero is not None and wanted("dezero", args.only) else None
    if dezero is not None:
        variant = args.dezero_variant
        name = f"dezero ({variant})"
        loss_fn = dezero_loss(variant)
        labels = dezero_labels(y, variant)

        def dezero_run(n: int) -> float:
            np.random.seed(0)  # DeZero draws its initial weights from NumPy's global generator
            model = build_dezero(dezero)
            dezero_cast_params(model, variant)
            opt = dezero.optimizers.Adam(alpha=args.lr).setup(model)
            batches = steps_of(n)

            def loop() -> None:
                for idx in batches:
                    loss = loss_fn(model(x[idx]), labels[idx])
                    model.cleargrads()
                    loss.backward()
                    opt.update()
                final_loss[name] = float(loss.data)

            seconds = timed(loop)
            notes[name] = f"gradients {dezero_grad_dtypes(model)}"
            return seconds

        runners[name] = dezero_run

    pinned = not args.default_malloc and pin_malloc_thresholds()
    print(f"{title}: {args.steps} steps of batch {args.batch_size}, Adam lr {args.lr}, "
          f"{args.repeats} interleaved repetitions after {args.warmup} warm-up steps; malloc "
          f"thresholds {'pinned' if pinned else 'left to glibc'}")
    if not has_compile():
        print(f"{COMPILED}: {NO_COMPILE}")
    warm = min(args.warmup, args.steps)
    figures = measure(title, {k: (lambda r=r: r(args.steps)) for k, r in runners.items()},
                      argparse.Namespace(**{**vars(args), "json": None}),
                      warmups={k: (lambda r=r: r(warm)) for k, r in runners.items()})
    for k in figures:
        figures[k]["malloc_pinned"] = pinned
        if k in final_loss:
            figures[k]["final_loss"] = final_loss[k]
        if k in notes:
            figures[k]["note"] = notes[k]
        if not args.memory and "median_s" in figures[k]:
            note = f"  ({notes[k]})" if k in notes else ""
            print(f"  {k:<20} loss after the last step {final_loss[k]:.4f}{note}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures
