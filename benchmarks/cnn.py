"""100 training steps of a small CNN on Fashion-MNIST with Adam, batch 128: scratchgrad,
PyTorch (2 threads) and DeZero side by side.

The network::

    conv(1->32, 3x3, pad 1) - maxpool 2 - ReLU - conv(32->64, 3x3, pad 1) - maxpool 2 - ReLU
    - linear(3136->128) - ReLU - linear(128->10)

Max pooling before the ReLU, as scratchgrad's reference CNN (``scratchgrad.models``) writes it:
the two commute exactly (both monotone), and the ReLU then runs on a quarter of the elements.
Every framework runs this same network.

Every framework trains it on the same batches in the same order, from a fresh model each
repetition; the runs are interleaved so that noise on the shared machine hits them alike, and
the medians and their ratios to PyTorch are printed. DeZero runs in float32 by default; which
variant ran and the dtype of its gradients are printed, and glibc malloc's thresholds are
pinned so the frameworks do not slow each other down (see ``benchmarks/fashion.py``).

    python benchmarks/cnn.py [--steps 100] [--repeats 5] [--json out.json]
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


def build_scratchgrad() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def build_torch(torch):
    tnn = torch.nn
    return tnn.Sequential(
        tnn.Conv2d(1, 32, 3, padding=1), tnn.MaxPool2d(2), tnn.ReLU(),
        tnn.Conv2d(32, 64, 3, padding=1), tnn.MaxPool2d(2), tnn.ReLU(),
        tnn.Flatten(), tnn.Linear(3136, 128), tnn.ReLU(), tnn.Linear(128, 10))


def build_dezero(dezero):
    import dezero.functions as F
    import dezero.layers as L

    class CNN(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            # in_channels / in_size given so the weights exist now and can be cast to float32
            self.conv1 = L.Conv2d(32, 3, pad=1, in_channels=1)
            self.conv2 = L.Conv2d(64, 3, pad=1, in_channels=32)
            self.fc1 = L.Linear(128, in_size=3136)
            self.fc2 = L.Linear(10, in_size=128)

        def forward(self, x):
            x = F.relu(F.pooling(self.conv1(x), 2, 2))
            x = F.relu(F.pooling(self.conv2(x), 2, 2))
            x = F.reshape(x, (x.shape[0], -1))
            return self.fc2(F.relu(self.fc1(x)))

    return CNN()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fashion.add_arguments(p, steps=100, repeats=5)
    args = p.parse_args(argv)
    return fashion.run("CNN conv32-pool-conv64-pool-fc128-fc10, Fashion-MNIST", True,
                       build_scratchgrad, build_torch, build_dezero, args)


if __name__ == "__main__":
    main()
