"""LSTM language-model training step: scratchgrad against PyTorch and DeZero.

The model: embedding (vocabulary 65, dim 64) -> one LSTM layer (hidden 256) -> linear to 65
logits, softmax cross-entropy at every position, full backpropagation through the 64-step
sequence, Adam. Batch 32 of random token windows. One step is zero_grad, forward, loss,
backward and the optimizer update; the figure is the time of ``--steps`` steps.

Variants, interleaved in one process (noise on a shared machine hits all alike):

- scratchgrad: ``nn.LSTM``, one fused Function per layer and direction;
- pytorch: ``torch.nn.LSTM`` (its fused CPU kernel);
- pytorch LSTMCell loop: ``torch.nn.LSTMCell`` called once per time step in Python;
- dezero: ``dezero.layers.LSTM`` stepped per time step (eight small products per step) with a
  loss per step. Under NumPy 2 DeZero runs in float64 unless helped (docs/ANCHORS.md); the
  default variant ``float32`` casts its parameters, gives int8 labels and float32 constants in
  its loss and in sigmoid/tanh backward, so forward and backward run in float32; the dtype of
  its gradients is printed (``--dezero-variant params32`` is ANCHORS.md's variant).

The loss after the last step is printed for each framework (all learn the same task from
different initial weights: similar values, not equal ones).

    python benchmarks/lstm.py [--steps 50] [--repeats 5] [--warmup 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import (COMPILED, NO_COMPILE, add_suite_arguments, has_compile,  # noqa: E402
                     import_dezero, import_torch, limit_threads, measure, timed, wanted)

limit_threads()
import numpy as np  # noqa: E402

import scratchgrad as sg  # noqa: E402
from scratchgrad import nn  # noqa: E402
import scratchgrad.nn.functional as F  # noqa: E402

VOCAB, EMBED, HIDDEN, SEQ, BATCH = 65, 64, 256, 64, 32


def _batches(n: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` (input, target) pairs of int64 token windows, (SEQ, BATCH) each, time-major."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        tokens = rng.integers(0, VOCAB, size=(SEQ + 1, BATCH))
        out.append((tokens[:-1], tokens[1:]))
    return out


# ---------------------------------------------------------------------- scratchgrad
class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear, time-major (T, N) tokens to (T, N, V) logits."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN)
        self.head = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens: sg.Tensor) -> sg.Tensor:
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out)


def run_scratchgrad(steps: int, losses: dict) -> float:
    sg.manual_seed(0)
    model = CharLSTM()
    opt = sg.optim.Adam(model.parameters(), lr=1e-3)
    data = [(sg.tensor(x), sg.tensor(y)) for x, y in _batches(steps)]

    def run() -> None:
        for x, y in data:
            opt.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
            loss.backward()
            opt.step()
        assert loss.dtype == np.float32 and model.lstm.weight_hh_l0.grad.dtype == np.float32
        losses["scratchgrad"] = loss.item()

    return timed(run)


def run_compiled(steps: int, losses: dict, notes: dict) -> float:
    """The scratchgrad step through ``scratchgrad.compile``: made afresh with each fresh model,
    so the clock includes the first call's tracing (also reported on its own)."""
    sg.manual_seed(0)
    model = CharLSTM()
    opt = sg.optim.Adam(model.parameters(), lr=1e-3)
    data = [(sg.tensor(x), sg.tensor(y)) for x, y in _batches(steps)]

    def train_step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    step = sg.compile(train_step)
    first = [0.0]

    def run() -> None:
        for i, (x, y) in enumerate(data):
            t0 = time.perf_counter()
            loss = step(x, y)
            if i == 0:
                first[0] = time.perf_counter() - t0
        losses[COMPILED] = loss.item()

    seconds = timed(run)
    notes[COMPILED] = f"first call (tracing included) {first[0]:.3f} s"
    return seconds


# ---------------------------------------------------------------------- pytorch
def build_torch(torch):
    """The same network in PyTorch, with nn.LSTM."""

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(VOCAB, EMBED)
            self.lstm = torch.nn.LSTM(EMBED, HIDDEN)
            self.head = torch.nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens):
            out, _ = self.lstm(self.embed(tokens))
            return self.head(out)

    return Net()


def run_torch(torch, steps: int, losses: dict) -> float:
    torch.manual_seed(0)
    return _torch_loop(torch, build_torch(torch), steps, losses, "pytorch")


def run_torch_cell(torch, steps: int, losses: dict) -> float:
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(VOCAB, EMBED)
            self.cell = torch.nn.LSTMCell(EMBED, HIDDEN)
            self.head = torch.nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens):
            e = self.embed(tokens)
            h = e.new_zeros(BATCH, HIDDEN)
            c = e.new_zeros(BATCH, HIDDEN)
            hs = []
            for t in range(e.shape[0]):
                h, c = self.cell(e[t], (h, c))
                hs.append(h)
            return self.head(torch.stack(hs))

    return _torch_loop(torch, Net(), steps, losses, "pytorch LSTMCell loop")


def _torch_loop(torch, model, steps: int, losses: dict, name: str) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in _batches(steps)]
    loss_fn = torch.nn.functional.cross_entropy

    def run() -> None:
        for x, y in data:
            opt.zero_grad()
            loss = loss_fn(model(x).reshape(-1, VOCAB), y.reshape(-1))
            loss.backward()
            opt.step()
        losses[name] = loss.item()

    return timed(run)


# ---------------------------------------------------------------------- dezero
DEZERO_VARIANTS = ("float32", "params32", "as-is")


@contextlib.contextmanager
def _dezero_float32_backward(F):
    """DeZero's sigmoid and tanh backward compute ``1 - y`` with the 1 wrapped as a 0-d int64
    array, which NumPy 2 promotes with float32 to float64 (NEP 50): the whole backward pass
    below them turns float64. Inside this block they use a float32 one instead (the same
    formulas otherwise); the originals are restored on exit."""
    one = np.float32(1)

    def sigmoid_backward(self, gy):
        y = self.outputs[0]()
        return gy * y * (one - y)

    def tanh_backward(self, gy):
        y = self.outputs[0]()
        return gy * (one - y * y)

    saved = F.Sigmoid.backward, F.Tanh.backward
    F.Sigmoid.backward, F.Tanh.backward = sigmoid_backward, tanh_backward
    try:
        yield
    finally:
        F.Sigmoid.backward, F.Tanh.backward = saved


def run_dezero(dezero, steps: int, variant: str, losses: dict, notes: dict) -> float:
    """DeZero's LSTM layer stepped through the sequence, a loss per step (its book's style).
    ``variant``: 'float32' (parameters cast, int8 labels, float32 constants in the loss and in
    sigmoid/tanh backward: forward and backward in float32), 'params32' (parameters cast and
    int8 labels only: the backward runs in float64) or 'as-is'."""
    import dezero.functions as DF
    import dezero.layers as DL

    np.random.seed(0)

    class Net(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.embed = DL.EmbedID(VOCAB, EMBED)
            self.lstm = DL.LSTM(HIDDEN, in_size=EMBED)
            self.head = DL.Linear(VOCAB, in_size=HIDDEN)

    model = Net()
    if variant != "as-is":  # NumPy 2 promotes DeZero's initialisers to float64
        for p in model.params():
            p.data = p.data.astype(np.float32)
    opt = dezero.optimizers.Adam(alpha=1e-3).setup(model)
    label_dtype = np.int64 if variant == "as-is" else np.int8
    data = [(x, y.astype(label_dtype)) for x, y in _batches(steps)]
    scale = np.float32(1 / SEQ) if variant == "float32" else 1 / SEQ

    class CrossEntropy32(DF.SoftmaxCrossEntropy):
        """DeZero's loss with its 1/N as a float32 (it wraps a Python float as float64)."""

        def backward(self, gy):
            x, t = self.inputs
            gy = gy * np.float32(1 / x.shape[0])
            onehot = np.eye(x.shape[1], dtype=t.dtype)[t.data]
            return (DF.softmax(x) - onehot) * gy

    loss_fn = (lambda a, b: CrossEntropy32()(a, b)) if variant == "float32" else \
        DF.softmax_cross_entropy

    def run() -> None:
        for x, y in data:
            model.cleargrads()
            model.lstm.reset_state()
            loss = None
            for t in range(SEQ):
                h = model.lstm(model.embed(x[t]))
                step_loss = loss_fn(model.head(h), y[t])
                loss = step_loss if loss is None else loss + step_loss
            loss = loss * scale
            loss.backward()
            opt.update()
        dtypes = sorted({str(p.grad.dtype) for p in model.params() if p.grad is not None})
        notes[f"dezero ({variant})"] = "gradients " + "/".join(dtypes)
        losses[f"dezero ({variant})"] = float(loss.data)

    if variant == "float32":
        with _dezero_float32_backward(DF):
            return timed(run)
    return timed(run)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=50, help="training steps per timing")
    p.add_argument("--repeats", type=int, default=5, help="interleaved repetitions")
    p.add_argument("--warmup", type=int, default=3, help="steps per framework before timing")
    p.add_argument("--dezero-variant", choices=DEZERO_VARIANTS + ("none",), default="float32",
                   help="how DeZero's dtypes are kept (see run_dezero); 'none' leaves it out")
    p.add_argument("--json", help="write the figures to this JSON file")
    add_suite_arguments(p)
    args = p.parse_args(argv)
    losses: dict[str, float] = {}
    notes: dict[str, str] = {}
    runners = {}
    if wanted("scratchgrad", args.only):
        runners["scratchgrad"] = lambda n: run_scratchgrad(n, losses)
    if has_compile() and wanted(COMPILED, args.only):
        runners[COMPILED] = lambda n: run_compiled(n, losses, notes)
    wants_torch = wanted("pytorch", args.only) or wanted("pytorch LSTMCell loop", args.only)
    torch = import_torch() if wants_torch else None
    if torch is not None and wanted("pytorch", args.only):
        runners["pytorch"] = lambda n: run_torch(torch, n, losses)
    if torch is not None and wanted("pytorch LSTMCell loop", args.only):
        runners["pytorch LSTMCell loop"] = lambda n: run_torch_cell(torch, n, losses)
    wants_dezero = args.dezero_variant != "none" and wanted("dezero", args.only)
    dezero = import_dezero() if wants_dezero else None
    if dezero is not None:
        variant = args.dezero_variant
        runners[f"dezero ({variant})"] = lambda n: run_dezero(dezero, n, variant, losses, notes)
    if not has_compile():
        print(f"{COMPILED}: {NO_COMPILE}")
    title = (f"LSTM LM training: embed {EMBED}, hidden {HIDDEN}, vocab {VOCAB}, seq {SEQ}, "
             f"batch {BATCH}, Adam, full BPTT: time of {args.steps} steps, "
             f"{args.repeats} interleaved repetitions")
    warm = max(min(args.warmup, args.steps), 1)
    figures = measure(title, {k: (lambda r=r: r(args.steps)) for k, r in runners.items()},
                      argparse.Namespace(**{**vars(args), "json": None}),
                      warmups={k: (lambda r=r: r(warm)) for k, r in runners.items()})
    for k in figures:
        if k in losses:
            figures[k]["final_loss"] = losses[k]
        if k in notes:
            figures[k]["note"] = notes[k]
        if not args.memory and "median_s" in figures[k]:
            note = f"  ({notes[k]})" if k in notes else ""
            print(f"  {k:<24} loss after the last step {losses[k]:.4f}{note}")
    if "pytorch LSTMCell loop" in figures and "scratchgrad" in figures and not args.memory:
        ratio = figures["scratchgrad"]["median_s"] / figures["pytorch LSTMCell loop"]["median_s"]
        figures["scratchgrad"]["ratio_vs_pytorch_lstmcell_loop"] = ratio
        print(f"scratchgrad / pytorch LSTMCell loop: {ratio:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures


if __name__ == "__main__":
    main()
