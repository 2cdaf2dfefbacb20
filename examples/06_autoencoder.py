"""An autoencoder on Fashion-MNIST: squeeze each image through a 32-number code and rebuild it.

    python examples/06_autoencoder.py [--epochs 10] [--limit N] [--code 32] [--out runs/examples]

The encoder 784-256-32 and the decoder 32-256-784 (ReLU inside, a sigmoid at the end so
pixels stay in [0, 1]) train together with Adam to reproduce their input, the loss a mean
squared error between input and output: no labels at all. The reconstruction error on the test
images is printed after every epoch, and a PNG grid in ``--out`` shows one test image of each
class (top row) above its reconstruction (bottom row).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.data import DataLoader, FashionMNIST, TensorDataset


class AutoEncoder(nn.Module):
    """784 -> hidden -> code -> hidden -> 784."""

    def __init__(self, code: int = 32, hidden: int = 256) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, code))
        self.decoder = nn.Sequential(nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, 784),
                                     nn.Sigmoid())

    def forward(self, x: sg.Tensor) -> sg.Tensor:
        return self.decoder(self.encoder(x))


def load(train: bool, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 rows of 784 values in [0, 1], and their labels (for the picture)."""
    ds = FashionMNIST(train=train)
    return (ds.data[:limit].reshape(-1, 784).astype(np.float32) / np.float32(255),
            ds.targets[:limit])


def reconstruction_error(model: nn.Module, x: np.ndarray, batch: int = 2000) -> float:
    model.eval()
    total = 0.0
    with sg.no_grad():
        for i in range(0, len(x), batch):
            xb = sg.tensor(x[i:i + batch])
            total += F.mse_loss(model(xb), xb, reduction="sum").item()
    return total / x.size


def save_grid(path: str, originals: np.ndarray, reconstructions: np.ndarray,
              titles: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(originals)
    fig, axes = plt.subplots(2, n, figsize=(1.3 * n, 3.0))
    for j in range(n):
        for row, images in enumerate((originals, reconstructions)):
            ax = axes[row, j]
            ax.imshow(images[j].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, j].set_title(titles[j], fontsize=8)
    axes[0, 0].set_ylabel("original")
    axes[1, 0].set_ylabel("rebuilt")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="A fully connected autoencoder on Fashion-MNIST.")
    p.add_argument("--epochs", type=int, default=10, help="training epochs")
    p.add_argument("--limit", type=int, default=None, help="training images (default all)")
    p.add_argument("--test-limit", type=int, default=None, help="test images (default all)")
    p.add_argument("--code", type=int, default=32, help="size of the code (bottleneck)")
    p.add_argument("--batch-size", type=int, default=128, help="images per step")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    p.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = p.parse_args(argv)

    x_train, _ = load(True, args.limit)
    x_test, y_test = load(False, args.test_limit)
    sg.manual_seed(args.seed)
    model = AutoEncoder(code=args.code)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(TensorDataset(x_train), batch_size=args.batch_size, shuffle=True)
    print(f"autoencoder 784-256-{args.code}-256-784 on {len(x_train)} training images "
          f"({784 / args.code:.1f}x compression), Adam lr {args.lr}, batch {args.batch_size}")

    test_errors = [reconstruction_error(model, x_test)]
    print(f"before training: test reconstruction MSE {test_errors[0]:.4f} per pixel")
    train_losses = []
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for (xb,) in loader:
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        train_losses.append(total / len(x_train))
        test_errors.append(reconstruction_error(model, x_test))
        print(f"epoch {epoch:2d}  train MSE {train_losses[-1]:.4f}  test MSE "
              f"{test_errors[-1]:.4f} per pixel", flush=True)
    print(f"trained in {time.perf_counter() - t_start:.0f} s")

    # One test image of each class present, in class order, for the picture.
    classes = FashionMNIST.classes
    picks = [int(np.flatnonzero(y_test == k)[0]) for k in range(10) if (y_test == k).any()]
    model.eval()
    with sg.no_grad():
        rebuilt = model(sg.tensor(x_test[picks])).numpy()
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "06_autoencoder.png")
    save_grid(png, x_test[picks], rebuilt, [classes[int(y_test[i])] for i in picks])
    print(f"originals (top) and reconstructions (bottom): {png}")
    return {"train_losses": train_losses, "test_errors": test_errors, "png": png}


if __name__ == "__main__":
    main()
