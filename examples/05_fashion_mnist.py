"""Fashion-MNIST with an MLP or a small CNN, test accuracy after every epoch.

    python examples/05_fashion_mnist.py --model mlp [--epochs 10] [--limit N] [--out runs/examples]
    python examples/05_fashion_mnist.py --model cnn [--epochs 10] [--limit N] [--out runs/examples]

* ``mlp``: 784-256-256-10 with ReLU.
* ``cnn``: two blocks conv 3x3 (32 then 64 channels) - batch norm - max-pool 2x2 - ReLU, then
  a 128-unit hidden layer with dropout 0.3, then the 10 outputs. (Max pooling and ReLU commute,
  so pooling first gives the same network with the ReLU on a quarter of the values.)

Both train with Adam (lr 1e-3) on batches of 128, the learning rate decayed to zero along a
cosine over the run, on images standardised with the training set's mean and std. The CNN also
sees each batch with a random half of its images mirrored left to right (clothes look the same
mirrored; ``--no-augment`` turns it off). A PNG of the loss and accuracy curves goes to
``--out``. With the defaults: MLP about 89-90%, CNN about 92-93% on the 10,000 test images.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.data import FashionMNIST


def build(name: str) -> nn.Sequential:
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256),
                             nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.MaxPool2d(2), nn.ReLU(),  # 14x14
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.MaxPool2d(2), nn.ReLU(),  # 7x7
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10))


def load(train: bool, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 (N, 1, 28, 28) in [0, 1], and int64 labels."""
    ds = FashionMNIST(train=train)
    x = ds.data[:limit, None].astype(np.float32) / np.float32(255)
    return x, ds.targets[:limit]


def mirror_half(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirror a random half of a batch of images left to right (a new array)."""
    flip = rng.random(len(x)) < 0.5
    out = x.copy()
    out[flip] = x[flip, :, :, ::-1]
    return out


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, batch: int = 1000
             ) -> tuple[float, float]:
    """Mean cross-entropy and accuracy, in evaluation mode (batch norm's running statistics,
    no dropout)."""
    model.eval()
    loss = correct = 0.0
    with sg.no_grad():
        for i in range(0, len(x), batch):
            logits = model(sg.tensor(x[i:i + batch]))
            labels = sg.tensor(y[i:i + batch])
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += int((logits.argmax(dim=1).numpy() == y[i:i + batch]).sum())
    return loss / len(x), correct / len(x)


def save_plot(path: str, history: dict[str, list[float]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], "o-", label="training (running mean)")
    ax1.plot(epochs, history["test_loss"], "s-", label="test")
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax1.legend()
    ax2.plot(epochs, history["train_acc"], "o-", label="training (running)")
    ax2.plot(epochs, history["test_acc"], "s-", label="test")
    ax2.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    ax2.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="Fashion-MNIST with an MLP or a CNN.")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp", help="which network")
    p.add_argument("--epochs", type=int, default=10, help="training epochs")
    p.add_argument("--limit", type=int, default=None, help="training images (default all)")
    p.add_argument("--test-limit", type=int, default=None, help="test images (default all)")
    p.add_argument("--batch-size", type=int, default=128, help="images per step")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's initial learning rate")
    p.add_argument("--no-decay", action="store_true", help="keep the learning rate constant")
    p.add_argument("--no-augment", action="store_true",
                   help="no random mirroring (the CNN's default augmentation)")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    p.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = p.parse_args(argv)

    x_train, y_train = load(True, args.limit)
    x_test, y_test = load(False, args.test_limit)
    # Standardise with the training images' statistics: inputs of mean 0 and std 1 suit the
    # default initialisation, which assumes them.
    mean, std = float(x_train.mean()), float(x_train.std())
    x_train, x_test = (x_train - mean) / np.float32(std), (x_test - mean) / np.float32(std)
    augment = args.model == "cnn" and not args.no_augment

    sg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build(args.model)
    n_params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = -(-len(x_train) // args.batch_size)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = (None if args.no_decay else
                 optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * steps_per_epoch))
    print(f"{args.model}: {n_params:,} parameters; {len(x_train)} training / {len(x_test)} "
          f"test images; Adam lr {args.lr}{'' if args.no_decay else ' cosine-decayed'}, batch "
          f"{args.batch_size}, {args.epochs} epochs{', mirror augmentation' if augment else ''}")

    history: dict[str, list[float]] = {k: [] for k in
                                       ("train_loss", "train_acc", "test_loss", "test_acc")}
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = rng.permutation(len(x_train))
        total_loss = correct = 0.0
        for start in range(0, len(x_train), args.batch_size):
            idx = order[start:start + args.batch_size]
            xb = mirror_half(x_train[idx], rng) if augment else x_train[idx]
            logits = model(sg.tensor(xb))
            loss = F.cross_entropy(logits, sg.tensor(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            total_loss += loss.item() * len(idx)
            correct += int((logits.detach().argmax(dim=1).numpy() == y_train[idx]).sum())
        test_loss, test_acc = evaluate(model, x_test, y_test)
        history["train_loss"].append(total_loss / len(x_train))
        history["train_acc"].append(correct / len(x_train))
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch:2d}  train loss {history['train_loss'][-1]:.4f}  "
              f"train acc {history['train_acc'][-1]:.2%}  test loss {test_loss:.4f}  "
              f"test acc {test_acc:.2%}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    wall = time.perf_counter() - t_start
    print(f"{args.model}: test accuracy {history['test_acc'][-1]:.2%} after {args.epochs} "
          f"epochs, {wall:.0f} s")

    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, f"05_fashion_mnist_{args.model}.png")
    save_plot(png, history, f"Fashion-MNIST, {args.model}: test accuracy "
              f"{history['test_acc'][-1]:.2%}")
    print(f"curves: {png}")
    return {"history": history, "test_accuracy": history["test_acc"][-1], "seconds": wall,
            "png": png}


if __name__ == "__main__":
    main()
