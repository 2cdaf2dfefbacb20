"""Autograd overhead per op: build and differentiate a long chain of small ops.

The chain repeats add, mul and sin on 10-element float32 tensors, then sums and calls
backward. The time per op (forward + backward) is the framework's bookkeeping cost, since
the arithmetic on 10 numbers is negligible. scratchgrad, PyTorch and DeZero run interleaved
in one process; DeZero's constants are float32 arrays so it is not slowed by float64.

    python benchmarks/overhead.py [--length 1000] [--repeats 7]
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import (add_suite_arguments, import_dezero, import_torch, limit_threads,  # noqa
                     measure, timed, wanted)

limit_threads()
import numpy as np  # noqa: E402

import scratchgrad as sg  # noqa: E402


def chain_scratchgrad(n: int) -> float:
    x = sg.tensor(np.linspace(-1, 1, 10, dtype=np.float32), requires_grad=True)
    c1 = sg.tensor(np.full(10, 0.5, np.float32))
    c2 = sg.tensor(np.full(10, 0.9, np.float32))

    def run() -> None:
        y = x
        for _ in range(n):
            y = sg.sin((y + c1) * c2)
        y.sum().backward()
        x.grad = None

    return timed(run)


def chain_torch(torch, n: int) -> float:
    x = torch.linspace(-1, 1, 10, requires_grad=True)
    c1 = torch.full((10,), 0.5)
    c2 = torch.full((10,), 0.9)

    def run() -> None:
        y = x
        for _ in range(n):
            y = torch.sin((y + c1) * c2)
        y.sum().backward()
        x.grad = None

    return timed(run)


def chain_dezero(dezero, n: int) -> float:
    import dezero.functions as F

    x = dezero.Variable(np.linspace(-1, 1, 10, dtype=np.float32))
    c1 = dezero.Variable(np.full(10, 0.5, np.float32))
    c2 = dezero.Variable(np.full(10, 0.9, np.float32))

    def run() -> None:
        y = x
        for _ in range(n):
            y = F.sin((y + c1) * c2)
        F.sum(y).backward()
        x.cleargrad()

    return timed(run)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--length", type=int, default=1000, help="iterations of (add, mul, sin)")
    p.add_argument("--repeats", type=int, default=7, help="interleaved repetitions")
    p.add_argument("--json", help="write the figures to this JSON file")
    add_suite_arguments(p)
    args = p.parse_args(argv)
    n = args.length
    runners = {}
    if wanted("scratchgrad", args.only):
        runners["scratchgrad"] = lambda: chain_scratchgrad(n)
    torch = import_torch() if wanted("pytorch", args.only) else None
    if torch is not None:
        runners["pytorch"] = lambda: chain_torch(torch, n)
    dezero = import_dezero() if wanted("dezero", args.only) else None
    if dezero is not None:
        runners["dezero (float32)"] = lambda: chain_dezero(dezero, n)
    n_ops = 3 * n + 1
    return measure(f"autograd overhead per op (fwd+bwd), chain of {n_ops} ops on 10 elements",
                   runners, args, 1e-6 * n_ops, "us")


if __name__ == "__main__":
    main()
