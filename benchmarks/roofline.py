"""Matrix-multiply roofline: how fast this machine's BLAS multiplies the workloads' matrices,
and from that a lower bound on each workload's time.

Every benchmarked workload is listed as the matrix products one run of it needs, as
(M, K, N) shapes (C[M, N] = A[M, K] @ B[K, N]) with counts: forward products, weight gradients,
and input gradients only where an input needs one (never for the images or the first layer's
input); convolutions as the im2col products scratchgrad and DeZero perform. Each distinct
shape is timed with NumPy's BLAS (``np.matmul``) and with PyTorch (``torch.mm``, 2 threads) on
float32, interleaved, ``--repeats`` times. A workload's bound is the sum over its products of
the fastest time seen for the shape (either library, any repetition; the minimum, not the
median, because a bound should be what the machine can do: on a shared machine OpenBLAS's two
threads lose 30x on small products whenever another process holds a core, so medians there
measure the neighbours). The NumPy and PyTorch columns are medians. Everything else a step
does (elementwise ops, im2col copies, pooling, the optimizer, Python) comes on top, so no
framework can beat the bound by much (a direct convolution could, a little: it need not use
these shapes). The GFLOP/s of a large square product (the machine's practical peak) is
printed too.

    python benchmarks/roofline.py [--repeats 5] [--workloads mlp,cnn,lstm] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import import_torch, limit_threads  # noqa: E402

limit_threads()
import numpy as np  # noqa: E402

Gemm = tuple[int, int, int, int]  # M, K, N, how many times one run of the workload does it


def _linear(b: int, n_in: int, n_out: int, count: int, input_grad: bool) -> list[Gemm]:
    """A linear layer on a batch of ``b``: forward, weight gradient, input gradient."""
    out = [(b, n_in, n_out, count), (n_in, b, n_out, count)]
    return out + [(b, n_out, n_in, count)] if input_grad else out


def _epoch_batches(steps: int, batch: int, n: int = 60000) -> dict[int, int]:
    """How many batches of each size ``steps`` steps over shuffled epochs of ``n`` take."""
    per_epoch = -(-n // batch)
    sizes: dict[int, int] = {}
    for i in range(steps):
        b = batch if (i % per_epoch) < per_epoch - 1 or n % batch == 0 else n % batch
        sizes[b] = sizes.get(b, 0) + 1
    return sizes


def mlp_gemms(layers: list[int], steps: int, batch: int) -> list[Gemm]:
    """Training steps of an MLP with widths ``layers`` (e.g. [784, 256, 256, 10])."""
    out: list[Gemm] = []
    for b, count in _epoch_batches(steps, batch).items():
        for i, (n_in, n_out) in enumerate(zip(layers, layers[1:])):
            out += _linear(b, n_in, n_out, count, input_grad=i > 0)
    return out


def cnn_gemms(steps: int, batch: int, train: bool = True) -> list[Gemm]:
    """The CNN of cnn.py: conv 1->32 and 32->64 (3x3, pad 1, im2col), fc 3136->128->10."""
    b = batch
    fwd = [(b * 28 * 28, 1 * 9, 32, steps), (b * 14 * 14, 32 * 9, 64, steps),
           (b, 3136, 128, steps), (b, 128, 10, steps)]
    if not train:
        return fwd
    grads = [(32, b * 28 * 28, 9, steps),                                      # conv1 weight
             (64, b * 14 * 14, 32 * 9, steps), (b * 14 * 14, 64, 32 * 9, steps),  # conv2
             (3136, b, 128, steps), (b, 128, 3136, steps),                     # fc1
             (128, b, 10, steps), (b, 10, 128, steps)]                         # fc2
    return fwd + grads


def lstm_gemms(steps: int, vocab: int = 65, embed: int = 64, hidden: int = 256, seq: int = 64,
               batch: int = 32) -> list[Gemm]:
    """The LSTM language model of lstm.py, with the input and weight-gradient products batched
    over time (what a fused LSTM can do); the recurrent products are one per time step."""
    tb, g = seq * batch, 4 * hidden
    return [(tb, embed, g, steps), (batch, hidden, g, seq * steps), (tb, hidden, vocab, steps),
            (hidden, tb, vocab, steps), (tb, vocab, hidden, steps),     # head gradients
            (embed, tb, g, steps), (tb, g, embed, steps),               # input projection
            (hidden, tb, g, steps), (batch, g, hidden, seq * steps)]    # recurrence


def flops(gemms: list[Gemm]) -> float:
    return float(sum(2 * m * k * n * c for m, k, n, c in gemms))


def _time_one(fn, min_seconds: float = 0.02) -> float:
    """Seconds per call of ``fn``, looping until ``min_seconds`` have passed."""
    fn()
    calls, t0 = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return elapsed / calls


def time_shapes(shapes: list[tuple[int, int, int]], repeats: int,
                torch: Any = None) -> dict[tuple[int, int, int], dict[str, float]]:
    """Seconds per product for each (M, K, N), NumPy and (if given) PyTorch interleaved
    ``repeats`` times: {"numpy": median, "pytorch": median, "best": fastest of all}."""
    rng = np.random.default_rng(0)
    out = {}
    for m, k, n in shapes:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        c = np.empty((m, n), np.float32)
        runs = {"numpy": lambda: np.matmul(a, b, out=c)}
        if torch is not None:
            ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.empty(m, n)
            runs["pytorch"] = lambda: torch.mm(ta, tb, out=tc)
        samples: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(repeats):
            for name, fn in runs.items():
                samples[name].append(_time_one(fn))
        out[(m, k, n)] = {name: statistics.median(v) for name, v in samples.items()}
        out[(m, k, n)]["best"] = min(min(v) for v in samples.values())
    return out


def bound(gemms: list[Gemm], times: dict[tuple[int, int, int], dict[str, float]]
          ) -> dict[str, float]:
    """A workload's matrix-product time with NumPy, with PyTorch (medians) and at the fastest
    seen for each shape (the bound), in seconds; its GFLOP."""
    res = {"gflop": flops(gemms) / 1e9, "numpy_s": 0.0, "bound_s": 0.0}
    has_torch = all("pytorch" in t for t in times.values())
    if has_torch:
        res["pytorch_s"] = 0.0
    for m, k, n, count in gemms:
        t = times[(m, k, n)]
        res["numpy_s"] += count * t["numpy"]
        if has_torch:
            res["pytorch_s"] += count * t["pytorch"]
        res["bound_s"] += count * t["best"]
    return res


def roofline(workloads: dict[str, list[Gemm]], repeats: int, peak_size: int = 2048,
             with_torch: bool = True) -> dict[str, Any]:
    """Time every distinct shape of ``workloads`` and a ``peak_size`` square product; return
    {"peak": {framework: GFLOP/s}, "workloads": {name: bound(...) + GFLOP/s}, "shapes": [...]}."""
    torch = import_torch() if with_torch else None
    shapes = sorted({(m, k, n) for g in workloads.values() for m, k, n, _ in g})
    times = time_shapes(shapes + [(peak_size,) * 3], repeats, torch)
    peak_flop = 2.0 * peak_size ** 3
    result: dict[str, Any] = {
        "peak": {fw: peak_flop / s / 1e9 for fw, s in times[(peak_size,) * 3].items()
                 if fw != "best"},
        "peak_shape": peak_size, "workloads": {}, "shapes": []}
    for name, gemms in workloads.items():
        b = bound(gemms, times)
        for fw in ("numpy", "pytorch"):
            if fw + "_s" in b:
                b[fw + "_gflops"] = b["gflop"] / b[fw + "_s"]
        result["workloads"][name] = b
    for (m, k, n), t in times.items():
        gflops = {fw + "_gflops": 2 * m * k * n / s / 1e9 for fw, s in t.items()}
        result["shapes"].append({"m": m, "k": k, "n": n, **gflops})
    return result


DEFAULT_WORKLOADS = {
    "mlp": lambda: mlp_gemms([784, 256, 256, 10], 469, 128),
    "cnn": lambda: cnn_gemms(100, 128),
    "lstm": lambda: lstm_gemms(50),
    "small_step": lambda: mlp_gemms([784, 128, 10], 500, 32),
    "infer_b1": lambda: cnn_gemms(300, 1, train=False),
    "infer_b256": lambda: cnn_gemms(20, 256, train=False),
}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="interleaved repetitions per shape")
    p.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                   help="comma-separated subset of " + ", ".join(DEFAULT_WORKLOADS))
    p.add_argument("--json", help="write the figures to this JSON file")
    args = p.parse_args(argv)
    names = args.workloads.split(",")
    unknown = [n for n in names if n not in DEFAULT_WORKLOADS]
    if unknown:
        raise SystemExit(f"roofline: unknown workload(s) {unknown}; expected a subset of "
                         f"{list(DEFAULT_WORKLOADS)}")
    res = roofline({n: DEFAULT_WORKLOADS[n]() for n in names}, args.repeats)
    print("matrix-multiply roofline (float32, 2 threads): "
          + ", ".join(f"{fw} {g:.0f} GFLOP/s" for fw, g in res["peak"].items())
          + f" at {res['peak_shape']}^3")
    print(f"{'workload':<12}{'GFLOP':>9}{'numpy':>10}{'GFLOP/s':>9}{'pytorch':>10}{'GFLOP/s':>9}"
          f"{'bound':>10}")
    nan = float("nan")
    for name, b in res["workloads"].items():
        print(f"{name:<12}{b['gflop']:>9.1f}{b['numpy_s']:>9.3f}s{b['numpy_gflops']:>9.0f}"
              f"{b.get('pytorch_s', nan):>9.3f}s{b.get('pytorch_gflops', nan):>9.0f}"
              f"{b['bound_s']:>9.3f}s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
