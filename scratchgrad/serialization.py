"""PyTorch's ``torch.save`` / ``torch.load`` and ``torch.serialization``'s allowlist.

``save(obj, f)`` picks one of two formats by what ``obj`` is:

- a **state** (dicts, lists, tuples of Tensors, arrays, NumPy scalars, numbers, strings, bools
  and None: a ``state_dict()``, an optimizer's, a checkpoint dict) goes into the pickle-free
  ``.npz`` of :mod:`scratchgrad.utils.serialization` (``.safetensors`` when the name ends so),
  with a digest of every array. Loading it never runs code, whatever ``weights_only`` says.
- **anything else** (a whole ``nn.Module``, an optimizer, your own class) goes into a *pickle
  container*: an uncompressed zip holding ``scratchgrad_pickle.json`` (the marker: format,
  version, SHA-256 of every member), ``data.pkl`` (the pickle of the object, protocol
  ``pickle_protocol``) and ``arrays/<n>.npy``: every array, Tensors' included, is written as a
  ``.npy`` member and referred to from the pickle by a persistent id, so no array is pickled
  as a NumPy object. Tensors are rebuilt by :func:`_rebuild_tensor` (values, class,
  ``requires_grad``, device; not ``grad``, as PyTorch).

``load(f)`` reads either (and a plain pickle file), from a path or a binary file object:

- ``weights_only=None`` means ``True`` (PyTorch >= 2.6), unless a ``pickle_module`` is given.
  With ``True`` a pickle is read by a restricted unpickler that resolves only
  :func:`_rebuild_tensor`, ``Parameter``, ``collections.OrderedDict``, builtins' containers and
  numbers (``set``, ``frozenset``, ``complex``, ``bytearray``, bytes via ``_codecs.encode``),
  and the globals allowed by :func:`add_safe_globals` / :func:`safe_globals`; it imports
  nothing, and lets the pickle mutate (``BUILD``, ``APPEND``, ``SETITEM``) only lists, dicts,
  sets, OrderedDicts and instances of allowed classes. Anything else raises
  :class:`UnpicklingError` (a :class:`SerializationError` and a ``pickle.UnpicklingError``)
  naming the global, before it is called.
- ``weights_only=False`` unpickles normally: **this runs code from the file**; use it only for
  files you trust.
- ``map_location``: None (the saved device), ``"cpu"``, ``"cuda"``, a ``device``, a dict
  ``{saved: target}`` or a callable ``(tensor, saved_location) -> tensor or None``; it applies
  to Tensors (arrays stay NumPy arrays). ``"cuda"`` needs CuPy, else SerializationError.
- ``mmap`` is accepted and reads normally (every array is checked against its digest anyway).
- Tensors come back as Tensors (Parameters as Parameters), arrays as arrays; files written
  before scratchgrad recorded which was which give Tensors for every array.
- A ``torch.save`` file (PyTorch's zip) is refused with a SerializationError saying so: it is
  not read yet.

Every failure is a :class:`SerializationError` naming the file and what was expected, and a
failed load changes nothing. ``save`` to a path is atomic.

>>> import io, scratchgrad as sg
>>> buf = io.BytesIO(); sg.save({"w": sg.ones(2), "step": 3}, buf); _ = buf.seek(0)
>>> sg.load(buf)
{'w': tensor([1., 1.]), 'step': 3}
"""
from __future__ import annotations

import _compat_pickle
import codecs
import collections
import contextlib
import hashlib
import io
import json
import os
import pickle
import threading
import zipfile
from typing import Any, Callable, Iterator

import numpy as np

from .backend import device as _device
from .backend import to_device_array as _to_device_array
from .nn.parameter import Parameter
from .tensor import Tensor
from .utils import serialization as _fmt
from .utils.serialization import SerializationError

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "SerializationError", "UnpicklingError", "DEFAULT_PROTOCOL"]

#: The pickle protocol ``save`` uses, PyTorch's.
DEFAULT_PROTOCOL = 2
_MARKER = "scratchgrad_pickle.json"
_PICKLE = "data.pkl"
_FORMAT = "scratchgrad.pickle"
_VERSION = 1
_MAX_MARKER = 64 << 20


class UnpicklingError(SerializationError, pickle.UnpicklingError):
    """A pickle that ``load`` refuses to read: a global that is not allowed, or a corrupt
    pickle. Both a :class:`SerializationError` and PyTorch's ``pickle.UnpicklingError``."""


# ---------------------------------------------------------------------- allowlist
_user_globals: list[Any] = []
_lock = threading.Lock()


def _qualified(obj: Any) -> str:
    if isinstance(obj, tuple):  # (obj, "module.name"), as PyTorch allows
        return obj[1]
    return f"{obj.__module__}.{obj.__qualname__}"


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes and functions in the pickles that ``load`` reads with
    ``weights_only=True``: an entry is the object, or ``(object, "module.name")``.

    >>> class Point: pass
    >>> add_safe_globals([Point]); Point in get_safe_globals()
    True
    >>> clear_safe_globals()
    """
    with _lock:
        _user_globals.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The globals :func:`add_safe_globals` allowed (a copy)."""
    with _lock:
        return list(_user_globals)


def clear_safe_globals() -> None:
    """Forget every global that :func:`add_safe_globals` allowed."""
    with _lock:
        _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """Allow ``safe_globals`` inside the ``with`` block only.

    >>> class Point: pass
    >>> with safe_globals([Point]):
    ...     Point in get_safe_globals()
    True
    >>> Point in get_safe_globals()
    False
    """
    with _lock:
        before = list(_user_globals)
        _user_globals.extend(safe_globals)
    try:
        yield
    finally:
        with _lock:
            _user_globals[:] = before


def _no_size(kind: type) -> Callable[..., Any]:
    """``kind`` as a pickle may call it, but never ``kind(n)``: ``bytearray(10**12)`` would
    allocate a terabyte from a few bytes of file."""
    def make(*args: Any) -> Any:
        if args and isinstance(args[0], int):
            raise UnpicklingError(f"refused {kind.__name__}({args[0]!r}) in the pickle")
        return kind(*args)
    return make


def _encode(text: Any, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol 2 pickles bytes with it: a str in latin-1."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnpicklingError("refused _codecs.encode other than of a str in latin-1")
    return codecs.encode(text, encoding)


def _builtin_globals() -> dict[str, Any]:
    allowed: dict[str, Any] = {
        "collections.OrderedDict": collections.OrderedDict,
        "scratchgrad.serialization._rebuild_tensor": _rebuild_tensor,
        _qualified(Parameter): Parameter,
        "scratchgrad.tensor.Parameter": Parameter,  # its home in files written before
        "_codecs.encode": _encode,
        "builtins.bytearray": _no_size(bytearray),
        "builtins.bytes": _no_size(bytes),
    }
    for kind in (dict, list, tuple, set, frozenset, int, float, complex, bool, str):
        allowed[f"builtins.{kind.__name__}"] = kind
    return allowed


# ---------------------------------------------------------------------- tensors
_loading = threading.local()  # .map_location and .name while a load runs on this thread


def _rebuild_tensor(array: Any, requires_grad: bool = False, device: str = "cpu",
                    cls: Any = None) -> Tensor:
    """The Tensor a pickle container refers to (what ``save`` reduces a Tensor to); ``cls``
    is None for a plain Tensor, else a Tensor subclass (``Parameter``)."""
    name = getattr(_loading, "name", "the pickle")
    if type(array) is not np.ndarray or array.dtype.hasobject:
        raise UnpicklingError(f"cannot read {name}: a tensor's data should be a numeric array "
                              f"member, found {type(array).__name__}")
    if type(requires_grad) is not bool or not isinstance(device, str):
        raise UnpicklingError(f"cannot read {name}: a tensor's requires_grad should be a bool "
                              f"and its device a str, found {requires_grad!r}, {device!r}")
    cls = Tensor if cls is None else cls
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise UnpicklingError(f"cannot read {name}: {cls!r} is not a Tensor class")
    return _place(cls._make(array, requires_grad), device)


def _place(t: Tensor, saved: str) -> Tensor:
    """``t`` (on the CPU) where ``map_location`` sends a tensor saved on ``saved``."""
    name = getattr(_loading, "name", "the file")
    where = getattr(_loading, "map_location", None)
    if isinstance(where, dict):
        where = where.get(saved, where.get(saved.split(":")[0], saved))
    if callable(where):
        moved = where(t, saved)
        if moved is None:
            where = saved
        elif isinstance(moved, Tensor):
            return moved
        else:
            raise SerializationError(f"load {name}: map_location returned a "
                                     f"{type(moved).__name__}, expected a Tensor or None")
    target = _device(saved if where is None else where)
    if target.type == "cpu":
        return t
    try:
        data = _to_device_array(t._data, target)
    except Exception as e:  # no CuPy, or no GPU
        raise SerializationError(f"load {name}: a tensor was saved on {saved} and would be "
                                 f"put on {target}, which is not available here ({e}); pass "
                                 "map_location='cpu'") from e
    out = type(t)._make(data, t.requires_grad)
    return out


def _reduce_tensor(t: Tensor) -> tuple:
    host = _fmt._as_array(t)
    cls = None if type(t) is Tensor else type(t)
    state = getattr(t, "__dict__", None) or None  # a subclass's own attributes
    return (_rebuild_tensor, (host, bool(t.requires_grad), str(t.device), cls), state)


def _tensor_leaf(meta: dict) -> Callable[[str, np.ndarray], Any]:
    """What an array leaf of a pickle-free state becomes: the Tensor (or Parameter) it was
    saved from, or the array; every array a Tensor when the file does not say."""
    kinds = meta.get(_fmt._TENSORS)

    def leaf(key: str, array: np.ndarray) -> Any:
        if isinstance(kinds, dict):
            kind = kinds.get(key)
            if kind is None:
                return array
            if not (isinstance(kind, list) and len(kind) == 3 and
                    kind[0] in ("Tensor", "Parameter") and isinstance(kind[1], bool) and
                    isinstance(kind[2], str)):
                raise SerializationError(f"cannot read {_loading.name}: the metadata describes "
                                         f"the tensor {key!r} as {kind!r}, expected [class, "
                                         "requires_grad, device]")
            cls = Parameter if kind[0] == "Parameter" else Tensor
            return _place(cls._make(array, kind[1]), kind[2])
        return _place(Tensor._make(array), "cpu")
    return leaf


# ---------------------------------------------------------------------- save
def _is_state(obj: Any) -> bool:
    try:
        _fmt._Encoder().encode(obj, [])
    except SerializationError:
        return False
    return True


def save(obj: Any, f: Any, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False
         ) -> None:
    """Write ``obj`` to ``f`` (a path, written atomically, or a writable binary file object),
    as ``torch.save``: a state pickle-free, anything else in the pickle container (see the
    module's notes). ``pickle_module`` and ``pickle_protocol`` serve the pickle container;
    ``_use_new_zipfile_serialization`` is accepted and changes nothing.

    >>> import io, scratchgrad as sg
    >>> buf = io.BytesIO(); sg.save(sg.nn.Linear(2, 1), buf); _ = buf.seek(0)
    >>> type(sg.load(buf, weights_only=False)).__name__
    'Linear'
    """
    if _is_state(obj):
        _fmt.save(obj, f)
        return
    arrays: dict[str, np.ndarray] = {}
    blob = _pickle(obj, pickle_module, pickle_protocol, arrays)
    marker = json.dumps({"format": _FORMAT, "version": _VERSION,
                         "pickle_sha256": hashlib.sha256(blob).hexdigest(),
                         "sha256": {k: _fmt._digest(v) for k, v in arrays.items()}})

    def write(out: Any) -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(_MARKER, marker)
            archive.writestr(_PICKLE, blob)
            for key, array in arrays.items():
                with archive.open(key + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)

    _fmt._write(f, write)


def _pickle(obj: Any, pickle_module: Any, protocol: int, arrays: dict[str, np.ndarray]
            ) -> bytes:
    ids: dict[int, str] = {}

    class Pickler(pickle_module.Pickler):  # type: ignore[name-defined,misc]
        def persistent_id(self, value: Any) -> Any:
            if type(value) is np.ndarray and not value.dtype.hasobject:
                key = ids.get(id(value))
                if key is None:  # arrays keeps value alive, so its id is not reused
                    key = ids[id(value)] = f"arrays/{len(arrays)}"
                    arrays[key] = value
                return ("array", key)
            return None

        def reducer_override(self, value: Any) -> Any:
            if isinstance(value, Tensor):
                return _reduce_tensor(value)
            return NotImplemented

    buf = io.BytesIO()
    Pickler(buf, protocol).dump(obj)
    return buf.getvalue()


# ---------------------------------------------------------------------- load
_OP = {name: getattr(pickle, name)[0] for name in
       ("BUILD", "APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS")}


class _WeightsUnpickler(pickle._Unpickler):  # type: ignore[name-defined,misc]
    """The pure-Python unpickler, with ``find_class`` answering only from the allowlist
    (never importing) and the opcodes that mutate an object checking its type first."""

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, file: Any, name: str, persistent: Callable[[Any], Any] | None) -> None:
        super().__init__(file)
        self._name, self._persistent = name, persistent
        self._allowed = _builtin_globals()
        user = get_safe_globals()
        self._allowed.update({_qualified(g): (g[0] if isinstance(g, tuple) else g)
                              for g in user})
        self._user_types = tuple(g for g in self._allowed.values() if isinstance(g, type)
                                 and g.__module__ != "builtins" and g not in
                                 (collections.OrderedDict, Parameter))

    def find_class(self, module: str, name: str) -> Any:
        if self.proto < 3 and self.fix_imports:  # protocol 2 writes builtins as __builtin__
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if full not in self._allowed:
            raise UnpicklingError(
                f"cannot load {self._name} with weights_only=True: its pickle refers to the "
                f"global {full}, which is not allowed (only tensors, Parameters, "
                "OrderedDicts, builtins' containers and numbers, and what add_safe_globals "
                "allowed). If you trust the file, load it with weights_only=False (that runs "
                f"code from it); else allow the class with "
                f"scratchgrad.serialization.add_safe_globals([{name}]) or "
                f"safe_globals([{name}])")
        return self._allowed[full]

    def persistent_load(self, pid: Any) -> Any:
        if self._persistent is None:
            raise UnpicklingError(f"cannot load {self._name}: its pickle refers to data "
                                  "outside it (a persistent id), expected a plain pickle")
        return self._persistent(pid)

    def _check_target(self, target: Any, kinds: tuple, what: str) -> None:
        if not (type(target) in kinds or isinstance(target, self._user_types)):
            raise UnpicklingError(f"cannot load {self._name} with weights_only=True: its "
                                  f"pickle would {what} a {type(target).__name__}, which is "
                                  "not allowed (only lists, dicts, sets, OrderedDicts and "
                                  "instances of allowed classes)")

    def _guard(op: str, kinds: tuple, what: str, marked: bool) -> Callable:  # noqa: N805
        original = pickle._Unpickler.dispatch[_OP[op]]  # type: ignore[attr-defined]

        def guarded(self: "_WeightsUnpickler") -> None:
            target = self.metastack[-1][-1] if marked else \
                self.stack[-3 if op == "SETITEM" else -2]
            self._check_target(target, kinds, what)
            original(self)
        return guarded

    dict_kinds = (dict, collections.OrderedDict)
    dispatch[_OP["BUILD"]] = _guard("BUILD", (collections.OrderedDict,), "set the state of",
                                    False)
    dispatch[_OP["APPEND"]] = _guard("APPEND", (list,), "append to", False)
    dispatch[_OP["APPENDS"]] = _guard("APPENDS", (list,), "append to", True)
    dispatch[_OP["SETITEM"]] = _guard("SETITEM", dict_kinds, "set an item of", False)
    dispatch[_OP["SETITEMS"]] = _guard("SETITEMS", dict_kinds, "set items of", True)
    dispatch[_OP["ADDITEMS"]] = _guard("ADDITEMS", (set,), "add to", True)
    del _guard, dict_kinds


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args: Any
         ) -> Any:
    """Read what :func:`save` wrote (or a plain pickle) from a path or a readable binary file
    object, as ``torch.load`` (see the module's notes for ``weights_only``, ``map_location``
    and ``mmap``). ``weights_only=False`` runs code from the file: only for trusted files.

    >>> import io, scratchgrad as sg
    >>> buf = io.BytesIO(); sg.save([sg.nn.Parameter(sg.zeros(1))], buf); _ = buf.seek(0)
    >>> sg.load(buf, map_location="cpu")
    [Parameter containing:
    tensor([0.], requires_grad=True)]
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise ValueError("load: weights_only=True reads pickles with scratchgrad's restricted "
                         "unpickler; it cannot use a pickle_module")
    if mmap not in (None, False, True):
        raise TypeError(f"load: mmap should be a bool, got {mmap!r}")
    if map_location is not None and not (isinstance(map_location, (str, dict, _device)) or
                                         callable(map_location)):
        raise TypeError(f"load: map_location should be a str, a device, a dict or a callable, "
                        f"got a {type(map_location).__name__}")
    name = _fmt._name_of(f)
    if _fmt._is_path(f):
        if not os.path.exists(name):
            raise FileNotFoundError(f"load: no such file: {name}")
        with open(name, "rb") as file:
            head = file.read(4)
        data = None
    else:
        data = _fmt._read_all(f, name)
        head = data[:4]
    previous = (getattr(_loading, "map_location", None), getattr(_loading, "name", None))
    _loading.map_location, _loading.name = map_location, name
    try:
        if head.startswith(b"PK") and not name.endswith(".safetensors"):
            kind = _zip_kind(name, data)
            if kind == "pickle":
                return _load_container(name, data, weights_only, pickle_module,
                                       pickle_load_args)
        elif head[:1] == b"\x80" and not name.endswith(".safetensors"):
            raw = data if data is not None else open(name, "rb").read()
            return _unpickle(raw, name, None, weights_only, pickle_module, pickle_load_args)
        return _fmt._read_state(f, _tensor_leaf, data)
    finally:
        _loading.map_location, _loading.name = previous


def _zip_kind(name: str, data: bytes | None) -> str:
    """"pickle" for a pickle container, "npz" for a state (or another zip, refused by the
    state reader with its message); PyTorch's zip raises."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else name) as archive:
            names = archive.namelist()
    except Exception:
        return "npz"  # the state reader names what is wrong
    if _MARKER in names:
        return "pickle"
    if _fmt._META_KEY + ".npy" not in names and any(
            n.endswith("/data.pkl") or n.endswith(".data/version") for n in names):
        raise SerializationError(f"cannot read {name}: it was written by torch.save "
                                 "(PyTorch's zip format), which scratchgrad does not read yet; "
                                 "in PyTorch, save the state_dict with safetensors "
                                 "(safetensors.torch.save_file) and load that file")
    return "npz"


def _load_container(name: str, data: bytes | None, weights_only: bool, pickle_module: Any,
                    pickle_load_args: dict) -> Any:
    where: list[str] = []
    try:
        size = len(data) if data is not None else os.path.getsize(name)
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else name) as archive:
            _fmt._check_archive(name, archive, size)
            infos = {info.filename: info for info in archive.infolist()}
            for member in (_MARKER, _PICKLE):
                if member not in infos:
                    raise SerializationError(f"cannot read {name}: the pickle container has no "
                                             f"member {member!r}; the file is corrupt")
            if infos[_MARKER].file_size > _MAX_MARKER:
                raise SerializationError(f"cannot read {name}: its {_MARKER!r} member is "
                                         f"{infos[_MARKER].file_size} bytes, expected a small "
                                         "JSON")
            where[:] = [_MARKER]
            marker = json.loads(archive.read(infos[_MARKER]).decode("utf-8"))
            if not (isinstance(marker, dict) and marker.get("format") == _FORMAT and
                    isinstance(marker.get("sha256"), dict)):
                raise SerializationError(f"cannot read {name}: {_MARKER!r} does not describe a "
                                         f"scratchgrad pickle container (format {_FORMAT!r})")
            if not isinstance(marker.get("version"), int) or marker["version"] > _VERSION:
                raise SerializationError(f"cannot read {name}: pickle container version "
                                         f"{marker.get('version')!r}, this scratchgrad reads "
                                         f"up to {_VERSION}; upgrade scratchgrad")
            where[:] = [_PICKLE]
            blob = archive.read(infos[_PICKLE])
            if hashlib.sha256(blob).hexdigest() != marker.get("pickle_sha256"):
                raise SerializationError(f"cannot read {name}: member {_PICKLE!r} does not "
                                         "match its SHA-256 digest; the file is corrupt")
            where.clear()
            cache: dict[str, np.ndarray] = {}

            def persistent(pid: Any) -> np.ndarray:
                if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "array" and
                        isinstance(pid[1], str)):
                    raise SerializationError(f"cannot read {name}: its pickle refers to "
                                             f"{pid!r}, expected ('array', key)")
                key = pid[1]
                if key not in cache:
                    info = infos.get(key + ".npy")
                    expected = marker["sha256"].get(key)
                    if info is None or expected is None:
                        raise SerializationError(f"cannot read {name}: its pickle refers to "
                                                 f"the array {key!r}, which the container "
                                                 "does not hold (or has no digest for)")
                    where[:] = [info.filename]
                    array = _fmt._read_npy(name, archive, info)
                    if _fmt._digest(array) != expected:
                        raise SerializationError(f"cannot read {name}: member {key + '.npy'!r}"
                                                 " does not match its SHA-256 digest; the "
                                                 "file is corrupt")
                    where.clear()
                    cache[key] = array
                return cache[key]

            return _unpickle(blob, name, persistent, weights_only, pickle_module,
                             pickle_load_args)
    except SerializationError:
        raise
    except Exception as e:
        member = f" (member {where[-1]!r})" if where else ""
        raise SerializationError(f"cannot read {name}{member}: the file is corrupt, truncated "
                                 f"or not a scratchgrad pickle container "
                                 f"({type(e).__name__}: {e})") from e


def _unpickle(blob: bytes, name: str, persistent: Callable[[Any], Any] | None,
              weights_only: bool, pickle_module: Any, pickle_load_args: dict) -> Any:
    file = io.BytesIO(blob)
    if weights_only:
        unpickler = _WeightsUnpickler(file, name, persistent)
        try:
            obj = unpickler.load()
        except SerializationError:
            raise
        except Exception as e:  # any opcode can fail in any way on a damaged pickle
            hint = " (nested too deeply)" if isinstance(e, RecursionError) else ""
            raise UnpicklingError(f"cannot read {name}: its pickle is corrupt or truncated"
                                  f"{hint} ({type(e).__name__}: {e})") from e
    else:
        module = pickle if pickle_module is None else pickle_module

        class Unpickler(module.Unpickler):  # type: ignore[name-defined,misc]
            def persistent_load(self, pid: Any) -> Any:
                if persistent is None:
                    raise UnpicklingError(f"cannot load {name}: its pickle refers to data "
                                          "outside it (a persistent id)")
                return persistent(pid)

        try:
            obj = Unpickler(file, **pickle_load_args).load()
        except SerializationError:
            raise
        except pickle.UnpicklingError as e:
            raise UnpicklingError(f"cannot read {name}: {e}") from e
    if file.read(1):
        raise UnpicklingError(f"cannot read {name}: bytes follow the pickle (PyTorch's legacy "
                              "format is not read; expected one pickle)")
    return obj
