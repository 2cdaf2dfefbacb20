"""Save and load nested training state without pickle: ``save(state, f)``, ``load(f)``.

This is the strict, pickle-free pair (arrays come back as arrays; anything that is not a
state is refused). :mod:`scratchgrad.serialization` builds PyTorch's ``scratchgrad.save`` /
``scratchgrad.load`` on it: Tensors back as Tensors, whole objects in a pickle container.
``f`` is a path (written atomically) or a binary file object; a file object is read whole
before any check, and its format is told by its bytes.

A state is any nesting of dicts, lists and tuples whose leaves are NumPy arrays, Tensors,
NumPy scalars, or JSON values (str, int of any size, float including inf/nan, bool, None).
That covers a model's ``state_dict()``, an optimizer's (integer keys and all), a scheduler's,
and the random generators' states.

The file is a ``.npz`` archive (NumPy's zip of ``.npy`` members, stored uncompressed) holding

- every array under a readable flattened key (``model/conv1.weight``,
  ``optimizer/state/0/exp_avg``), and
- one member ``__metadata__``: a uint8 array of UTF-8 JSON that records the structure (dict key
  types, tuples, where each array goes), all the non-array values, and the SHA-256 digest of
  every array (its dtype, shape and bytes), and which arrays were Tensors (class,
  ``requires_grad``, device; older readers ignore that entry).

A path ending in ``.safetensors`` uses the ``safetensors`` format instead (optional package;
the JSON goes into the header's metadata, with a digest of its own, since nothing else in that
format guards the header). A ``.safetensors`` file written by another tool, without that
metadata, loads as a flat ``{name: array}`` dict.

Loading trusts nothing in the file:

- it never unpickles: an object array is refused (``allow_pickle=False``);
- every array is checked against its digest, and every zip member against its CRC-32, so a
  flipped byte raises :class:`SerializationError` instead of loading different values (files
  written before digests existed still load, checked by the CRC alone);
- every ``.npy`` member's declared shape is checked against the member's size before anything
  is read or inflated, and compressed members may not inflate past
  :func:`inflation_limit` of their compressed size, so a small file cannot make a huge
  allocation;
- every failure, whatever library raised it (zipfile, zlib, json, NumPy, safetensors), becomes
  a :class:`SerializationError` naming the file (and the member), the cause kept as
  ``__cause__``.

Nothing is written in place: the archive goes to a temporary file in the same directory, is
flushed and fsync'ed, then ``os.replace``d over the target, so a crash leaves either the old file
or the new one, never half of one (see :func:`atomic_write` for the temporary files a killed
process leaves).

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
>>> save({"w": np.arange(3.0), "step": 7, "betas": (0.9, 0.999), "state": {0: {"n": 1}}}, path)
>>> state = load(path)
>>> state["w"], state["step"], state["betas"], state["state"]
(array([0., 1., 2.]), 7, (0.9, 0.999), {0: {'n': 1}})
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import socket
import tempfile
import time
import zipfile
from typing import Any, Callable

import numpy as np

from ..nn.parameter import Parameter
from ..tensor import Tensor

__all__ = ["save", "load", "atomic_write", "inflation_limit", "SerializationError",
           "FORMAT_VERSION"]

#: Bumped when the layout of the metadata changes; ``load`` refuses newer versions. (The
#: digests added no version: older readers ignore the extra metadata entry.)
FORMAT_VERSION = 1
_META_KEY = "__metadata__"
_SCALARS_KEY = "__scalars__"  # safetensors only: keys of 0-d arrays
_META_DIGEST_KEY = "__sha256__"  # safetensors only: digest of the metadata and the scalar keys
_DIGESTS = "sha256"  # metadata entry: {array key: hex SHA-256 of dtype, shape and bytes}
_TENSORS = "tensors"  # metadata entry: {array key: [class, requires_grad, device]} of Tensors
# Tags that mark non-JSON structure in the metadata. A plain JSON object is a dict with string
# keys; anything else (int keys, tuples, arrays) is an object with exactly one of these keys.
_ARRAY, _SCALAR, _TUPLE, _DICT, _FLOAT = "__array__", "__scalar__", "__tuple__", "__dict__", \
    "__float__"
_TAGS = (_ARRAY, _SCALAR, _TUPLE, _DICT, _FLOAT)

# A .npy header is a short Python literal; NumPy's own default bound.
_MAX_NPY_HEADER = 10_000
# How far compressed data may inflate: deflate reaches ~1000x on zeros, real weights and images
# 1-5x. Files below the floor may inflate freely (a small archive of zeros is legitimate).
_INFLATION_RATIO = 64
_INFLATION_FLOOR = 32 << 20


class SerializationError(ValueError):
    """A file that is not a readable scratchgrad state (corrupt, truncated, or not ours), or a
    state that cannot be written without pickle."""


def inflation_limit(compressed_bytes: int) -> int:
    """The most bytes that ``compressed_bytes`` of compressed data may inflate to when a loader
    reads it: 64 times as many, and at least 32 MiB.

    A decompression bomb (a 1 MB file of zeros that inflates to 1 GiB) is refused before it is
    inflated; scratchgrad itself never compresses checkpoints, and real data compresses far
    less than 64x.

    >>> inflation_limit(1 << 20) == 64 << 20, inflation_limit(0) == 32 << 20
    (True, True)
    """
    return max(_INFLATION_FLOOR, _INFLATION_RATIO * int(compressed_bytes))


# ---------------------------------------------------------------------- atomic writes
# Temporary files are named ".<target>.<host>-<pid>.<random>.tmp": hidden, recognisably ours,
# and telling which process wrote them, so a later write can clean up after a killed one.
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
_TMP_NAME = re.compile(r"(?:([A-Za-z0-9-]*)-(\d+)\.)?[a-z0-9_]+\.tmp")
# A temporary file of a dead writer on this host is removed once untouched for a minute; any
# other (another host's, or one named before pids were) once untouched for an hour. A live
# writer touches its file as it writes, so neither rule removes a file being written.
_DEAD_WRITER_AGE_S = 60.0
_STALE_AGE_S = 3600.0


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then move it into place.

    The temporary file lives in the same directory (``os.replace`` is atomic only within one
    file system) and is fsync'ed before the rename; the directory is fsync'ed after it, so the
    rename itself survives a power cut. If ``write`` raises, the temporary file is removed and
    ``path`` is untouched.

    A process killed mid-write cannot remove its temporary file, so the next write to the same
    ``path`` does: temporary files are named ``.<name>.<host>-<pid>.<random>.tmp``, and one
    whose process (on this host) is gone and that has not been written for a minute is
    deleted, as is any of them (another host's, or an older naming's) untouched for an hour.
    A concurrent writer's file is never touched: its process is alive and it keeps writing.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
    >>> atomic_write(path, lambda f: f.write(b"hello"))
    >>> open(path).read(), os.listdir(os.path.dirname(path))
    ('hello', ['hello.txt'])
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.{_HOST}-{os.getpid()}.", suffix=".tmp",
                               dir=directory)
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)
    _remove_stale_temporaries(directory, base)


def _remove_stale_temporaries(directory: str, base: str) -> None:
    """Delete the temporary files that killed writers of ``directory/base`` left (see
    :func:`atomic_write` for which); best effort, never raises."""
    prefix = f".{base}."
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix)]
    except OSError:
        return
    now = time.time()
    for name in names:
        match = _TMP_NAME.fullmatch(name[len(prefix):])
        if match is None:  # not a temporary file of this target (e.g. ".a.npz.bak" of "a")
            continue
        full = os.path.join(directory, name)
        try:
            age = now - os.stat(full).st_mtime
        except OSError:
            continue
        host, pid = match.group(1), match.group(2)
        dead = host == _HOST and pid is not None and not _pid_alive(int(pid))
        if (dead and age > _DEAD_WRITER_AGE_S) or age > _STALE_AGE_S:
            try:
                os.unlink(full)
            except OSError:
                pass


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (True when that cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # on Windows, os.kill(pid, 0) would send a Ctrl-C event
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists and belongs to another user
        return True
    return True


def _file_mode(path: str) -> int:
    """The existing file's permissions, else 0666 less the process's umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0)  # the only portable way to read the umask is to set it...
    os.umask(mask)  # ...and put it straight back
    return 0o666 & ~mask


def _fsync_dir(directory: str) -> None:
    # Not every platform can open a directory (Windows cannot); the rename is done either way.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------- encoding
def _as_array(value: Any) -> np.ndarray | None:
    """The NumPy array behind a Tensor / ndarray / CuPy array, or None for other values."""
    if isinstance(value, Tensor):
        value = value._data
    if type(value).__module__.startswith("cupy"):  # a CuPy array: copy to the host
        return value.get()
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "get") and hasattr(value, "dtype") and hasattr(value, "shape"):
        return value.get()  # another device array with CuPy's interface
    return None


class _Encoder:
    """Turns a state into (JSON-able skeleton, {flat key: array})."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        # {key: [class name, requires_grad, device]} for the leaves that were Tensors, so that
        # scratchgrad.load gives back a Tensor (or Parameter) where one was saved and an array
        # where an array was.
        self.tensors: dict[str, list[Any]] = {}

    def _key(self, path: list[str]) -> str:
        base = "/".join(path) or "value"
        base = base.replace(_META_KEY, "_metadata_")
        key, n = base, 1
        while key in self.arrays:  # two paths can flatten alike ("a/b" vs ["a", "b"])
            n += 1
            key = f"{base}~{n}"
        return key

    def encode(self, value: Any, path: list[str]) -> Any:
        where = "/".join(path) or "the top level"
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):  # bool is handled above
            return value
        if isinstance(value, float):
            # JSON has no inf/nan; Python's json writes them anyway but other readers choke.
            return value if math.isfinite(value) else {_FLOAT: repr(value)}
        if isinstance(value, np.generic):
            if value.dtype.kind not in "biufc":
                raise SerializationError(f"save: cannot store the NumPy scalar of dtype "
                                         f"{value.dtype} at {where} without pickle")
            key = self._key(path)
            self.arrays[key] = np.asarray(value)
            return {_SCALAR: key}
        array = _as_array(value)
        if array is not None:
            if array.dtype.hasobject:
                raise SerializationError(f"save: the array at {where} has dtype object, which "
                                         "can only be stored with pickle; convert it to a "
                                         "numeric array")
            key = self._key(path)
            self.arrays[key] = array  # (not ascontiguousarray: it turns 0-d into 1-d)
            if isinstance(value, Tensor):
                kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
                self.tensors[key] = [kind, bool(value.requires_grad), str(value.device)]
            return {_ARRAY: key}
        if isinstance(value, dict):
            items = [(k, self.encode(v, path + [str(k)])) for k, v in value.items()]
            if all(isinstance(k, str) for k, _ in items) and \
                    not (len(items) == 1 and items[0][0] in _TAGS):
                return dict(items)
            for k, _ in items:
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise SerializationError(f"save: dict keys must be str, int, float, bool "
                                             f"or None; found a {type(k).__name__} key at "
                                             f"{where}")
            return {_DICT: [[self.encode(k, path), v] for k, v in items]}
        if isinstance(value, tuple):
            return {_TUPLE: [self.encode(v, path + [str(i)]) for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.encode(v, path + [str(i)]) for i, v in enumerate(value)]
        raise SerializationError(f"save: cannot store a {type(value).__module__}."
                                 f"{type(value).__qualname__} at {where} without pickle; "
                                 "allowed are dicts, lists, tuples, arrays, Tensors, numbers, "
                                 "strings, bools and None")


def _decode(node: Any, arrays: Callable[[str], np.ndarray],
            leaf: Callable[[str, np.ndarray], Any] | None = None) -> Any:
    """The state that a metadata skeleton describes; ``leaf(key, array)`` makes what an array
    leaf becomes (the array itself by default)."""
    if isinstance(node, list):
        return [_decode(v, arrays, leaf) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (tag, payload), = node.items()
        if tag == _ARRAY:
            return arrays(payload) if leaf is None else leaf(payload, arrays(payload))
        if tag == _SCALAR:
            scalar = arrays(payload)
            if scalar.ndim != 0:
                raise ValueError(f"the scalar {payload!r} is stored with shape {scalar.shape}, "
                                 "expected ()")
            return scalar[()]
        if tag == _TUPLE:
            return tuple(_decode(v, arrays, leaf) for v in payload)
        if tag == _FLOAT:
            return float(payload)
        if tag == _DICT:
            return {_decode(k, arrays, leaf): _decode(v, arrays, leaf) for k, v in payload}
    return {k: _decode(v, arrays, leaf) for k, v in node.items()}


# ---------------------------------------------------------------------- digests
def _digest(array: np.ndarray) -> str:
    """Hex SHA-256 of an array's dtype, shape and bytes (C order, little-endian), so that a
    changed dtype or shape in a header is caught as surely as a changed value."""
    flat = np.ascontiguousarray(array).reshape(-1)
    if flat.dtype.byteorder == ">":
        flat = flat.astype(flat.dtype.newbyteorder("<"))
    h = hashlib.sha256(f"{flat.dtype.descr}{tuple(array.shape)}".encode())
    h.update(flat.view(np.uint8))
    return h.hexdigest()


def _text_digest(*texts: str) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


class _Arrays:
    """Fetches arrays by key for ``_decode``, each checked against its digest when the file
    has digests (files written before they existed have none), each at most once: metadata
    that names one large array a thousand times must not make a thousand copies."""

    def __init__(self, path: str, meta: dict[str, Any], read: Callable[[str], np.ndarray]
                 ) -> None:
        self.path, self.read = path, read
        digests = meta.get(_DIGESTS)
        if digests is not None and not (isinstance(digests, dict) and
                                        all(isinstance(v, str) for v in digests.values())):
            raise SerializationError(f"cannot read the checkpoint {path}: its metadata entry "
                                     f"{_DIGESTS!r} should map array keys to hex digests")
        self.digests: dict[str, str] | None = digests
        self.seen: set[str] = set()

    def __call__(self, key: Any) -> np.ndarray:
        if not isinstance(key, str):
            raise SerializationError(f"cannot read the checkpoint {self.path}: the metadata "
                                     f"refers to an array by {key!r}, expected a string key")
        if key in self.seen:
            raise SerializationError(f"cannot read the checkpoint {self.path}: the metadata "
                                     f"refers to the array {key!r} twice (save writes each "
                                     "array once); the file is corrupt or crafted")
        self.seen.add(key)
        array = self.read(key)
        if self.digests is not None:
            expected = self.digests.get(key)
            if expected is None:
                raise SerializationError(f"cannot read the checkpoint {self.path}: the array "
                                         f"{key!r} has no digest in the metadata (expected one "
                                         "for every array); the file is corrupt")
            if _digest(array) != expected:
                raise SerializationError(f"cannot read the checkpoint {self.path}: the array "
                                         f"{key!r} does not match its SHA-256 digest (dtype "
                                         f"{array.dtype}, shape {array.shape}); the file is "
                                         "corrupt")
        return array


# ---------------------------------------------------------------------- public API
#: What save and load take: a path, or a binary file object (``open(path, "wb")``, BytesIO).
FileLike = Any


def _is_path(f: Any) -> bool:
    return isinstance(f, (str, bytes, os.PathLike))


def _name_of(f: FileLike) -> str:
    """The path, or a file object's name for messages (``<BytesIO>`` when it has none)."""
    if _is_path(f):
        name = os.fspath(f)
        return name.decode(errors="replace") if isinstance(name, bytes) else name
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


def _write(f: FileLike, write: Callable[[Any], None]) -> None:
    """``write`` to a path atomically, or straight into a writable binary file object."""
    if _is_path(f):
        atomic_write(f, write)
    elif not callable(getattr(f, "write", None)):
        raise TypeError(f"save: expected a path or a writable binary file object, got a "
                        f"{type(f).__name__}")
    else:
        write(f)


def _read_all(f: Any, name: str) -> bytes:
    """The rest of a readable binary file object, as bytes (so that every size check has the
    real size, whatever the object can seek)."""
    if not callable(getattr(f, "read", None)):
        raise TypeError(f"load: expected a path or a readable binary file object, got a "
                        f"{type(f).__name__}")
    data = f.read()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load: {name} was opened in text mode; open it with 'rb'")
    return bytes(data)


def _looks_like_safetensors(blob: bytes) -> bool:
    """A safetensors file starts with the 8-byte length of a JSON header that fits the file."""
    n = int.from_bytes(blob[:8], "little") if len(blob) >= 8 else -1
    return 0 < n <= len(blob) - 8 and blob[8:9] == b"{"


def _encode_state(state: Any) -> tuple[_Encoder, str]:
    encoder = _Encoder()
    skeleton = encoder.encode(state, [])
    digests = {k: _digest(v) for k, v in encoder.arrays.items()}
    meta = json.dumps({"format": "scratchgrad", "version": FORMAT_VERSION, "state": skeleton,
                       _DIGESTS: digests, _TENSORS: encoder.tensors},
                      allow_nan=False, separators=(",", ":"))
    return encoder, meta


def save(state: Any, f: FileLike) -> None:
    """Write ``state`` (nested dicts/lists/tuples of arrays, Tensors and JSON values) to
    ``f`` as ``.npz`` (or ``.safetensors`` when the name says so), with a digest of every
    array. ``f`` is a path, written atomically, or a writable binary file object.

    This is the strict, pickle-free writer: anything else raises :class:`SerializationError`.
    Here Tensors come back as arrays (``load_state_dict`` accepts those);
    :func:`scratchgrad.save` / :func:`scratchgrad.load` (PyTorch's) give them back as Tensors
    and also take whole objects.

    >>> import os, tempfile, scratchgrad as sg
    >>> path = os.path.join(tempfile.mkdtemp(), "t.npz")
    >>> save({"x": sg.ones(2)}, path); load(path)["x"]
    array([1., 1.], dtype=float32)
    """
    encoder, meta = _encode_state(state)
    if _name_of(f).endswith(".safetensors"):
        blob = _safetensors_blob(encoder.arrays, meta)
        _write(f, lambda out: out.write(blob))
        return
    members = dict(encoder.arrays)
    members[_META_KEY] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    # np.savez writes to the open file; it adds no suffix to a file object.
    _write(f, lambda out: np.savez(out, **members))


def load(f: FileLike) -> Any:
    """Read a state written by :func:`save` from a path or a readable binary file object;
    never unpickles, checks every array against its digest and every size before reading
    (see the module's notes). Array leaves come back as NumPy arrays.

    Raises ``FileNotFoundError`` for a missing file and :class:`SerializationError` naming the
    file (and the member) for anything else: corrupt, truncated, an object array, a
    decompression bomb, or not a scratchgrad state.

    >>> import os, tempfile
    >>> bad = os.path.join(tempfile.mkdtemp(), "bad.npz")
    >>> _ = open(bad, "wb").write(b"not a zip")
    >>> try:
    ...     load(bad)
    ... except SerializationError as e:
    ...     print(str(e).startswith(f"cannot read the checkpoint {bad}"))
    True
    """
    return _read_state(f)


def _read_state(f: FileLike, make_leaf: Callable[[dict], Callable[[str, np.ndarray], Any]]
                | None = None, data: bytes | None = None) -> Any:
    """:func:`load`, with ``make_leaf(metadata)`` choosing what array leaves become, and
    ``data``: the bytes already read from the file object ``f``."""
    name = _name_of(f)
    if _is_path(f):
        if not os.path.exists(name):
            raise FileNotFoundError(f"load: no such file: {name}")
        source: str | bytes = name
        safetensors = name.endswith(".safetensors")
    else:
        source = _read_all(f, name) if data is None else data
        safetensors = not source.startswith(b"PK") and (
            _looks_like_safetensors(source) or name.endswith(".safetensors"))
    if safetensors:
        _import_safetensors()  # a missing optional package is an ImportError, not corruption
    where: list[str] = []  # the member being read, for the message
    try:
        return _load_safetensors(source, name, make_leaf) if safetensors \
            else _load_npz(source, name, where, make_leaf)
    except SerializationError:
        raise
    except Exception as e:
        # A file from outside can fail in any library's way: zipfile (BadZipFile,
        # NotImplementedError for an unknown compression, RuntimeError when encrypted), zlib,
        # struct, EOFError, OverflowError, UnicodeDecodeError, json, NumPy, safetensors' own
        # errors, RecursionError for absurdly nested metadata, MemoryError. The caller gets
        # one error class that names the file.
        member = f" (member {where[-1]!r})" if where else ""
        kind = "a safetensors file" if safetensors else "a scratchgrad .npz state"
        hint = {RecursionError: " (its metadata is nested too deeply)",
                MemoryError: " (it needs more memory than there is)"}.get(type(e), "")
        raise SerializationError(f"cannot read the checkpoint {name}{member}: the file is "
                                 f"corrupt, truncated or not {kind}{hint} "
                                 f"({type(e).__name__}: {e})") from e


def _parse_meta(raw: bytes, path: str) -> dict[str, Any]:
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SerializationError(f"cannot read the checkpoint {path}: its metadata is not "
                                 f"valid JSON ({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != "scratchgrad" or "state" not in meta:
        raise SerializationError(f"cannot read the checkpoint {path}: the metadata does not "
                                 "describe a scratchgrad state (expected format 'scratchgrad')")
    version = meta.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise SerializationError(f"cannot read the checkpoint {path}: the metadata's version "
                                 f"should be an integer, found {version!r}")
    if version > FORMAT_VERSION:
        raise SerializationError(f"cannot read the checkpoint {path}: it has format version "
                                 f"{version}, newer than this scratchgrad reads "
                                 f"({FORMAT_VERSION}); upgrade scratchgrad")
    return meta


# ---------------------------------------------------------------------- .npz
def _load_npz(source: str | bytes, path: str, where: list[str],
              make_leaf: Callable[[dict], Any] | None = None) -> Any:
    size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) \
            as archive:
        infos = {info.filename: info for info in archive.infolist()}
        _check_archive(path, archive, size)
        meta_info = infos.get(_META_KEY + ".npy")
        if meta_info is None:
            members = [n[:-4] if n.endswith(".npy") else n for n in infos]
            raise SerializationError(f"cannot read the checkpoint {path}: it is an .npz "
                                     f"archive but has no {_META_KEY!r} member, so it was "
                                     "not written by scratchgrad.utils.save (members: "
                                     f"{members[:10]})")
        where[:] = [meta_info.filename]
        raw = _read_npy(path, archive, meta_info)
        where.clear()
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise SerializationError(f"cannot read the checkpoint {path}: the {_META_KEY!r} "
                                     f"member should be a 1-D uint8 array, found {raw.dtype} "
                                     f"of shape {raw.shape}")
        meta = _parse_meta(raw.tobytes(), path)

        def read(key: str) -> np.ndarray:
            info = infos.get(key + ".npy")
            if info is None:
                raise SerializationError(f"cannot read the checkpoint {path}: the metadata "
                                         f"refers to the array {key!r}, but the archive has no "
                                         f"member {key + '.npy'!r}")
            where[:] = [info.filename]
            array = _read_npy(path, archive, info)
            where.clear()
            return array

        return _decode(meta["state"], _Arrays(path, meta, read),
                       make_leaf(meta) if make_leaf else None)


def _check_archive(path: str, archive: zipfile.ZipFile, file_size: int) -> None:
    """Refuse, before inflating anything, what zipfile would fail on late or never: encrypted
    or oddly compressed members, members reaching past the end of the file, and compressed
    members that would inflate beyond :func:`inflation_limit`."""
    packed = inflated = 0
    for info in archive.infolist():
        name = f"cannot read the checkpoint {path}: member {info.filename!r}"
        if info.flag_bits & 0x1:
            raise SerializationError(f"{name} is encrypted; scratchgrad never writes "
                                     "encrypted archives")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SerializationError(f"{name} uses zip compression method "
                                     f"{info.compress_type}; expected stored (0) or deflated "
                                     "(8)")
        if info.header_offset + info.compress_size > file_size:
            raise SerializationError(f"{name} reaches past the end of the file "
                                     f"({info.compress_size} bytes at offset "
                                     f"{info.header_offset} of a {file_size}-byte file); the "
                                     "file is truncated")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise SerializationError(f"{name} is stored uncompressed, so its size should equal "
                                     f"its stored size ({info.compress_size} bytes), found "
                                     f"{info.file_size}")
        if info.compress_type == zipfile.ZIP_DEFLATED:
            packed += info.compress_size
            inflated += info.file_size
    if inflated > inflation_limit(packed):
        raise SerializationError(f"cannot read the checkpoint {path}: its compressed members "
                                 f"would inflate from {packed} to {inflated} bytes, more than "
                                 f"the {inflation_limit(packed)} allowed (64x, at least 32 "
                                 "MiB): a decompression bomb? scratchgrad writes checkpoints "
                                 "uncompressed")


def _read_npy(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member, its header checked against its size before the data is read."""
    name = f"cannot read the checkpoint {path}: member {info.filename!r}"
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        # read_array_header_2_0 also reads a 3.0 header well enough for the shape and the
        # itemsize (3.0 differs only in encoding field names as UTF-8).
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
            else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(f, max_header_size=_MAX_NPY_HEADER)
        header_size = f.tell()
    if dtype.hasobject:
        raise SerializationError(f"{name} holds an object array, which would need pickle to "
                                 "read; scratchgrad never unpickles")
    if any(n < 0 for n in shape):
        raise SerializationError(f"{name} declares the negative shape {shape}")
    expected = header_size + math.prod(shape) * dtype.itemsize
    if expected != info.file_size:
        raise SerializationError(f"{name} declares shape {shape} of {dtype} ({expected} bytes "
                                 f"with its header) but holds {info.file_size} bytes; the file "
                                 "is corrupt or crafted")
    with archive.open(info) as f:
        array = np.lib.format.read_array(f, allow_pickle=False,
                                         max_header_size=_MAX_NPY_HEADER)
        # Reading past the end makes zipfile compare the CRC-32 of everything read.
        if f.read(1):
            raise SerializationError(f"{name} has bytes after its array data")
    return array


# ---------------------------------------------------------------------- safetensors
def _import_safetensors() -> Any:
    try:
        from safetensors import numpy as st_numpy
    except ImportError:
        raise ImportError("saving or loading a .safetensors file needs the optional package "
                          "'safetensors' (pip install safetensors); use a .npz path "
                          "otherwise") from None
    return st_numpy


def _safetensors_blob(arrays: dict[str, np.ndarray], meta: str) -> bytes:
    st_numpy = _import_safetensors()
    # safetensors stores a 0-d array as shape (1,): remember which keys were scalars.
    scalars = json.dumps([k for k, v in arrays.items() if v.ndim == 0])
    blob = st_numpy.save({k: np.array(v, copy=True).reshape(v.shape or (1,))
                          for k, v in arrays.items()},
                         metadata={_META_KEY: meta, _SCALARS_KEY: scalars,
                                   _META_DIGEST_KEY: _text_digest(meta, scalars)})
    return blob


class _SafetensorsBytes:
    """``safe_open``'s reading interface over a file's bytes (safe_open wants a path)."""

    def __init__(self, blob: bytes) -> None:
        n = int.from_bytes(blob[:8], "little")
        header = json.loads(blob[8:8 + n].decode("utf-8"))
        self._metadata = header.get("__metadata__") if isinstance(header, dict) else None
        self._arrays = _import_safetensors().load(blob)

    def __enter__(self) -> "_SafetensorsBytes":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def metadata(self) -> Any:
        return self._metadata

    def keys(self) -> list[str]:
        return list(self._arrays)

    def get_tensor(self, key: str) -> np.ndarray:
        return self._arrays[key]


def _load_safetensors(source: str | bytes, path: str,
                      make_leaf: Callable[[dict], Any] | None = None) -> Any:
    from safetensors import safe_open

    # safetensors checks that every tensor's declared shape and dtype match the bytes it spans
    # inside the file, so a header cannot make it allocate more than the file holds.
    opened = _SafetensorsBytes(source) if isinstance(source, bytes) \
        else safe_open(source, framework="np")
    with opened as f:
        header = f.metadata() or {}
        if _META_KEY not in header:
            ours = sorted(k for k in (_SCALARS_KEY, _META_DIGEST_KEY) if k in header)
            if ours:  # e.g. a flipped byte in the key's name: not another tool's file
                raise SerializationError(f"cannot read the checkpoint {path}: its header has "
                                         f"scratchgrad's entries {ours} but no {_META_KEY!r}; "
                                         "the file is corrupt")
            leaf = make_leaf({}) if make_leaf else None  # another tool's file: a flat dict
            return {key: f.get_tensor(key) if leaf is None else leaf(key, f.get_tensor(key))
                    for key in f.keys()}
        text, scalars_text = header[_META_KEY], header.get(_SCALARS_KEY, "[]")
        digest = header.get(_META_DIGEST_KEY)
        if digest is not None and digest != _text_digest(text, scalars_text):
            raise SerializationError(f"cannot read the checkpoint {path}: its metadata does "
                                     "not match its SHA-256 digest; the file is corrupt")
        meta = _parse_meta(text.encode("utf-8"), path)
        scalars = json.loads(scalars_text)
        if not isinstance(scalars, list):
            raise SerializationError(f"cannot read the checkpoint {path}: {_SCALARS_KEY!r} "
                                     f"should be a JSON list of keys, found {scalars_text!r}")
        scalars = set(scalars)

        def read(key: str) -> np.ndarray:
            a = f.get_tensor(key)
            if key in scalars:
                if a.shape != (1,):
                    raise SerializationError(f"cannot read the checkpoint {path}: the scalar "
                                             f"{key!r} should be stored with shape (1,), found "
                                             f"{a.shape}")
                return a.reshape(())
            return a

        return _decode(meta["state"], _Arrays(path, meta, read),
                       make_leaf(meta) if make_leaf else None)
