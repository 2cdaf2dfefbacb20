"""A two-layer network trained by hand with NumPy, then the same network in scratchgrad.

    python examples/01_numpy_vs_scratchgrad.py [--epochs 100] [--limit 1000] [--out runs/examples]

1. The NumPy version follows the books (Weidman's *Deep Learning from Scratch*, Saito's *Deep
   Learning from Scratch*): each layer's ``forward`` remembers what its ``backward`` needs, and
   ``backward`` turns dL/d(output) into the gradients of its parameters and of its input, every
   formula written out. The model is Dense(3 -> 16) - ReLU - Dense(16 -> 1) with a mean squared
   error, on a small synthetic regression problem.
2. The same model built from ``nn.Linear`` and ``nn.ReLU``, given the same weights: autograd's
   gradients equal the hand-written ones (the max absolute difference is printed).
3. Both trained side by side by minibatch SGD on the same batches: the losses stay together
   epoch after epoch. A PNG of the two loss curves goes to ``--out``.

Everything is float64, NumPy's default, so the two differ only by rounding.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import scratchgrad as sg
from scratchgrad import nn, optim


# ---------------------------------------------------------------------- 1. NumPy by hand
class Dense:
    """``y = x @ W + b`` with W of shape (in, out), the books' layout."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x  # backward needs the input for dL/dW
        return x @ self.W + self.b

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ dy  # y_nj = sum_i x_ni W_ij + b_j  =>  dL/dW_ij = sum_n x_ni dy_nj
        self.db = dy.sum(axis=0)  # b is added to every row, so its gradient sums over rows
        return dy @ self.W.T  # dL/dx_ni = sum_j dy_nj W_ij


class ReLU:
    """``max(x, 0)``: the gradient passes where the input was positive, else it is zero."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return x * self.mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * self.mask


class MSE:
    """Mean of the squared differences over all elements, like ``nn.MSELoss()``."""

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        self.diff = prediction - target
        return float(np.mean(self.diff ** 2))

    def backward(self) -> np.ndarray:
        return 2.0 * self.diff / self.diff.size  # d mean(d^2) / d d = 2 d / count


class TwoLayerNet:
    """Dense - ReLU - Dense with a mean squared error, trained by hand."""

    def __init__(self, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray) -> None:
        self.fc1, self.relu, self.fc2 = Dense(W1, b1), ReLU(), Dense(W2, b2)
        self.loss_layer = MSE()

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.fc2.forward(self.relu.forward(self.fc1.forward(x)))

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.loss_layer.forward(self.predict(x), y)

    def backward(self) -> None:
        """The chain rule, last layer first: each backward gets dL/d(its output)."""
        dy = self.loss_layer.backward()
        dy = self.fc2.backward(dy)
        dy = self.relu.backward(dy)
        self.fc1.backward(dy)

    def params_and_grads(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {"fc1.W": (self.fc1.W, self.fc1.dW), "fc1.b": (self.fc1.b, self.fc1.db),
                "fc2.W": (self.fc2.W, self.fc2.dW), "fc2.b": (self.fc2.b, self.fc2.db)}

    def sgd_step(self, lr: float) -> None:
        for param, grad in self.params_and_grads().values():
            param -= lr * grad  # in place: the layers hold these very arrays


# ---------------------------------------------------------------------- 2. scratchgrad
def scratchgrad_net(numpy_net: TwoLayerNet) -> nn.Sequential:
    """The same model from nn layers, with the NumPy model's weights. nn.Linear keeps its
    weight as (out, in), PyTorch's layout, so the books' (in, out) matrices go in transposed."""
    n_in, hidden = numpy_net.fc1.W.shape
    model = nn.Sequential(nn.Linear(n_in, hidden, dtype=sg.float64), nn.ReLU(),
                          nn.Linear(hidden, 1, dtype=sg.float64))
    with sg.no_grad():
        model[0].weight.copy_(sg.tensor(numpy_net.fc1.W.T))
        model[0].bias.copy_(sg.tensor(numpy_net.fc1.b))
        model[2].weight.copy_(sg.tensor(numpy_net.fc2.W.T))
        model[2].bias.copy_(sg.tensor(numpy_net.fc2.b))
    return model


def autograd_grads(model: nn.Sequential) -> dict[str, np.ndarray]:
    """The model's gradients under the NumPy model's names and layout."""
    return {"fc1.W": model[0].weight.grad.numpy().T, "fc1.b": model[0].bias.grad.numpy(),
            "fc2.W": model[2].weight.grad.numpy().T, "fc2.b": model[2].bias.grad.numpy()}


# ---------------------------------------------------------------------- data, plot, main
def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(2 x0) + x1 x2 + noise: nonlinear, so the hidden layer has work to do."""
    x = rng.normal(size=(n, 3))
    y = np.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * rng.normal(size=(n, 1))
    return x, y


def save_plot(path: str, numpy_losses: list[float], sg_losses: list[float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(numpy_losses) + 1)
    ax.plot(epochs, numpy_losses, lw=3, alpha=0.5, label="NumPy, gradients by hand")
    ax.plot(epochs, sg_losses, "k--", lw=1, label="scratchgrad, autograd")
    ax.set(xlabel="epoch", ylabel="training loss (MSE)", yscale="log",
           title="The same network trained two ways")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="A two-layer network by hand in NumPy and in "
                                "scratchgrad: equal gradients, equal training.")
    p.add_argument("--epochs", type=int, default=100, help="training epochs")
    p.add_argument("--limit", type=int, default=1000, help="training samples")
    p.add_argument("--hidden", type=int, default=16, help="hidden units")
    p.add_argument("--batch-size", type=int, default=32, help="samples per SGD step")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate")
    p.add_argument("--seed", type=int, default=0, help="seed for data, weights and batches")
    p.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = p.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    x, y = make_data(args.limit, rng)
    # He initialisation for the ReLU layer, plain 1/sqrt(fan_in) for the output layer
    W1 = rng.normal(0.0, np.sqrt(2.0 / 3), size=(3, args.hidden))
    W2 = rng.normal(0.0, np.sqrt(1.0 / args.hidden), size=(args.hidden, 1))
    net = TwoLayerNet(W1, np.zeros(args.hidden), W2, np.zeros(1))
    model = scratchgrad_net(net)

    print("1) one batch through both models, same weights")
    xb, yb = x[:args.batch_size], y[:args.batch_size]
    loss_np = net.loss(xb, yb)
    net.backward()
    loss_sg = nn.functional.mse_loss(model(sg.tensor(xb)), sg.tensor(yb))
    loss_sg.backward()
    print(f"   loss: NumPy {loss_np:.12f}  scratchgrad {loss_sg.item():.12f}")
    diffs = {}
    for name, grad in autograd_grads(model).items():
        by_hand = net.params_and_grads()[name][1]
        diffs[name] = float(np.max(np.abs(grad - by_hand)))
        print(f"   d loss / d {name:<6} shape {str(by_hand.shape):<8} max |autograd - by hand| "
              f"= {diffs[name]:.2e}")
    grad_diff = max(diffs.values())
    print(f"   largest difference over all gradients: {grad_diff:.2e}")

    print(f"2) {args.epochs} epochs of SGD (lr {args.lr}, batch {args.batch_size}) side by side")
    opt = optim.SGD(model.parameters(), lr=args.lr)
    numpy_losses: list[float] = []
    sg_losses: list[float] = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x))
        total_np = total_sg = 0.0
        for start in range(0, len(x), args.batch_size):
            idx = order[start:start + args.batch_size]
            total_np += net.loss(x[idx], y[idx]) * len(idx)
            net.backward()
            net.sgd_step(args.lr)

            loss = nn.functional.mse_loss(model(sg.tensor(x[idx])), sg.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_sg += loss.item() * len(idx)
        numpy_losses.append(total_np / len(x))
        sg_losses.append(total_sg / len(x))
        if epoch == 1 or epoch % max(1, args.epochs // 5) == 0 or epoch == args.epochs:
            print(f"   epoch {epoch:4d}  loss NumPy {numpy_losses[-1]:.6f}  "
                  f"scratchgrad {sg_losses[-1]:.6f}")
    weight_diff = max(float(np.max(np.abs(model[i].weight.detach().numpy().T - layer.W)))
                      for i, layer in ((0, net.fc1), (2, net.fc2)))
    print(f"   after training, max |weight difference| = {weight_diff:.2e}")

    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "01_numpy_vs_scratchgrad.png")
    save_plot(png, numpy_losses, sg_losses)
    print(f"   loss curves: {png}")
    return {"grad_diffs": diffs, "grad_diff": grad_diff, "numpy_losses": numpy_losses,
            "scratchgrad_losses": sg_losses, "weight_diff": weight_diff, "png": png}


if __name__ == "__main__":
    main()
