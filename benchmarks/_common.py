"""Shared helpers for the benchmarks: interleaved repetitions, medians, DeZero import."""
from __future__ import annotations

import os
import statistics
import time
from typing import Callable

import numpy as np


def limit_threads(n: int = 2) -> None:
    """Give every framework the same 2 threads (set before NumPy/torch spin up pools)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))


def import_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch


def import_dezero():
    """DeZero 0.0.13 predates NumPy 2: it needs the removed alias ``np.int``."""
    if not hasattr(np, "int"):
        np.int = int  # type: ignore[attr-defined]
    try:
        import dezero
    except ImportError:
        return None
    return dezero


def interleaved(runners: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run each runner ``repeats`` times, interleaved (a, b, c, a, b, c, ...), so that noise
    on the shared machine hits every framework alike. Each runner returns seconds."""
    times: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            times[name].append(run())
    return times


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def report(title: str, times: dict[str, list[float]], unit: float, unit_name: str,
           reference: str = "pytorch") -> dict[str, dict[str, float]]:
    """Print medians, min-max and the ratio to ``reference``; return the figures."""
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{title}")
    print(f"{'framework':<22}{'median':>12}{'min':>12}{'max':>12}{'vs ' + reference:>14}")
    out = {}
    for k, v in times.items():
        ratio = med[k] / med[reference] if reference in med else float("nan")
        print(f"{k:<22}{med[k] / unit:>10.2f}{unit_name:>2}{min(v) / unit:>10.2f}{unit_name:>2}"
              f"{max(v) / unit:>10.2f}{unit_name:>2}{ratio:>13.2f}x")
        out[k] = {"median_s": med[k], "min_s": min(v), "max_s": max(v), "ratio_vs_" +
                  reference: ratio}
    return out
