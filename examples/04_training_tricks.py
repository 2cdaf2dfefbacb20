"""The training tricks of the books, one change at a time, on Fashion-MNIST.

    python examples/04_training_tricks.py [--epochs 10] [--limit N] [--test-limit N]

An MLP 784-256-256-10 with ReLU starts the way a first attempt does: a mean squared error
between its ten outputs and the one-hot label, plain SGD, small random weights (N(0, 0.01^2),
Saito's ``weight_init_std=0.01``). Then, one change at a time and each added to the previous
ones (Weidman's chapter 4, Saito's chapter 6):

1. softmax cross-entropy instead of the squared error,
2. momentum 0.9,
3. learning-rate decay (cosine, step by step, to zero at the end of training),
4. He initialisation for the ReLU layers and Glorot for the output layer,
5. dropout after each hidden layer,
6. batch normalisation before each ReLU.

Every run trains the same number of epochs on the same data in the same order (the seed is
reset before each), and a table of test accuracies closes. Expect each of the first four to
help; dropout and batch norm pay off mostly in longer training or bigger nets, and in a short
run can cost a little - the table says what they did here.
"""
from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.data import DataLoader, FashionMNIST, TensorDataset

BASELINE: dict[str, Any] = {"loss": "mse", "momentum": 0.0, "decay": False, "init": "small",
                            "dropout": 0.0, "batch_norm": False}
# (label, what changes); each step keeps the changes before it.
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("MSE on one-hot, SGD, N(0, 0.01^2) init", {}),
    ("softmax cross-entropy", {"loss": "cross_entropy"}),
    ("+ momentum 0.9", {"momentum": 0.9}),
    ("+ learning-rate decay (cosine)", {"decay": True}),
    ("+ He / Glorot initialisation", {"init": "he"}),
    ("+ dropout 0.2", {"dropout": 0.2}),
    ("+ batch normalisation", {"batch_norm": True}),
]


def load(train: bool, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 rows of 784 values in [0, 1], and int64 labels."""
    ds = FashionMNIST(train=train)
    x = ds.data[:limit].reshape(-1, 784).astype(np.float32) / np.float32(255)
    return x, ds.targets[:limit]


def build(config: dict[str, Any], hidden: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = 784
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if config["batch_norm"]:
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.ReLU())
        if config["dropout"]:
            layers.append(nn.Dropout(config["dropout"]))
        width = h
    layers.append(nn.Linear(width, 10))
    model = nn.Sequential(*layers)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for k, layer in enumerate(linears):
        if config["init"] == "small":
            nn.init.normal_(layer.weight, 0.0, 0.01)
        elif k < len(linears) - 1:
            # He: keeps the variance of ReLU activations from shrinking layer after layer
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        else:
            nn.init.xavier_uniform_(layer.weight)  # Glorot for the linear output layer
        nn.init.zeros_(layer.bias)
    return model


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, batch: int = 2000) -> float:
    model.eval()
    correct = 0
    with sg.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(sg.tensor(x[i:i + batch])).argmax(dim=1).numpy()
                            == y[i:i + batch]).sum())
    return correct / len(x)


def train_one(config: dict[str, Any], data: dict[str, np.ndarray], args: argparse.Namespace
              ) -> dict[str, float]:
    sg.manual_seed(args.seed)  # the same initial draws and batch order for every run
    model = build(config, tuple(args.hidden))
    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=config["momentum"])
    loader = DataLoader(TensorDataset(data["x_train"], data["y_train"]),
                        batch_size=args.batch_size, shuffle=True)
    scheduler = (optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * len(loader))
                 if config["decay"] else None)
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        total = 0.0
        for x, y in loader:
            out = model(x)
            if config["loss"] == "mse":
                loss = F.mse_loss(out, F.one_hot(y, 10).float())
            else:
                loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item() * len(x)
    seconds = time.perf_counter() - t0
    return {"test_accuracy": evaluate(model, data["x_test"], data["y_test"]),
            "train_accuracy": evaluate(model, data["x_train"], data["y_train"]),
            "last_epoch_loss": total / len(data["x_train"]), "seconds": seconds}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="Training tricks on Fashion-MNIST, one at a time.")
    p.add_argument("--epochs", type=int, default=10, help="training epochs of every run")
    p.add_argument("--limit", type=int, default=None, help="training images (default all)")
    p.add_argument("--test-limit", type=int, default=None, help="test images (default all)")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256], help="hidden widths")
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (all runs)")
    p.add_argument("--batch-size", type=int, default=128, help="images per step")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    args = p.parse_args(argv)

    x_train, y_train = load(True, args.limit)
    x_test, y_test = load(False, args.test_limit)
    data = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    arch = "-".join(str(w) for w in [784, *args.hidden, 10])
    print(f"Fashion-MNIST: {len(x_train)} training / {len(x_test)} test images; MLP {arch}, "
          f"SGD lr {args.lr}, batch {args.batch_size}, {args.epochs} epochs per run\n")
    print(f"{'change':<42}{'test acc':>9}{'train acc':>11}{'last loss':>11}{'time':>8}")
    config = dict(BASELINE)
    rows = []
    for label, change in STEPS:
        config.update(change)
        result = train_one(config, data, args)
        rows.append({"change": label, **result})
        print(f"{label:<42}{result['test_accuracy']:>9.2%}{result['train_accuracy']:>11.2%}"
              f"{result['last_epoch_loss']:>11.4f}{result['seconds']:>7.1f}s", flush=True)
    return {"rows": rows}


if __name__ == "__main__":
    main()
