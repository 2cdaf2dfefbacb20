"""Shared helpers for the benchmarks: interleaved repetitions, medians, DeZero import, the
flags every workload script takes (``--only``, ``--memory``) and peak-memory measurement."""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
from typing import Any, Callable

import numpy as np

from scratchgrad.backend import keep_freed_memory

# scratchgrad's command line and Trainer keep freed memory for reuse (see the function); so
# does every benchmark process, before anything is timed.
keep_freed_memory()


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


# ---------------------------------------------------------------------- shared by every script
COMPILED = "scratchgrad compiled"
NO_COMPILE = "n/a (scratchgrad.compile not available)"


def has_compile() -> bool:
    """True once ``scratchgrad.compile`` exists (the tracing compiler)."""
    import scratchgrad

    return hasattr(scratchgrad, "compile")


def add_suite_arguments(p: argparse.ArgumentParser) -> None:
    """The flags every workload script takes, so that ``suite.py`` drives them all alike."""
    p.add_argument("--only", help="comma-separated frameworks to run (e.g. 'pytorch,dezero'); "
                   "default: all that are installed")
    p.add_argument("--memory", action="store_true",
                   help="instead of timing, run the one framework named by --only once and "
                   "report its peak resident memory (see benchmarks/_common.py: peak_rss)")


def wanted(name: str, only: str | None) -> bool:
    """Whether framework ``name`` is selected by ``--only`` ('dezero' selects 'dezero (float32)';
    'scratchgrad' selects eager only, 'scratchgrad compiled' the compiled runner)."""
    if not only:
        return True
    base = name.split(" (")[0]
    return any(sel.strip() in (name, base) or sel.strip().split(" (")[0] == name
               for sel in only.split(","))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"peak_rss: /proc/self/status has no {field} line")


def peak_rss(fn: Callable[[], object]) -> dict[str, Any]:
    """Run ``fn`` and return how far the process's resident memory rose above where it stood
    just before: ``peak_mb`` = peak RSS during ``fn`` minus RSS before it (MiB).

    Linux only: the peak (VmHWM in /proc/self/status) is reset to the current RSS by writing
    "5" to /proc/self/clear_refs first. Resident memory sees every allocator (NumPy's malloc,
    PyTorch's own), which tracemalloc does not. Meant for a fresh process running one framework:
    in a process where another framework already ran, freed-but-kept heap is reused and the rise
    under-reports, which is why ``suite.py`` measures memory in one subprocess per framework.

    >>> import numpy as np
    >>> peak_rss(lambda: np.ones(10 << 20, np.float32))["peak_mb"] >= 39  # doctest: +SKIP
    True
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False  # the peak then includes whatever came before (imports); say so
    before, file_before = _status_kb("VmRSS"), _status_kb("RssFile")
    fn()
    peak, file_after = _status_kb("VmHWM"), _status_kb("RssFile")
    # file-backed pages are mostly library code touched for the first time (a framework's
    # lazy initialisation): part of the rise, reported apart so it can be told from data
    return {"peak_mb": (peak - before) / 1024, "rss_before_mb": before / 1024,
            "file_backed_rise_mb": (file_after - file_before) / 1024, "peak_reset": reset}


def measure(title: str, runners: dict[str, Callable[[], float]], args: argparse.Namespace,
            unit: float = 1.0, unit_name: str = "s",
            warmups: dict[str, Callable[[], object]] | None = None,
            fallible: tuple[str, ...] = (COMPILED,)) -> dict[str, dict[str, Any]]:
    """Time ``runners`` (each returns seconds) interleaved ``args.repeats`` times after one
    warm-up call each (``warmups[name]`` if given, else the runner itself) and print the
    report; or, with ``args.memory``, run the single selected runner once under
    :func:`peak_rss`. Runners named in ``fallible`` (the compiled one: the compiler is young)
    that raise are reported as failed rather than stopping the benchmark.
    Returns {framework: figures}; ``args.json`` gets the same."""
    figures: dict[str, dict[str, Any]] = {}
    if args.memory:
        if len(runners) != 1:
            raise SystemExit(f"{title}: --memory needs --only to select exactly one framework; "
                             f"selected {sorted(runners)}")
        (name, run), = runners.items()
        fused = False
        if name.startswith("scratchgrad"):
            # Loading Numba and the fused kernels (scratchgrad.fused) is scratchgrad's analogue
            # of `import torch`, which happens before PyTorch's baseline too: done first, and
            # said in the figures. Its own cost is in docs/performance.md.
            import scratchgrad.fused

            fused = scratchgrad.fused.warm_up()
        figures[name] = peak_rss(run)
        figures[name]["fused_kernels_loaded_before"] = fused
        print(f"{title}\n{name}: peak RSS {figures[name]['peak_mb']:.1f} MiB above the RSS "
              f"before the run ({figures[name]['rss_before_mb']:.1f} MiB)")
    else:
        live = dict(runners)
        for name, run in runners.items():
            try:
                (warmups or {}).get(name, run)()
            except Exception as e:  # noqa: BLE001 - reported, never silently dropped
                if name not in fallible:
                    raise
                del live[name]
                figures[name] = {"error": f"{type(e).__name__}: {e}"}
                print(f"{name}: failed in warm-up: {type(e).__name__}: {e}")
        figures.update(report(title, interleaved(live, args.repeats), unit, unit_name))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures
