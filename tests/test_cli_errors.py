"""The command line never shows a traceback for a user's mistake.

Every subcommand is run with bad inputs (numbers out of range, unknown names, missing or
corrupt files, crafted checkpoints, broken images and datasets). Each must exit with status 2
(1 for a run that fails: the training diverged; 130 for Ctrl-C), print exactly one line on
stderr that names the bad thing, and no "Traceback" anywhere. Most cases call
``cli.main(argv)`` in-process; a few run ``python -m scratchgrad`` for real.
"""
from __future__ import annotations

import gzip
import json
import os
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import cli, nn
from scratchgrad.data import write_idx
from scratchgrad.train import load_checkpoint, save_checkpoint
from scratchgrad.utils.image import write_png
from scratchgrad.utils.serialization import save

REPO = Path(__file__).resolve().parents[1]
_IMAGES, _LABELS = "{split}-images-idx3-ubyte.gz", "{split}-labels-idx1-ubyte.gz"


# ---------------------------------------------------------------------- helpers
def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``cli.main(argv)`` in-process: (exit status, stdout, stderr); argparse's usage errors
    raise SystemExit, the commands return their status."""
    try:
        code = cli.main(argv)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, expected_code, prog, needles) -> str:
    assert code == expected_code, f"exit status {code}, expected {expected_code}; stderr: {err}"
    assert "Traceback" not in out and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    line = lines[0]
    assert line.startswith(f"{prog}: error: ") and len(line) > len(prog) + 10, line
    for needle in needles:  # a tuple: any one of its strings will do
        options = needle if isinstance(needle, tuple) else (needle,)
        assert any(n in line for n in options), f"{options} not in: {line}"
    return line


def _idx_folder(folder: Path, n: int = 64, size: int = 28, bad_labels: bool = False,
                seed: int = 0) -> Path:
    """A tiny MNIST-shaped dataset: train and t10k images and labels, gzipped IDX files."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", n), ("t10k", n // 2)):
        write_idx(folder / _IMAGES.format(split=split),
                  rng.integers(0, 256, (count, size, size), dtype=np.uint8))
        write_idx(folder / _LABELS.format(split=split),
                  np.full(count, 200, np.uint8) if bad_labels
                  else rng.integers(0, 10, count, dtype=np.uint8))
    return folder


def _corrupt_images(folder: Path, how: str) -> Path:
    """Damage the images files (train and t10k) of a tiny dataset folder in one way."""
    for split in ("train", "t10k"):
        path = folder / _IMAGES.format(split=split)
        raw = path.read_bytes()
        if how == "truncated":  # an interrupted download
            path.write_bytes(raw[:len(raw) // 2])
        elif how == "garbage":  # not gzip, not IDX
            path.write_bytes(np.random.default_rng(1).bytes(5000))
        elif how == "bad-gzip":  # the gzip signature, then garbage
            path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8)
        elif how == "short-idx":  # a valid gzip of an IDX whose header promises more data
            path.write_bytes(gzip.compress(gzip.decompress(raw)[:-100]))
    return folder


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int = 28, height: int = 28, depth: int = 8, color: int = 0, interlace: int = 0,
         raw: bytes | None = None, ihdr: bytes | None = None) -> bytes:
    """A gray PNG built by hand, so each field can be wrong on purpose."""
    if raw is None:
        raw = b"".join(b"\x00" + bytes(width * depth // 8) for _ in range(height))
    header = ihdr if ihdr is not None else struct.pack(">IIBBBBB", width, height, depth, color,
                                                        0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw))
            + _chunk(b"IEND", b""))


def _recrafted(path: Path, base: dict, meta: dict | None = None, kwargs: dict | None = None,
               state: dict | None = None, raw_meta=None) -> str:
    """Write ``base`` (a loaded checkpoint) again with its metadata or weights changed."""
    ckpt = {k: v for k, v in base.items() if k != "path"}
    ckpt["meta"] = dict(ckpt["meta"], **(meta or {}))
    if kwargs is not None:
        ckpt["meta"]["model_kwargs"] = kwargs
    if raw_meta is not None:
        ckpt["meta"] = raw_meta
    if state is not None:
        ckpt["model"] = state
    save(ckpt, path)
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Every file the cases refer to, made once: real runs, datasets, damaged copies."""
    tmp = tmp_path_factory.mktemp("cli-errors")
    f: dict[str, str] = {"tmp": str(tmp)}
    (tmp / "a-file.txt").write_text("not a folder, not a checkpoint, not an image\n")
    f["file"] = str(tmp / "a-file.txt")
    (tmp / "empty-dir").mkdir()
    f["empty_dir"] = str(tmp / "empty-dir")

    # datasets: a good one and one damaged copy per way of damaging it
    f["root"] = str(_idx_folder(tmp / "mnist"))
    for how in ("truncated", "garbage", "bad-gzip", "short-idx"):
        f[f"root_{how.replace('-', '_')}"] = str(_corrupt_images(_idx_folder(tmp / how), how))
    f["root_big_images"] = str(_idx_folder(tmp / "big-images", size=32))
    f["root_bad_labels"] = str(_idx_folder(tmp / "bad-labels", bad_labels=True))
    mismatch = _idx_folder(tmp / "count-mismatch")
    for split in ("train", "t10k"):
        write_idx(mismatch / _LABELS.format(split=split), np.zeros(3, np.uint8))
    f["root_mismatch"] = str(mismatch)

    # two real runs: an image classifier (on the tiny dataset) and a spiral model
    for name, argv in (("mnist_run", ["--dataset", "mnist", "--data-root", f["root"],
                                      "--val-split", "0"]),
                       ("spiral_run", ["--dataset", "spiral", "--limit-train", "64"])):
        f[name] = str(tmp / name)
        assert cli.main(["train", *argv, "--epochs", "1", "--out", f[name], "--quiet"]) == 0
    ckpt_path = Path(f["mnist_run"]) / "checkpoint.npz"
    base = load_checkpoint(ckpt_path)
    f["ckpt"] = str(ckpt_path)

    # broken checkpoints
    raw = ckpt_path.read_bytes()
    for name, data in (("empty", b""), ("random", np.random.default_rng(2).bytes(4096)),
                       ("truncated", raw[:len(raw) // 2]), ("zip-header", b"PK\x03\x04 cut")):
        (tmp / f"{name}.npz").write_bytes(data)
        f[f"ckpt_{name.replace('-', '_')}"] = str(tmp / f"{name}.npz")
    np.savez(tmp / "foreign.npz", weights=np.zeros(3))
    f["ckpt_foreign"] = str(tmp / "foreign.npz")
    save({"weights": np.zeros(3)}, tmp / "state-only.npz")
    f["ckpt_other_kind"] = str(tmp / "state-only.npz")
    save_checkpoint(tmp / "python.npz", nn.Linear(2, 2), epoch=1)
    f["ckpt_no_meta"] = str(tmp / "python.npz")
    (tmp / "run-with-bad-ckpt").mkdir()
    (tmp / "run-with-bad-ckpt" / "checkpoint.npz").write_bytes(raw[:1000])
    f["run_bad_ckpt"] = str(tmp / "run-with-bad-ckpt")

    # crafted metadata on a real checkpoint: the weights stay those of 784-256-256-10
    crafted = {
        "unknown_model": dict(meta={"model": "resnet50"}),
        "model_not_str": dict(meta={"model": ["mlp"]}),
        "unknown_dataset": dict(meta={"dataset": "cifar10"}),
        "huge_width": dict(kwargs={"in_features": 784, "hidden": [10**9], "num_classes": 10}),
        "many_layers": dict(kwargs={"in_features": 784, "hidden": [1] * 10**6,
                                    "num_classes": 10}),
        "wide_layers": dict(kwargs={"in_features": 784, "hidden": [4096, 4096],
                                    "num_classes": 10}),
        "unknown_kwarg": dict(kwargs={"hidden": [256, 256], "activation": "os.system"}),
        "hidden_str": dict(kwargs={"hidden": "abc"}),
        "in_features_bool": dict(kwargs={"in_features": True}),
        "classes_negative": dict(kwargs={"num_classes": -1}),
        "dropout_nan": dict(kwargs={"dropout": float("nan")}),
        "kwargs_list": dict(kwargs=[784, [256], 10]),
        "input_mismatch": dict(kwargs={"in_features": 100, "hidden": [8], "num_classes": 10}),
        "weights_mismatch": dict(kwargs={"in_features": 784, "hidden": [8], "num_classes": 10}),
        "std_zero": dict(meta={"normalization": {"mean": 0.1, "std": 0.0}}),
        "no_normalization": dict(meta={"normalization": None}),
        "classes_short": dict(meta={"classes": ["a", "b"]}),
        "meta_list": dict(raw_meta=[1, 2, 3]),
        "text_weights": dict(state={**base["model"], "fc1.bias": np.array(["x"] * 256)}),
    }
    for name, change in crafted.items():
        f[f"crafted_{name}"] = _recrafted(tmp / f"crafted-{name}.npz", base, **change)
    spiral = load_checkpoint(f["spiral_run"])
    f["crafted_test_seed"] = _recrafted(tmp / "crafted-seed.npz", spiral,
                                        meta={"test_seed": -1})

    # images
    write_png(tmp / "good.png", np.zeros((28, 28), np.uint8))
    f["png"] = str(tmp / "good.png")
    write_png(tmp / "wide.png", np.zeros((20, 30), np.uint8))
    good = (tmp / "good.png").read_bytes()
    damaged = bytearray(good)
    damaged[40] ^= 0xFF
    images = {
        "wide": None, "text": b"hello, I am not a picture\n", "empty": b"",
        "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100),
        "truncated": good[:-30], "crc": bytes(damaged),
        "interlaced": _png(interlace=1), "one_bit": _png(depth=1),
        "ihdr_short": _png(ihdr=b"\x00\x00\x00\x1c\x00"),
        "huge_claim": _png(100_000, 100_000, raw=b"\x00" * 100),
        "bomb": _png(raw=bytes(28 * 29 + 50_000_000)),
    }
    for name, data in images.items():
        if data is not None:
            (tmp / f"{name}.png").write_bytes(data)
        f[f"png_{name}"] = str(tmp / f"{name}.png")
    with open(tmp / "huge-file.png", "wb") as fh:  # sparse: 17 MiB on paper only
        fh.write(good[:33])
        fh.truncate(17 << 20)
    f["png_huge_file"] = str(tmp / "huge-file.png")
    return f


def _fill(items, f: dict[str, str]):
    return [item.format(**f) if isinstance(item, str) else
            tuple(x.format(**f) for x in item) for item in items]


def _check_case(command, argv, code, needles, files, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default --out (runs/...) would land here, not in the repo
    # No network: a missing dataset must be reported, not downloaded.
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr("scratchgrad.data.datasets._urlopen", _no_network)
    f = dict(files, out=str(tmp_path / "out"))
    prog = "scratchgrad" if command is None else f"scratchgrad {command}"
    result = run_cli(([command] if command else []) + _fill(argv, f), capsys)
    assert_one_line_error(*result, code, prog, _fill(needles, f))


def _no_network(url, timeout=None):
    raise OSError(f"no network in the tests ({url})")


# ---------------------------------------------------------------------- train
TRAIN = [
    ("lr-negative", ["--lr", "-1"], 2, ["--lr must be a positive finite number, got -1"]),
    ("lr-zero", ["--lr", "0"], 2, ["--lr", "got 0"]),
    ("lr-nan", ["--lr", "nan"], 2, ["--lr", "got nan"]),
    ("lr-inf", ["--lr", "inf"], 2, ["--lr", "got inf"]),
    ("lr-overflow", ["--lr", "1e400"], 2, ["--lr", "got inf"]),
    ("lr-text", ["--lr", "fast"], 2, ["--lr", "'fast'"]),
    ("epochs-zero", ["--epochs", "0"], 2, ["--epochs", "got 0"]),
    ("epochs-negative", ["--epochs", "-1"], 2, ["--epochs", "got -1"]),
    ("epochs-huge", ["--epochs", str(10**12)], 2, ["--epochs", str(10**12)]),
    ("epochs-float", ["--epochs", "1.5"], 2, ["--epochs", "'1.5'"]),
    ("batch-negative", ["--batch-size", "-3"], 2, ["--batch-size", "got -3"]),
    ("batch-zero", ["--batch-size", "0"], 2, ["--batch-size", "got 0"]),
    ("batch-huge", ["--batch-size", str(10**12)], 2, ["--batch-size", str(10**12)]),
    ("weight-decay-negative", ["--weight-decay", "-0.1"], 2, ["--weight-decay", "got -0.1"]),
    ("weight-decay-nan", ["--weight-decay", "nan"], 2, ["--weight-decay", "got nan"]),
    ("momentum-above-one", ["--optimizer", "sgd", "--momentum", "1.5"], 2,
     ["--momentum", "[0, 1)", "got 1.5"]),
    ("momentum-one", ["--optimizer", "sgd", "--momentum", "1"], 2, ["--momentum", "got 1"]),
    ("momentum-negative", ["--optimizer", "sgd", "--momentum", "-0.1"], 2,
     ["--momentum", "got -0.1"]),
    ("momentum-with-adam", ["--momentum", "0.5"], 2, ["--momentum", "sgd", "adam"]),
    ("seed-negative", ["--seed", "-1"], 2, ["--seed", "got -1"]),
    ("seed-huge", ["--seed", str(2**64)], 2, ["--seed", str(2**64)]),
    ("val-split-one", ["--val-split", "1"], 2, ["--val-split", "got 1"]),
    ("val-split-negative", ["--val-split", "-0.2"], 2, ["--val-split", "got -0.2"]),
    ("val-split-nan", ["--val-split", "nan"], 2, ["--val-split", "got nan"]),
    ("limit-train-negative", ["--limit-train", "-5"], 2, ["--limit-train", "got -5"]),
    ("patience-negative", ["--patience", "-1"], 2, ["--patience", "got -1"]),
    ("patience-without-validation", ["--dataset", "spiral", "--patience", "2", "--val-split",
                                     "0"], 2, ["--patience", "--val-split"]),
    ("unknown-model", ["--model", "resnet"], 2, ["--model", "'resnet'"]),
    ("unknown-dataset", ["--dataset", "cifar10"], 2, ["--dataset", "'cifar10'"]),
    ("unknown-optimizer", ["--optimizer", "lbfgs"], 2, ["--optimizer", "'lbfgs'"]),
    ("unknown-scheduler", ["--scheduler", "step"], 2, ["--scheduler", "'step'"]),
    ("unknown-flag", ["--learning-rate", "0.1"], 2, ["--learning-rate"]),
    ("cnn-on-spiral", ["--dataset", "spiral", "--model", "cnn", "--out", "{out}"], 2,
     ["--model cnn", "spiral"]),
    ("unknown-device", ["--device", "tpu"], 2, ["--device", "'tpu'"]),
    ("out-is-a-file", ["--dataset", "spiral", "--out", "{file}"], 2, ["--out {file}", "a file"]),
    ("out-under-a-file", ["--dataset", "spiral", "--out", "{file}/run"], 2,
     ["--out {file}/run", "is a file"]),
    ("data-root-missing", ["--dataset", "mnist", "--data-root", "{tmp}/nowhere"], 2,
     ["--data-root {tmp}/nowhere", "no such folder"]),
    ("data-root-is-a-file", ["--dataset", "mnist", "--data-root", "{file}"], 2,
     ["--data-root {file}", "is a file"]),
    ("dataset-missing", ["--dataset", "mnist", "--data-root", "{empty_dir}", "--out", "{out}"],
     2, ["train-images-idx3-ubyte.gz", "{empty_dir}"]),
    ("idx-truncated", ["--dataset", "mnist", "--data-root", "{root_truncated}", "--out",
                       "{out}"], 2, ["{root_truncated}/train-images-idx3-ubyte.gz"]),
    ("idx-garbage", ["--dataset", "mnist", "--data-root", "{root_garbage}", "--out", "{out}"], 2,
     ["{root_garbage}/train-images-idx3-ubyte.gz"]),
    ("idx-bad-gzip", ["--dataset", "mnist", "--data-root", "{root_bad_gzip}", "--out", "{out}"],
     2, ["{root_bad_gzip}/train-images-idx3-ubyte.gz"]),
    ("idx-short", ["--dataset", "mnist", "--data-root", "{root_short_idx}", "--out", "{out}"], 2,
     ["{root_short_idx}/train-images-idx3-ubyte.gz"]),
    ("idx-count-mismatch", ["--dataset", "mnist", "--data-root", "{root_mismatch}", "--out",
                            "{out}"], 2, ["{root_mismatch}/train-labels-idx1-ubyte.gz"]),
    ("idx-32x32-images", ["--dataset", "mnist", "--data-root", "{root_big_images}", "--out",
                          "{out}"], 2, ["28x28", "(64, 32, 32)", "{root_big_images}"]),
    ("idx-labels-out-of-range", ["--dataset", "mnist", "--data-root", "{root_bad_labels}",
                                 "--out", "{out}"], 2, ["labels from 0 to 9", "200"]),
    ("resume-corrupt-checkpoint", ["--dataset", "mnist", "--data-root", "{root}", "--resume",
                                   "--out", "{run_bad_ckpt}"], 2, ["{run_bad_ckpt}"]),
    ("resume-other-flags", ["--dataset", "spiral", "--limit-train", "64", "--resume", "--seed",
                            "3", "--out", "{spiral_run}"], 2,
     ["cannot resume", "--seed 0 (now 3)"]),
    ("diverges-sgd", ["--dataset", "spiral", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "1",
                      "--out", "{out}", "--quiet"], 1, ["diverged", "nan", "--lr 1e+06"]),
    ("diverges-adam", ["--dataset", "spiral", "--lr", "1e6", "--epochs", "1", "--out", "{out}"],
     1, ["diverged", "--lr 1e+06"]),
]


@pytest.mark.parametrize("argv, code, needles", [c[1:] for c in TRAIN],
                         ids=[c[0] for c in TRAIN])
def test_train_bad_input(argv, code, needles, files, tmp_path, capsys, monkeypatch):
    _check_case("train", argv, code, needles, files, tmp_path, capsys, monkeypatch)


# ---------------------------------------------------------------------- eval
EVAL = [
    ("missing-file", ["{tmp}/nowhere.npz"], ["{tmp}/nowhere.npz", "no such file"]),
    ("folder-without-checkpoint", ["{empty_dir}"], ["{empty_dir}", "without a checkpoint.npz"]),
    ("empty-file", ["{ckpt_empty}"], ["{ckpt_empty}"]),
    ("random-bytes", ["{ckpt_random}"], ["{ckpt_random}"]),
    ("truncated", ["{ckpt_truncated}"], ["{ckpt_truncated}"]),
    ("zip-header-only", ["{ckpt_zip_header}"], ["{ckpt_zip_header}"]),
    ("foreign-npz", ["{ckpt_foreign}"], ["{ckpt_foreign}"]),
    ("another-kind", ["{ckpt_other_kind}"], ["{ckpt_other_kind}"]),
    ("no-model-in-meta", ["{ckpt_no_meta}"], ["{ckpt_no_meta}", "no model name"]),
    ("meta-not-a-dict", ["{crafted_meta_list}"], ["{crafted_meta_list}", "no model name"]),
    ("unknown-model", ["{crafted_unknown_model}"], ["'resnet50'", "mlp"]),
    ("model-not-a-string", ["{crafted_model_not_str}"], ["['mlp']", "expected one of"]),
    ("unknown-dataset", ["{crafted_unknown_dataset}"], ["'cifar10'", "fashion-mnist"]),
    ("hidden-1e9", ["{crafted_huge_width}"], ["hidden", "1000000000"]),
    ("hidden-1e6-layers", ["{crafted_many_layers}"],
     [("hidden", "metadata"), ("1000000 entries", "metadata")]),
    ("hidden-too-big-for-weights", ["{crafted_wide_layers}"],
     ["{crafted_wide_layers}", "20,", "parameters", "stores only"]),
    ("unknown-kwarg", ["{crafted_unknown_kwarg}"], ["'activation'", "in_features"]),
    ("hidden-a-string", ["{crafted_hidden_str}"], ["hidden", "'abc'"]),
    ("in-features-bool", ["{crafted_in_features_bool}"], ["in_features", "True"]),
    ("num-classes-negative", ["{crafted_classes_negative}"], ["num_classes", "-1"]),
    ("dropout-nan", ["{crafted_dropout_nan}"], ["dropout", "nan"]),
    ("kwargs-a-list", ["{crafted_kwargs_list}"], ["model_kwargs", "dict"]),
    ("model-does-not-take-the-data", ["{crafted_input_mismatch}"], ["in_features", "1x28x28"]),
    ("weights-do-not-fit", ["{crafted_weights_mismatch}"], ["does not fit", "fc1.weight"]),
    ("text-weights", ["{crafted_text_weights}"], ["numeric arrays"]),
    ("std-zero", ["{crafted_std_zero}"], ["normalization", "'std': 0.0"]),
    ("classes-short", ["{crafted_classes_short}"], ["10 class names", "['a', 'b']"]),
    ("spiral-test-seed", ["{crafted_test_seed}"], ["test_seed", "-1"]),
    ("batch-zero", ["{ckpt}", "--batch-size", "0"], ["--batch-size", "got 0"]),
    ("batch-huge", ["{ckpt}", "--batch-size", str(10**12)], ["--batch-size", str(10**12)]),
    ("batch-text", ["{ckpt}", "--batch-size", "all"], ["--batch-size", "'all'"]),
    ("unknown-device", ["{ckpt}", "--device", "tpu"], ["--device", "'tpu'"]),
    ("data-root-missing", ["{ckpt}", "--data-root", "{tmp}/nowhere"], ["--data-root"]),
    ("data-root-corrupt", ["{ckpt}", "--data-root", "{root_truncated}"],
     ["{root_truncated}/t10k-images-idx3-ubyte.gz"]),
    ("data-root-garbage", ["{ckpt}", "--data-root", "{root_garbage}"],
     ["{root_garbage}/t10k-images-idx3-ubyte.gz"]),
    ("no-checkpoint-given", [], ["checkpoint"]),
]


@pytest.mark.parametrize("argv, needles", [c[1:] for c in EVAL], ids=[c[0] for c in EVAL])
def test_eval_bad_input(argv, needles, files, tmp_path, capsys, monkeypatch):
    _check_case("eval", argv, 2, needles, files, tmp_path, capsys, monkeypatch)


def test_eval_of_a_good_checkpoint_still_works(files, capsys):
    """The cases above are refused for what is wrong with them, not for being image runs."""
    assert cli.main(["eval", files["mnist_run"], "--data-root", files["root"]]) == 0
    assert "mlp on mnist (epoch 1)" in capsys.readouterr().out


# ---------------------------------------------------------------------- predict
PREDICT = [
    ("image-missing", ["{ckpt}", "{tmp}/nowhere.png"], ["{tmp}/nowhere.png", "no such file"]),
    ("image-is-a-folder", ["{ckpt}", "{empty_dir}"], ["{empty_dir}", "folder"]),
    ("image-is-text", ["{ckpt}", "{png_text}"], ["{png_text}", "not a PNG"]),
    ("image-empty", ["{ckpt}", "{png_empty}"], ["{png_empty}", "not a PNG"]),
    ("image-is-jpeg", ["{ckpt}", "{png_jpeg}"], ["{png_jpeg}", "not a PNG"]),
    ("image-truncated", ["{ckpt}", "{png_truncated}"], ["{png_truncated}", "truncated"]),
    ("image-crc-damaged", ["{ckpt}", "{png_crc}"], ["{png_crc}", "CRC"]),
    ("image-wrong-size", ["{ckpt}", "{png_wide}"], ["{png_wide}", "30x20", "28x28"]),
    ("image-interlaced", ["{ckpt}", "{png_interlaced}"], ["{png_interlaced}", "interlaced"]),
    ("image-1-bit", ["{ckpt}", "{png_one_bit}"], ["{png_one_bit}", "1-bit"]),
    ("image-short-ihdr", ["{ckpt}", "{png_ihdr_short}"], ["{png_ihdr_short}", "IHDR"]),
    ("image-claims-1e10-pixels", ["{ckpt}", "{png_huge_claim}"], ["100000x100000", "28x28"]),
    ("image-inflates-past-its-size", ["{ckpt}", "{png_bomb}"], ["{png_bomb}", "more than"]),
    ("image-17-mib", ["{ckpt}", "{png_huge_file}"], ["{png_huge_file}", "bytes"]),
    ("spiral-checkpoint", ["{spiral_run}", "{png}"], ["not an image classifier"]),
    ("checkpoint-missing", ["{tmp}/nowhere", "{png}"], ["{tmp}/nowhere"]),
    ("checkpoint-random-bytes", ["{ckpt_random}", "{png}"], ["{ckpt_random}"]),
    ("checkpoint-foreign-npz", ["{ckpt_foreign}", "{png}"], ["{ckpt_foreign}"]),
    ("checkpoint-hidden-1e9", ["{crafted_huge_width}", "{png}"], ["hidden", "1000000000"]),
    ("checkpoint-no-normalization", ["{crafted_no_normalization}", "{png}"],
     ["normalization", "None"]),
    ("top-k-zero", ["{ckpt}", "{png}", "--top-k", "0"], ["--top-k", "got 0"]),
    ("top-k-negative", ["{ckpt}", "{png}", "--top-k", "-2"], ["--top-k", "got -2"]),
    ("top-k-text", ["{ckpt}", "{png}", "--top-k", "three"], ["--top-k", "'three'"]),
    ("invert-unknown", ["{ckpt}", "{png}", "--invert", "maybe"], ["--invert", "'maybe'"]),
    ("unknown-device", ["{ckpt}", "{png}", "--device", "tpu"], ["--device", "'tpu'"]),
    ("no-image-given", ["{ckpt}"], ["image"]),
]


@pytest.mark.parametrize("argv, needles", [c[1:] for c in PREDICT], ids=[c[0] for c in PREDICT])
def test_predict_bad_input(argv, needles, files, tmp_path, capsys, monkeypatch):
    _check_case("predict", argv, 2, needles, files, tmp_path, capsys, monkeypatch)


def test_predict_of_a_good_image_still_works(files, capsys):
    assert cli.main(["predict", files["ckpt"], files["png"], "--top-k", "2"]) == 0
    assert "  2. " in capsys.readouterr().out


# ---------------------------------------------------------------------- demo
DEMO = [
    ("epochs-zero", ["--epochs", "0"], ["--epochs", "got 0"]),
    ("epochs-negative", ["--epochs", "-1"], ["--epochs", "got -1"]),
    ("epochs-huge", ["--epochs", str(10**12)], ["--epochs", str(10**12)]),
    ("epochs-text", ["--epochs", "many"], ["--epochs", "'many'"]),
    ("batch-zero", ["--batch-size", "0"], ["--batch-size", "got 0"]),
    ("batch-negative", ["--batch-size", "-3"], ["--batch-size", "got -3"]),
    ("batch-huge", ["--batch-size", str(10**12)], ["--batch-size", str(10**12)]),
    ("limit-train-negative", ["--limit-train", "-1"], ["--limit-train", "got -1"]),
    ("seed-negative", ["--seed", "-1"], ["--seed", "got -1"]),
    ("seed-huge", ["--seed", str(2**64)], ["--seed", str(2**64)]),
    ("out-is-a-file", ["--out", "{file}"], ["--out {file}", "a file"]),
    ("out-under-a-file", ["--out", "{file}/demo"], ["--out {file}/demo", "is a file"]),
    ("data-root-missing", ["--data-root", "{tmp}/nowhere"], ["--data-root {tmp}/nowhere"]),
    ("data-root-is-a-file", ["--data-root", "{file}"], ["--data-root {file}", "is a file"]),
    ("data-root-truncated", ["--data-root", "{root_truncated}", "--out", "{out}"],
     ["{root_truncated}/t10k-images-idx3-ubyte.gz"]),
    ("data-root-garbage", ["--data-root", "{root_garbage}", "--out", "{out}"],
     ["{root_garbage}/t10k-images-idx3-ubyte.gz"]),
    ("data-root-bad-labels", ["--data-root", "{root_bad_labels}", "--out", "{out}"],
     ["labels from 0 to 9"]),
    ("unknown-device", ["--device", "tpu"], ["--device", "'tpu'"]),
    ("unknown-flag", ["--lr", "0.1"], ["--lr"]),
]


@pytest.mark.parametrize("argv, needles", [c[1:] for c in DEMO], ids=[c[0] for c in DEMO])
def test_demo_bad_input(argv, needles, files, tmp_path, capsys, monkeypatch):
    # never apt-get or download from a test
    monkeypatch.setattr(cli.os, "geteuid", lambda: 1000)
    _check_case("demo", argv, 2, needles, files, tmp_path, capsys, monkeypatch)


# ---------------------------------------------------------------------- the command itself
@pytest.mark.parametrize("argv, needles", [
    ([], ["COMMAND"]),
    (["fit"], ["'fit'", "train"]),
    (["--epochs", "3"], ["COMMAND", "'3'"]),  # argparse takes the 3 for the command
])
def test_top_level_mistakes(argv, needles, files, tmp_path, capsys, monkeypatch):
    _check_case(None, argv, 2, needles, files, tmp_path, capsys, monkeypatch)


@pytest.mark.parametrize("raised, code, needle", [
    (PermissionError(13, "Permission denied", "/runs/x/checkpoint.npz"), 2,
     "Permission denied: '/runs/x/checkpoint.npz'"),
    (IsADirectoryError(21, "Is a directory", "/runs/x"), 2, "Is a directory: '/runs/x'"),
    (OSError(28, "No space left on device"), 1, "No space left on device"),
    (MemoryError("Unable to allocate 3.00 TiB"), 1, "out of memory (Unable to allocate 3.00 TiB)"),
    (FloatingPointError("fit: the loss became nan in epoch 3"), 1, "the loss became nan"),
    (cli.CLIError("first line\nsecond line\n\n  third"), 2, "first line; second line; third"),
])
def test_errors_at_the_boundary_are_one_line(raised, code, needle, files, capsys, monkeypatch):
    """What the loaders and the run can raise, mapped to an exit status and one line."""
    def fail(*args, **kwargs):
        raise raised

    # eval's loader, and the Trainer's fit for a run (where the divergence is raised)
    monkeypatch.setattr(cli, "load_checkpoint", fail)
    monkeypatch.setattr(cli.Trainer, "fit", fail)
    argv = ["eval", files["ckpt"]] if not isinstance(raised, FloatingPointError) else \
        ["train", "--dataset", "spiral", "--limit-train", "32", "--out", files["tmp"] + "/fpe"]
    assert_one_line_error(*run_cli(argv, capsys), code, f"scratchgrad {argv[0]}", [needle])


def test_keyboard_interrupt_is_one_line(files, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.Trainer, "fit", interrupted)
    code, out, err = run_cli(["train", "--dataset", "spiral", "--limit-train", "32", "--out",
                              files["tmp"] + "/ctrl-c"], capsys)
    assert code == 130 and "Traceback" not in out + err
    assert err.strip() == "scratchgrad train: interrupted; continue with --resume"


def test_a_last_step_divergence_is_caught():
    """The Trainer stops at a non-finite batch loss; weights that became nan in the very last
    step are caught after fit."""
    model = nn.Sequential(nn.Linear(2, 3))
    model[0].bias._data[1] = np.nan
    with pytest.raises(cli.RunFailed, match=r"the parameter 0\.bias holds inf or nan"):
        cli._check_not_diverged(type("H", (), {"__len__": lambda s: 0})(), model, 3, "hint")


def test_one_line_bounds_long_messages():
    line = cli._one_line("x" * 5000)
    assert len(line) < 2100 and line.endswith("(3000 more characters)")


# ---------------------------------------------------------------------- real processes
def _python_m(argv: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), SCRATCHGRAD_DATA=str(cwd / "cache"))
    return subprocess.run([sys.executable, "-m", "scratchgrad", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("argv, code, needle", [
    (["train", "--lr", "-1"], 2, "scratchgrad train: error: --lr must be a positive finite"),
    (["eval", "{ckpt_random}"], 2, "scratchgrad eval: error: "),
    (["predict", "{ckpt}", "{png_text}"], 2, "not a PNG"),
    (["train", "--dataset", "spiral", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "1",
      "--limit-train", "256", "--out", "{tmp}/diverged", "--quiet"], 1, "diverged"),
], ids=["train-lr", "eval-random-bytes", "predict-text", "train-diverges"])
def test_python_m_scratchgrad(argv, code, needle, files, tmp_path):
    run = _python_m(_fill(argv, files), tmp_path)
    line = assert_one_line_error(run.returncode, run.stdout, run.stderr, code,
                                 f"scratchgrad {argv[0]}", [])
    assert needle in line


def test_ctrl_c_in_a_real_run_is_one_line(tmp_path):
    # faulthandler: if the process hangs, SIGABRT makes it print where each thread is
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1")
    proc = subprocess.Popen([sys.executable, "-m", "scratchgrad", "train", "--dataset", "spiral",
                             "--epochs", "100000", "--out", str(tmp_path / "run")], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:  # wait until training is under way
            if line.startswith("epoch 1/"):
                break
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            out, err = proc.communicate(timeout=60)
            pytest.fail(f"the run did not end after Ctrl-C; its threads:\n{err}")
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in out + err
    assert err.strip() == "scratchgrad train: interrupted; continue with --resume"


_MEASURE = """
import json, sys, tracemalloc
from scratchgrad import cli
from scratchgrad.models import build_model
tracemalloc.start()
peaks = {}
for name in sys.argv[1:]:
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    status = cli.main(["eval", name])
    peaks[name] = (status, tracemalloc.get_traced_memory()[1] - base)
# the instrument itself: building the 784-4096-4096-10 model really allocates (> 50 MiB)
tracemalloc.reset_peak()
base = tracemalloc.get_traced_memory()[0]
model = build_model("mlp", in_features=784, hidden=[4096, 4096], num_classes=10)
peaks["control"] = (0, tracemalloc.get_traced_memory()[1] - base)
print(json.dumps(peaks))
"""


def test_crafted_model_kwargs_are_refused_before_allocating(files, tmp_path):
    """A checkpoint whose metadata asks for a huge model costs almost nothing to refuse."""
    names = [files[k] for k in ("crafted_huge_width", "crafted_many_layers",
                                "crafted_wide_layers")]
    run = subprocess.run([sys.executable, "-c", _MEASURE, *names], cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    peaks = json.loads(run.stdout.strip().splitlines()[-1])
    assert peaks.pop("control")[1] > 50 * 2**20  # the measurement can see such a model
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == len(names)
    for name, (status, peak) in peaks.items():
        assert status == 2, name
        assert peak < 50 * 2**20, f"{name}: peak memory grew by {peak / 2**20:.0f} MiB"
