"""Run every example with a tiny setting, so that the scripts never rot, and check
what each one claims: equal gradients, falling losses, better-than-chance accuracy, a PNG."""
from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _load(stem: str) -> ModuleType:
    # The file names start with digits, so they can't be imported by name.
    spec = importlib.util.spec_from_file_location(f"example_{stem}", EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_png(path: str) -> None:
    assert os.path.isfile(path), f"no picture at {path}"
    with open(path, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE, f"{path} is not a PNG"
    assert os.path.getsize(path) > 1000  # something was drawn


def _fashion_available() -> bool:
    from scratchgrad.data import DatasetUnavailableError, FashionMNIST

    try:
        FashionMNIST(train=False, download=False)
    except DatasetUnavailableError:
        return False
    return True


needs_fashion = pytest.mark.skipif(not _fashion_available(), reason="Fashion-MNIST files are "
                                   "missing (apt-get install dataset-fashion-mnist)")


def test_01_numpy_and_scratchgrad_gradients_are_equal(tmp_path, capsys):
    out = _load("01_numpy_vs_scratchgrad").main(
        ["--epochs", "5", "--limit", "256", "--out", str(tmp_path)])
    assert set(out["grad_diffs"]) == {"fc1.W", "fc1.b", "fc2.W", "fc2.b"}
    assert out["grad_diff"] < 1e-6
    # trained side by side, the two stay together and both learn
    assert out["weight_diff"] < 1e-6
    assert max(abs(a - b) for a, b in zip(out["numpy_losses"], out["scratchgrad_losses"])) < 1e-6
    assert out["numpy_losses"][-1] < out["numpy_losses"][0]
    _assert_png(out["png"])
    assert "largest difference over all gradients" in capsys.readouterr().out


def test_02_regression_beats_predicting_the_mean(tmp_path, capsys):
    pytest.importorskip("sklearn")
    out = _load("02_regression").main(["--epochs", "20", "--out", str(tmp_path)])
    results = out["results"]
    mean_mae, mean_rmse = results["predict the mean"]
    closed_mae, closed_rmse = results["least squares (closed form)"]
    for name, history in out["histories"].items():
        mae, rmse = results[name]
        assert history[-1] < history[0], name
        assert rmse < 0.85 * mean_rmse and mae < 0.85 * mean_mae, name
    # gradient descent on the linear model approaches the closed-form fit
    assert abs(results["linear model"][1] - closed_rmse) < 0.05 * closed_rmse
    _assert_png(out["png"])
    assert "RMSE" in capsys.readouterr().out


def test_03_spiral_learns_and_draws_its_regions(tmp_path):
    out = _load("03_spiral").main(["--epochs", "40", "--out", str(tmp_path)])
    assert out["history"][-1] < 0.8 * out["history"][0]
    assert out["accuracy"] > 0.45  # chance is 1/3
    _assert_png(out["png"])


@needs_fashion
def test_04_training_tricks_table(capsys):
    out = _load("04_training_tricks").main(
        ["--epochs", "1", "--limit", "1500", "--test-limit", "500", "--hidden", "64", "64"])
    rows = out["rows"]
    assert [r["change"] for r in rows][1:3] == ["softmax cross-entropy", "+ momentum 0.9"]
    assert len(rows) == 7
    assert all(0.0 <= r["test_accuracy"] <= 1.0 and math.isfinite(r["last_epoch_loss"])
               for r in rows)
    # He initialisation rescues the small-init network within one short epoch
    he = next(r for r in rows if r["change"].startswith("+ He"))
    assert he["test_accuracy"] > rows[0]["test_accuracy"] + 0.1
    assert "test acc" in capsys.readouterr().out


@needs_fashion
def test_05_fashion_mnist_mlp(tmp_path):
    out = _load("05_fashion_mnist").main(
        ["--model", "mlp", "--epochs", "2", "--limit", "2000", "--test-limit", "500",
         "--out", str(tmp_path)])
    history = out["history"]
    assert history["train_loss"][1] < history["train_loss"][0]
    assert out["test_accuracy"] > 0.6  # chance is 0.1
    _assert_png(out["png"])


@needs_fashion
def test_05_fashion_mnist_cnn(tmp_path):
    out = _load("05_fashion_mnist").main(
        ["--model", "cnn", "--epochs", "2", "--limit", "512", "--test-limit", "200",
         "--out", str(tmp_path)])
    history = out["history"]
    assert history["train_loss"][1] < history["train_loss"][0]
    assert out["test_accuracy"] > 0.2
    _assert_png(out["png"])


@needs_fashion
def test_06_autoencoder_reconstructs(tmp_path):
    out = _load("06_autoencoder").main(
        ["--epochs", "2", "--limit", "2000", "--test-limit", "300", "--out", str(tmp_path)])
    errors = out["test_errors"]  # before training, then after each epoch
    assert errors[-1] < 0.6 * errors[0]
    assert out["train_losses"][-1] < out["train_losses"][0]
    _assert_png(out["png"])


@needs_fashion
def test_07_graph_mode_eager_and_compiled_train_the_same_mlp(tmp_path, capsys):
    out = _load("07_graph_and_compile").main(
        ["--epochs", "1", "--limit", "1024", "--test-limit", "500", "--out", str(tmp_path)])
    assert set(out["accuracy"]) == {"graph mode", "eager", "compiled"}
    assert out["weight_diff"] < 1e-6       # compiled replays the eager step
    assert min(out["accuracy"].values()) > 0.5   # all three learn (chance is 0.1)
    _assert_png(out["png"])
    assert "largest weight difference" in capsys.readouterr().out
