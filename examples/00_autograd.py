"""The autograd demo: fit a line and a small network with nothing but tensors and backward().

    python examples/00_autograd.py [--steps 200]

Prints the loss as it falls, the learned parameters, and the derivatives autograd found,
checked against the formulas you would derive by hand.
"""
from __future__ import annotations

import argparse

import numpy as np

import scratchgrad as sg


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Fit y = 2x + 1 by gradient descent with autograd.")
    p.add_argument("--steps", type=int, default=200, help="gradient-descent steps")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate")
    args = p.parse_args(argv)

    sg.manual_seed(0)
    x = sg.rand(100, 1)
    y = 2 * x + 1 + 0.05 * sg.randn(100, 1)
    w = sg.zeros(1, 1, requires_grad=True)
    b = sg.zeros(1, requires_grad=True)

    print("1) linear regression y = w x + b by gradient descent")
    for step in range(args.steps + 1):
        loss = ((x @ w + b - y) ** 2).mean()
        w.grad = b.grad = None
        loss.backward()
        if step % (args.steps // 5 or 1) == 0:
            print(f"   step {step:4d}  loss {loss.item():.5f}  dL/dw {w.grad.item():+.5f}  "
                  f"dL/db {b.grad.item():+.5f}")
        with sg.no_grad():
            w -= args.lr * w.grad
            b -= args.lr * b.grad
    print(f"   learned w = {w.item():.3f} (true 2), b = {b.item():.3f} (true 1)")

    residual = (x @ w + b - y).detach()
    by_hand = 2 * (residual * x).mean()
    loss = ((x @ w + b - y) ** 2).mean()
    w.grad = None
    loss.backward()
    print(f"   dL/dw by autograd {w.grad.item():+.6f}, by hand 2*mean(r*x) {by_hand.item():+.6f}")

    print("2) derivatives of tanh at x = 1 by repeated backprop (create_graph=True)")
    t = sg.tensor(1.0, requires_grad=True)
    f = sg.tanh(t)
    th = np.tanh(1.0)
    closed = [1 - th**2, -2 * th * (1 - th**2), (1 - th**2) * (6 * th**2 - 2)]
    for order, expected in enumerate(closed, 1):
        (f,) = sg.autograd.grad(f, t, create_graph=True)
        print(f"   d^{order}/dx^{order} tanh(1) = {f.item():+.6f}  (closed form {expected:+.6f})")

    print("3) Newton's method on f(x) = x^4 - 2x^2 from x = 2")
    xn = sg.tensor(2.0, dtype=sg.float64, requires_grad=True)
    for i in range(10):
        fx = xn**4 - 2 * xn**2
        (g,) = sg.autograd.grad(fx, xn, create_graph=True)
        (h,) = sg.autograd.grad(g, xn)
        with sg.no_grad():
            xn -= g / h
        print(f"   step {i + 1}: x = {xn.item():.10f}")
        if abs(xn.item() - 1.0) < 1e-10:
            break


if __name__ == "__main__":
    main()
