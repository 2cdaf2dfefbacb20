"""One Fashion-MNIST epoch of an MLP 784-256-256-10 with Adam, batch 128: scratchgrad, PyTorch
(2 threads) and DeZero side by side.

An epoch is 469 steps (60,000 samples; the last batch has 96). Every framework trains the same
architecture on the same batches in the same order, from a fresh model each repetition; the
runs are interleaved (a, b, c, a, b, c, ...) so that noise on the shared machine hits them
alike, and the medians and their ratios to PyTorch are printed. DeZero runs in float32 by
default; which variant ran and the dtype of its gradients are printed, and glibc malloc's
thresholds are pinned so the frameworks do not slow each other down (see
``benchmarks/fashion.py``).

    python benchmarks/mlp.py [--steps 469] [--repeats 7] [--json out.json]
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

HIDDEN = 256


def build_scratchgrad() -> nn.Module:
    return nn.Sequential(nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                         nn.Linear(HIDDEN, 10))


def build_torch(torch):
    tnn = torch.nn
    return tnn.Sequential(tnn.Linear(784, HIDDEN), tnn.ReLU(), tnn.Linear(HIDDEN, HIDDEN),
                          tnn.ReLU(), tnn.Linear(HIDDEN, 10))


def build_dezero(dezero):
    import dezero.functions as F
    import dezero.layers as L

    class MLP(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            # in_size given so the weights exist now and can be cast to float32 before training
            self.l1 = L.Linear(HIDDEN, in_size=784)
            self.l2 = L.Linear(HIDDEN, in_size=HIDDEN)
            self.l3 = L.Linear(10, in_size=HIDDEN)

        def forward(self, x):
            return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))

    return MLP()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fashion.add_arguments(p, steps=fashion.epoch_steps(60000, 128), repeats=7)
    args = p.parse_args(argv)
    return fashion.run(f"MLP 784-{HIDDEN}-{HIDDEN}-10, Fashion-MNIST", False, build_scratchgrad,
                       build_torch, build_dezero, args)


if __name__ == "__main__":
    main()
