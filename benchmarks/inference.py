"""Inference throughput of the CNN of ``cnn.py``: eval mode, no gradient recording, at one
batch size (``--batch 1`` for latency-bound serving, ``--batch 256`` for bulk scoring).

Each framework builds the network with its own seeded initial weights (speed does not depend
on them), switches to evaluation mode and runs ``--batches`` forward passes over consecutive
Fashion-MNIST training images, interleaved with the other frameworks; the figure is the time
of those passes, and images per second follow from it. scratchgrad runs under
``scratchgrad.no_grad()``, PyTorch under ``torch.no_grad()`` (2 threads), DeZero (weights cast
to float32) under ``dezero.no_grad()``. When ``scratchgrad.compile`` exists, "scratchgrad
compiled" runs the same forward through it (made afresh each repetition: tracing included).

    python benchmarks/inference.py [--batch 256] [--batches 20] [--repeats 7] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (COMPILED, NO_COMPILE, add_suite_arguments, has_compile,  # noqa: E402
                     import_dezero, import_torch, limit_threads, measure, timed, wanted)

limit_threads()
import numpy as np  # noqa: E402

import cnn  # noqa: E402
import fashion  # noqa: E402
import scratchgrad as sg  # noqa: E402


def _inputs(batch: int, batches: int) -> list[np.ndarray]:
    x, _ = fashion.load(images=True)
    if batch * batches > len(x):
        raise SystemExit(f"inference: {batches} batches of {batch} need {batch * batches} "
                         f"images; the training set has {len(x)}")
    return [x[i * batch:(i + 1) * batch] for i in range(batches)]


def run_scratchgrad(xs: list[np.ndarray]) -> float:
    sg.manual_seed(0)
    model = cnn.build_scratchgrad().eval()

    def loop() -> None:
        with sg.no_grad():
            for xb in xs:
                out = model(sg.from_numpy(xb))
        assert out.dtype == np.float32 and out.grad_fn is None

    return timed(loop)


def run_compiled(xs: list[np.ndarray], notes: dict) -> float:
    sg.manual_seed(0)
    model = cnn.build_scratchgrad().eval()

    def predict(xb):
        with sg.no_grad():
            return model(xb)

    forward = sg.compile(predict)
    first = [0.0]

    def loop() -> None:
        for i, xb in enumerate(xs):
            t0 = time.perf_counter()
            forward(sg.from_numpy(xb))
            if i == 0:
                first[0] = time.perf_counter() - t0

    seconds = timed(loop)
    notes[COMPILED] = f"first call (tracing included) {first[0]:.3f} s"
    return seconds


def run_torch(torch, xs: list[np.ndarray]) -> float:
    torch.manual_seed(0)
    model = cnn.build_torch(torch).eval()

    def loop() -> None:
        with torch.no_grad():
            for xb in xs:
                model(torch.from_numpy(xb))

    return timed(loop)


def run_dezero(dezero, xs: list[np.ndarray]) -> float:
    np.random.seed(0)
    model = cnn.build_dezero(dezero)
    fashion.dezero_cast_params(model, "float32")

    def loop() -> None:
        with dezero.no_grad(), dezero.test_mode():
            for xb in xs:
                out = model(xb)
        assert out.data.dtype == np.float32

    return timed(loop)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256, help="images per forward pass")
    p.add_argument("--batches", type=int, default=20, help="forward passes per timing")
    p.add_argument("--repeats", type=int, default=7, help="interleaved repetitions")
    p.add_argument("--json", help="write the figures to this JSON file")
    add_suite_arguments(p)
    args = p.parse_args(argv)
    xs = _inputs(args.batch, args.batches)
    notes: dict[str, str] = {}
    runners = {}
    if wanted("scratchgrad", args.only):
        runners["scratchgrad"] = lambda: run_scratchgrad(xs)
    if has_compile() and wanted(COMPILED, args.only):
        runners[COMPILED] = lambda: run_compiled(xs, notes)
    torch = import_torch() if wanted("pytorch", args.only) else None
    if torch is not None:
        runners["pytorch"] = lambda: run_torch(torch, xs)
    dezero = import_dezero() if wanted("dezero", args.only) else None
    if dezero is not None:
        runners["dezero (float32)"] = lambda: run_dezero(dezero, xs)
    if not has_compile():
        print(f"{COMPILED}: {NO_COMPILE}")
    images = args.batch * args.batches
    title = (f"CNN inference, batch {args.batch}: {args.batches} forward passes "
             f"({images} images), eval mode, no grad")
    figures = measure(title, runners, argparse.Namespace(**{**vars(args), "json": None}))
    for k, f in figures.items():
        if k in notes:
            f["note"] = notes[k]
        if "median_s" in f:
            f["images_per_s"] = images / f["median_s"]
            print(f"  {k:<20} {f['images_per_s']:,.0f} images/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures


if __name__ == "__main__":
    main()
