"""The benchmark suite, smoke-sized, so that the scripts never rot.

``make bench-smoke`` runs this file and ``make test`` runs it with everything else; both go
through the same entry point, ``benchmarks/suite.py --smoke`` (``suite.main``), which runs every
workload script for a couple of steps. No timing is asserted: only that every framework ran,
that the figures are consistent, that DeZero stayed float32, and that the files are written.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)

import roofline  # noqa: E402
import suite  # noqa: E402
from _common import COMPILED, NO_COMPILE  # noqa: E402

import scratchgrad as sg  # noqa: E402

TRAINING = ("mlp", "cnn", "lstm", "small_step")
SCRIPTS = ("overhead", "mlp", "cnn", "lstm", "inference", "small_step", "roofline")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("bench")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        results = suite.main(["--smoke", "--out", str(out_dir)])
    return results, buf.getvalue(), out_dir


def _by_key(results: dict) -> dict:
    return {e["key"]: e for e in results["workloads"]}


def test_every_workload_ran_every_framework(smoke):
    results, out, _ = smoke
    work = _by_key(results)
    assert set(work) == {w.key for w in suite.WORKLOADS}
    for key, e in work.items():
        fws = e["frameworks"]
        for name in ("scratchgrad", "pytorch", "dezero (float32)"):
            f = fws[name]
            assert f["status"] == "ok", (key, name, f)
            assert 0 < f["min_s"] <= f["median_s"] <= f["max_s"], (key, name)
            assert math.isfinite(f["ratio_vs_pytorch"]), (key, name)
        assert fws["pytorch"]["ratio_vs_pytorch"] == 1.0
        assert e["title"] in out
    assert "pytorch LSTMCell loop" in work["lstm"]["frameworks"]
    assert "vs PyTorch" in out


def test_training_workloads_learn_and_dezero_stays_float32(smoke):
    results, out, _ = smoke
    work = _by_key(results)
    for key in TRAINING:
        for name, f in work[key]["frameworks"].items():
            if f["status"] == "ok":
                assert math.isfinite(f["final_loss"]), (key, name)
        # the float32 variant of DeZero really ran in float32, and the output says so
        assert work[key]["frameworks"]["dezero (float32)"]["note"] == "gradients float32", key
    assert "gradients float32" in out


def test_compiled_column_is_never_a_fake_figure(smoke):
    results, out, _ = smoke
    for e in results["workloads"]:
        has_runner = next(w for w in suite.WORKLOADS if w.key == e["key"]).compiled
        f = e["frameworks"].get(COMPILED)
        if not has_runner:
            assert f is None, e["key"]
        elif hasattr(sg, "compile"):
            assert f["status"] == "ok" and f["median_s"] > 0, (e["key"], f)
        else:
            assert f == {"status": "n/a", "reason": NO_COMPILE}, e["key"]
    if not hasattr(sg, "compile"):
        assert NO_COMPILE in out


def test_inference_reports_images_per_second(smoke):
    results, out, _ = smoke
    work = _by_key(results)
    assert work["infer_b1"]["images"] == 2 and work["infer_b256"]["images"] == 256
    assert out.count("images/s") >= 6


def test_roofline_bounds_every_workload_but_the_overhead(smoke):
    results, out, _ = smoke
    for e in results["workloads"]:
        if e["key"] == "overhead":
            assert "bound_s" not in e
            continue
        assert e["bound_s"] > 0 and e["gflop"] > 0, e["key"]
        for name, f in e["frameworks"].items():
            if f["status"] == "ok":
                assert f["x_bound"] == pytest.approx(f["median_s"] / e["bound_s"])
    rl = results["roofline"]
    assert rl["peak"]["numpy"] > 0 and rl["peak"]["pytorch"] > 0
    assert "matrix-multiply roofline" in out


def test_results_file_chart_and_markdown(smoke):
    results, _, out_dir = smoke
    with open(out_dir / "latest-smoke.json") as f:
        written = json.load(f)
    assert written == json.loads(json.dumps(results))
    machine = written["machine"]
    for field in ("cpu", "cpus_usable", "numpy", "blas", "torch", "dezero", "date_utc"):
        assert machine[field], field
    with open(out_dir / "ratios-smoke.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        suite.main(["--render", str(out_dir / "latest-smoke.json")])
    md = buf.getvalue()
    rows = [line for line in md.splitlines() if line.startswith("| dezero (float32) |")]
    assert len(rows) == len(results["workloads"])


def test_matmul_counts_by_hand():
    # one epoch at batch 128: 468 full batches and one of 96 (60,000 = 468 * 128 + 96)
    assert roofline._epoch_batches(469, 128) == {128: 468, 96: 1}
    b = 128
    per_step = 3 * 2 * b * (784 * 256 + 256 * 256 + 256 * 10) - 2 * b * 784 * 256
    assert roofline.flops(roofline.mlp_gemms([784, 256, 256, 10], 1, b)) == per_step
    conv = 2 * (2 * b * 784 * 9 * 32) + 3 * (2 * b * 196 * 288 * 64)
    fc = 3 * 2 * b * (3136 * 128 + 128 * 10)
    assert roofline.flops(roofline.cnn_gemms(1, b)) == conv + fc
    forward = 2 * b * 784 * 9 * 32 + 2 * b * 196 * 288 * 64 + 2 * b * (3136 * 128 + 128 * 10)
    assert roofline.flops(roofline.cnn_gemms(1, b, train=False)) == forward
    tb, g, h = 64 * 32, 1024, 256
    lstm_fwd = 2 * tb * 64 * g + 2 * tb * h * g + 2 * tb * h * 65
    assert roofline.flops(roofline.lstm_gemms(1)) == 3 * lstm_fwd


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_run_on_their_own(script, capsys):
    module = suite.importlib.import_module(script)
    with pytest.raises(SystemExit) as exc:
        module.main(["--help"])
    assert exc.value.code == 0
    usage = capsys.readouterr().out
    assert "usage:" in usage
    if script != "roofline":
        assert "--only" in usage and "--memory" in usage


def test_compiled_runners_follow_the_eager_step(monkeypatch, capsys):
    """With an identity ``compile`` (a correct compiler, if a slow one) the compiled runners
    must train exactly what eager trains: same model, batches and losses."""
    monkeypatch.setattr(sg, "compile", lambda fn: fn, raising=False)
    small = suite.importlib.import_module("small_step").main(
        ["--steps", "3", "--repeats", "1", "--warmup", "1", "--only", f"scratchgrad,{COMPILED}"])
    assert small[COMPILED]["final_loss"] == small["scratchgrad"]["final_loss"]
    assert small[COMPILED]["note"].startswith("first call")
    lstm = suite.importlib.import_module("lstm").main(
        ["--steps", "1", "--repeats", "1", "--only", f"scratchgrad,{COMPILED}"])
    assert lstm[COMPILED]["final_loss"] == lstm["scratchgrad"]["final_loss"]
    infer = suite.importlib.import_module("inference").main(
        ["--batch", "2", "--batches", "1", "--repeats", "1", "--only", COMPILED])
    assert infer[COMPILED]["images_per_s"] > 0
    assert NO_COMPILE not in capsys.readouterr().out


def test_a_failing_compiler_is_reported_not_fatal(monkeypatch, capsys):
    def broken(fn):
        raise NotImplementedError("op Foo cannot be traced")

    monkeypatch.setattr(sg, "compile", broken, raising=False)
    figures = suite.importlib.import_module("small_step").main(
        ["--steps", "2", "--repeats", "1", "--warmup", "1", "--only", f"scratchgrad,{COMPILED}"])
    assert figures[COMPILED] == {"error": "NotImplementedError: op Foo cannot be traced",
                                 "malloc_pinned": figures["scratchgrad"]["malloc_pinned"]}
    assert figures["scratchgrad"]["median_s"] > 0
    assert "failed in warm-up" in capsys.readouterr().out


linux_only = pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                                reason="peak memory reads /proc/self/status (Linux)")


_PEAK_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from _common import peak_rss
kept = []
out = {"numpy": peak_rss(lambda: kept.append(np.ones(64 << 18, np.float32)))}  # 64 MiB
try:
    import torch
except ImportError:
    torch = None
if torch is not None:  # PyTorch's allocator, which tracemalloc does not see
    out["torch"] = peak_rss(lambda: kept.append(torch.ones(64 << 18)))
print(json.dumps(out))
"""


@linux_only
def test_peak_rss_sees_numpy_and_torch_allocations():
    # a fresh process, as the suite uses it: in this one, heap freed by the smoke run would be
    # handed out again without growing the resident set (why the suite uses subprocesses)
    import subprocess

    proc = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, BENCH], capture_output=True,
                          text=True, check=True)
    peaks = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 60 <= peaks["numpy"]["peak_mb"] < 200, peaks
    assert peaks["numpy"]["peak_reset"] is True
    if "torch" in peaks:
        assert 60 <= peaks["torch"]["peak_mb"] < 200, peaks


@linux_only
def test_memory_runs_in_a_fresh_process():
    overhead = next(w for w in suite.WORKLOADS if w.key == "overhead")
    mem = suite.run_memory(overhead, "scratchgrad")
    assert "error" not in mem, mem
    assert mem["peak_mb"] > 0 and mem["rss_before_mb"] > 0
    assert mem["sizes"] == overhead.memory_sizes
