"""Save and load nested training state without pickle: ``save(state, path)``, ``load(path)``.

A state is any nesting of dicts, lists and tuples whose leaves are NumPy arrays, Tensors,
NumPy scalars, or JSON values (str, int of any size, float including inf/nan, bool, None).
That covers a model's ``state_dict()``, an optimizer's (integer keys and all), a scheduler's,
and the random generators' states.

The file is a ``.npz`` archive (NumPy's zip of ``.npy`` members) holding

- every array under a readable flattened key (``model/conv1.weight``,
  ``optimizer/state/0/exp_avg``), and
- one member ``__metadata__``: a uint8 array of UTF-8 JSON that records the structure (dict key
  types, tuples, where each array goes) and all the non-array values.

Loading uses ``np.load(..., allow_pickle=False)``, so a file can never run code: an object
array inside is rejected. Nothing is written in place: the archive goes to a temporary file in
the same directory, is flushed and fsync'ed, then ``os.replace``d over the target, so a crash
leaves either the old file or the new one, never half of one.

A path ending in ``.safetensors`` uses the ``safetensors`` format instead (optional package;
the JSON goes into the header's metadata).

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
>>> save({"w": np.arange(3.0), "step": 7, "betas": (0.9, 0.999), "state": {0: {"n": 1}}}, path)
>>> state = load(path)
>>> state["w"], state["step"], state["betas"], state["state"]
(array([0., 1., 2.]), 7, (0.9, 0.999), {0: {'n': 1}})
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from typing import Any, Callable

import numpy as np

from ..tensor import Tensor

__all__ = ["save", "load", "atomic_write", "SerializationError", "FORMAT_VERSION"]

#: Bumped when the layout of the metadata changes; ``load`` refuses newer versions.
FORMAT_VERSION = 1
_META_KEY = "__metadata__"
_SCALARS_KEY = "__scalars__"  # safetensors only: keys of 0-d arrays
# Tags that mark non-JSON structure in the metadata. A plain JSON object is a dict with string
# keys; anything else (int keys, tuples, arrays) is an object with exactly one of these keys.
_ARRAY, _SCALAR, _TUPLE, _DICT, _FLOAT = "__array__", "__scalar__", "__tuple__", "__dict__", \
    "__float__"
_TAGS = (_ARRAY, _SCALAR, _TUPLE, _DICT, _FLOAT)


class SerializationError(ValueError):
    """A file that is not a readable scratchgrad state (corrupt, truncated, or not ours), or a
    state that cannot be written without pickle."""


# ---------------------------------------------------------------------- atomic writes
def atomic_write(path: str | os.PathLike, write: Callable[[Any], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then move it into place.

    The temporary file lives in the same directory (``os.replace`` is atomic only within one
    file system) and is fsync'ed before the rename; the directory is fsync'ed after it, so the
    rename itself survives a power cut. If ``write`` raises, the temporary file is removed and
    ``path`` is untouched.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
    >>> atomic_write(path, lambda f: f.write(b"hello"))
    >>> open(path).read()
    'hello'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
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
        value = value.data
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


def _decode(node: Any, arrays: Callable[[str], np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (tag, payload), = node.items()
        if tag == _ARRAY:
            return arrays(payload)
        if tag == _SCALAR:
            return arrays(payload)[()]
        if tag == _TUPLE:
            return tuple(_decode(v, arrays) for v in payload)
        if tag == _FLOAT:
            return float(payload)
        if tag == _DICT:
            return {_decode(k, arrays): _decode(v, arrays) for k, v in payload}
    return {k: _decode(v, arrays) for k, v in node.items()}


# ---------------------------------------------------------------------- public API
def save(state: Any, path: str | os.PathLike) -> None:
    """Write ``state`` (nested dicts/lists/tuples of arrays, Tensors and JSON values) to
    ``path`` atomically, as ``.npz`` (or ``.safetensors`` when the path says so).

    Tensors are stored as their NumPy arrays and come back as arrays (``load_state_dict``
    accepts those).

    >>> import os, tempfile, scratchgrad as sg
    >>> path = os.path.join(tempfile.mkdtemp(), "t.npz")
    >>> save({"x": sg.ones(2)}, path); load(path)["x"]
    array([1., 1.], dtype=float32)
    """
    path = os.fspath(path)
    encoder = _Encoder()
    skeleton = encoder.encode(state, [])
    meta = json.dumps({"format": "scratchgrad", "version": FORMAT_VERSION, "state": skeleton},
                      allow_nan=False, separators=(",", ":"))
    if path.endswith(".safetensors"):
        _save_safetensors(encoder.arrays, meta, path)
        return
    members = dict(encoder.arrays)
    members[_META_KEY] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    # np.savez writes to the open temporary file; it adds no suffix to a file object.
    atomic_write(path, lambda f: np.savez(f, **members))


def load(path: str | os.PathLike) -> Any:
    """Read a state written by :func:`save`; never unpickles (``allow_pickle=False``).

    Raises ``FileNotFoundError`` for a missing file and :class:`SerializationError` naming the
    file when it is corrupt, truncated, holds an object array, or is not a scratchgrad state.

    >>> import os, tempfile
    >>> bad = os.path.join(tempfile.mkdtemp(), "bad.npz")
    >>> _ = open(bad, "wb").write(b"not a zip")
    >>> try:
    ...     load(bad)
    ... except SerializationError as e:
    ...     print(str(e).startswith(f"cannot read the checkpoint {bad}"))
    True
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    if path.endswith(".safetensors"):
        return _load_safetensors(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _META_KEY not in archive.files:
                raise SerializationError(f"cannot read the checkpoint {path}: it is an .npz "
                                         f"archive but has no {_META_KEY!r} member, so it was "
                                         "not written by scratchgrad.utils.save (members: "
                                         f"{archive.files[:10]})")
            meta = _parse_meta(bytes(archive[_META_KEY]), path)
            cache: dict[str, np.ndarray] = {}

            def array(key: str) -> np.ndarray:
                if key not in cache:
                    cache[key] = archive[key]
                return cache[key]

            return _decode(meta["state"], array)
    except SerializationError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, TypeError) as e:
        hint = " (it holds an object array, which would need pickle)" \
            if "allow_pickle" in str(e) else ""
        raise SerializationError(f"cannot read the checkpoint {path}: the file is corrupt, "
                                 f"truncated or not a scratchgrad .npz state{hint} "
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
    if int(meta.get("version", 0)) > FORMAT_VERSION:
        raise SerializationError(f"cannot read the checkpoint {path}: it has format version "
                                 f"{meta['version']}, newer than this scratchgrad reads "
                                 f"({FORMAT_VERSION}); upgrade scratchgrad")
    return meta


# ---------------------------------------------------------------------- safetensors
def _import_safetensors() -> Any:
    try:
        from safetensors import numpy as st_numpy
    except ImportError:
        raise ImportError("saving or loading a .safetensors file needs the optional package "
                          "'safetensors' (pip install safetensors); use a .npz path "
                          "otherwise") from None
    return st_numpy


def _save_safetensors(arrays: dict[str, np.ndarray], meta: str, path: str) -> None:
    st_numpy = _import_safetensors()
    # safetensors stores a 0-d array as shape (1,): remember which keys were scalars.
    scalars = [k for k, v in arrays.items() if v.ndim == 0]
    blob = st_numpy.save({k: np.array(v, copy=True).reshape(v.shape or (1,))
                          for k, v in arrays.items()},
                         metadata={_META_KEY: meta, _SCALARS_KEY: json.dumps(scalars)})
    atomic_write(path, lambda f: f.write(blob))


def _load_safetensors(path: str) -> Any:
    _import_safetensors()
    from safetensors import safe_open

    try:
        with safe_open(path, framework="np") as f:
            header = f.metadata() or {}
            if _META_KEY not in header:
                raise SerializationError(f"cannot read the checkpoint {path}: its header has no "
                                         f"{_META_KEY!r} entry, so it was not written by "
                                         "scratchgrad.utils.save")
            meta = _parse_meta(header[_META_KEY].encode("utf-8"), path)
            scalars = set(json.loads(header.get(_SCALARS_KEY, "[]")))

            def array(key: str) -> np.ndarray:
                a = f.get_tensor(key)
                return a.reshape(()) if key in scalars else a

            return _decode(meta["state"], array)
    except SerializationError:
        raise
    except Exception as e:  # safetensors raises its own error types for a bad header
        raise SerializationError(f"cannot read the checkpoint {path}: the file is corrupt, "
                                 f"truncated or not a safetensors file "
                                 f"({type(e).__name__}: {e})") from e

