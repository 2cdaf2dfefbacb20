"""Convolution micro-benchmark: conv + ReLU + 2x2 max-pool, forward and backward, batch 128.

The two feature layers of the reference CNN, run separately and chained:

* ``layer1``: conv(1 -> 32, 3x3, padding 1) on 28x28 inputs (no input gradient needed);
* ``layer2``: conv(32 -> 64, 3x3, padding 1) on 14x14 inputs, with the input gradient;
* ``both``: layer1 then layer2, as in a training step;
* ``conv2 only``: layer 2's convolution alone.

Backward is seeded with a fixed random gradient. scratchgrad and PyTorch (2 threads each) run
interleaved in one process; the figures are medians. Both thread pools live in that process and
each spins for a while after its work, which slows the other; ``--only`` runs one framework, so
that two processes can be compared instead.

    python benchmarks/conv_micro.py [--batch 128] [--repeats 15] [--only pytorch]
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import import_torch, interleaved, limit_threads, report, timed  # noqa: E402

limit_threads()
import numpy as np  # noqa: E402

import scratchgrad as sg  # noqa: E402
from scratchgrad.ops.conv import conv2d, max_pool2d  # noqa: E402

LAYERS = ("layer1", "layer2", "both", "conv2 only")
TITLES = {"layer1": "conv(1->32, 3x3, pad 1) + relu + maxpool2 on 28x28",
          "layer2": "conv(32->64, 3x3, pad 1) + relu + maxpool2 on 14x14, with input grad",
          "both": "layer1 then layer2",
          "conv2 only": "conv(32->64, 3x3, pad 1) alone, with input grad"}


def _data(batch: int) -> dict[str, np.ndarray]:
    r = np.random.default_rng(0)
    f = np.float32
    return {"x1": r.standard_normal((batch, 1, 28, 28), dtype=f),
            "x2": r.standard_normal((batch, 32, 14, 14), dtype=f),
            "W1": r.uniform(-1 / 3, 1 / 3, (32, 1, 3, 3)).astype(f),
            "b1": r.uniform(-1 / 3, 1 / 3, 32).astype(f),
            "W2": r.uniform(-0.06, 0.06, (64, 32, 3, 3)).astype(f),
            "b2": r.uniform(-0.06, 0.06, 64).astype(f),
            "g14": r.standard_normal((batch, 32, 14, 14), dtype=f),
            "g7": r.standard_normal((batch, 64, 7, 7), dtype=f),
            "g14x64": r.standard_normal((batch, 64, 14, 14), dtype=f)}


def runner_scratchgrad(layer: str, d: dict[str, np.ndarray]):
    x1, x2 = sg.tensor(d["x1"]), sg.tensor(d["x2"], requires_grad=True)
    W1, b1, W2, b2 = (sg.tensor(d[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2"))
    seeds = {k: sg.tensor(d[k]) for k in ("g14", "g7", "g14x64")}

    def block(x, W, b):
        return max_pool2d(sg.relu(conv2d(x, W, b, padding=1)), 2)

    def run() -> None:
        if layer == "layer1":
            block(x1, W1, b1).backward(seeds["g14"])
        elif layer == "layer2":
            block(x2, W2, b2).backward(seeds["g7"])
        elif layer == "both":
            block(block(x1, W1, b1), W2, b2).backward(seeds["g7"])
        else:
            conv2d(x2, W2, b2, padding=1).backward(seeds["g14x64"])
        for t in (x2, W1, b1, W2, b2):
            t.grad = None

    return lambda: timed(run)


def runner_torch(torch, layer: str, d: dict[str, np.ndarray]):
    F = torch.nn.functional
    x1, x2 = torch.from_numpy(d["x1"]), torch.from_numpy(d["x2"]).requires_grad_()
    W1, b1, W2, b2 = (torch.from_numpy(d[k]).requires_grad_() for k in ("W1", "b1", "W2", "b2"))
    seeds = {k: torch.from_numpy(d[k]) for k in ("g14", "g7", "g14x64")}

    def block(x, W, b):
        return F.max_pool2d(F.relu(F.conv2d(x, W, b, padding=1)), 2)

    def run() -> None:
        if layer == "layer1":
            block(x1, W1, b1).backward(seeds["g14"])
        elif layer == "layer2":
            block(x2, W2, b2).backward(seeds["g7"])
        elif layer == "both":
            block(block(x1, W1, b1), W2, b2).backward(seeds["g7"])
        else:
            F.conv2d(x2, W2, b2, padding=1).backward(seeds["g14x64"])
        for t in (x2, W1, b1, W2, b2):
            t.grad = None

    return lambda: timed(run)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=15, help="interleaved repetitions")
    p.add_argument("--layers", default=",".join(LAYERS),
                   help=f"comma-separated subset of {', '.join(LAYERS)}")
    p.add_argument("--only", choices=("scratchgrad", "pytorch"),
                   help="run one framework only (no thread-pool interference)")
    p.add_argument("--json", help="write the figures to this JSON file")
    args = p.parse_args(argv)
    d = _data(args.batch)
    torch = import_torch() if args.only != "scratchgrad" else None
    figures = {}
    for layer in args.layers.split(","):
        if layer not in LAYERS:
            raise SystemExit(f"conv_micro: unknown layer {layer!r}; expected one of {LAYERS}")
        runners = {}
        if args.only != "pytorch":
            runners["scratchgrad"] = runner_scratchgrad(layer, d)
        if torch is not None:
            runners["pytorch"] = runner_torch(torch, layer, d)
        for run in runners.values():  # warm-up
            run()
        times = interleaved(runners, args.repeats)
        figures[layer] = report(f"{layer}: {TITLES[layer]}, fwd+bwd, batch {args.batch}",
                                times, 1e-3, "ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures


if __name__ == "__main__":
    main()
