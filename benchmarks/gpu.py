"""scratchgrad on CuPy vs PyTorch on CUDA vs scratchgrad on the CPU: training steps of the
reference CNN, of the character LSTM, and one MLP epoch, with the ratios the GPU issue asks
for (CNN: >= 10x faster than scratchgrad on the CPU, within 3x of PyTorch on CUDA).

The models and batch shapes are those of ``benchmarks/cnn.py``, ``lstm.py`` and ``mlp.py``;
the data are random tensors of those shapes made on the device once (this measures compute,
not data loading, and needs no dataset). Every timing starts and ends with a device
synchronisation; each framework gets warm-up steps first (CuPy compiles its kernels on first
use). The runs are interleaved and the medians printed. The CPU side runs fewer steps (it is
slow) and is reported per step.

    python benchmarks/gpu.py [--steps 30] [--cpu-steps 3] [--repeats 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scratchgrad as sg  # noqa: E402
import scratchgrad.nn.functional as F  # noqa: E402

import cnn  # noqa: E402  (the benchmark scripts beside this one)
import lstm  # noqa: E402
import mlp  # noqa: E402

BATCH_CNN, BATCH_MLP = 128, 128
MLP_EPOCH_STEPS = 469  # 60,000 samples at batch 128
VOCAB, EMBED, HIDDEN, SEQ, BATCH_LSTM = lstm.VOCAB, lstm.EMBED, lstm.HIDDEN, lstm.SEQ, lstm.BATCH


# ---------------------------------------------------------------------- models
# The networks of the CPU benchmarks, taken from their scripts so that both measure the same.
sg_cnn, torch_cnn = cnn.build_scratchgrad, cnn.build_torch
sg_mlp, torch_mlp = mlp.build_scratchgrad, mlp.build_torch
SgCharLSTM, torch_char_lstm = lstm.CharLSTM, lstm.build_torch


def host_batches(kind: str, n: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if kind == "cnn":
            out.append((rng.random((BATCH_CNN, 1, 28, 28), dtype=np.float32),
                        rng.integers(0, 10, BATCH_CNN)))
        elif kind == "mlp":
            out.append((rng.random((BATCH_MLP, 784), dtype=np.float32),
                        rng.integers(0, 10, BATCH_MLP)))
        else:
            tokens = rng.integers(0, VOCAB, (SEQ + 1, BATCH_LSTM))
            out.append((tokens[:-1], tokens[1:]))
    return out


# ---------------------------------------------------------------------- runners
def sg_runner(kind: str, device: str, steps: int) -> Callable[[], float]:
    """A function timing ``steps`` training steps of scratchgrad on ``device`` (seconds)."""
    sg.manual_seed(0)
    model = {"cnn": sg_cnn, "mlp": sg_mlp, "lstm": SgCharLSTM}[kind]().to(device)
    opt = sg.optim.Adam(model.parameters(), lr=1e-3)
    # At most 16 distinct batches live on the device, reused cyclically (MLP: 469 steps).
    data = [(sg.tensor(x, device=device), sg.tensor(y, device=device))
            for x, y in host_batches(kind, min(steps, 16))]

    def step(x: sg.Tensor, y: sg.Tensor) -> None:
        opt.zero_grad()
        out = model(x)
        loss = F.cross_entropy(out.reshape(-1, VOCAB), y.reshape(-1)) if kind == "lstm" \
            else F.cross_entropy(out, y)
        loss.backward()
        opt.step()

    def run() -> float:
        sg.cuda.synchronize()
        t0 = time.perf_counter()
        for k in range(steps):
            step(*data[k % len(data)])
        sg.cuda.synchronize()
        return time.perf_counter() - t0

    for k in range(2):  # warm-up: CuPy compiles kernels, memory pools fill
        step(*data[k % len(data)])
    return run


def torch_runner(torch: Any, kind: str, steps: int) -> Callable[[], float]:
    torch.manual_seed(0)
    dev = torch.device("cuda")
    builder = {"cnn": torch_cnn, "mlp": torch_mlp, "lstm": torch_char_lstm}[kind]
    model = builder(torch).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = [(torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev))
            for x, y in host_batches(kind, min(steps, 16))]
    loss_fn = torch.nn.functional.cross_entropy

    def step(x: Any, y: Any) -> None:
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out.reshape(-1, VOCAB), y.reshape(-1)) if kind == "lstm" \
            else loss_fn(out, y)
        loss.backward()
        opt.step()

    def run() -> float:
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for k in range(steps):
            step(*data[k % len(data)])
        torch.cuda.synchronize()
        return time.perf_counter() - t0

    for k in range(2):
        step(*data[k % len(data)])
    return run


def measure(kind: str, steps: int, cpu_steps: int, repeats: int, torch: Any) -> dict:
    """Per-step medians (seconds) of each framework, interleaved, and the ratios."""
    runners: dict[str, tuple[Callable[[], float], int]] = {
        "scratchgrad cuda": (sg_runner(kind, "cuda", steps), steps)}
    if torch is not None:
        runners["pytorch cuda"] = (torch_runner(torch, kind, steps), steps)
    if cpu_steps > 0:
        runners["scratchgrad cpu"] = (sg_runner(kind, "cpu", cpu_steps), cpu_steps)
    times: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(repeats):
        for name, (run, n) in runners.items():
            times[name].append(run() / n)
    med = {k: statistics.median(v) for k, v in times.items()}
    out: dict[str, Any] = {"per_step_s": med, "all_per_step_s": times}
    scale, unit = (MLP_EPOCH_STEPS, "s/epoch") if kind == "mlp" else (1e3, "ms/step")
    title = {"cnn": "CNN training step (batch 128, 28x28)",
             "lstm": f"char-LSTM training step (T={SEQ}, batch {BATCH_LSTM}, H={HIDDEN})",
             "mlp": "MLP epoch (469 steps of batch 128)"}[kind]
    print(f"\n{title}")
    for name, m in med.items():
        print(f"  {name:<18} {m * scale:10.3f} {unit}")
    sgc = med["scratchgrad cuda"]
    if "scratchgrad cpu" in med:
        out["cuda_speedup_vs_cpu"] = med["scratchgrad cpu"] / sgc
        print(f"  scratchgrad cuda is {out['cuda_speedup_vs_cpu']:.1f}x faster than "
              "scratchgrad cpu" + ("  (target >= 10x)" if kind == "cnn" else ""))
    if "pytorch cuda" in med:
        out["ratio_vs_torch_cuda"] = sgc / med["pytorch cuda"]
        print(f"  scratchgrad cuda takes {out['ratio_vs_torch_cuda']:.2f}x PyTorch cuda's time"
              + ("  (target <= 3x)" if kind == "cnn" else ""))
    return out


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30, help="GPU steps per timing (CNN, LSTM)")
    p.add_argument("--cpu-steps", type=int, default=3, help="CPU steps per timing (0: skip)")
    p.add_argument("--repeats", type=int, default=3, help="interleaved repetitions")
    p.add_argument("--only", choices=("cnn", "lstm", "mlp"), action="append",
                   help="run only these workloads (repeatable)")
    p.add_argument("--json", help="write the figures to this JSON file")
    args = p.parse_args(argv)
    if not sg.cuda.is_available():
        print(f"benchmarks/gpu.py: CUDA is not available: {sg.cuda.unavailable_reason()}",
              file=sys.stderr)
        raise SystemExit(2)
    try:
        import torch
        if not torch.cuda.is_available():
            print("note: PyTorch has no CUDA here; its column is left out")
            torch = None
    except ImportError:
        print("note: PyTorch is not installed; its column is left out")
        torch = None
    print(f"GPU: {sg.cuda.get_device_name()}; CUDA kernels "
          f"{'on' if sg.cuda.kernels_enabled() else 'off (SCRATCHGRAD_CUDA_KERNELS=0)'}")
    results: dict[str, Any] = {"device": sg.cuda.get_device_name(),
                               "kernels": sg.cuda.kernels_enabled()}
    for kind in args.only or ("cnn", "lstm", "mlp"):
        steps = MLP_EPOCH_STEPS if kind == "mlp" else args.steps
        cpu_steps = min(args.cpu_steps * 10, MLP_EPOCH_STEPS) if kind == "mlp" else args.cpu_steps
        try:
            results[kind] = measure(kind, steps, cpu_steps, args.repeats, torch)
        except Exception as e:  # report and go on: one broken workload must not hide the rest
            print(f"\n{kind}: FAILED: {type(e).__name__}: {e}")
            results[kind] = {"error": f"{type(e).__name__}: {e}"}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=float)
    return results


if __name__ == "__main__":
    main()
