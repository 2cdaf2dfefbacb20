"""The IDX reader: round trips on small files, and clear errors for broken ones."""
from __future__ import annotations

import gzip
import re

import numpy as np
import pytest

from scratchgrad.data.idx import IDXError, read_idx, read_idx_pair, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("name", ["a-idx-ubyte", "a-idx-ubyte.gz"])
def test_round_trip(tmp_path, dtype, name):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    write_idx(tmp_path / name, x)
    y = read_idx(tmp_path / name)
    assert y.dtype == np.dtype(dtype) and y.dtype.isnative
    np.testing.assert_array_equal(x, y)
    y[0, 0, 0] = 1  # a writable copy, not a view of the file's bytes


@pytest.mark.parametrize("shape", [(7,), (2, 3), (0, 28, 28), (1, 1, 1, 2)])
def test_round_trip_shapes(tmp_path, shape):
    x = np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape)
    write_idx(tmp_path / "s", x)
    assert read_idx(tmp_path / "s").shape == shape


def test_header_is_big_endian(tmp_path):
    write_idx(tmp_path / "h", np.array([[1, 2, 3]], dtype=np.int32))
    raw = (tmp_path / "h").read_bytes()
    assert raw[:4] == b"\x00\x00\x0c\x02"
    assert raw[4:12] == b"\x00\x00\x00\x01\x00\x00\x00\x03"
    assert raw[12:16] == b"\x00\x00\x00\x01"


def test_gzip_detected_by_content_not_name(tmp_path):
    x = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "x.gz", x)
    (tmp_path / "x.gz").rename(tmp_path / "no-extension")
    np.testing.assert_array_equal(read_idx(tmp_path / "no-extension"), x)


def test_truncated_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, np.zeros((10, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IDXError) as e:
        read_idx(path)
    msg = str(e.value)
    assert str(path) in msg and "truncated" in msg
    assert "(10, 28, 28)" in msg and f"{16 + 7840} bytes" in msg and f"found {16 + 7740}" in msg


def test_truncated_header(tmp_path):
    path = tmp_path / "h"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(IDXError, match=r"truncated IDX header: expected 16 bytes .* found 6"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(IDXError, match=r"expected at least 4 bytes .* found 2"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    write_idx(path, np.arange(1000, dtype=np.int32))
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(IDXError, match=re.escape(str(path)) + r": truncated gzip file"):
        read_idx(path)


def test_trailing_bytes(tmp_path):
    path = tmp_path / "t"
    write_idx(path, np.zeros(4, np.uint8))
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(IDXError, match=r"trailing bytes.*shape \(4,\).*12 bytes.*found 16"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(IDXError) as e:
        read_idx(path)
    msg = str(e.value)
    assert str(path) in msg and "wrong magic number" in msg
    assert "expected 0x00 0x00" in msg and "found 0x89 0x50 0x4E 0x47" in msg


def test_unknown_dtype_code(tmp_path):
    path = tmp_path / "u"
    path.write_bytes(b"\x00\x00\x07\x01\x00\x00\x00\x00")
    with pytest.raises(IDXError, match=r"wrong magic number.*found 0x00 0x00 0x07 0x01"):
        read_idx(path)


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(IDXError, match=r"expected uint8, .* found int64"):
        write_idx(tmp_path / "x", np.zeros(2, np.int64))


def test_pair_reads_labels_as_int64(tmp_path):
    write_idx(tmp_path / "i.gz", np.zeros((3, 2, 2), np.uint8))
    write_idx(tmp_path / "l.gz", np.array([0, 9, 5], np.uint8))
    x, y = read_idx_pair(tmp_path / "i.gz", tmp_path / "l.gz")
    assert x.shape == (3, 2, 2) and y.dtype == np.int64 and y.tolist() == [0, 9, 5]


def test_pair_count_mismatch(tmp_path):
    images, labels = tmp_path / "train-images-idx3-ubyte", tmp_path / "train-labels-idx1-ubyte"
    write_idx(images, np.zeros((3, 2, 2), np.uint8))
    write_idx(labels, np.zeros(2, np.uint8))
    with pytest.raises(IDXError) as e:
        read_idx_pair(images, labels)
    msg = str(e.value)
    assert "count mismatch" in msg and "expected 3 labels" in msg and "found 2" in msg
    assert str(images) in msg and str(labels) in msg


def test_pair_checks_shapes(tmp_path):
    write_idx(tmp_path / "i", np.zeros((3, 4), np.uint8))
    write_idx(tmp_path / "l", np.zeros(3, np.uint8))
    with pytest.raises(IDXError, match=r"expected uint8 images of shape \(N, H, W\), found "
                                       r"uint8 of shape \(3, 4\)"):
        read_idx_pair(tmp_path / "i", tmp_path / "l")


def test_reads_files_written_by_gzip_module(tmp_path):
    # The official files were made by the gzip tool (with a file name in the header).
    payload = b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03"
    with open(tmp_path / "f.gz", "wb") as raw, gzip.GzipFile("f", "wb", fileobj=raw) as f:
        f.write(payload)
    assert (tmp_path / "f.gz").read_bytes()[3] & 0x08  # the FNAME flag is set
    assert read_idx(tmp_path / "f.gz").tolist() == [1, 2, 3]
