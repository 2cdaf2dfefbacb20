"""Checkpoints: pickle-free round trips, atomic writes, exact resumption, clear errors."""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn, optim
from scratchgrad.data import DataLoader, Spiral
from scratchgrad.optim import lr_scheduler
from scratchgrad.train import (CHECKPOINT_NAME, CheckpointError, Trainer, load_checkpoint,
                               restore_checkpoint, save_checkpoint)
from scratchgrad.utils import serialization
from scratchgrad.utils.serialization import SerializationError, load, save


# ---------------------------------------------------------------------- serialization
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_round_trip_keeps_types_structure_and_bits(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    state = {
        "w": np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32),
        "t": sg.arange(5),
        "ints": {0: {"step": 3.0, "buf": np.ones(2)}, 7: None},
        "betas": (0.9, 0.999),
        "big": 2**100 + 1,
        "floats": [float("inf"), -float("inf"), 0.1],
        "np_scalar": np.float32(1.5),
        "zero_d": np.array(7, dtype=np.int64),
        "strided": np.arange(12.0).reshape(3, 4)[:, ::2],
        "nested": [[1, "a", True], {"x": (np.int64(3),)}],
        "__array__": "a key that looks like a tag",
    }
    path = tmp_path / ("s" + suffix)
    save(state, path)
    back = load(path)
    assert back["zero_d"].shape == () and back["zero_d"] == 7
    np.testing.assert_array_equal(back["strided"], state["strided"])
    assert back["w"].dtype == np.float32 and back["w"].tobytes() == state["w"].tobytes()
    np.testing.assert_array_equal(back["t"], np.arange(5))
    assert list(back["ints"]) == [0, 7] and back["ints"][0]["step"] == 3.0
    assert back["betas"] == (0.9, 0.999) and isinstance(back["betas"], tuple)
    assert back["big"] == 2**100 + 1
    assert back["floats"][:2] == [float("inf"), -float("inf")] and back["floats"][2] == 0.1
    assert back["np_scalar"] == np.float32(1.5) and back["np_scalar"].dtype == np.float32
    assert back["nested"] == [[1, "a", True], {"x": (3,)}]
    assert back["__array__"] == "a key that looks like a tag"
    if suffix == ".safetensors":
        return
    # arrays sit under readable flattened keys
    with np.load(path, allow_pickle=False) as z:
        assert "w" in z.files and "ints/0/buf" in z.files and "__metadata__" in z.files


def test_nan_round_trips(tmp_path):
    save({"x": float("nan")}, tmp_path / "n.npz")
    assert np.isnan(load(tmp_path / "n.npz")["x"])


def test_object_arrays_are_refused_on_save(tmp_path):
    with pytest.raises(SerializationError, match="dtype object"):
        save({"bad": np.array([{}, None], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(SerializationError, match="cannot store a builtins.set"):
        save({"bad": {1, 2}}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


def test_load_never_unpickles(tmp_path, monkeypatch):
    # A hand-made archive with an object (pickled) array inside is rejected...
    path = tmp_path / "evil.npz"
    save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path) as src:
        members = {name: src.read(name) for name in src.namelist()}
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    members["w.npy"] = buf.getvalue()  # the metadata still points at "w"
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    with pytest.raises(SerializationError, match="object array"):
        load(path)
    # ...arrays are always read with allow_pickle=False, and pickle is never reached.
    calls = []
    real = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array",
                        lambda *a, **k: (calls.append(k), real(*a, **k))[1])

    def no_pickle(*args, **kwargs):
        raise AssertionError("pickle was called")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    save({"w": np.ones(2)}, tmp_path / "ok.npz")
    load(tmp_path / "ok.npz")
    assert calls and all(k.get("allow_pickle") is False for k in calls)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "no_meta", "empty"])
def test_corrupt_files_raise_naming_the_file(tmp_path, damage):
    path = tmp_path / "c.npz"
    save({"w": np.arange(1000.0)}, path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        np.savez(path, w=np.ones(2))
    with pytest.raises(SerializationError, match=str(path).replace("\\", "\\\\")):
        load(path)
    with pytest.raises(CheckpointError, match="c.npz"):
        load_checkpoint(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load(tmp_path / "nope.npz")


def test_crash_mid_write_keeps_previous_file_and_leaves_no_partial(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.zeros(100), "version": 1}, path)
    before = path.read_bytes()
    real_savez = np.savez

    def savez_then_crash(file, **arrays):
        real_savez(file, **arrays)  # a full archive has gone to the temporary file...
        file.write(b"partial")
        raise KeyboardInterrupt("killed mid-write")  # ...when the process is killed

    monkeypatch.setattr(serialization.np, "savez", savez_then_crash)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.ones(100), "version": 2}, path)
    assert path.read_bytes() == before
    assert load(path)["version"] == 1
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # the temporary file is gone


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        save({"a": 1}, tmp_path / "new.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "new.npz").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    os.chmod(tmp_path / "new.npz", 0o640)
    save({"a": 2}, tmp_path / "new.npz")
    assert (tmp_path / "new.npz").stat().st_mode & 0o777 == 0o640  # replacing keeps the mode


def test_crash_before_rename_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"version": 1}, path)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        save({"version": 2}, path)
    monkeypatch.undo()
    assert load(path)["version"] == 1 and os.listdir(tmp_path) == ["ckpt.npz"]


# ---------------------------------------------------------------------- checkpoints
def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3))


def _setup(seed: int = 0, scheduler: bool = True):
    sg.manual_seed(seed)
    model = _model()
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.7) if scheduler else None
    loader = DataLoader(Spiral(num_samples_per_class=50, seed=0), batch_size=16, shuffle=True)
    val = DataLoader(Spiral(num_samples_per_class=20, seed=1), batch_size=60)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False,
                      meta={"model": "test"})
    return trainer, loader, val


def _weights(model: nn.Module) -> dict[str, bytes]:
    return {k: v._data.tobytes() for k, v in model.state_dict().items()}


def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    full, loader, val = _setup()
    full.fit(loader, epochs=3, val_loader=val, checkpoint_dir=tmp_path / "full")

    first, loader, val = _setup()
    first.fit(loader, epochs=1, val_loader=val, checkpoint_dir=tmp_path / "cut")
    del first  # "killed" after epoch 1
    # A new process: other seeds, other draws before fit; the checkpoint must restore all.
    resumed, loader, val = _setup(seed=123)
    sg.rand(17)
    np.random.rand(5)
    history = resumed.fit(loader, epochs=3, val_loader=val, checkpoint_dir=tmp_path / "cut",
                          resume=True)

    assert _weights(resumed.model) == _weights(full.model)
    assert history["epoch"] == [1, 2, 3]
    assert history["loss"] == full.history["loss"]
    assert history["val_accuracy"] == full.history["val_accuracy"]
    assert resumed.optimizer.param_groups[0]["lr"] == full.optimizer.param_groups[0]["lr"]
    # the generators are where the uninterrupted run left them, too
    assert sg.random.get_rng_state() == load_checkpoint(tmp_path / "full")["rng"]["scratchgrad"]


class _KilledLoader:
    """Iterates like ``loader`` but raises KeyboardInterrupt (a kill) in epoch ``at_epoch``
    after ``after`` batches."""

    def __init__(self, loader, at_epoch: int, after: int) -> None:
        self.loader, self.at_epoch, self.after, self.epoch = loader, at_epoch, after, 0

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        self.epoch += 1
        for i, batch in enumerate(self.loader):
            if self.epoch == self.at_epoch and i == self.after:
                raise KeyboardInterrupt("killed")
            yield batch


def test_resume_after_a_kill_mid_epoch_with_a_schedule(tmp_path):
    def setup(seed: int = 0):
        trainer, loader, val = _setup(seed, scheduler=False)
        trainer.scheduler = lr_scheduler.CosineAnnealingLR(trainer.optimizer, T_max=3)
        return trainer, loader, val

    full, loader, val = setup()
    full.fit(loader, epochs=3, val_loader=val)
    killed, loader, val = setup()
    with pytest.raises(KeyboardInterrupt):
        killed.fit(_KilledLoader(loader, at_epoch=2, after=3), epochs=3, val_loader=val,
                   checkpoint_dir=tmp_path)
    assert load_checkpoint(tmp_path)["epoch"] == 1
    resumed, loader, val = setup(seed=7)
    resumed.fit(loader, epochs=3, val_loader=val, checkpoint_dir=tmp_path, resume=True)
    assert _weights(resumed.model) == _weights(full.model)
    assert resumed.history["lr"] == full.history["lr"]


def test_resume_without_rng_restore_would_differ(tmp_path):
    """The control for the test above: Dropout and shuffling really draw from the generator,
    so restoring weights alone is not enough."""
    full, loader, _ = _setup()
    full.fit(loader, epochs=2)
    first, loader, _ = _setup()
    first.fit(loader, epochs=1, checkpoint_dir=tmp_path)
    resumed, loader, _ = _setup(seed=123)
    resumed.load_checkpoint(tmp_path / CHECKPOINT_NAME, rng=False)
    resumed.fit(loader, epochs=1)  # one more epoch, from the wrong random state
    assert _weights(resumed.model) != _weights(full.model)


def test_resume_after_finishing_does_nothing_more(tmp_path):
    trainer, loader, _ = _setup()
    trainer.fit(loader, epochs=2, checkpoint_dir=tmp_path)
    again, loader, _ = _setup()
    history = again.fit(loader, epochs=2, checkpoint_dir=tmp_path, resume=True)
    assert len(history) == 2 and _weights(again.model) == _weights(trainer.model)


def test_resume_without_a_checkpoint_starts_fresh(tmp_path):
    trainer, loader, _ = _setup()
    assert len(trainer.fit(loader, epochs=1, checkpoint_dir=tmp_path, resume=True)) == 1
    with pytest.raises(ValueError, match="checkpoint_dir"):
        trainer.fit(loader, epochs=1, resume=True)


def test_resume_restores_early_stopping_state(tmp_path):
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.0)
    loader = DataLoader(Spiral(num_samples_per_class=10), batch_size=10)
    es = dict(monitor="loss", patience=1, mode="min")
    Trainer(model, nn.CrossEntropyLoss(), opt, progress=False).fit(
        loader, epochs=2, checkpoint_dir=tmp_path, early_stopping=es)
    resumed = Trainer(model, nn.CrossEntropyLoss(), opt, progress=False)
    history = resumed.fit(loader, epochs=10, checkpoint_dir=tmp_path, resume=True,
                          early_stopping=es)
    # 2 epochs were done with one bad epoch; the next bad one exceeds patience 1
    assert len(history) == 3 and resumed.early_stopping.stopped


def test_checkpoint_contents(tmp_path):
    trainer, loader, _ = _setup()
    trainer.fit(loader, epochs=2, checkpoint_dir=tmp_path)
    ckpt = load_checkpoint(tmp_path)  # a directory means its checkpoint.npz
    assert ckpt["epoch"] == 2 and ckpt["meta"] == {"model": "test"}
    assert list(ckpt["model"]) == list(trainer.model.state_dict())
    assert ckpt["optimizer_class"] == "Adam" and ckpt["scheduler_class"] == "StepLR"
    assert set(ckpt["optimizer"]["state"]) == {0, 1, 2, 3}
    assert set(ckpt["rng"]) == {"scratchgrad", "numpy", "python"}
    assert [r["epoch"] for r in ckpt["history"]] == [1, 2]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.npz", "history.csv", "history.json"]


def test_wrong_model_checkpoint_lists_the_mismatches(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", _model())
    other = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3),
                          nn.Linear(3, 3))
    before = _weights(other)
    with pytest.raises(CheckpointError) as info:
        restore_checkpoint(path, other)
    msg = str(info.value)
    assert "c.npz" in msg and "does not fit this model" in msg
    assert "0.weight" in msg and "(16, 2)" in msg and "(32, 2)" in msg  # shape mismatch
    assert "4.weight" in msg  # missing key
    assert _weights(other) == before  # nothing was loaded


def test_wrong_optimizer_type_is_reported(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "c.npz", model, optim.Adam(model.parameters()))
    with pytest.raises(CheckpointError, match="Adam optimizer, not of a SGD"):
        restore_checkpoint(path, model, optim.SGD(model.parameters(), lr=0.1))


def test_not_a_checkpoint_is_reported(tmp_path):
    save({"a": 1}, tmp_path / "state.npz")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "state.npz")


def test_checkpoint_written_atomically_during_fit(tmp_path, monkeypatch):
    trainer, loader, _ = _setup()
    trainer.fit(loader, epochs=1, checkpoint_dir=tmp_path)
    good = (tmp_path / CHECKPOINT_NAME).read_bytes()
    real_savez = np.savez

    def crash(file, **arrays):
        real_savez(file, **arrays)
        raise RuntimeError("power cut")

    monkeypatch.setattr(serialization.np, "savez", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        trainer.fit(loader, epochs=2, checkpoint_dir=tmp_path, resume=True)
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == good
    assert load_checkpoint(tmp_path)["epoch"] == 1
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
