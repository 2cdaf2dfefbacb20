"""Regression on a small table: a linear model versus a small neural network.

    python examples/02_regression.py [--epochs 100] [--limit N] [--out runs/examples]

The books' "house prices" chapter, on scikit-learn's diabetes table instead (442 patients, 10
features, disease progression one year later; no download needed). Features and target are
standardised with the training split's statistics; errors are reported on the held-out test
split in the target's own units (``Diabetes.unscale_target``), against two references:
predicting the training mean, and the closed-form least-squares fit, which the linear model
trained by gradient descent should match. A PNG of predicted against true values goes to
``--out``.

Expect the network to do no better than the line here: the relation is close to linear, and
with 354 rows more capacity mostly fits noise (its training loss ends lower, its test error
does not). The network gets weight decay, few hidden units and a short run for that reason.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import scratchgrad as sg
from scratchgrad import nn, optim
from scratchgrad.data import DataLoader, Diabetes, TensorDataset


def errors(pred: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """Mean absolute error and root mean squared error."""
    diff = pred.ravel() - true.ravel()
    return float(np.mean(np.abs(diff))), float(np.sqrt(np.mean(diff ** 2)))


def train(model: nn.Module, opt: optim.Optimizer, loader: DataLoader, epochs: int) -> list[float]:
    """Minibatch training on the mean squared error; returns the mean loss of each epoch."""
    loss_fn = nn.MSELoss()
    history = []
    for _ in range(epochs):
        model.train()
        total, count = 0.0, 0
        for x, y in loader:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
            count += len(x)
        history.append(total / count)
    return history


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    with sg.no_grad():
        return model(sg.tensor(x)).numpy()


def save_plot(path: str, true: np.ndarray, predictions: dict[str, np.ndarray]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(predictions), figsize=(4.5 * len(predictions), 4.2),
                             sharey=True)
    lo, hi = float(true.min()), float(true.max())
    for ax, (name, pred) in zip(np.atleast_1d(axes), predictions.items()):
        mae, rmse = errors(pred, true)
        ax.scatter(true, pred, s=12, alpha=0.7)
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
        ax.set(title=f"{name}\nMAE {mae:.1f}, RMSE {rmse:.1f}", xlabel="true progression")
    np.atleast_1d(axes)[0].set_ylabel("predicted progression")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="Diabetes regression: a linear model versus a "
                                "small network, errors on the test split.")
    p.add_argument("--epochs", type=int, default=100, help="training epochs for each model")
    p.add_argument("--limit", type=int, default=None, help="use only this many training rows")
    p.add_argument("--batch-size", type=int, default=32, help="rows per step")
    p.add_argument("--hidden", type=int, default=8, help="hidden units of the network")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    p.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = p.parse_args(argv)

    train_set, test_set = Diabetes(train=True), Diabetes(train=False)
    x_train, y_train = train_set.data[:args.limit], train_set.targets[:args.limit]
    x_test = test_set.data
    y_test = test_set.unscale_target(test_set.targets)  # the original units
    print(f"diabetes: {len(x_train)} training rows, {len(x_test)} test rows, "
          f"{x_train.shape[1]} features ({', '.join(train_set.feature_names)})")

    def in_units(pred: np.ndarray) -> np.ndarray:
        return train_set.unscale_target(pred)  # the scaling of the training split

    results: dict[str, tuple[float, float]] = {}
    predictions: dict[str, np.ndarray] = {}
    # References: the training mean (0 once standardised), and least squares in closed form.
    results["predict the mean"] = errors(in_units(np.zeros(len(x_test))), y_test)
    design = np.hstack([x_train, np.ones((len(x_train), 1), np.float32)]).astype(np.float64)
    coef = np.linalg.lstsq(design, y_train.astype(np.float64), rcond=None)[0]
    closed = in_units(np.hstack([x_test, np.ones((len(x_test), 1))]) @ coef)
    results["least squares (closed form)"] = errors(closed, y_test)

    sg.manual_seed(args.seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True)
    models = {
        "linear model": nn.Linear(x_train.shape[1], 1),
        f"network 10-{args.hidden}-{args.hidden}-1": nn.Sequential(
            nn.Linear(x_train.shape[1], args.hidden), nn.ReLU(),
            nn.Linear(args.hidden, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 1)),
    }
    optimizers = {
        # the linear model's loss is a bowl: plain SGD goes straight down
        "linear model": optim.SGD(models["linear model"].parameters(), lr=0.01),
        # the network overfits 350 rows quickly; weight decay holds it back
        **{name: optim.Adam(m.parameters(), lr=1e-3, weight_decay=1e-2)
           for name, m in models.items() if name != "linear model"},
    }
    histories = {}
    for name, model in models.items():
        histories[name] = train(model, optimizers[name], loader, args.epochs)
        predictions[name] = in_units(predict(model, x_test))
        results[name] = errors(predictions[name], y_test)
        print(f"{name}: training loss (standardised units) {histories[name][0]:.3f} in the "
              f"first epoch, {histories[name][-1]:.3f} in the last ({args.epochs} epochs)")

    print(f"\ntest errors in the target's units (disease progression; test values range "
          f"{y_test.min():.0f} to {y_test.max():.0f}):")
    print(f"{'model':<30}{'MAE':>8}{'RMSE':>8}")
    for name, (mae, rmse) in results.items():
        print(f"{name:<30}{mae:>8.2f}{rmse:>8.2f}")
    # Compared by prediction, not by weight: the blood-serum features s1-s6 are strongly
    # correlated, so quite different weights give almost the same predictions.
    gap = float(np.sqrt(np.mean((predictions["linear model"] - closed) ** 2)))
    print(f"\nlinear model by SGD vs closed form: RMS difference of their test predictions "
          f"{gap:.2f}")

    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "02_regression.png")
    save_plot(png, y_test, {"least squares (closed form)": closed, **predictions})
    print(f"predicted vs true: {png}")
    return {"results": results, "histories": histories, "linear_vs_closed_form": gap, "png": png}


if __name__ == "__main__":
    main()
