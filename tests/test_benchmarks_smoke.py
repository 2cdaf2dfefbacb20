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
