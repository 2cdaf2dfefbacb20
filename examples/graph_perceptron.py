"""The perceptron and the multi-layer perceptron of the "computational graph" tutorials, in
graph mode with TensorFlow 1's names: build the graph once, then ``Session.run(train_op, feed)``.

1. A perceptron (softmax over ``X W + b``) separates two Gaussian blobs.
2. A multi-layer perceptron (a sigmoid hidden layer of 2 units, then softmax) separates four
   blobs in an XOR layout, which no single linear boundary can.

Each model's decision boundary is drawn with matplotlib to a PNG under ``--out``; with
Graphviz installed the MLP's graph (forward, gradient and training nodes) is drawn too.

    python examples/graph_perceptron.py --out runs/graph_perceptron
    python examples/graph_perceptron.py --steps 5 --out /tmp/smoke   # a quick smoke test
"""
from __future__ import annotations

import argparse
import os
import shutil
from typing import Sequence

import numpy as np

import scratchgrad.graph as tf


def two_blobs(rng: np.random.Generator, n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Blue points around (2, 2) are class 0, red points around (-2, -2) class 1."""
    blue = rng.standard_normal((n, 2)) + 2.0
    red = rng.standard_normal((n, 2)) - 2.0
    X = np.concatenate([blue, red]).astype(np.float32)
    y = np.array([0] * n + [1] * n)
    return X, y


def four_blobs(rng: np.random.Generator, n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """XOR-like: blue blobs at (-2, 2) and (2, -2) are class 0, red at (-2, -2) and (2, 2)."""
    centres = [(-2.0, 2.0), (2.0, -2.0), (-2.0, -2.0), (2.0, 2.0)]
    X = np.concatenate([rng.standard_normal((n, 2)) * 0.8 + c for c in centres])
    y = np.array([0] * (2 * n) + [1] * (2 * n))
    return X.astype(np.float32), y


def one_hot(y: np.ndarray, k: int = 2) -> np.ndarray:
    """Rows of the identity: the targets ``c`` of the tutorials."""
    return np.eye(k, dtype=np.float32)[y]


def build_perceptron(rng: np.random.Generator) -> dict:
    """p = softmax(X W + b); J = -sum(c * log p)."""
    X = tf.placeholder(tf.float32, shape=(None, 2), name="X")
    c = tf.placeholder(tf.float32, shape=(None, 2), name="c")
    W = tf.Variable(rng.standard_normal((2, 2)).astype(np.float32), name="W")
    b = tf.Variable(rng.standard_normal(2).astype(np.float32), name="b")
    p = tf.softmax(tf.add(tf.matmul(X, W), b), name="p")
    J = tf.negative(tf.reduce_sum(tf.reduce_sum(tf.multiply(c, tf.log(p)), axis=1)), name="J")
    return {"X": X, "c": c, "p": p, "J": J, "lr": 0.01}


def build_mlp(rng: np.random.Generator, hidden: int = 2) -> dict:
    """A sigmoid hidden layer, a softmax output, the same cross-entropy."""
    X = tf.placeholder(tf.float32, shape=(None, 2), name="X")
    c = tf.placeholder(tf.float32, shape=(None, 2), name="c")
    with tf.name_scope("hidden"):
        W1 = tf.Variable(rng.standard_normal((2, hidden)).astype(np.float32), name="W")
        b1 = tf.Variable(rng.standard_normal(hidden).astype(np.float32), name="b")
        h = tf.sigmoid(X @ W1 + b1)
    with tf.name_scope("output"):
        W2 = tf.Variable(rng.standard_normal((hidden, 2)).astype(np.float32), name="W")
        b2 = tf.Variable(rng.standard_normal(2).astype(np.float32), name="b")
        p = tf.softmax(h @ W2 + b2, name="p")
    J = tf.negative(tf.reduce_sum(tf.reduce_sum(c * tf.log(p), axis=1)), name="J")
    return {"X": X, "c": c, "p": p, "J": J, "lr": 0.03}


def train(model: dict, X: np.ndarray, y: np.ndarray, steps: int, label: str) -> float:
    """Gradient descent with ``Session.run(train_op, feed)``; returns the training accuracy."""
    train_op = tf.train.GradientDescentOptimizer(model["lr"]).minimize(model["J"])
    model["train_op"] = train_op
    feed = {model["X"]: X, model["c"]: one_hot(y)}
    sess = model["session"] = tf.Session()
    sess.run(tf.global_variables_initializer())
    every = max(steps // 5, 1)
    for step in range(steps):
        if step % every == 0:
            print(f"{label}: step {step:5d}  loss {float(sess.run(model['J'], feed)):9.4f}")
        sess.run(train_op, feed)
    p = sess.run(model["p"], {model["X"]: X})
    acc = float((p.argmax(axis=1) == y).mean())
    print(f"{label}: after {steps} steps loss {float(sess.run(model['J'], feed)):.4f}, "
          f"training accuracy {acc:.1%}")
    return acc


def plot_boundary(model: dict, X: np.ndarray, y: np.ndarray, title: str, path: str) -> str:
    """Shade the plane by the predicted probability of class 1 and draw the 0.5 contour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = np.linspace(-5, 5, 121, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    prob = model["session"].run(model["p"], {model["X"]: grid})[:, 1].reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(gx, gy, prob, levels=20, cmap="RdBu_r", alpha=0.4, vmin=0, vmax=1)
    ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*X[y == 0].T, c="tab:blue", s=14, label="class 0")
    ax.scatter(*X[y == 1].T, c="tab:red", s=14, label="class 1")
    ax.set(title=title, xlim=(-5, 5), ylim=(-5, 5), aspect="equal")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv: Sequence[str] | None = None) -> dict:
    """Train both models, write their PNGs; returns the accuracies and the paths written."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=1000, help="gradient steps per model")
    ap.add_argument("--out", default="runs/graph_perceptron", help="folder for the PNGs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    result: dict = {"paths": []}

    with tf.Graph().as_default():
        X, y = two_blobs(rng)
        model = build_perceptron(rng)
        result["perceptron_accuracy"] = train(model, X, y, args.steps, "perceptron")
        result["paths"].append(plot_boundary(model, X, y, "Perceptron, two blobs",
                                             os.path.join(args.out, "perceptron.png")))

    with tf.Graph().as_default():
        X, y = four_blobs(rng)
        model = build_mlp(rng)
        result["mlp_accuracy"] = train(model, X, y, args.steps, "mlp")
        result["paths"].append(plot_boundary(model, X, y, "Multi-layer perceptron, XOR blobs",
                                             os.path.join(args.out, "mlp.png")))
        if shutil.which("dot"):
            result["paths"].append(tf.plot_graph(model["train_op"],
                                                 os.path.join(args.out, "mlp_graph.png")))
    for p in result["paths"]:
        print("wrote", p)
    return result


if __name__ == "__main__":
    main()
