"""Reader and writer for the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An IDX file is a 4-byte magic number ``0x00 0x00 <dtype code> <ndim>``, then ``ndim`` sizes as
big-endian uint32, then the values in C order, big-endian. Nothing else (no checksum), so the
reader checks what it can: the magic, that the dtype code is known, and that the file holds
exactly as many bytes as the header promises. Every error names the file, what was expected and
what was found.

>>> import tempfile, os, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "x-idx3-ubyte.gz")
>>> write_idx(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
>>> read_idx(path).shape
(2, 3, 4)
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

__all__ = ["IDXError", "read_idx", "write_idx", "read_idx_pair"]

# dtype code -> big-endian NumPy dtype (from the format's definition on the MNIST page)
_CODE_TO_DTYPE = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_KIND_TO_CODE = {(d.kind, d.itemsize): c for c, d in _CODE_TO_DTYPE.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file is not a valid IDX file (or its images and labels do not match)."""


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    # Detect gzip by its signature, not the file name: renamed or half-extracted copies of the
    # MNIST files are common, and the signature cannot be confused with an IDX magic (0x00 0x00).
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        # wbits=31 reads the gzip wrapper; one call is faster than gzip.open(...).read()
        d = zlib.decompressobj(wbits=31)
        out = d.decompress(raw)
        if not d.eof:
            raise IDXError(f"{path}: truncated gzip file: expected the end-of-stream marker, "
                           f"found the end of the file after {len(raw)} compressed bytes "
                           f"(an interrupted download? delete the file and fetch it again)")
        return out
    except zlib.error as e:
        raise IDXError(f"{path}: corrupt gzip data: expected a valid deflate stream, found "
                       f"an error ({e}); delete the file and fetch it again") from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``.gz`` or not) into a native-endian array of the stored shape.

    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "y-idx1-ubyte")
    >>> write_idx(p, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(p)
    array([3, 1, 4], dtype=uint8)
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: truncated IDX header: expected at least 4 bytes (the magic "
                       f"number), found {len(raw)}")
    zero0, zero1, code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0 or code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X}" for c in _CODE_TO_DTYPE)
        raise IDXError(f"{path}: wrong magic number: expected 0x00 0x00 <dtype code: {known}> "
                       f"<ndim>, found 0x{raw[:4].hex(' ').upper().replace(' ', ' 0x')}; "
                       f"this is not an IDX file")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise IDXError(f"{path}: truncated IDX header: expected {header_len} bytes for "
                       f"{ndim} dimensions, found {len(raw)}")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = _CODE_TO_DTYPE[code]
    expected = header_len + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated IDX file" if len(raw) < expected else "IDX file has trailing bytes"
        raise IDXError(f"{path}: {what}: the header promises shape {shape} of {dtype.name} "
                       f"({expected} bytes in all), found {len(raw)} bytes")
    array = np.frombuffer(raw, dtype, offset=header_len).reshape(shape)
    # np.frombuffer of immutable bytes is read-only; one copy makes it native-endian and
    # writable (uint8 needs no byte swap, so astype with copy=True is just a memcpy).
    return array.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when the name ends in ``.gz``.

    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "z-idx2-ubyte")
    >>> write_idx(p, np.zeros((2, 2), np.float32)); read_idx(p).dtype
    dtype('float32')
    """
    array = np.asarray(array)
    code = _KIND_TO_CODE.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise IDXError(f"write_idx: expected uint8, int8, int16, int32, float32 or float64 data, "
                       f"found {array.dtype}")
    if array.ndim > 255:
        raise IDXError(f"write_idx: expected at most 255 dimensions, found {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload = header + np.ascontiguousarray(array, _CODE_TO_DTYPE[code]).tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)


def read_idx_pair(images_path: str | os.PathLike, labels_path: str | os.PathLike
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Read an MNIST-style pair: images (N x H x W, uint8) and labels (N, returned as int64).

    >>> import tempfile, os, numpy as np
    >>> d = tempfile.mkdtemp()
    >>> write_idx(os.path.join(d, "i"), np.zeros((2, 28, 28), np.uint8))
    >>> write_idx(os.path.join(d, "l"), np.array([7, 2], np.uint8))
    >>> x, y = read_idx_pair(os.path.join(d, "i"), os.path.join(d, "l")); x.shape, y.dtype
    ((2, 28, 28), dtype('int64'))
    """
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXError(f"{images_path}: expected uint8 images of shape (N, H, W), found "
                       f"{images.dtype} of shape {images.shape}")
    if labels.ndim != 1:
        raise IDXError(f"{labels_path}: expected labels of shape (N,), found shape "
                       f"{labels.shape}")
    if len(images) != len(labels):
        raise IDXError(f"images/labels count mismatch: expected {len(images)} labels (one per "
                       f"image in {images_path}), found {len(labels)} in {labels_path}")
    return images, labels.astype(np.int64)
