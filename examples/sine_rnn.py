"""Next-value prediction on a noisy sine with an RNN and an LSTM (DeZero's SinCurve chapter).

    python examples/sine_rnn.py [--epochs 100] [--out runs/examples]

Both models read a noisy sine (one period, 1000 points, uniform noise in [-0.05, 0.05]) one
value per time step and predict the next value. They train on ``--streams`` noisy copies of
the curve side by side (a batch of streams), in windows of ``--bptt`` steps with truncated
backpropagation through time: the state is carried from one window to the next and detached in
between (``nn.utils.detach_state``). On the test curve (a noisy cosine: new data, same pattern)
each model predicts every next value from the values so far. A PNG plots the predictions
against the truth. The test MSEs are printed next to repeating the last value (about 0.0017);
the noise of the target alone is about 0.0008. With the defaults (about 10 s) the RNN reaches
about 0.0015 and the LSTM about 0.0014.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.data import SineWave
from scratchgrad.nn.utils import detach_state


class Forecaster(nn.Module):
    """A one-layer RNN or LSTM over a 1-D signal and a linear read-out of each state."""

    def __init__(self, cell: str, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(1, hidden) if cell == "lstm" else nn.RNN(1, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: sg.Tensor, state=None) -> tuple[sg.Tensor, object]:
        out, state = self.rnn(x, state)  # x: (T, 1, 1)
        return self.head(out), state


def train(cell: str, series: np.ndarray, args: argparse.Namespace) -> tuple[Forecaster, list]:
    sg.manual_seed(args.seed)
    model = Forecaster(cell, args.hidden)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(args.epochs, 1))
    x = sg.tensor(series[:-1, :, None])  # (T, streams, 1)
    y = sg.tensor(series[1:, :, None])
    history = []
    for epoch in range(args.epochs):
        state, total = None, 0.0
        for start in range(0, len(x), args.bptt):
            pred, state = model(x[start:start + args.bptt], state)
            state = detach_state(state)  # truncated BPTT: no gradient into the last window
            loss = F.mse_loss(pred, y[start:start + args.bptt])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * pred.shape[0]
        schedule.step()
        history.append(total / len(x))
        if epoch % max(args.epochs // 5, 1) == 0 or epoch == args.epochs - 1:
            print(f"  {cell:4s} epoch {epoch + 1:3d}  train MSE {history[-1]:.5f}")
    return model, history


def predict(model: Forecaster, series: np.ndarray) -> np.ndarray:
    """One-step-ahead predictions of series[1:] from the true values before each."""
    model.eval()
    with sg.no_grad():
        pred, _ = model(sg.tensor(series[:-1].reshape(-1, 1, 1)))
    return pred.detach().numpy().reshape(-1)


def save_plot(path: str, truth: np.ndarray, preds: dict[str, np.ndarray]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(truth, color="black", linewidth=2, label="truth (test curve)")
    for name, p in preds.items():
        ax.plot(p, linewidth=1, label=f"{name} prediction")
    ax.set_xlabel("time step")
    ax.set_ylabel("value")
    ax.set_title("Next-value prediction on the test curve")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="RNN and LSTM predicting a noisy sine.")
    p.add_argument("--epochs", type=int, default=100, help="passes over the training curve")
    p.add_argument("--points", type=int, default=1000, help="points on each curve")
    p.add_argument("--streams", type=int, default=8,
                   help="noisy copies of the training curve per batch")
    p.add_argument("--hidden", type=int, default=32, help="hidden units")
    p.add_argument("--bptt", type=int, default=30, help="truncated-BPTT window length")
    p.add_argument("--lr", type=float, default=5e-3, help="Adam learning rate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = p.parse_args(argv)

    # several noisy copies of the training curve, side by side as a batch of streams
    train_series = np.stack([SineWave(args.points, train=True, seed=args.seed + k).series
                             for k in range(args.streams)], axis=1)
    test_series = SineWave(args.points, train=False).series
    preds, mse, histories = {}, {}, {}
    t0 = time.perf_counter()
    for cell in ("rnn", "lstm"):
        model, histories[cell] = train(cell, train_series, args)
        preds[cell] = predict(model, test_series)
        mse[cell] = float(np.mean((preds[cell] - test_series[1:]) ** 2))
    naive = float(np.mean((test_series[:-1] - test_series[1:]) ** 2))
    print(f"test MSE: rnn {mse['rnn']:.5f}, lstm {mse['lstm']:.5f}, "
          f"repeating the last value {naive:.5f}  ({time.perf_counter() - t0:.1f} s)")
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "sine_rnn.png")
    save_plot(png, test_series[1:], preds)
    print(f"plot: {png}")
    return {"test_mse": mse, "naive_mse": naive, "histories": histories, "png": png}


if __name__ == "__main__":
    main()
