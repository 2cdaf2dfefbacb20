"""Classify the three-armed spiral with a two-layer network trained by SGD, and draw the
decision regions it learns.

    python examples/03_spiral.py [--epochs 300] [--limit 300] [--out runs/examples]

The setting of DeZero's step 48 (Saito, *Deep Learning from Scratch 3*): 300 points in three
interleaved arms, a hidden layer of 10 sigmoid units, softmax cross-entropy, SGD with learning
rate 1.0 on batches of 30, 300 epochs. No straight line separates the arms; the hidden layer
bends the boundaries around them, which the PNG in ``--out`` shows.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.data import DataLoader, Spiral, TensorDataset


def save_plot(path: str, model: nn.Module, x: np.ndarray, y: np.ndarray,
              history: list[float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Predict the class of every point of a fine grid: the colours are the decision regions.
    lo, hi = x.min(axis=0) - 0.1, x.max(axis=0) + 0.1
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    with sg.no_grad():
        regions = model(sg.tensor(grid)).argmax(dim=1).numpy().reshape(gx.shape)

    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(10, 4.5),
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    ax.contourf(gx, gy, regions, levels=np.arange(regions.max() + 2) - 0.5, cmap="Pastel1",
                alpha=0.9)
    for k, marker in zip(range(int(y.max()) + 1), "o^sxv*"):
        ax.scatter(x[y == k, 0], x[y == k, 1], marker=marker, s=22, label=f"class {k}")
    ax.set(title="decision regions", aspect="equal")
    ax.legend(loc="lower right", fontsize=8)
    ax_loss.plot(np.arange(1, len(history) + 1), history)
    ax_loss.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="Spiral classification with a two-layer MLP and SGD.")
    p.add_argument("--epochs", type=int, default=300, help="training epochs")
    p.add_argument("--limit", type=int, default=300, help="training points (split over the "
                   "three classes)")
    p.add_argument("--hidden", type=int, default=10, help="hidden units")
    p.add_argument("--lr", type=float, default=1.0, help="SGD learning rate")
    p.add_argument("--batch-size", type=int, default=30, help="points per step")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    p.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = p.parse_args(argv)

    sg.manual_seed(args.seed)
    data = Spiral(num_samples_per_class=max(1, args.limit // 3), num_classes=3)
    x, y = data.data, data.targets
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    model = nn.Sequential(nn.Linear(2, args.hidden), nn.Sigmoid(), nn.Linear(args.hidden, 3))
    opt = optim.SGD(model.parameters(), lr=args.lr)
    print(f"spiral: {len(x)} points, 3 classes; MLP 2-{args.hidden}-3 (sigmoid), SGD lr "
          f"{args.lr}, batch {args.batch_size}")

    history: list[float] = []
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        history.append(total / len(x))
        if epoch == 1 or epoch % max(1, args.epochs // 10) == 0:
            print(f"epoch {epoch:4d}  loss {history[-1]:.4f}")

    with sg.no_grad():
        accuracy = float((model(sg.tensor(x)).argmax(dim=1).numpy() == y).mean())
    print(f"training accuracy {accuracy:.1%} (chance: 33.3%)")
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "03_spiral.png")
    save_plot(png, model, x, y, history)
    print(f"decision regions: {png}")
    return {"history": history, "accuracy": accuracy, "png": png}


if __name__ == "__main__":
    main()
