"""The scratchgrad command (train / eval / predict / demo) and the PNG reader it uses."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import cli
from scratchgrad.data import DatasetUnavailableError
from scratchgrad.train import load_checkpoint
from scratchgrad.utils.image import PNGError, read_png, to_grayscale, write_png

FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(
    not (FASHION / "t10k-images-idx3-ubyte.gz").exists(),
    reason="Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")


# ---------------------------------------------------------------------- help
@pytest.mark.parametrize("command, flags", [
    ("train", ["--dataset", "--model", "--epochs", "--batch-size", "--optimizer", "--lr",
               "--weight-decay", "--seed", "--val-split", "--out", "--resume", "--limit-train",
               "--scheduler", "--patience", "--data-root", "--quiet"]),
    ("eval", ["checkpoint", "--batch-size", "--data-root"]),
    ("predict", ["checkpoint", "image", "--top-k", "--invert"]),
    ("demo", ["--epochs", "--limit-train", "--out", "--data-root"]),
])
def test_help_explains_every_flag(command, flags, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in flags:
        assert flag in out
    # every optional flag has a help text (argparse prints the flag then its text)
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    assert all(a.help for a in sub._actions)


def test_top_level_help_and_python_m():
    run = subprocess.run([sys.executable, "-m", "scratchgrad", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0
    for command in ("train", "eval", "predict", "demo"):
        assert command in run.stdout


# ---------------------------------------------------------------------- spiral end to end
def _train_spiral(out: Path, *extra: str) -> int:
    return cli.main(["train", "--dataset", "spiral", "--model", "mlp", "--epochs", "2",
                     "--lr", "0.01", "--out", str(out), *extra])


def test_train_spiral_end_to_end_then_eval(tmp_path, capsys):
    assert _train_spiral(tmp_path / "run") == 0
    out = capsys.readouterr().out
    assert "epoch 1/2" in out and "epoch 2/2" in out
    test_line = next(ln for ln in out.splitlines() if ln.startswith("test accuracy"))
    assert sorted(os.listdir(tmp_path / "run")) == ["checkpoint.npz", "curves.png",
                                                    "history.csv", "history.json"]
    ckpt = load_checkpoint(tmp_path / "run" / "checkpoint.npz")
    assert ckpt["epoch"] == 2
    assert ckpt["meta"]["model"] == "mlp" and ckpt["meta"]["dataset"] == "spiral"

    assert cli.main(["eval", str(tmp_path / "run" / "checkpoint.npz")]) == 0
    eval_out = capsys.readouterr().out
    accuracy = test_line.split()[2]
    assert f"test accuracy {accuracy}" in eval_out  # the same model, rebuilt from metadata


def test_train_resume_matches_uninterrupted_run(tmp_path, capsys):
    assert _train_spiral(tmp_path / "full", "--quiet") == 0
    assert cli.main(["train", "--dataset", "spiral", "--epochs", "1", "--lr", "0.01",
                     "--out", str(tmp_path / "cut"), "--quiet"]) == 0
    assert _train_spiral(tmp_path / "cut", "--resume") == 0
    assert "resuming from" in capsys.readouterr().out
    full = load_checkpoint(tmp_path / "full")["model"]
    cut = load_checkpoint(tmp_path / "cut")["model"]
    assert all(full[k].tobytes() == cut[k].tobytes() for k in full)


def test_cli_errors_are_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert cli.main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "scratchgrad eval: error:" in err and "broken.npz" in err
    assert "Traceback" not in err

    assert cli.main(["train", "--dataset", "spiral", "--model", "cnn", "--out",
                     str(tmp_path / "x")]) == 2
    assert "use --model mlp" in capsys.readouterr().err

    assert _train_spiral(tmp_path / "sp", "--quiet") == 0
    png = tmp_path / "img.png"
    write_png(png, np.zeros((28, 28), np.uint8))
    assert cli.main(["predict", str(tmp_path / "sp"), str(png)]) == 2
    assert "not an image classifier" in capsys.readouterr().err


def test_resume_with_a_different_model_lists_mismatches(tmp_path, capsys, monkeypatch):
    assert _train_spiral(tmp_path / "run", "--quiet") == 0
    monkeypatch.setattr(cli, "_model_kwargs",
                        lambda m, d: {"in_features": 2, "hidden": [8], "num_classes": 3})
    assert _train_spiral(tmp_path / "run", "--resume", "--quiet") == 2
    err = capsys.readouterr().err
    assert "does not fit this model" in err and "fc1.weight" in err and "(8, 2)" in err


def test_resume_with_other_run_flags_is_refused(tmp_path, capsys):
    assert _train_spiral(tmp_path / "run", "--quiet") == 0
    assert _train_spiral(tmp_path / "run", "--resume", "--seed", "3", "--batch-size", "64") == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and "--seed 0 (now 3)" in err and "--batch-size 128" in err


# ---------------------------------------------------------------------- demo
def test_demo_falls_back_to_spiral_without_the_dataset(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_ensure_fashion_mnist", lambda root: False)
    monkeypatch.setattr(cli, "_SPIRAL_DEMO_EPOCHS", 3)
    assert cli.main(["demo", "--out", str(tmp_path / "demo"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Falling back to the spiral set" in out and "apt-get install" in out
    assert "demo done: mlp on spiral" in out
    assert {"checkpoint.npz", "history.csv", "history.json", "curves.png"} <= \
        set(os.listdir(tmp_path / "demo"))


def test_demo_installs_the_debian_package_as_root(monkeypatch, capsys):
    calls = []
    available = iter([False, True])
    monkeypatch.setattr(cli, "_fashion_mnist_available", lambda root: next(available))
    monkeypatch.setattr(cli.os, "geteuid", lambda: 0)
    monkeypatch.setattr(cli.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(cli.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    assert cli._ensure_fashion_mnist(None) is True
    assert calls[-1][:3] == ["apt-get", "install", "-y"] and "dataset-fashion-mnist" in calls[-1]
    assert "installing the Debian package dataset-fashion-mnist" in capsys.readouterr().out


def test_demo_tries_a_download_when_not_root(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_fashion_mnist_available", lambda root: False)
    monkeypatch.setattr(cli.os, "geteuid", lambda: 1000)

    def unavailable(**kwargs):
        assert kwargs["download"] is True
        raise DatasetUnavailableError("no network")

    monkeypatch.setattr(cli, "FashionMNIST", unavailable)
    assert cli._ensure_fashion_mnist(None) is False
    assert "Could not get Fashion-MNIST" in capsys.readouterr().out


# ---------------------------------------------------------------------- fashion-mnist
@needs_fashion
def test_fashion_mnist_train_eval_predict(tmp_path, capsys):
    run = tmp_path / "fm"
    assert cli.main(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                     "--limit-train", "512", "--out", str(run), "--quiet"]) == 0
    acc = float(capsys.readouterr().out.split()[2])
    assert acc > 0.5  # 512 images, one epoch: far above chance (0.1)

    assert cli.main(["eval", str(run)]) == 0
    assert f"test accuracy {acc:.4f}" in capsys.readouterr().out

    from scratchgrad.data import FashionMNIST
    test = FashionMNIST(train=False, download=False)
    image = test.data[0]
    gray, rgb, rgba = tmp_path / "g.png", tmp_path / "rgb.png", tmp_path / "rgba.png"
    write_png(gray, image)
    write_png(rgb, np.repeat(image[..., None], 3, axis=2))
    write_png(rgba, np.concatenate([np.repeat(image[..., None], 3, axis=2),
                                    np.full((28, 28, 1), 255, np.uint8)], axis=2))
    results = []
    for path in (gray, rgb, rgba):
        assert cli.main(["predict", str(run), str(path), "--top-k", "3"]) == 0
        out = capsys.readouterr().out
        lines = [ln for ln in out.splitlines() if ln.strip()[:2] in ("1.", "2.", "3.")]
        assert len(lines) == 3 and lines[0].rstrip().endswith("%")
        results.append(lines)
    assert results[0] == results[1] == results[2]  # RGB(A) of a gray image: same answer
    probs = cli.cmd_predict(cli.build_parser().parse_args(
        ["predict", str(run), str(gray), "--top-k", "10"]))
    assert sum(p for _, p in probs) == pytest.approx(1.0)
    assert {c for c, _ in probs} == set(test.classes)
    capsys.readouterr()

    # a dark object on a light background is inverted (with a note) to match training data
    write_png(tmp_path / "inv.png", 255 - image)
    assert cli.main(["predict", str(run), str(tmp_path / "inv.png")]) == 0
    out = capsys.readouterr().out
    assert "inverting" in out
    assert [ln for ln in out.splitlines() if ln.strip()[:2] in ("1.", "2.", "3.")] == results[0]

    write_png(tmp_path / "big.png", np.zeros((32, 28), np.uint8))
    assert cli.main(["predict", str(run), str(tmp_path / "big.png")]) == 2
    assert "is 28x32 pixels; the model expects 28x28" in capsys.readouterr().err
    (tmp_path / "fake.png").write_bytes(b"GIF89a....")
    assert cli.main(["predict", str(run), str(tmp_path / "fake.png")]) == 2
    assert "is not a PNG file" in capsys.readouterr().err


# ---------------------------------------------------------------------- PNG reader
def _png_with_filters(image: np.ndarray, color: int, filters: list[int]) -> bytes:
    """Encode with the given filter type per row (PNG spec section 9), the reference way."""
    h = image.shape[0]
    bpp = 1 if image.ndim == 2 else image.shape[2]
    rows = image.reshape(h, -1).astype(np.int64)
    out = bytearray()
    prior = np.zeros(rows.shape[1], np.int64)
    for y in range(h):
        f, cur = filters[y % len(filters)], rows[y]
        left = np.concatenate([np.zeros(bpp, np.int64), cur[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int64), prior[:-bpp]])
        if f == 0:
            enc = cur
        elif f == 1:
            enc = cur - left
        elif f == 2:
            enc = cur - prior
        elif f == 3:
            enc = cur - (left + prior) // 2
        else:
            p = left + prior - upleft
            pa, pb, pc = abs(p - left), abs(p - prior), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prior, upleft))
            enc = cur - pred
        out += bytes([f]) + (enc % 256).astype(np.uint8).tobytes()
        prior = cur

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    w = image.shape[1]
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(out))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("channels, color", [(1, 0), (3, 2), (4, 6), (2, 4)])
def test_png_reader_undoes_every_filter(tmp_path, channels, color):
    rng = np.random.default_rng(channels)
    shape = (11, 13) if channels == 1 else (11, 13, channels)
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    path = tmp_path / "f.png"
    path.write_bytes(_png_with_filters(image, color, [0, 1, 2, 3, 4]))
    np.testing.assert_array_equal(read_png(path), image)


def test_png_reader_matches_pillow(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    smooth = np.cumsum(rng.integers(0, 9, (20, 24, 3)), axis=1).astype(np.uint8)
    Image.fromarray(smooth).save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_png(tmp_path / "p.png"), smooth)
    Image.fromarray(smooth).convert("P").save(tmp_path / "pal.png")
    np.testing.assert_array_equal(read_png(tmp_path / "pal.png"),
                                  np.asarray(Image.open(tmp_path / "pal.png").convert("RGB")))


def test_png_damage_is_reported(tmp_path):
    path = tmp_path / "a.png"
    write_png(path, np.zeros((5, 5), np.uint8))
    raw = path.read_bytes()
    path.write_bytes(raw[:-20])
    with pytest.raises(PNGError, match="truncated"):
        read_png(path)
    flipped = bytearray(raw)
    flipped[40] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(PNGError, match="CRC mismatch"):
        read_png(path)


def test_to_grayscale_blends_alpha_over_white():
    rgba = np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [255, 255, 255, 128]]], np.uint8)
    np.testing.assert_array_equal(to_grayscale(rgba), [[255, 0, 255]])


def test_png_header_is_read_without_decoding_and_checked(tmp_path):
    from scratchgrad.utils.image import png_size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    def png(width: int, height: int, raw: bytes, ihdr: bytes | None = None) -> bytes:
        header = ihdr if ihdr is not None else struct.pack(">IIBBBBB", width, height, 8, 0, 0,
                                                           0, 0)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

    path = tmp_path / "p.png"
    path.write_bytes(png(100_000, 100_000, b"\x00" * 10))  # 10**10 pixels claimed, none there
    assert png_size(path) == (100_000, 100_000)
    with pytest.raises(PNGError, match="truncated image data"):
        read_png(path)
    # 3 x 2 pixels that inflate to 10 MB: refused after inflating only what 3 x 2 takes
    path.write_bytes(png(3, 2, bytes(10_000_000)))
    with pytest.raises(PNGError, match="inflates to more than the 8 bytes"):
        read_png(path)
    path.write_bytes(png(3, 2, bytes(8)))
    np.testing.assert_array_equal(read_png(path), np.zeros((2, 3), np.uint8))
    for ihdr, message in ((b"\x00\x00\x00\x03\x00", "IHDR"),
                          (struct.pack(">IIBBBBB", 0, 2, 8, 0, 0, 0, 0), "0x2 pixels")):
        path.write_bytes(png(3, 2, bytes(8), ihdr=ihdr))
        with pytest.raises(PNGError, match=message):
            read_png(path)
        with pytest.raises(PNGError, match=message):
            png_size(path)
