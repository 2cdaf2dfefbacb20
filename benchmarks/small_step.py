"""Training step of a small model: MLP 784-128-10 on Fashion-MNIST, Adam, batch 32.

At this size a step is a few small matrix products, so the time is mostly the framework's
per-op bookkeeping: the workload where tracing the step once and replaying a plan
(``scratchgrad.compile``) should pay most. scratchgrad eager, scratchgrad compiled (when
``scratchgrad.compile`` exists), PyTorch (2 threads) and DeZero (float32) train the same
architecture on the same batches, interleaved; the figure is the time of ``--steps`` steps.

    python benchmarks/small_step.py [--steps 500] [--repeats 7] [--json out.json]
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import limit_threads  # noqa: E402

limit_threads()
import fashion  # noqa: E402

from scratchgrad import nn  # noqa: E402

HIDDEN = 128


def build_scratchgrad() -> nn.Module:
    return nn.Sequential(nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))


def build_torch(torch):
    tnn = torch.nn
    return tnn.Sequential(tnn.Linear(784, HIDDEN), tnn.ReLU(), tnn.Linear(HIDDEN, 10))


def build_dezero(dezero):
    import dezero.functions as F
    import dezero.layers as L

    class MLP(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.l1 = L.Linear(HIDDEN, in_size=784)
            self.l2 = L.Linear(10, in_size=HIDDEN)

        def forward(self, x):
            return self.l2(F.relu(self.l1(x)))

    return MLP()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fashion.add_arguments(p, steps=500, repeats=7, batch_size=32)
    args = p.parse_args(argv)
    return fashion.run(f"small-model step: MLP 784-{HIDDEN}-10, Fashion-MNIST", False,
                       build_scratchgrad, build_torch, build_dezero, args)


if __name__ == "__main__":
    main()
