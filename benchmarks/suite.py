"""The benchmark suite (``make bench``): every workload, every framework, one table.

Runs each workload script's ``main`` in this process - scratchgrad eager, scratchgrad compiled
(when ``scratchgrad.compile`` exists), PyTorch (CPU, 2 threads) and DeZero (kept in float32)
interleaved within each workload, ``--repeats`` times - then measures each framework's peak
memory, times the matrix-multiply roofline, and prints ONE table: per workload and framework
the median, min-max, the ratio to PyTorch, the ratio to the workload's matmul bound and the
peak memory. The same figures, with the machine's description, go to
``benchmarks/results/latest.json`` (``latest-quick.json`` / ``latest-smoke.json`` for the
short modes) and a bar chart of the ratios to ``ratios*.png``.

Peak memory is measured in a fresh subprocess per workload and framework (the script run with
``--only FRAMEWORK --memory`` for a few steps): the rise of resident memory (VmHWM, reset
through /proc/self/clear_refs) above the resident memory just before the run. Resident memory
sees PyTorch's allocator, which tracemalloc does not; a fresh process is needed because in a
process where another framework already ran, glibc hands freed heap back out without growing
the resident set, and the later framework would look free. The rise includes the model, the
optimizer state, activations, and library code a framework pages in lazily at its first op.

    python benchmarks/suite.py                 # the full suite, about 10-15 min on 2 cores
    python benchmarks/suite.py --quick         # fewer steps and 3 repetitions, a few minutes
    python benchmarks/suite.py --smoke         # a couple of steps each, no memory: a test
    python benchmarks/suite.py --render benchmarks/results/latest.json   # the README table
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(1, ROOT)

from _common import COMPILED, NO_COMPILE, has_compile, limit_threads  # noqa: E402

limit_threads()
import numpy as np  # noqa: E402

import roofline  # noqa: E402

MODES = ("full", "quick", "smoke")
DEFAULT_REPEATS = {"full": 5, "quick": 3, "smoke": 1}
# the order rows appear in within a workload
ORDER = ("scratchgrad", COMPILED, "pytorch", "pytorch LSTMCell loop", "dezero (float32)")
MEMORY_NOTE = ("peak memory: rise of resident memory (VmHWM) above the RSS just before the run, "
               "one fresh process per framework and workload; the baseline is taken after "
               "the framework's import (for scratchgrad, after loading its Numba kernels, "
               "scratchgrad.fused.warm_up())")


@dataclass
class Workload:
    """One row group of the table: which script runs it and with what sizes in each mode."""

    key: str
    title: str
    module: str
    sizes: dict[str, dict[str, int]]           # mode -> the script's size flags
    memory_sizes: dict[str, int]                # smaller sizes for the memory run
    unit: Callable[[dict[str, int]], tuple[float, str]]  # sizes -> (seconds per unit, name)
    gemms: Callable[[dict[str, int]], list] | None = None
    compiled: bool = True                       # has a compiled runner
    images: Callable[[dict[str, int]], int] | None = None
    extra_argv: list[str] = field(default_factory=list)

    def argv(self, mode: str) -> list[str]:
        out = list(self.extra_argv)
        for flag, value in self.sizes[mode].items():
            out += [f"--{flag}", str(value)]
        return out


def _total(sizes: dict[str, int]) -> tuple[float, str]:
    return 1.0, "s"


def _per_step(sizes: dict[str, int]) -> tuple[float, str]:
    return 1e-3 * sizes["steps"], "ms/step"


def _per_pass(sizes: dict[str, int]) -> tuple[float, str]:
    return 1e-3 * sizes["batches"], "ms/pass"


WORKLOADS = [
    Workload("overhead", "autograd overhead per op (chain of add/mul/sin on 10 elements, "
             "fwd+bwd)", "overhead",
             {"full": {"length": 1000}, "quick": {"length": 1000}, "smoke": {"length": 20}},
             {"length": 1000}, lambda s: (1e-6 * (3 * s["length"] + 1), "us/op"),
             compiled=False),
    Workload("mlp", "MLP 784-256-256-10, Fashion-MNIST, Adam, batch 128", "mlp",
             {"full": {"steps": 469, "warmup": 10}, "quick": {"steps": 100, "warmup": 5},
              "smoke": {"steps": 2, "warmup": 1}},
             {"steps": 10, "warmup": 0}, _total,
             lambda s: roofline.mlp_gemms([784, 256, 256, 10], s["steps"], 128)),
    Workload("cnn", "CNN conv32-pool-conv64-pool-fc128-fc10, Fashion-MNIST, Adam, batch 128",
             "cnn",
             {"full": {"steps": 100, "warmup": 5}, "quick": {"steps": 30, "warmup": 3},
              "smoke": {"steps": 2, "warmup": 1}},
             {"steps": 5, "warmup": 0}, _total, lambda s: roofline.cnn_gemms(s["steps"], 128)),
    Workload("lstm", "LSTM LM (embed 64, hidden 256, vocab 65, length 64, batch 32), Adam",
             "lstm",
             {"full": {"steps": 50, "warmup": 3}, "quick": {"steps": 15, "warmup": 2},
              "smoke": {"steps": 1, "warmup": 1}},
             {"steps": 3, "warmup": 1}, _total, lambda s: roofline.lstm_gemms(s["steps"])),
    Workload("infer_b1", "CNN inference, batch 1, eval mode, no grad", "inference",
             {"full": {"batch": 1, "batches": 200}, "quick": {"batch": 1, "batches": 50},
              "smoke": {"batch": 1, "batches": 2}},
             {"batch": 1, "batches": 20}, _per_pass,
             lambda s: roofline.cnn_gemms(s["batches"], 1, train=False),
             images=lambda s: s["batch"] * s["batches"]),
    Workload("infer_b256", "CNN inference, batch 256, eval mode, no grad", "inference",
             {"full": {"batch": 256, "batches": 10}, "quick": {"batch": 256, "batches": 4},
              "smoke": {"batch": 256, "batches": 1}},
             {"batch": 256, "batches": 2}, _per_pass,
             lambda s: roofline.cnn_gemms(s["batches"], 256, train=False),
             images=lambda s: s["batch"] * s["batches"]),
    Workload("small_step", "small-model step: MLP 784-128-10, Adam, batch 32",
             "small_step",
             {"full": {"steps": 500, "warmup": 20}, "quick": {"steps": 200, "warmup": 10},
              "smoke": {"steps": 2, "warmup": 1}},
             {"steps": 20, "warmup": 0}, _per_step,
             lambda s: roofline.mlp_gemms([784, 128, 10], s["steps"], 32)),
]


# ---------------------------------------------------------------------- the machine
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info() -> dict[str, Any]:
    """CPU, cores, NumPy and its BLAS, torch, DeZero, Python, commit, date and load."""
    info: dict[str, Any] = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": _cpu_model(), "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(), "platform": platform.platform(),
        "numpy": np.__version__,
        "threads_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                       "MKL_NUM_THREADS")},
        "load_average_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "commit": _git("rev-parse", "HEAD"),
        "worktree_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }
    try:
        import threadpoolctl

        info["blas"] = [{k: lib.get(k) for k in ("internal_api", "version", "architecture",
                                                  "num_threads", "threading_layer")}
                        for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    except ImportError:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = [{"internal_api": blas.get("name"), "version": blas.get("version")}]
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    try:
        from importlib.metadata import version

        info["dezero"] = version("dezero")
    except Exception:  # noqa: BLE001 - not installed: say so
        info["dezero"] = None
    try:  # scratchgrad's fused optimizer kernels (scratchgrad.fused): on with Numba
        import scratchgrad.fused

        info["fused_kernels"] = scratchgrad.fused.available()
        info["numba"] = version("numba") if info["fused_kernels"] else None
    except Exception:  # noqa: BLE001 - not installed: say so
        info["fused_kernels"], info["numba"] = False, None
    return info


def machine_line(m: dict[str, Any]) -> str:
    blas = ", ".join(f"{b.get('internal_api')} {b.get('version')}"
                     + (f" {b['architecture']}" if b.get("architecture") else "")
                     for b in m.get("blas", []))
    load = m.get("load_average_start")
    return (f"{m['cpu']}, {m['cpus_usable']} usable cores; NumPy {m['numpy']} ({blas}); "
            f"PyTorch {m['torch']} ({m.get('torch_threads')} threads); DeZero {m['dezero']}; "
            + (f"scratchgrad's fused kernels on (Numba {m['numba']}); "
               if m.get("fused_kernels") else
               "scratchgrad's fused kernels off; " if "fused_kernels" in m else "")
            + f"Python {m['python']}; {m['date_utc']}"
            + (f"; load average at start {load[0]:.1f}" if load else ""))


# ---------------------------------------------------------------------- running
def run_timing(w: Workload, mode: str, repeats: int) -> dict[str, dict[str, Any]]:
    """The workload script's ``main`` in this process: every framework, interleaved."""
    module = importlib.import_module(w.module)
    return module.main(w.argv(mode) + ["--repeats", str(repeats)])


def run_memory(w: Workload, framework: str) -> dict[str, Any]:
    """Peak memory of one framework on ``w`` in a fresh subprocess (see the module docstring)."""
    sizes = {**w.memory_sizes}
    argv = list(w.extra_argv)
    for flag, value in sizes.items():
        argv += [f"--{flag}", str(value)]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "memory.json")
        cmd = [sys.executable, os.path.join(HERE, w.module + ".py"), *argv, "--repeats", "1",
               "--only", framework, "--memory", "--json", out]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0 or not os.path.exists(out):
            return {"error": (proc.stderr or proc.stdout).strip()[-500:]}
        with open(out) as f:
            figures = json.load(f)
    if framework not in figures:
        return {"error": f"the memory run reported {sorted(figures)}, not {framework!r}"}
    result = figures[framework]
    result["sizes"] = sizes
    return result


def collect(mode: str, repeats: int, memory: bool, workloads: list[Workload],
            with_roofline: bool = True) -> dict[str, Any]:
    """Run everything; return the results as they are written to JSON."""
    results: dict[str, Any] = {
        "schema": 1, "mode": mode, "repeats": repeats, "machine": machine_info(),
        "command": " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
        if sys.argv and sys.argv[0].endswith("suite.py") else "suite.main",
        "compile_available": has_compile(),
        "memory_method": MEMORY_NOTE if memory else "peak memory not measured",
        "workloads": []}
    for w in workloads:
        print(f"\n===== {w.key}: {w.title}", flush=True)
        sizes = w.sizes[mode]
        scale, unit = w.unit(sizes)
        figures = run_timing(w, mode, repeats)
        frameworks: dict[str, dict[str, Any]] = {}
        for name, f in figures.items():
            f = dict(f)
            f["status"] = "failed" if "error" in f else "ok"
            frameworks[name] = f
        if w.compiled and not has_compile():
            frameworks[COMPILED] = {"status": "n/a", "reason": NO_COMPILE}
        entry = {"key": w.key, "title": w.title, "sizes": sizes, "unit": unit,
                 "unit_seconds": scale, "frameworks": frameworks}
        if w.images is not None:
            entry["images"] = w.images(sizes)
        if w.gemms is not None:
            entry["gemms"] = [list(g) for g in w.gemms(sizes)]
        results["workloads"].append(entry)
    if memory:
        print("\n===== peak memory, one subprocess per workload and framework", flush=True)
        for w, entry in zip(workloads, results["workloads"]):
            for name, f in entry["frameworks"].items():
                if f["status"] != "ok":
                    continue
                mem = run_memory(w, name)
                f["memory"] = mem
                shown = f"{mem['peak_mb']:.1f} MiB" if "peak_mb" in mem else mem["error"]
                print(f"  {w.key:<12} {name:<24} {shown}", flush=True)
    if with_roofline:
        print("\n===== matrix-multiply roofline", flush=True)
        mixes = {e["key"]: [tuple(g) for g in e["gemms"]] for e in results["workloads"]
                 if "gemms" in e}
        peak = 2048 if mode != "smoke" else 256
        rl = roofline.roofline(mixes, max(repeats, 3) if mode != "smoke" else 1, peak)
        results["roofline"] = {k: v for k, v in rl.items()}
        for e in results["workloads"]:
            b = rl["workloads"].get(e["key"])
            if b is None:
                continue
            e["gflop"], e["bound_s"] = b["gflop"], b["bound_s"]
            for f in e["frameworks"].values():
                if f["status"] == "ok":
                    f["x_bound"] = f["median_s"] / b["bound_s"]
    results["machine"]["load_average_end"] = (os.getloadavg() if hasattr(os, "getloadavg")
                                              else None)
    results["warnings"] = [
        f"{e['key']}: {name} took {f['x_bound']:.2f}x the matmul bound, less than the bound "
        f"itself: the machine was busier while the roofline ran than during this workload"
        for e in results["workloads"] for name, f in e["frameworks"].items()
        if f.get("x_bound", 1.0) < 1.0]
    return results


# ---------------------------------------------------------------------- reporting
def _fmt(seconds: float, scale: float) -> str:
    """Three significant digits, never scientific notation."""
    v = seconds / scale
    if v >= 100:
        return f"{v:.0f}"
    digits = max(0, 2 - math.floor(math.log10(v))) if v > 0 else 0
    return f"{v:.{digits}f}"


def rows(results: dict[str, Any]) -> list[tuple[str, list[list[str]]]]:
    """The table as (group header, rows of cells); shared by the console and Markdown forms.
    Cells: framework, median, min-max, vs PyTorch, x bound, peak memory, note."""
    groups = []
    for e in results["workloads"]:
        scale, unit = e["unit_seconds"], e["unit"]
        header = f"{e['title']}: {_describe_sizes(e)}, {unit}"
        if "bound_s" in e:
            header += f"; matmul bound {_fmt(e['bound_s'], scale)} {unit} ({e['gflop']:.1f} GFLOP)"
        body = []
        names = sorted(e["frameworks"], key=lambda n: ORDER.index(n) if n in ORDER else 99)
        for name in names:
            f = e["frameworks"][name]
            if f["status"] == "n/a":
                body.append([name, f["reason"], "", "", "", "", ""])
                continue
            if f["status"] == "failed":
                body.append([name, f"failed: {f['error'][:60]}", "", "", "", "", ""])
                continue
            ratio = f.get("ratio_vs_pytorch", float("nan"))
            mem = f.get("memory", {})
            cells = [name, _fmt(f["median_s"], scale),
                     f"{_fmt(f['min_s'], scale)}-{_fmt(f['max_s'], scale)}",
                     "-" if math.isnan(ratio) else f"{ratio:.2f}x",
                     f"{f['x_bound']:.1f}x" if "x_bound" in f else "-",
                     f"{mem['peak_mb']:.0f} MiB" if "peak_mb" in mem else "-"]
            note = []
            if "images" in e:
                note.append(f"{e['images'] / f['median_s']:,.0f} images/s")
            if "note" in f:
                note.append(f["note"])
            body.append(cells + ["; ".join(note)])
        groups.append((header, body))
    rl = results.get("roofline")
    if rl:
        peak = ", ".join(f"{'NumPy' if k == 'numpy' else 'PyTorch'} {v:.0f} GFLOP/s"
                         for k, v in rl["peak"].items())
        body = []
        for key, b in rl["workloads"].items():
            for fw in ("numpy", "pytorch"):
                if fw + "_s" not in b:
                    continue
                ratio = b[fw + "_s"] / b["pytorch_s"] if "pytorch_s" in b else float("nan")
                body.append([f"{key}: {'NumPy BLAS' if fw == 'numpy' else 'torch.mm'}",
                             _fmt(b[fw + "_s"], 1.0), "", f"{ratio:.2f}x",
                             f"{b[fw + '_s'] / b['bound_s']:.1f}x", "",
                             f"{b[fw + '_gflops']:.0f} GFLOP/s"])
        groups.append((f"matrix-multiply roofline: each workload's matrix products alone, s "
                       f"(medians; bound = fastest seen per shape); peak {peak} at "
                       f"{rl['peak_shape']}^3", body))
    return groups


def _describe_sizes(e: dict[str, Any]) -> str:
    s = e["sizes"]
    if "length" in s:
        return f"{3 * s['length'] + 1} ops"
    if "batches" in s:
        return f"{s['batches']} passes of batch {s['batch']}"
    return f"{s['steps']} steps"


HEAD = ["framework", "median", "min-max", "vs PyTorch", "x bound", "peak mem", "note"]


def format_console(results: dict[str, Any]) -> str:
    widths = [27, 10, 17, 11, 9, 10, 0]
    lines = [f"scratchgrad benchmark suite ({results['mode']}, {_reps(results)}; medians)",
             machine_line(results["machine"]),
             results["memory_method"], "",
             "".join(h.ljust(wd) if i == 0 else h.rjust(wd) if wd else "  " + h
                     for i, (h, wd) in enumerate(zip(HEAD, widths)))]
    for header, body in rows(results):
        lines.append(header)
        for cells in body:
            if cells[2] == "" and cells[3] == "":  # n/a or failed: one message
                lines.append(f"  {cells[0]:<25}{cells[1]}")
                continue
            lines.append("  " + "".join(c.ljust(wd - 2) if i == 0 else c.rjust(wd) if wd
                                        else ("  " + c if c else "")
                                        for i, (c, wd) in enumerate(zip(cells, widths))))
    lines += [f"warning: {w}" for w in results.get("warnings", [])]
    return "\n".join(lines)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reps(results: dict[str, Any]) -> str:
    n = results["repeats"]
    return f"{n} interleaved repetition{'s' if n != 1 else ''}"


def format_markdown(results: dict[str, Any]) -> str:
    """The README's results table, from a results JSON alone."""
    out = [f"Measured {results['machine']['date_utc'][:10]} with `{results['command']}` "
           f"({results['mode']}, {_reps(results)}, medians) on: "
           f"{machine_line(results['machine'])}. {_sentence(results['memory_method'])}.", "",
           "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for header, body in rows(results):
        out.append(f"| **{header}** |" + " |" * (len(HEAD) - 1))
        for cells in body:
            out.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(out)


def plot(results: dict[str, Any], path: str) -> bool:
    """A grouped bar chart of every framework's ratio to PyTorch (log scale); False if
    matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    keys = [e["key"] for e in results["workloads"]]

    def ratio(e: dict[str, Any], name: str) -> float:
        f = e["frameworks"].get(name)
        return f.get("ratio_vs_pytorch", math.nan) if f and f["status"] == "ok" else math.nan

    # only frameworks with at least one bar (an n/a compiled column gets none, and no legend)
    names = [n for n in ORDER if any(not math.isnan(ratio(e, n)) for e in results["workloads"])]
    colors = dict(zip(ORDER, ("tab:blue", "tab:cyan", "tab:red", "tab:orange", "tab:purple")))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        xs, ys = [], []
        for j, e in enumerate(results["workloads"]):
            if not math.isnan(ratio(e, name)):
                xs.append(j + (i - (len(names) - 1) / 2) * width)
                ys.append(ratio(e, name))
        ax.bar(xs, ys, width, label=name, color=colors[name])
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(keys)), keys)
    ax.set_ylabel("time / PyTorch's time (lower is faster)")
    ax.set_title(f"scratchgrad benchmark suite ({results['mode']}): medians of "
                 f"{_reps(results)}"
                 + ("" if results["compile_available"] else "; compiled: n/a"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(results: dict[str, Any], out_dir: str) -> tuple[str, str | None]:
    os.makedirs(out_dir, exist_ok=True)
    suffix = "" if results["mode"] == "full" else "-" + results["mode"]
    json_path = os.path.join(out_dir, f"latest{suffix}.json")
    with open(json_path, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    png_path = os.path.join(out_dir, f"ratios{suffix}.png")
    return json_path, png_path if plot(results, png_path) else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer steps, 3 repetitions")
    size.add_argument("--smoke", action="store_true",
                      help="a couple of steps per workload, 1 repetition, no memory runs")
    p.add_argument("--repeats", type=int, help="interleaved repetitions (default: 5 full, "
                   "3 quick, 1 smoke)")
    p.add_argument("--workloads", default=",".join(w.key for w in WORKLOADS),
                   help="comma-separated subset of " + ", ".join(w.key for w in WORKLOADS))
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--no-roofline", action="store_true", help="skip the matmul roofline")
    p.add_argument("--out", default=os.path.join(HERE, "results"),
                   help="folder for latest*.json and ratios*.png")
    p.add_argument("--render", metavar="JSON",
                   help="print the Markdown table of a results file and exit (runs nothing)")
    args = p.parse_args(argv)
    if args.render:
        with open(args.render) as f:
            results = json.load(f)
        print(format_markdown(results))
        return results
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    repeats = args.repeats or DEFAULT_REPEATS[mode]
    by_key = {w.key: w for w in WORKLOADS}
    unknown = [k for k in args.workloads.split(",") if k not in by_key]
    if unknown:
        raise SystemExit(f"suite: unknown workload(s) {unknown}; expected a subset of "
                         f"{list(by_key)}")
    workloads = [by_key[k] for k in args.workloads.split(",")]
    memory = not (args.no_memory or args.smoke)
    results = collect(mode, repeats, memory, workloads, with_roofline=not args.no_roofline)
    print("\n" + format_console(results))
    json_path, png_path = write(results, args.out)
    print(f"\nwrote {json_path}" + (f" and {png_path}" if png_path
                                    else " (no matplotlib: no chart)"))
    return results


if __name__ == "__main__":
    main()
