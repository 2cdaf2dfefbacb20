"""Reader and writer for the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An IDX file is a 4-byte magic number ``0x00 0x00 <dtype code> <ndim>``, then ``ndim`` sizes as
big-endian uint32, then the values in C order, big-endian. Nothing else (no checksum: a gzip
file's CRC-32 is the only guard against flipped bytes, a raw file has none), so the reader
checks what it can: the magic, that the dtype code is known, the number of dimensions, and that
the file holds exactly as many bytes as the header promises, before it reads (or inflates) the
body. Every error is an :class:`IDXError` naming the file, what was expected and what was found.

>>> import tempfile, os, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "x-idx3-ubyte.gz")
>>> write_idx(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
>>> read_idx(path).shape
(2, 3, 4)
"""
from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..utils.serialization import inflation_limit

__all__ = ["IDXError", "MAX_NDIM", "read_idx", "write_idx", "read_idx_pair"]

# dtype code -> big-endian NumPy dtype (from the format's definition on the MNIST page)
_CODE_TO_DTYPE = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_KIND_TO_CODE = {(d.kind, d.itemsize): c for c, d in _CODE_TO_DTYPE.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file is not a valid IDX file (or its images and labels do not match)."""


#: The most dimensions the reader accepts (and the writer writes): NumPy 1.x's limit, far above
#: any real IDX file, and what keeps a corrupt ``ndim`` byte from asking for 255 of them.
MAX_NDIM = 32


class _Gunzip:
    """A gzip file inflated on demand, never more than asked for, so that the header can be
    checked before the body is inflated and a lying header cannot make it inflate more."""

    _CHUNK = 1 << 16

    def __init__(self, f: Any, path: Path) -> None:
        self.f, self.path = f, path
        # wbits=31: the gzip wrapper, whose trailer (CRC-32 and length) zlib checks at the end
        self.d = zlib.decompressobj(wbits=31)
        self.compressed = 0

    def readinto(self, buf: memoryview) -> int:
        filled = 0
        while filled < len(buf) and not self.d.eof:
            data = self.d.unconsumed_tail
            if not data:
                data = self.f.read(self._CHUNK)
                self.compressed += len(data)
                if not data:
                    break
            out = self.d.decompress(data, len(buf) - filled)
            buf[filled:filled + len(out)] = out
            filled += len(out)
        return filled

    def finish(self, what: str) -> None:
        """Check that the stream ends here: no more data, a complete trailer, nothing after."""
        if self.readinto(memoryview(bytearray(1))):
            raise IDXError(f"{self.path}: IDX file has trailing bytes: {what}, found more")
        if not self.d.eof:
            raise IDXError(f"{self.path}: truncated gzip file: expected the end-of-stream "
                           f"marker, found the end of the file after {self.compressed} "
                           "compressed bytes (an interrupted download? delete the file and "
                           "fetch it again)")
        if self.d.unused_data or self.f.read(1):
            raise IDXError(f"{self.path}: trailing bytes after the gzip stream: expected the "
                           "file to end with it")


class _Raw:
    def __init__(self, f: Any) -> None:
        self.f = f

    def readinto(self, buf: memoryview) -> int:
        filled = 0
        while filled < len(buf):
            n = self.f.readinto(buf[filled:])
            if not n:
                break
            filled += n
        return filled


def _read_exactly(source: Any, n: int) -> bytes:
    buf = bytearray(n)
    return bytes(buf[:source.readinto(memoryview(buf))])


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``.gz`` or not) into a native-endian array of the stored shape.

    The header is read and checked first; the body is then read (inflated) into an array of
    exactly the promised size, never more, so a file that lies about its size cannot make a
    large allocation: a raw file must be exactly as long as its header says, a gzip file may
    promise at most :func:`~scratchgrad.utils.serialization.inflation_limit` of its size.
    Raises ``FileNotFoundError`` for a missing file and :class:`IDXError` naming the file for
    anything else.

    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "y-idx1-ubyte")
    >>> write_idx(p, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(p)
    array([3, 1, 4], dtype=uint8)
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            return _read_idx(path, f)
    except (IDXError, FileNotFoundError):
        raise
    except zlib.error as e:
        raise IDXError(f"{path}: corrupt gzip data: expected a valid deflate stream, found "
                       f"an error ({e}); delete the file and fetch it again") from e
    except Exception as e:  # OSError, MemoryError, EOFError...: one error class for callers
        raise IDXError(f"{path}: cannot read the IDX file ({type(e).__name__}: {e})") from e


def _read_idx(path: Path, f: Any) -> np.ndarray:
    size = os.fstat(f.fileno()).st_size
    # Detect gzip by its signature, not the file name: renamed or half-extracted copies of the
    # MNIST files are common, and the signature cannot be confused with an IDX magic (0x00 0x00).
    gzipped = f.read(2) == _GZIP_MAGIC
    f.seek(0)
    source = _Gunzip(f, path) if gzipped else _Raw(f)

    head = _read_exactly(source, 4)
    if len(head) < 4:
        if gzipped:
            source.finish("expected at least 4 bytes")
        raise IDXError(f"{path}: truncated IDX header: expected at least 4 bytes (the magic "
                       f"number), found {len(head)}")
    zero0, zero1, code, ndim = head
    if zero0 != 0 or zero1 != 0 or code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X}" for c in _CODE_TO_DTYPE)
        raise IDXError(f"{path}: wrong magic number: expected 0x00 0x00 <dtype code: {known}> "
                       f"<ndim>, found 0x{head.hex(' ').upper().replace(' ', ' 0x')}; "
                       f"this is not an IDX file")
    if ndim > MAX_NDIM:
        raise IDXError(f"{path}: too many dimensions: expected at most {MAX_NDIM}, found "
                       f"{ndim}; the header is corrupt")
    header_len = 4 + 4 * ndim
    dims = _read_exactly(source, 4 * ndim)
    if len(dims) < 4 * ndim:
        if gzipped:
            source.finish(f"expected {header_len} header bytes")
        raise IDXError(f"{path}: truncated IDX header: expected {header_len} bytes for "
                       f"{ndim} dimensions, found {4 + len(dims)}")
    shape = struct.unpack(f">{ndim}I", dims)
    dtype = _CODE_TO_DTYPE[code]
    body = math.prod(shape) * dtype.itemsize  # Python ints: no overflow, however absurd
    expected = header_len + body
    promise = f"the header promises shape {shape} of {dtype.name} ({expected} bytes in all)"
    if not gzipped and size != expected:
        what = "truncated IDX file" if size < expected else "IDX file has trailing bytes"
        raise IDXError(f"{path}: {what}: {promise}, found {size} bytes")
    if gzipped and body > inflation_limit(size):
        raise IDXError(f"{path}: {promise}, more than a {size}-byte gzip file may inflate to "
                       f"({inflation_limit(size)} bytes); the header is corrupt, or the file "
                       "is a decompression bomb")

    data = np.empty(body, np.uint8)
    got = source.readinto(memoryview(data))
    if gzipped:
        if got < body and not source.d.eof:
            source.finish(promise)  # raises: the file ends inside the stream
        if got < body:
            raise IDXError(f"{path}: truncated IDX file: {promise}, found {header_len + got} "
                           "bytes")
        source.finish(promise)
    elif got < body:  # the file shrank while being read
        raise IDXError(f"{path}: truncated IDX file: {promise}, found {header_len + got} bytes")
    array = data.view(dtype).reshape(shape)
    # One array, made native-endian in place: no second copy of a large file.
    if not dtype.isnative:
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


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
    if array.ndim > MAX_NDIM:
        raise IDXError(f"write_idx: expected at most {MAX_NDIM} dimensions, found {array.ndim}")
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
