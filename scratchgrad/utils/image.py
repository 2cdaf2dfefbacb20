"""Read and write PNG files with nothing but zlib and NumPy, so ``scratchgrad predict`` works
without matplotlib or Pillow.

``read_png`` decodes non-interlaced PNGs of 8 or 16 bits per sample in gray, gray+alpha, RGB
and RGBA, and 8-bit palette images; it returns uint8 arrays shaped (H, W) for gray and
(H, W, C) otherwise (16-bit samples keep their high byte). ``write_png`` encodes uint8 gray,
RGB or RGBA arrays. ``to_grayscale`` turns any of those into one (H, W) uint8 channel.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "ramp.png")
>>> img = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
>>> write_png(path, img)
>>> bool((read_png(path) == img).all()), read_png(path).shape
(True, (28, 28))
"""
from __future__ import annotations

import os
import struct
import sys
import zlib

import numpy as np

from .serialization import atomic_write

__all__ = ["read_png", "png_size", "write_png", "to_grayscale", "PNGError"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# color type -> (name, samples per pixel)
_COLOR_TYPES = {0: ("gray", 1), 2: ("RGB", 3), 3: ("palette", 1), 4: ("gray+alpha", 2),
                6: ("RGBA", 4)}


class PNGError(ValueError):
    """A file that is not a PNG, is damaged, or uses a feature this small decoder lacks."""


def _chunks(raw: bytes, path: str):
    pos = len(_SIGNATURE)
    while pos < len(raw):
        if pos + 8 > len(raw):
            raise PNGError(f"{path}: truncated PNG (a chunk header is cut off at byte {pos})")
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        data = raw[pos + 8:pos + 8 + length]
        crc_bytes = raw[pos + 8 + length:pos + 12 + length]
        if len(data) != length or len(crc_bytes) != 4:
            raise PNGError(f"{path}: truncated PNG (the {kind.decode('latin-1')} chunk at byte "
                           f"{pos} expects {length} bytes)")
        if zlib.crc32(kind + data) != struct.unpack(">I", crc_bytes)[0]:
            raise PNGError(f"{path}: damaged PNG (CRC mismatch in the "
                           f"{kind.decode('latin-1')} chunk at byte {pos})")
        yield kind, data
        pos += 12 + length
        if kind == b"IEND":
            return
    raise PNGError(f"{path}: truncated PNG (no IEND chunk)")


def _paeth(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _unfilter(data: bytes, height: int, row_bytes: int, bpp: int, path: str) -> np.ndarray:
    """Undo the per-row filters (PNG spec section 9) into a (height, row_bytes) uint8 array."""
    expected = height * (row_bytes + 1)
    if len(data) < expected:
        raise PNGError(f"{path}: truncated image data (expected {expected} bytes after "
                       f"decompression, found {len(data)})")
    rows = np.frombuffer(data, dtype=np.uint8, count=expected).reshape(height, row_bytes + 1)
    out = np.zeros((height, row_bytes), dtype=np.int32)
    prior = np.zeros(row_bytes, dtype=np.int32)
    for y in range(height):
        kind = int(rows[y, 0])
        line = rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: a running sum per byte position within a pixel
            cur = line.copy()
            for c in range(bpp):
                cur[c::bpp] = np.cumsum(line[c::bpp]) & 0xFF
        elif kind == 2:  # Up
            cur = (line + prior) & 0xFF
        elif kind in (3, 4):  # Average, Paeth: each pixel depends on the one to its left
            cur = np.zeros(row_bytes, dtype=np.int32)
            zero = np.zeros(bpp, dtype=np.int32)
            for x in range(0, row_bytes, bpp):
                left = cur[x - bpp:x] if x else zero
                up = prior[x:x + bpp]
                if kind == 3:
                    pred = (left + up) >> 1
                else:
                    pred = _paeth(left, up, prior[x - bpp:x] if x else zero)
                cur[x:x + bpp] = (line[x:x + bpp] + pred) & 0xFF
        else:
            raise PNGError(f"{path}: damaged PNG (unknown filter type {kind} on row {y})")
        out[y] = cur
        prior = cur
    return out.astype(np.uint8)


def png_size(path: str | os.PathLike) -> tuple[int, int]:
    """The ``(width, height)`` a PNG's header declares, read from its first 33 bytes only, so a
    caller can refuse an image of the wrong size before decoding (and allocating) it.

    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "wide.png")
    >>> write_png(p, np.zeros((2, 5), np.uint8)); png_size(p)
    (5, 2)
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(len(_SIGNATURE) + 25)
    if not head.startswith(_SIGNATURE):
        raise PNGError(f"{path} is not a PNG file (its first bytes are {head[:8]!r}, a PNG "
                       f"starts with {_SIGNATURE!r})")
    if len(head) < len(_SIGNATURE) + 25:
        raise PNGError(f"{path}: truncated PNG ({len(head)} bytes, expected at least 33 for the "
                       "signature and the IHDR chunk)")
    length, kind = struct.unpack(">I4s", head[8:16])
    if kind != b"IHDR" or length != 13:
        raise PNGError(f"{path}: damaged PNG (it starts with a {length}-byte "
                       f"{kind.decode('latin-1')!r} chunk, expected the 13-byte IHDR)")
    return _parse_ihdr(head[16:29], path)[:2]


def _parse_ihdr(data: bytes, path: str) -> tuple[int, ...]:
    if len(data) != 13:
        raise PNGError(f"{path}: damaged PNG (the IHDR chunk holds {len(data)} bytes, expected "
                       "13)")
    header = struct.unpack(">IIBBBBB", data)
    if not (0 < header[0] < 2**31 and 0 < header[1] < 2**31):
        raise PNGError(f"{path}: damaged PNG (its header declares {header[0]}x{header[1]} "
                       "pixels; expected each side from 1 to 2**31 - 1)")
    return header


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Decode a PNG into uint8: (H, W) for gray, (H, W, 2|3|4) for gray+alpha / RGB / RGBA
    (a palette image comes back as RGB or RGBA).

    Raises :class:`PNGError` naming the file for anything that is not a PNG this decoder reads
    (interlaced, 1/2/4-bit samples, damaged or truncated).

    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "rgb.png")
    >>> write_png(p, np.zeros((2, 3, 3), np.uint8)); read_png(p).shape
    (2, 3, 3)
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(_SIGNATURE):
        raise PNGError(f"{path} is not a PNG file (its first bytes are {raw[:8]!r}, a PNG "
                       f"starts with {_SIGNATURE!r})")
    header = None
    palette = None
    transparency = None
    idat = []
    for kind, data in _chunks(raw, path):
        if kind == b"IHDR":
            header = _parse_ihdr(data, path)
        elif kind == b"PLTE":
            if not data or len(data) % 3 or len(data) > 3 * 256:
                raise PNGError(f"{path}: damaged PNG (a PLTE chunk of {len(data)} bytes, "
                               "expected 3 per color, 1 to 256 colors)")
            palette = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            transparency = np.frombuffer(data, dtype=np.uint8)
        elif kind == b"IDAT":
            idat.append(data)
    if header is None:
        raise PNGError(f"{path}: damaged PNG (no IHDR chunk)")
    width, height, depth, color, _compression, _filter, interlace = header
    if color not in _COLOR_TYPES:
        raise PNGError(f"{path}: unknown PNG color type {color}")
    name, samples = _COLOR_TYPES[color]
    if interlace:
        raise PNGError(f"{path}: interlaced (Adam7) PNGs are not supported; save the image "
                       "without interlacing")
    if depth not in (8, 16) or (color == 3 and depth != 8):
        raise PNGError(f"{path}: {depth}-bit {name} PNGs are not supported (expected 8-bit, "
                       "or 16-bit for non-palette images); re-save it as 8-bit")
    if not idat:
        raise PNGError(f"{path}: damaged PNG (no image data)")
    bpp = samples * depth // 8
    expected = height * (width * bpp + 1)
    try:
        # Never inflate more than the header's width x height promise: a few KB of crafted
        # IDAT can expand to gigabytes.
        inflate = zlib.decompressobj()
        data = inflate.decompress(b"".join(idat), min(expected, sys.maxsize))
        if inflate.unconsumed_tail and inflate.decompress(inflate.unconsumed_tail, 1):
            raise PNGError(f"{path}: damaged PNG (its image data inflates to more than the "
                           f"{expected} bytes that {width}x{height} {name} pixels take)")
    except zlib.error as e:
        raise PNGError(f"{path}: damaged PNG (image data does not decompress: {e})") from e
    pixels = _unfilter(data, height, width * bpp, bpp, path)
    if depth == 16:  # keep the most significant byte of each big-endian sample
        pixels = pixels[:, 0::2]
    image = pixels.reshape(height, width, samples)
    if color == 3:
        if palette is None:
            raise PNGError(f"{path}: damaged PNG (a palette image without a PLTE chunk)")
        index = image[..., 0]
        if index.max(initial=0) >= len(palette):
            raise PNGError(f"{path}: damaged PNG (a pixel indexes past the "
                           f"{len(palette)}-color palette)")
        image = palette[index]
        if transparency is not None:
            alpha = np.full(len(palette), 255, np.uint8)
            alpha[:len(transparency)] = transparency[:len(palette)]
            image = np.concatenate([image, alpha[index][..., None]], axis=2)
    return image[..., 0] if image.shape[2] == 1 else np.ascontiguousarray(image)


def write_png(path: str | os.PathLike, image: np.ndarray) -> None:
    """Encode a uint8 array (H, W) gray, (H, W, 1|3|4) as a PNG, written atomically.

    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> write_png(p, np.full((4, 4, 4), 200, np.uint8)); read_png(p)[0, 0]
    array([200, 200, 200, 200], dtype=uint8)
    """
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise TypeError(f"write_png: expected a uint8 array, got dtype {a.dtype} (scale to "
                        "0..255 and use .astype(np.uint8))")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    color = {2: 0}.get(a.ndim) if a.ndim == 2 else {3: 2, 4: 6, 2: 4}.get(a.shape[2]) \
        if a.ndim == 3 else None
    if color is None:
        raise ValueError(f"write_png: expected shape (H, W) or (H, W, 1|2|3|4), got {a.shape}")
    height, width = a.shape[:2]
    rows = a.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))

    blob = _SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    atomic_write(path, lambda f: f.write(blob))


def to_grayscale(image: np.ndarray, background: int = 255) -> np.ndarray:
    """One uint8 channel from gray, gray+alpha, RGB or RGBA: transparent pixels are blended
    over ``background`` (white, as image viewers show them), color by ITU-R BT.601 luma
    (0.299 R + 0.587 G + 0.114 B, what Pillow's ``convert("L")`` does).

    >>> to_grayscale(np.array([[[255, 0, 0], [255, 255, 255]]], np.uint8))
    array([[ 76, 255]], dtype=uint8)
    """
    a = np.asarray(image)
    if a.ndim == 2:
        return a.astype(np.uint8, copy=False)
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"to_grayscale: expected (H, W) or (H, W, 1|2|3|4), got {a.shape}")
    x = a.astype(np.float64)
    if a.shape[2] in (2, 4):
        alpha = x[..., -1:] / 255.0
        x = x[..., :-1] * alpha + background * (1.0 - alpha)
    if x.shape[2] == 3:
        gray = x @ np.array([0.299, 0.587, 0.114])
    else:
        gray = x[..., 0]
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)
