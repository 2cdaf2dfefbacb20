"""Run every benchmark script for a couple of steps so that the scripts never rot."""
from __future__ import annotations

import importlib.util
import os
import sys

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _load(name: str):
    sys.path.insert(0, BENCH)
    try:
        spec = importlib.util.spec_from_file_location(name, os.path.join(BENCH, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(BENCH)


def test_overhead_benchmark_runs(capsys):
    figures = _load("overhead").main(["--length", "20", "--repeats", "1"])
    assert "scratchgrad" in figures and figures["scratchgrad"]["median_s"] > 0
    assert "pytorch" in figures and "dezero (float32)" in figures
    assert "vs pytorch" in capsys.readouterr().out


def _check_training_figures(figures: dict, out: str) -> None:
    import math

    assert {"scratchgrad", "pytorch", "dezero (float32)"} <= set(figures)
    for name, f in figures.items():
        assert f["median_s"] > 0 and math.isfinite(f["final_loss"]), name
    # the float32 variant of DeZero really ran in float32, and the output says so
    assert figures["dezero (float32)"]["note"] == "gradients float32"
    assert "vs pytorch" in out and "gradients float32" in out


def test_mlp_benchmark_runs(capsys):
    figures = _load("mlp").main(["--steps", "2", "--repeats", "1", "--warmup", "1"])
    _check_training_figures(figures, capsys.readouterr().out)


def test_cnn_benchmark_runs(capsys):
    figures = _load("cnn").main(["--steps", "2", "--repeats", "1", "--warmup", "1"])
    _check_training_figures(figures, capsys.readouterr().out)


def test_lstm_benchmark_runs(capsys):
    figures = _load("lstm").main(["--steps", "1", "--repeats", "1", "--warmup", "1"])
    assert {"scratchgrad", "pytorch", "pytorch LSTMCell loop", "dezero (float32)"} <= set(figures)
    assert all(f["median_s"] > 0 for f in figures.values())
    assert figures["dezero (float32)"]["note"] == "gradients float32"
    out = capsys.readouterr().out
    assert "vs pytorch" in out and "LSTMCell loop" in out
