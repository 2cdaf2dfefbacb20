"""One Fashion-MNIST MLP trained three ways on the same op library: define-and-run graph mode,
eager mode, and eager mode under ``scratchgrad.compile``.

    python examples/07_graph_and_compile.py [--epochs 3] [--limit N] [--out runs/examples]

* **graph mode** (TensorFlow 1's names): placeholders for a batch, Variables for the weights,
  ``tf.train.AdamOptimizer(lr).minimize(loss)`` and ``Session.run(train_op, feed_dict)``;
* **eager**: ``nn.Sequential``, ``F.cross_entropy``, ``loss.backward()``, ``optim.Adam``;
* **compiled**: the same eager training step decorated with ``scratchgrad.compile``: traced
  once per batch shape, then replayed as a plan (its picture is written to ``--out``).

All three start from the same weights (784-256-10, ReLU) and see the same batches. Eager and
compiled give the same weights to float32 rounding; graph mode uses TF1's Adam (epsilon placed
differently), so its figures differ a little. About 85-86% test accuracy after 3 epochs.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import scratchgrad as sg
import scratchgrad.graph as tf
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.data import FashionMNIST


def load(train: bool, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    ds = FashionMNIST(train=train)
    x = ds.data[:limit].reshape(-1, 784).astype(np.float32) / np.float32(255)
    return x, ds.targets[:limit].astype(np.int64)


def batches(n: int, batch: int, epochs: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [[order[i:i + batch] for i in range(0, n, batch)]
            for order in (rng.permutation(n) for _ in range(epochs))]


def train_graph(init: list[np.ndarray], x: np.ndarray, y: np.ndarray, plan: list, lr: float,
                x_test: np.ndarray) -> tuple[np.ndarray, float]:
    """Build the graph once, then run the train op per batch; return test logits, seconds."""
    with tf.Graph().as_default():
        xs = tf.placeholder(shape=(None, 784), name="x")
        ys = tf.placeholder(shape=(None, 10), name="y_onehot")
        W1, b1, W2, b2 = (tf.Variable(a, name=n) for a, n in zip(init, ("W1", "b1", "W2", "b2")))
        hidden = tf.relu(tf.matmul(xs, W1, transpose_b=True) + b1)
        logits = tf.matmul(hidden, W2, transpose_b=True) + b2
        loss = tf.reduce_mean(tf.softmax_cross_entropy_with_logits(labels=ys, logits=logits))
        train_op = tf.train.AdamOptimizer(lr).minimize(loss)
        eye = np.eye(10, dtype=np.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            t0 = time.perf_counter()
            for epoch in plan:
                for idx in epoch:
                    sess.run(train_op, {xs: x[idx], ys: eye[y[idx]]})
            seconds = time.perf_counter() - t0
            return sess.run(logits, {xs: x_test}), seconds


def train_eager(init: list[np.ndarray], x: np.ndarray, y: np.ndarray, plan: list, lr: float,
                x_test: np.ndarray, compiled: bool, picture: str | None = None
                ) -> tuple[np.ndarray, float, nn.Module]:
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    for p, a in zip(model.parameters(), init):
        p.data[...] = a
    opt = optim.Adam(model.parameters(), lr=lr)

    def step(xb: sg.Tensor, yb: sg.Tensor) -> sg.Tensor:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    run = sg.compile(step) if compiled else step
    t0 = time.perf_counter()
    for epoch in plan:
        for idx in epoch:
            run(sg.tensor(x[idx]), sg.tensor(y[idx]))
    seconds = time.perf_counter() - t0
    if compiled and picture:
        run.plot(picture)
    with sg.no_grad():
        return model(sg.tensor(x_test)).numpy(), seconds, model


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3, help="training epochs")
    p.add_argument("--limit", type=int, default=None, help="training images (default all)")
    p.add_argument("--test-limit", type=int, default=None, help="test images (default all)")
    p.add_argument("--batch-size", type=int, default=128, help="images per step")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    p.add_argument("--out", default="runs/examples", help="folder for the plan's picture")
    args = p.parse_args(argv)

    x, y = load(True, args.limit)
    x_test, y_test = load(False, args.test_limit)
    sg.manual_seed(args.seed)
    init = [q.detach().numpy().copy() for q in nn.Sequential(nn.Linear(784, 256), nn.ReLU(),
                                                 nn.Linear(256, 10)).parameters()]
    plan = batches(len(x), args.batch_size, args.epochs, args.seed)
    os.makedirs(args.out, exist_ok=True)
    picture = os.path.join(args.out, "07_compiled_step.png")

    results = {}
    logits, secs = train_graph(init, x, y, plan, args.lr, x_test)
    results["graph mode"] = (logits, secs)
    logits, secs, eager_model = train_eager(init, x, y, plan, args.lr, x_test, False)
    results["eager"] = (logits, secs)
    logits, secs, compiled_model = train_eager(init, x, y, plan, args.lr, x_test, True, picture)
    results["compiled"] = (logits, secs)

    print(f"MLP 784-256-10, Adam lr {args.lr}, batch {args.batch_size}, {args.epochs} epochs, "
          f"{len(x)} training / {len(x_test)} test images")
    print(f"{'mode':<12}{'test accuracy':>15}{'training time':>16}")
    accuracy = {}
    for name, (logits, secs) in results.items():
        accuracy[name] = float((logits.argmax(axis=1) == y_test).mean())
        print(f"{name:<12}{accuracy[name]:>15.2%}{secs:>14.1f} s")
    weight_diff = max(float((a - b).abs().max()) for a, b in
                      zip(eager_model.parameters(), compiled_model.parameters()))
    print(f"largest weight difference, eager vs compiled: {weight_diff:.2e}")
    print(f"the compiled training step: {picture}")
    return {"accuracy": accuracy, "seconds": {k: v[1] for k, v in results.items()},
            "weight_diff": weight_diff, "png": picture}


if __name__ == "__main__":
    main()
