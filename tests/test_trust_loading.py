"""Loading trusts nothing: digests, bounded inflation, one error class per loader, no partial
restores, and no temporary files left behind by a killed writer.

The crafted files here are built by hand (zip and gzip structures written byte by byte) so that
a 1 GiB bomb costs about 1 MB of disk and no time to make.
"""
from __future__ import annotations

import copy
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn, optim
from scratchgrad.data import idx as idx_mod
from scratchgrad.data.idx import IDXError, read_idx, write_idx
from scratchgrad.optim import lr_scheduler
from scratchgrad.train import (CHECKPOINT_NAME, CheckpointError, Trainer, load_checkpoint,
                               restore_checkpoint, save_checkpoint)
from scratchgrad.train.checkpoint import get_rng_states
from scratchgrad.train.trainer import EarlyStopping
from scratchgrad.utils import serialization
from scratchgrad.utils.serialization import SerializationError, atomic_write, load, save

MiB = 1 << 20
GiB = 1 << 30


# ---------------------------------------------------------------------- helpers
def _peak_bytes(fn):
    """Run ``fn``; return (its exception or None, the peak of traced allocations during it).
    tracemalloc sees NumPy's array buffers as well as Python objects."""
    tracemalloc.start()
    try:
        try:
            fn()
            error = None
        except Exception as e:  # noqa: BLE001  (returned for the caller to check)
            error = e
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _zeros_deflate(prefix: bytes, n_zeros: int, wbits: int = -15) -> bytes:
    """A deflate stream of ``prefix`` then ``n_zeros`` zero bytes (n_zeros a multiple of 1 MiB),
    made in milliseconds: after a full flush the compressor restarts from the same state, so
    the compressed block of 1 MiB of zeros can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH) == block
    return head + block * (n_zeros // MiB - 2) + block + c.flush()


def _zip(members: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip archive from (name, method, stored bytes, uncompressed size, crc) written by
    hand, so that the sizes and CRCs can say anything."""
    out, central = bytearray(), bytearray()
    for name, method, data, size, crc in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data),
                           size, len(raw), 0) + raw + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc,
                               len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(central), len(out), 0)
    return bytes(out + central + end)


def _npy_header(shape: tuple, dtype: str) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def _stored(name: str, data: bytes) -> tuple[str, int, bytes, int, int]:
    return name, zipfile.ZIP_STORED, data, len(data), zlib.crc32(data)


def _meta_member(meta: dict) -> tuple[str, int, bytes, int, int]:
    text = json.dumps(meta).encode()
    return _stored("__metadata__.npy", _npy_header((len(text),), "|u1") + text)


def _rewrite_member(path, name: str, change) -> None:
    """Replace one member of a zip by ``change(bytes)``, with a correct CRC-32."""
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(path, "w") as dst:
        for n, data in members.items():
            dst.writestr(n, data)


def _gzip(deflate: bytes, crc: int = 0, size: int = 0) -> bytes:
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + deflate + struct.pack("<2L", crc,
                                                                               size % 2**32)


# ---------------------------------------------------------------------- digests
def test_a_changed_array_with_a_correct_crc_is_caught_by_its_digest(tmp_path):
    path = tmp_path / "s.npz"
    save({"w": np.arange(6.0).reshape(2, 3), "step": 3}, path)

    def flip_last_value(data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 0x40])

    _rewrite_member(path, "w.npy", flip_last_value)  # zipfile computes a fresh CRC-32
    with pytest.raises(SerializationError) as e:
        load(path)
    msg = str(e.value)
    assert str(path) in msg and "'w'" in msg and "digest" in msg


def test_npz_metadata_holds_one_digest_per_array(tmp_path):
    path = tmp_path / "s.npz"
    save({"a": np.ones(3), "b": {"c": np.zeros((2, 2), np.float32)}, "n": np.int64(4)}, path)
    with zipfile.ZipFile(path) as z:
        meta = json.loads(np.lib.format.read_array(z.open("__metadata__.npy")).tobytes())
    digests = meta["sha256"]
    assert sorted(digests) == ["a", "b/c", "n"]
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests.values())


def test_npz_digest_covers_dtype_and_shape(tmp_path):
    # Same bytes, another dtype in the member's header: only a digest of the dtype sees it.
    path = tmp_path / "s.npz"
    save({"w": np.arange(4, dtype=np.int32)}, path)
    _rewrite_member(path, "w.npy", lambda d: d.replace(b"'<i4'", b"'<f4'"))
    with pytest.raises(SerializationError, match="'w' does not match its SHA-256 digest"):
        load(path)


def test_files_without_digests_still_load(tmp_path):
    # What scratchgrad wrote before digests existed: the metadata has no "sha256" entry.
    path = tmp_path / "old.npz"
    meta = {"format": "scratchgrad", "version": 1, "state": {"w": {"__array__": "w"}, "n": 2}}
    np.savez(path, w=np.arange(3.0), __metadata__=np.frombuffer(json.dumps(meta).encode(),
                                                                 np.uint8))
    back = load(path)
    assert back["n"] == 2 and back["w"].tolist() == [0.0, 1.0, 2.0]


def test_safetensors_changed_data_or_metadata_is_refused(tmp_path):
    pytest.importorskip("safetensors")
    path = tmp_path / "s.safetensors"
    save({"w": np.arange(8, dtype=np.float32), "step": 7}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 0x01]))  # the last byte of w's data
    with pytest.raises(SerializationError) as e:
        load(path)
    assert str(path) in str(e.value) and "'w'" in str(e.value) and "digest" in str(e.value)

    assert raw.count(b'\\"step\\":7') == 1  # the metadata is JSON inside the header's JSON
    path.write_bytes(raw.replace(b'\\"step\\":7', b'\\"step\\":8'))
    with pytest.raises(SerializationError, match="metadata does not match its SHA-256 digest"):
        load(path)


def test_safetensors_from_other_tools_load_as_a_flat_dict(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    b = np.arange(5, dtype=np.int64)
    st.save_file({"layer.weight": a, "layer.bias": b}, str(tmp_path / "m.safetensors"))
    back = load(tmp_path / "m.safetensors")
    assert sorted(back) == ["layer.bias", "layer.weight"]
    assert back["layer.weight"].dtype == np.float32
    assert back["layer.weight"].tobytes() == a.tobytes()
    assert back["layer.bias"].tolist() == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------------- bombs
def test_npz_bomb_is_refused_before_it_is_inflated(tmp_path):
    header = _npy_header((2**28,), "<f4")  # 1 GiB of float32 zeros, about 1 MB compressed
    stream = _zeros_deflate(header, GiB)
    assert len(stream) < 2 * MiB
    meta = {"format": "scratchgrad", "version": 1, "state": {"w": {"__array__": "w"}}}
    # The CRC is never reached: the loader must refuse on the sizes alone.
    path = tmp_path / "bomb.npz"
    path.write_bytes(_zip([_meta_member(meta),
                           ("w.npy", zipfile.ZIP_DEFLATED, stream, len(header) + GiB, 0)]))
    error, peak = _peak_bytes(lambda: load(path))
    assert isinstance(error, SerializationError), error
    assert "bomb" in str(error) and str(path) in str(error)
    assert peak < 50 * MiB


def test_npz_member_declaring_a_huge_shape_is_refused_before_reading(tmp_path):
    meta = {"format": "scratchgrad", "version": 1, "state": {"w": {"__array__": "w"}}}
    path = tmp_path / "huge.npz"
    path.write_bytes(_zip([_meta_member(meta),
                           _stored("w.npy", _npy_header((2**40,), "<f8") + bytes(16))]))
    error, peak = _peak_bytes(lambda: load(path))
    assert isinstance(error, SerializationError), error
    msg = str(error)
    assert "'w.npy'" in msg and f"({2**40},)" in msg and "holds" in msg
    assert peak < 50 * MiB


def test_metadata_naming_one_array_many_times_is_refused(tmp_path):
    # 1000 references to one 8 MiB array would be 8 GiB of copies.
    state = {"w": {"__array__": "w"}, "copies": [{"__array__": "w"}] * 1000}
    meta = {"format": "scratchgrad", "version": 1, "state": state}
    path = tmp_path / "refs.npz"
    data = _npy_header((MiB,), "<f8") + bytes(8 * MiB)
    path.write_bytes(_zip([_meta_member(meta), _stored("w.npy", data)]))
    error, peak = _peak_bytes(lambda: load(path))
    assert isinstance(error, SerializationError), error
    assert "'w' twice" in str(error)
    assert peak < 50 * MiB


def test_safetensors_header_declaring_a_huge_shape_is_refused(tmp_path):
    pytest.importorskip("safetensors")
    header = json.dumps({"w": {"dtype": "F32", "shape": [2**28], "data_offsets": [0, 4]}})
    header += " " * (-len(header) % 8)
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + bytes(4))
    error, peak = _peak_bytes(lambda: load(path))
    assert isinstance(error, SerializationError), error
    assert str(path) in str(error)
    assert peak < 50 * MiB


def test_gzip_idx_bomb_with_an_honest_header_is_refused_before_inflating(tmp_path):
    header = b"\x00\x00\x08\x01" + struct.pack(">I", GiB)  # 1 GiB of uint8 zeros
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(_gzip(_zeros_deflate(header, GiB)))
    assert path.stat().st_size < 2 * MiB
    error, peak = _peak_bytes(lambda: read_idx(path))
    assert isinstance(error, IDXError), error
    assert "decompression bomb" in str(error) and str(path) in str(error)
    assert peak < 50 * MiB


def test_gzip_idx_whose_body_inflates_past_its_header_stops_reading(tmp_path):
    header = b"\x00\x00\x08\x01" + struct.pack(">I", 16)  # promises 16 bytes, holds 1 GiB
    path = tmp_path / "liar-idx1-ubyte.gz"
    path.write_bytes(_gzip(_zeros_deflate(header, GiB)))
    error, peak = _peak_bytes(lambda: read_idx(path))
    assert isinstance(error, IDXError), error
    assert "trailing bytes" in str(error) and "(16,)" in str(error)
    assert peak < 50 * MiB


def test_raw_idx_header_with_an_absurd_shape_is_refused_before_reading(tmp_path):
    # (2**32 - 1)**8 float64 elements: int64 arithmetic would overflow; the check must not.
    path = tmp_path / "absurd-idx"
    path.write_bytes(b"\x00\x00\x0e\x08" + b"\xff" * 32 + bytes(64))
    error, peak = _peak_bytes(lambda: read_idx(path))
    assert isinstance(error, IDXError), error
    assert "truncated IDX file" in str(error) and str((2**32 - 1) ** 8 * 8 + 36) in str(error)
    assert peak < 50 * MiB
    path.write_bytes(_gzip(zlib.compress(path.read_bytes())[2:-4]))
    with pytest.raises(IDXError, match="decompression bomb"):
        read_idx(path)


def test_idx_with_too_many_dimensions_is_refused(tmp_path):
    path = tmp_path / "dims-idx"
    path.write_bytes(b"\x00\x00\x08\xc8" + b"\x00\x00\x00\x01" * 200 + b"\x07")
    with pytest.raises(IDXError, match=r"too many dimensions: expected at most 32, found 200"):
        read_idx(path)
    with pytest.raises(IDXError, match="at most 32 dimensions, found 33"):
        write_idx(tmp_path / "w", np.zeros((1,) * 33, np.uint8))


def test_gzip_idx_with_a_bad_crc_is_refused(tmp_path):
    path = tmp_path / "crc-idx1-ubyte.gz"
    payload = b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03"
    path.write_bytes(_gzip(zlib.compress(payload)[2:-4], crc=zlib.crc32(payload) ^ 1,
                           size=len(payload)))
    with pytest.raises(IDXError, match="corrupt gzip data"):
        read_idx(path)
    path.write_bytes(_gzip(zlib.compress(payload)[2:-4], crc=zlib.crc32(payload),
                           size=len(payload)))
    assert read_idx(path).tolist() == [1, 2, 3]
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(IDXError, match="trailing bytes after the gzip stream"):
        read_idx(path)


# ---------------------------------------------------------------------- one error class
def _set_zip_field(raw: bytes, local_offset: int, central_offset: int, fmt: str,
                   value: int) -> bytes:
    """Set a field in every local and central header of a zip (flags: offsets 6/8, method:
    8/10)."""
    out = bytearray(raw)
    for sig, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        start = out.find(sig)
        while start >= 0:
            struct.pack_into(fmt, out, start + offset, value)
            start = out.find(sig, start + 4)
    return bytes(out)


@pytest.mark.parametrize("damage, cause, message", [
    ("encrypted", None, "is encrypted"),  # zipfile would raise RuntimeError
    ("method 99", None, "compression method 99"),  # zipfile would raise NotImplementedError
    ("bad deflate", zlib.error, "__metadata__.npy"),
    ("nested metadata", RecursionError, "nested too deeply"),
    ("not utf-8", UnicodeDecodeError, "not valid JSON"),
])
def test_npz_loader_failures_are_serialization_errors(tmp_path, damage, cause, message):
    path = tmp_path / "d.npz"
    save({"w": np.arange(4.0)}, path)
    raw = path.read_bytes()
    if damage == "encrypted":
        path.write_bytes(_set_zip_field(raw, 6, 8, "<H", 1))
    elif damage == "method 99":
        path.write_bytes(_set_zip_field(raw, 8, 10, "<H", 99))
    elif damage == "bad deflate":
        text = b"\xff" * 64
        path.write_bytes(_zip([("__metadata__.npy", zipfile.ZIP_DEFLATED, text, 100, 0)]))
    else:
        text = b"[" * 100_000 if damage == "nested metadata" else b"\xff\xfe{"
        if damage == "nested metadata":
            text = b'{"format":"scratchgrad","version":1,"state":' + text
        path.write_bytes(_zip([_stored("__metadata__.npy",
                                       _npy_header((len(text),), "|u1") + text)]))
    with pytest.raises(SerializationError, match=message) as e:
        load(path)
    assert str(path) in str(e.value)
    if cause is not None:
        assert isinstance(e.value.__cause__, cause)
    with pytest.raises(CheckpointError) as e2:
        load_checkpoint(path)
    assert str(path) in str(e2.value) and e2.value.__cause__ is not None


@pytest.mark.parametrize("error", [MemoryError("no memory"), OverflowError("too big"),
                                   struct.error("bad struct"), EOFError("eof"),
                                   NotImplementedError("nope"), RuntimeError("odd")])
def test_any_failure_inside_the_npz_reader_names_file_and_member(tmp_path, monkeypatch, error):
    path = tmp_path / "e.npz"
    save({"w": np.arange(4.0)}, path)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(np.lib.format, "read_array", fail)
    with pytest.raises(SerializationError) as e:
        load(path)
    assert str(path) in str(e.value) and "member '__metadata__.npy'" in str(e.value)
    assert e.value.__cause__ is error


@pytest.mark.parametrize("error", [MemoryError("no memory"), OverflowError("too big"),
                                   EOFError("eof"), RuntimeError("odd")])
def test_any_failure_inside_the_idx_reader_is_an_idx_error(tmp_path, monkeypatch, error):
    path = tmp_path / "x-idx1-ubyte.gz"
    write_idx(path, np.arange(10, dtype=np.uint8))

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(idx_mod.np, "empty", fail)
    with pytest.raises(IDXError) as e:
        read_idx(path)
    assert str(path) in str(e.value) and e.value.__cause__ is error


def test_missing_files_stay_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.npz")


# ---------------------------------------------------------------------- temporary files
_KILLED_WRITER = """
import os, signal, sys
from scratchgrad.utils.serialization import atomic_write

def write(f):
    f.write(b"half a checkpoint")
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)

atomic_write(sys.argv[1], write)
"""


@pytest.mark.skipif(os.name != "posix", reason="kills a process with SIGKILL")
def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "ckpt.npz"
    save({"v": 1}, target)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], cwd=repo)
    assert writer.wait() == -9
    host, pid = serialization._HOST, writer.pid
    left = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(left) == 1 and left[0].startswith(f".ckpt.npz.{host}-{pid}.")  # left behind

    old, hours = time.time() - 120, time.time() - 7200
    files = {
        left[0]: old,  # a dead writer's, two minutes untouched: removed
        f".ckpt.npz.{host}-{os.getpid()}.live1234.tmp": old,  # a live writer's: kept
        ".ckpt.npz.otherhost-1.abcd1234.tmp": time.time(),  # another host's, fresh: kept
        ".ckpt.npz.otherhost-2.abcd1234.tmp": hours,  # another host's, 2 h old: removed
        ".ckpt.npz.k2j3h4g5.tmp": hours,  # the naming before pids, 2 h old: removed
        ".ckpt.npz.bak": hours,  # not a temporary file: kept
        f".other.npz.{host}-{pid}.abcd1234.tmp": hours,  # another target's: kept
    }
    for name, mtime in files.items():
        (tmp_path / name).touch()
        os.utime(tmp_path / name, (mtime, mtime))
    save({"v": 2}, target)
    assert load(target)["v"] == 2
    assert sorted(os.listdir(tmp_path)) == sorted([
        ".ckpt.npz.bak", ".ckpt.npz.otherhost-1.abcd1234.tmp",
        f".ckpt.npz.{host}-{os.getpid()}.live1234.tmp",
        f".other.npz.{host}-{pid}.abcd1234.tmp", "ckpt.npz"])


def test_a_fresh_temporary_file_of_a_dead_writer_waits_a_minute(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    pid = int(dead.stdout)
    name = f".c.npz.{serialization._HOST}-{pid}.abcd1234.tmp"
    (tmp_path / name).touch()  # e.g. a writer in another container with the same host name
    save({"v": 1}, tmp_path / "c.npz")
    assert name in os.listdir(tmp_path)
    old = time.time() - 61
    os.utime(tmp_path / name, (old, old))
    save({"v": 2}, tmp_path / "c.npz")
    assert os.listdir(tmp_path) == ["c.npz"]


def test_temporary_files_name_the_writing_process(tmp_path):
    seen = []

    def write(f):
        seen.extend(os.listdir(tmp_path))
        f.write(b"x")

    atomic_write(tmp_path / "t.bin", write)
    assert len(seen) == 1 and seen[0].startswith(f".t.bin.{serialization._HOST}-{os.getpid()}.")
    assert seen[0].endswith(".tmp")


# ---------------------------------------------------------------------- all or nothing
def _canon(value):
    """A comparable form of nested state: arrays as (dtype, shape, bytes), tensors as arrays,
    tuples and lists kept apart."""
    if isinstance(value, sg.Tensor):
        value = value._data
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        return ("array", a.dtype.str, a.shape, a.tobytes())
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), _canon(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_canon(v) for v in value))
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value).__name__, value)


def _everything(model=None, opt=None, sched=None):
    """Every parameter, buffer, optimizer state and option, scheduler attribute, learning
    rate, and the random generators' states."""
    return _canon({"model": dict(model.state_dict()) if model is not None else None,
                   "optimizer": opt.state_dict() if opt is not None else None,
                   "groups": [{k: v for k, v in g.items() if k != "params"}
                              for g in opt.param_groups] if opt is not None else None,
                   "scheduler": sched.state_dict() if sched is not None else None,
                   "rng": get_rng_states()})


def _net():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def _trained(seed: int, steps: int = 3):
    """A model, Adam and a StepLR after a few steps (the BatchNorm buffers move too)."""
    sg.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    model = _net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    x, y = sg.randn(8, 3), sg.tensor([0, 1] * 4)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        sched.step()
    return model, opt, sched


def test_module_load_checks_every_value_before_copying_any():
    model, _, _ = _trained(0)
    good = {k: v.numpy() + 1 for k, v in _trained(1)[0].state_dict().items()}
    good["1.num_batches_tracked"] = np.array(9)
    before = _everything(model)
    bad_values = {
        "3.bias": np.array(["a", "b"]),  # strings for a float tensor
        "1.num_batches_tracked": np.array(2.5),  # a fraction for an int64 buffer
        "1.running_var": [[1.0, 2.0], [3.0]],  # ragged
        "0.weight": np.ones((4, 3), np.complex64),  # the imaginary part would be dropped
    }
    for key, bad in bad_values.items():
        with pytest.raises(RuntimeError, match=re.escape(key)) as e:
            model.load_state_dict(dict(good, **{key: bad}))
        assert "nothing was loaded" in str(e.value)
        assert _everything(model) == before, key
    model.load_state_dict(dict(good, **{"1.num_batches_tracked": np.array(9.0)}))
    assert model[1].num_batches_tracked.item() == 9
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model[3].bias.tolist() == pytest.approx(good["3.bias"].tolist())


def test_module_strict_false_reports_keys_but_still_checks_values():
    model, _, _ = _trained(0)
    before = _everything(model)
    partial = {"3.bias": np.zeros(2, np.float32), "extra": np.ones(3)}
    with pytest.raises(RuntimeError, match=r"size mismatch for 3\.bias: .* current model is "
                                           r"\(2,\)"):
        model.load_state_dict(dict(partial, **{"3.bias": np.zeros(5)}), strict=False)
    with pytest.raises(RuntimeError, match=r"3\.bias: expected numbers"):
        model.load_state_dict(dict(partial, **{"3.bias": np.array(["a", "b"])}),
                              strict=False)
    assert _everything(model) == before
    missing, unexpected = model.load_state_dict(partial, strict=False)
    assert unexpected == ["extra"] and "0.weight" in missing and "3.bias" not in missing
    assert model[3].bias.tolist() == [0.0, 0.0]


def _bad_optimizer_states(saved):
    """(what is wrong, state dict, expected error type, words the message names)."""
    def edit(fn):
        sd = copy.deepcopy(saved)
        fn(sd)
        return sd

    def group(key, value):
        return lambda sd: sd["param_groups"][0].__setitem__(key, value)

    def entry(key, value, index=5):  # the last parameter, Linear(4, 2)'s bias
        return lambda sd: sd["state"][index].__setitem__(key, value)

    return [
        ("lr nan", edit(group("lr", float("nan"))), ValueError, ["'lr'", "finite"]),
        ("lr inf", edit(group("lr", float("inf"))), ValueError, ["'lr'", "finite"]),
        ("lr string", edit(group("lr", "0.1")), TypeError, ["'lr'", "number"]),
        ("lr negative", edit(group("lr", -1.0)), ValueError, ["lr", "-1.0"]),
        ("betas short", edit(group("betas", [0.9])), ValueError, ["'betas'", "list of 2"]),
        ("beta >= 1", edit(group("betas", [0.9, 1.5])), ValueError, ["beta", "1.5"]),
        ("amsgrad int", edit(group("amsgrad", 1)), TypeError, ["'amsgrad'", "bool"]),
        ("step negative", edit(entry("step", -1.0)), ValueError, ["'step'", "integer >= 0"]),
        ("step fraction", edit(entry("step", 2.5)), ValueError, ["'step'", "2.5"]),
        ("step nan", edit(entry("step", float("nan"))), ValueError, ["'step'", "finite"]),
        ("exp_avg shape", edit(entry("exp_avg", np.zeros(3))), ValueError,
         ["'exp_avg'", "parameter 5", "(3,)", "(2,)"]),
        ("exp_avg strings", edit(entry("exp_avg", np.array(["a", "b"]))), TypeError,
         ["'exp_avg'", "dtype <U1"]),
        ("exp_avg None", edit(entry("exp_avg", None)), TypeError, ["'exp_avg'", "None"]),
        ("index twice", edit(lambda sd: sd["state"].__setitem__("5", sd["state"][5])),
         ValueError, ["two entries for parameter 5"]),
        ("params twice", edit(lambda sd: sd["param_groups"][0]["params"].__setitem__(1, 0)),
         ValueError, ["index 0 is listed twice"]),
        ("entry not a dict", edit(lambda sd: sd["state"].__setitem__(5, [1, 2])), TypeError,
         ["state[5]", "dict"]),
        ("unknown option", edit(group("foreach", object())), TypeError, ["'foreach'"]),
    ]


def test_optimizer_load_checks_everything_before_changing_anything():
    _, opt, _ = _trained(0)
    saved = _trained(1, steps=5)[1].state_dict()
    before = _everything(opt=opt)
    for what, sd, error, words in _bad_optimizer_states(saved):
        with pytest.raises(error) as e:
            opt.load_state_dict(sd)
        for word in words:
            assert word in str(e.value), (what, str(e.value))
        assert _everything(opt=opt) == before, what
    opt.load_state_dict(saved)
    assert opt.state_dict()["state"][5]["step"] == 5.0


def test_optimizer_options_missing_from_a_saved_group_take_the_defaults():
    _, opt, _ = _trained(0)
    saved = opt.state_dict()
    del saved["param_groups"][0]["amsgrad"], saved["param_groups"][0]["fused"]
    fresh = _trained(1)[1]
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["amsgrad"] is False and fresh.param_groups[0]["fused"] is None


def test_lbfgs_state_is_checked_against_the_flat_parameter_vector():
    w = sg.Parameter(sg.tensor([1.5, -0.5, 2.0]))
    opt = optim.LBFGS([w], max_iter=4)

    def closure():
        opt.zero_grad()
        loss = ((w - 1.0) ** 4).sum()
        loss.backward()
        return loss

    opt.step(closure)
    saved = opt.state_dict()
    assert len(saved["state"][0]["old_dirs"]) > 0
    before = _canon(opt.state_dict())
    bad = copy.deepcopy(saved)
    bad["state"][0]["old_dirs"][0] = np.zeros(2)
    with pytest.raises(ValueError, match=r"'old_dirs' of parameter 0\[0\] has shape \(2,\) but "
                                         r"the flat vector of all parameters has shape \(3,\)"):
        opt.load_state_dict(bad)
    bad = copy.deepcopy(saved)
    bad["state"][0]["ro"].append(1.0)
    with pytest.raises(ValueError, match="one entry per stored pair"):
        opt.load_state_dict(bad)
    bad = copy.deepcopy(saved)
    bad["param_groups"][0]["max_iter"] = 2.5
    with pytest.raises(ValueError, match=r"'max_iter'.*integer"):
        opt.load_state_dict(bad)
    assert _canon(opt.state_dict()) == before


def _schedulers():
    def opt():
        return optim.SGD([sg.Parameter(sg.zeros(2))], lr=1.0, momentum=0.9)

    def sequential(o):
        return lr_scheduler.SequentialLR(o, [lr_scheduler.LinearLR(o, 0.5, total_iters=2),
                                             lr_scheduler.StepLR(o, step_size=2)],
                                         milestones=[2])

    return {
        "StepLR": lambda: lr_scheduler.StepLR(opt(), step_size=2),
        "MultiStepLR": lambda: lr_scheduler.MultiStepLR(opt(), milestones=[1, 3]),
        "ReduceLROnPlateau": lambda: lr_scheduler.ReduceLROnPlateau(opt()),
        "OneCycleLR": lambda: lr_scheduler.OneCycleLR(opt(), max_lr=1.0, total_steps=20),
        "SequentialLR": lambda: sequential(opt()),
        "LambdaLR": lambda: lr_scheduler.LambdaLR(opt(), lambda e: 0.9 ** e),
        "CyclicLR": lambda: lr_scheduler.CyclicLR(opt(), 0.1, 1.0, step_size_up=2),
    }


SCHEDULER_DAMAGE = [
    ("StepLR", "last_epoch", -4, ValueError, "integer >= -1"),
    ("StepLR", "last_epoch", 2.5, ValueError, "integer"),
    ("StepLR", "_step_count", "3", TypeError, "number"),
    ("StepLR", "base_lrs", [0.1, 0.2], ValueError, "list of 1"),
    ("StepLR", "base_lrs", [float("nan")], ValueError, "finite"),
    ("StepLR", "gamma", float("inf"), ValueError, "finite"),
    ("StepLR", "step", 3, KeyError, "unexpected key"),  # would hide the step() method
    ("StepLR", "optimizer", None, KeyError, "unexpected key"),
    ("StepLR", "T_max", 5, KeyError, "another scheduler"),
    ("MultiStepLR", "milestones", {"x": 1}, TypeError, "number"),
    ("MultiStepLR", "milestones", {"3": 0}, ValueError, "integer >= 1"),
    ("ReduceLROnPlateau", "mode", "mid", ValueError, "'min', 'max'"),
    ("ReduceLROnPlateau", "best", float("nan"), ValueError, "finite"),
    ("ReduceLROnPlateau", "num_bad_epochs", -1, ValueError, "integer >= 0"),
    ("OneCycleLR", "_anneal_func_type", "cubic", ValueError, "'cos', 'linear'"),
    ("OneCycleLR", "_schedule_phases", [{}], ValueError, "list of 2"),
    ("SequentialLR", "_schedulers", [{}, {"last_epoch": "x"}], TypeError, "'last_epoch'"),
    ("SequentialLR", "_milestones", [2.5], ValueError, "integer"),
    ("LambdaLR", "lr_lambdas", [None, None], ValueError, "one per parameter group"),
    ("CyclicLR", "_scale_fn_custom", 3, TypeError, "callable's attributes"),
    ("CyclicLR", "scale_mode", "epochs", ValueError, "'cycle', 'iterations'"),
]


@pytest.mark.parametrize("kind, key, value, error, words", SCHEDULER_DAMAGE,
                         ids=[f"{k}-{key}-{v!r}" for k, key, v, *_ in SCHEDULER_DAMAGE])
def test_scheduler_load_checks_every_key_before_changing_anything(kind, key, value, error,
                                                                   words):
    make = _schedulers()[kind]
    donor, sched = make(), make()
    for s in (donor, donor, donor, sched):
        s.step(1.0) if kind == "ReduceLROnPlateau" else s.step()
    saved = json.loads(json.dumps(donor.state_dict()))  # as a checkpoint brings it back
    original = saved.get(key)
    saved[key] = value
    before = _canon(sched.state_dict()), [g["lr"] for g in sched.optimizer.param_groups]
    with pytest.raises(error) as e:
        sched.load_state_dict(saved)
    assert words in str(e.value) and key in str(e.value) + repr(value)
    assert (_canon(sched.state_dict()), [g["lr"] for g in sched.optimizer.param_groups]) \
        == before
    if key in ("step", "optimizer", "T_max"):
        del saved[key]
    else:
        saved[key] = original
    sched.load_state_dict(saved)  # the same state, undamaged, loads
    assert _canon(sched.state_dict()) == _canon(donor.state_dict())


def test_early_stopping_load_checks_before_changing():
    es = EarlyStopping(monitor="loss", mode="min")
    before = dict(es.__dict__)
    for bad, error in [({"wait": 1, "best": "low"}, TypeError), ({"mode": "down"}, ValueError),
                       ({"patience": 1.5}, ValueError), ({"update": 1}, KeyError)]:
        with pytest.raises(error):
            es.load_state_dict(bad)
        assert es.__dict__ == before


# ---------------------------------------------------------------------- restore_checkpoint
def _damaged_checkpoints(state):
    def edit(fn):
        s = copy.deepcopy(state)
        fn(s)
        return s

    return {
        "bad scheduler": edit(lambda s: s["scheduler"].__setitem__("last_epoch", -3)),
        "bad optimizer step": edit(lambda s: s["optimizer"]["state"][0].__setitem__("step", -1)),
        "bad optimizer lr": edit(lambda s: s["optimizer"]["param_groups"][0].__setitem__(
            "lr", float("inf"))),
        "bad numpy rng": edit(lambda s: s["rng"].__setitem__(
            "numpy", ("MT19937", np.zeros(3, np.uint32), 0, 0, 0.0))),
        "bad python rng": edit(lambda s: s["rng"].__setitem__("python", (3, (1, 2), None))),
        "bad scratchgrad rng": edit(lambda s: s["rng"]["scratchgrad"].__setitem__(
            "bit_generator", {"bit_generator": "MT19937"})),
        "unknown rng": edit(lambda s: s["rng"].__setitem__("cuda", 1)),
        "bad epoch": edit(lambda s: s.__setitem__("epoch", -1)),
        "fractional epoch": edit(lambda s: s.__setitem__("epoch", 1.5)),
        "bad history": edit(lambda s: s.__setitem__("history", [1, 2])),
        "bad model dtype": edit(lambda s: s["model"].__setitem__(
            "3.bias", np.array(["a", "b"]))),
    }


def test_restore_checkpoint_is_all_or_nothing(tmp_path):
    model, opt, sched = _trained(1, steps=5)
    path = save_checkpoint(tmp_path / "c.npz", model, opt, sched, epoch=5)
    state = load_checkpoint(path)
    for what, damaged in _damaged_checkpoints(state).items():
        model, opt, sched = _trained(0)
        before = _everything(model, opt, sched)
        with pytest.raises(CheckpointError) as e:
            restore_checkpoint(damaged, model, opt, sched)
        assert str(path) in str(e.value), what
        assert _everything(model, opt, sched) == before, what
    restored = restore_checkpoint(state, model, opt, sched)
    assert restored["epoch"] == 5 and _everything(model, opt, sched) != before


def test_trainer_resume_is_all_or_nothing(tmp_path):
    model, opt, sched = _trained(1)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False)
    trainer.early_stopping = EarlyStopping(monitor="loss", mode="min")
    trainer.epoch = 3
    path = trainer.save_checkpoint(tmp_path / CHECKPOINT_NAME)
    state = load_checkpoint(path)
    state["trainer"]["early_stopping"]["wait"] = -2
    save({k: v for k, v in state.items() if k != "path"}, path)

    model, opt, sched = _trained(0)
    resumed = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False)
    resumed.early_stopping = EarlyStopping(monitor="loss", mode="min")
    before = _everything(model, opt, sched), dict(resumed.early_stopping.__dict__)
    with pytest.raises(CheckpointError, match="'wait'"):
        resumed._restore(path)
    assert (_everything(model, opt, sched), resumed.early_stopping.__dict__) == before
    assert resumed.epoch == 0


# ---------------------------------------------------------------------- fuzz
def _damaged_files(raw: bytes, seed: int, flips: int = 200, cuts: int = 50):
    """``cuts`` truncations, then ``flips`` copies with one random bit flipped (seeded)."""
    rng = random.Random(seed)
    for i in range(cuts):
        yield raw[:len(raw) * i // cuts]
    for _ in range(flips):
        b = bytearray(raw)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        yield bytes(b)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_fuzzed_checkpoints_load_identically_or_fail_without_changing_anything(tmp_path,
                                                                                suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    model, opt, sched = _trained(1, steps=5)
    path = str(tmp_path / ("c" + suffix))
    save_checkpoint(path, model, opt, sched, epoch=5, history=[{"epoch": 1, "loss": 0.5}],
                    meta={"model": "net"})
    raw = open(path, "rb").read()
    reference = _canon({k: v for k, v in load_checkpoint(path).items() if k != "path"})
    model, opt, sched = _trained(0)
    fresh = _everything(model, opt, sched)
    restore_checkpoint(path, model, opt, sched)
    restored = _everything(model, opt, sched)
    assert restored != fresh

    failed = identical = silent = partial = 0
    for damaged in _damaged_files(raw, seed=len(suffix)):
        with open(path, "wb") as f:
            f.write(damaged)
        model, opt, sched = _trained(0)
        try:
            state = load_checkpoint(path)
        except CheckpointError:
            failed += 1
            with pytest.raises(CheckpointError):  # and restoring changes nothing
                restore_checkpoint(path, model, opt, sched)
            partial += _everything(model, opt, sched) != fresh
            continue
        if _canon({k: v for k, v in state.items() if k != "path"}) != reference:
            silent += 1
            continue
        identical += 1
        restore_checkpoint(state, model, opt, sched)
        silent += _everything(model, opt, sched) != restored
    assert (silent, partial) == (0, 0)
    assert failed + identical == 250 and failed > 200  # most damage is caught, none slips by


def test_fuzzed_idx_files_load_identically_or_fail(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (30, 6, 6)).astype(np.uint8)
    for name in ("x-idx3-ubyte.gz", "x-idx3-ubyte"):
        gzipped = name.endswith(".gz")
        path = tmp_path / name
        write_idx(path, x)
        failed = silent = unguarded = 0
        for i, damaged in enumerate(_damaged_files(path.read_bytes(), seed=3)):
            path.write_bytes(damaged)
            try:
                y = read_idx(path)
            except IDXError:
                failed += 1
                continue
            same = y.shape == x.shape and y.tobytes() == x.tobytes()
            if not same and not gzipped and i >= 50 and y.shape == x.shape:
                # A raw IDX file has no checksum: a bit flipped in its body loads as that one
                # changed value, which no reader can tell. Only that may differ.
                unguarded += 1
                same = np.count_nonzero(y != x) == 1
            silent += not same
        assert silent == 0, name
        assert failed >= 50, name  # every truncation is caught
        assert unguarded == 0 if gzipped else unguarded > 100, name


@pytest.mark.parametrize("name, drop, kwargs", [
    ("Adam", "exp_avg", {}), ("Adam", "max_exp_avg_sq", {"amsgrad": True}),
    ("AdamW", "exp_avg_sq", {}), ("RMSprop", "grad_avg", {"centered": True}),
    ("RMSprop", "momentum_buffer", {"momentum": 0.9}), ("Adagrad", "sum", {}),
    ("Adadelta", "acc_delta", {}), ("Adamax", "exp_inf", {}), ("NAdam", "mu_product", {}),
    ("RAdam", "exp_avg", {}), ("ASGD", "ax", {}), ("Rprop", "prev", {})])
def test_optimizer_state_entry_missing_a_key_is_refused_before_anything_changes(name, drop,
                                                                                 kwargs):
    from scratchgrad import nn as _nn, optim as _optim

    lin = _nn.Linear(3, 2)
    opt = getattr(_optim, name)(lin.parameters(), lr=0.01, **kwargs)
    lin(sg.ones(4, 3)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert drop in sd["state"][0]
    broken = {"state": {k: dict(v) for k, v in sd["state"].items()},
              "param_groups": sd["param_groups"]}
    del broken["state"][0][drop]
    state, groups = opt.state, opt.param_groups
    with pytest.raises(ValueError, match=f"lacks \\['{drop}'\\]"):
        opt.load_state_dict(broken)
    assert opt.state is state and opt.param_groups is groups  # nothing was installed
    opt.load_state_dict(sd)  # the whole entry still loads
    opt.step()
