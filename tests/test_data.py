"""scratchgrad.data: datasets, splits, collate, the DataLoader, transforms, the book datasets."""
from __future__ import annotations

import collections
import gc
import hashlib
import io
import os
import queue
import sys
import threading
import urllib.error
import zlib
from pathlib import Path

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.data import (MNIST, ConcatDataset, DataLoader, Dataset,
                              DatasetUnavailableError, FashionMNIST, IDXError, SineWave, Spiral,
                              Subset, TensorDataset, default_collate, random_split, write_idx)
from scratchgrad.data import datasets as datasets_module
from scratchgrad.data import transforms as T

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


# ---------------------------------------------------------------------------- helpers
class Counting(Dataset):
    """Per-sample dataset (no get_batch) that counts calls and can fail at one index."""

    def __init__(self, n: int, fail_at: int | None = None, transform=None) -> None:
        self.n, self.fail_at, self.transform, self.calls = n, fail_at, transform, 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        self.calls += 1
        if i == self.fail_at:
            raise KeyError(f"sample {i} is broken")
        x = np.full((2, 3), i, np.float32)
        return (x if self.transform is None else self.transform(x)), i


def _prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "DataLoader-prefetch"]


def _as_lists(loader) -> list:
    return [[t.tolist() for t in batch] for batch in loader]


# ---------------------------------------------------------------------------- datasets
def test_tensor_dataset_samples_and_batches():
    x, y = sg.randn(6, 3), sg.arange(6)
    ds = TensorDataset(x, y)
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi._data, x._data[4])
    assert yi.shape == () and yi.item() == 4
    xb, yb = ds.get_batch(np.array([5, 0]))
    np.testing.assert_array_equal(xb._data, x._data[[5, 0]])
    assert yb.tolist() == [5, 0]


def test_tensor_dataset_accepts_arrays_and_rejects_mismatch():
    assert len(TensorDataset(np.zeros((4, 2)), np.zeros(4))) == 4
    with pytest.raises(ValueError, match=r"same size in the first dimension, found sizes "
                                         r"\[100, 99\] \(shapes \(100, 2\), \(99,\)\)"):
        TensorDataset(sg.zeros(100, 2), sg.zeros(99))
    with pytest.raises(ValueError, match="0-d tensor at position 1"):
        TensorDataset(sg.zeros(3), sg.tensor(1.0))
    with pytest.raises(TypeError, match="found list at position 0"):
        TensorDataset([1, 2, 3])


def test_subset_and_concat():
    base = TensorDataset(sg.arange(10))
    s = Subset(base, [7, 2, 2])
    assert len(s) == 3 and s[0][0].item() == 7
    assert s.get_batch(np.array([0, 2]))[0].tolist() == [7, 2]
    with pytest.raises(IndexError, match=r"expected indices in \[0, 10\).*found 10"):
        Subset(base, [0, 10])
    assert Subset(Counting(5), [1]).get_batch(np.array([0])) is NotImplemented
    c = base + TensorDataset(sg.arange(100, 103))
    assert isinstance(c, ConcatDataset) and len(c) == 13
    assert c[10][0].item() == 100 and c[-1][0].item() == 102 and c[9][0].item() == 9
    with pytest.raises(IndexError, match=r"expected an index in \[0, 13\), found 13"):
        c[13]


@pytest.mark.parametrize("lengths", [[7, 3], [0.7, 0.3], [0.33, 0.33, 0.34], [10, 0]])
def test_random_split_sizes_and_disjoint(lengths, torch):
    parts = random_split(TensorDataset(sg.arange(10)), lengths)
    expected = [len(p) for p in torch.utils.data.random_split(range(10), lengths)]
    assert [len(p) for p in parts] == expected
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen.tolist()) == list(range(10))  # disjoint, and nothing left out


def test_random_split_is_seeded_and_checks_lengths():
    ds = TensorDataset(sg.arange(20))
    sg.manual_seed(3)
    a = random_split(ds, [15, 5])[1].indices
    sg.manual_seed(3)
    assert a.tolist() == random_split(ds, [15, 5])[1].indices.tolist()
    g = sg.random.Generator(3)
    assert a.tolist() == random_split(ds, [15, 5], generator=g)[1].indices.tolist()
    with pytest.raises(ValueError, match=r"summing to the dataset's length 20, found \[15, 6\]"):
        random_split(ds, [15, 6])
    with pytest.raises(ValueError, match=r"fractions in \[0, 1\] summing to 1, found"):
        random_split(ds, [0.5, 0.6])


# ---------------------------------------------------------------------------- collate
def test_default_collate_structures():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"img": np.zeros((2, 2), np.uint8), "label": 1, "w": 0.5, "ok": True,
              "name": "a", "p": Point(sg.ones(3), 2)},
             {"img": np.ones((2, 2), np.uint8), "label": 2, "w": 1.5, "ok": False,
              "name": "b", "p": Point(sg.zeros(3), 3)}]
    out = default_collate(batch)
    assert out["img"].shape == (2, 2, 2) and out["img"].dtype == np.uint8
    assert out["label"].dtype == np.int64 and out["label"].tolist() == [1, 2]
    # Python floats collate to float64, as in PyTorch (not scratchgrad's default float32)
    assert out["w"].dtype == np.float64 and out["ok"].dtype == np.bool_
    assert out["name"] == ["a", "b"]
    assert isinstance(out["p"], Point) and out["p"].x.shape == (2, 3)
    assert out["p"].y.tolist() == [2, 3]
    lists = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(lists, list) and lists[0].tolist() == [1, 3]


def test_default_collate_errors():
    with pytest.raises(ValueError, match=r"one shape .*found shapes \[\(2,\), \(3,\)\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match=r"2 fields, found lengths \[1, 2\]"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


# ---------------------------------------------------------------------------- DataLoader
@pytest.mark.parametrize("prefetch", [True, False])
def test_loader_batch_shapes_len_and_drop_last(prefetch):
    ds = TensorDataset(sg.randn(10, 3), sg.arange(10))
    loader = DataLoader(ds, batch_size=4, prefetch=prefetch)
    assert len(loader) == 3
    assert [x.shape for x, _ in loader] == [(4, 3), (4, 3), (2, 3)]
    dropped = DataLoader(ds, batch_size=4, drop_last=True, prefetch=prefetch)
    assert len(dropped) == 2 and [y.tolist() for _, y in dropped] == [[0, 1, 2, 3],
                                                                     [4, 5, 6, 7]]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert list(DataLoader(TensorDataset(sg.zeros(0, 2)), batch_size=3)) == []


def test_loader_checks_arguments():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, found 0"):
        DataLoader(TensorDataset(sg.zeros(3)), batch_size=0)
    with pytest.raises(TypeError, match="__getitem__ and __len__, found int"):
        DataLoader(5)


@pytest.mark.parametrize("prefetch", [True, False])
def test_loader_covers_every_sample_once(prefetch):
    ds = TensorDataset(sg.arange(103))
    for loader in (DataLoader(ds, 8, shuffle=True, prefetch=prefetch),
                   DataLoader(Counting(103), 8, shuffle=True, prefetch=prefetch)):
        seen = np.concatenate([b[-1]._data for b in loader])
        assert sorted(seen.tolist()) == list(range(103))
        assert seen.tolist() != list(range(103))  # shuffled


def test_shuffle_is_deterministic_under_manual_seed():
    ds = TensorDataset(sg.arange(50))
    sg.manual_seed(42)
    a = _as_lists(DataLoader(ds, 7, shuffle=True))
    a2 = _as_lists(DataLoader(ds, 7, shuffle=True))
    sg.manual_seed(42)
    b = _as_lists(DataLoader(ds, 7, shuffle=True, prefetch=False))
    assert a == b and a != a2  # same seed, same batches; a new epoch, a new order
    g1, g2 = sg.random.Generator(5), sg.random.Generator(5)
    assert _as_lists(DataLoader(ds, 7, True, generator=g1)) == \
        _as_lists(DataLoader(ds, 7, True, generator=g2))


def test_resume_restores_the_epoch_order():
    loader = DataLoader(TensorDataset(sg.arange(30)), 4, shuffle=True)
    _as_lists(loader)  # epoch 1
    state = sg.get_rng_state()
    epoch2 = _as_lists(loader)
    sg.manual_seed(999)  # a resumed process starts from another state...
    sg.set_rng_state(state)  # ...and restores the checkpointed one
    assert _as_lists(loader) == epoch2


def test_fast_path_slices_whole_batches_and_matches_per_sample():
    class Sliced(Counting):
        def get_batch(self, indices):
            self.batches = getattr(self, "batches", 0) + 1
            x = np.repeat(indices.astype(np.float32)[:, None, None], 2, 1).repeat(3, 2)
            return sg.from_numpy(x), sg.from_numpy(indices.astype(np.int64))

    fast, slow = Sliced(20), Counting(20)
    sg.manual_seed(0)
    a = _as_lists(DataLoader(fast, 6, shuffle=True))
    sg.manual_seed(0)
    b = _as_lists(DataLoader(slow, 6, shuffle=True))
    assert a == b
    assert fast.calls == 0 and fast.batches == 4 and slow.calls == 20
    # a collate_fn means the user wants the samples: no fast path then
    fast.calls = 0
    list(DataLoader(fast, 6, collate_fn=lambda s: len(s)))
    assert fast.calls == 20


def test_prefetch_propagates_dataset_errors():
    loader = DataLoader(Counting(40, fail_at=13), batch_size=4)
    it = iter(loader)
    got = [next(it), next(it), next(it)]
    assert len(got) == 3
    with pytest.raises(KeyError, match="sample 13 is broken") as e:
        next(it)
    assert any("prefetch thread" in n and "batch 3" in n for n in e.value.__notes__)
    with pytest.raises(StopIteration):
        next(it)
    assert not _prefetch_threads()


def test_closing_an_iterator_whose_thread_never_started():
    """Ctrl-C can land inside Thread.start(), leaving an iterator whose thread was made but
    not started; closing it (its __del__ does) must not raise 'cannot join thread before it
    is started'."""
    it = iter(DataLoader(Counting(10), batch_size=2, prefetch=False))
    it._thread = threading.Thread(target=lambda: None)  # made, never started
    it._stop, it._tasks = threading.Event(), queue.Queue()
    it.close()
    assert it._thread is None and it._stop.is_set()


def test_closing_while_the_interpreter_shuts_down_does_not_wait(monkeypatch):
    """At interpreter exit, a daemon thread that wakes up is stopped without ever being
    marked finished, so joining it would hang the exit (a Ctrl-C'd run that never ends).
    During shutdown close() must not wait for the thread; here the thread is kept busy in
    a batch so that a join would block."""
    entered, release = threading.Event(), threading.Event()

    class Slow(Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            entered.set()
            release.wait(60)
            return np.float32(i)

    it = iter(DataLoader(Slow(), batch_size=2))
    assert entered.wait(30)  # the prefetch thread is inside a batch
    monkeypatch.setattr(sys, "is_finalizing", lambda: True)
    closer = threading.Thread(target=it.close)
    closer.start()
    closer.join(30)
    blocked = closer.is_alive()
    release.set()  # let the prefetch thread finish its batch and see the stop flag
    closer.join()
    monkeypatch.undo()
    for t in _prefetch_threads():
        t.join(30)
    assert not blocked, "close() waited for the prefetch thread during interpreter shutdown"
    assert not _prefetch_threads()


def test_dropping_the_iterator_early_stops_the_thread():
    loader = DataLoader(Counting(1000), batch_size=2)
    for k, _ in enumerate(loader):
        if k == 3:
            break
    gc.collect()
    assert not _prefetch_threads()
    it = iter(loader)
    next(it)
    it.close()
    assert not _prefetch_threads()
    assert len(it) == len(loader)  # the epoch's length, as PyTorch's iterator reports
    with pytest.raises(StopIteration):  # closed: the epoch is over, as for a generator
        next(it)


def test_loader_device_and_repr():
    loader = DataLoader(TensorDataset(sg.zeros(3, 2)), 2, device="cpu")
    assert all(x.device == "cpu" for (x,) in loader)
    assert "batch_size=2" in repr(loader)


def test_scratchgrad_utils_data_alias():
    import scratchgrad.utils.data as utils_data

    assert utils_data.DataLoader is DataLoader and utils_data.TensorDataset is TensorDataset
    # reachable as an attribute after a plain `import scratchgrad`, as torch.utils.data is
    # (a fresh interpreter: in this one the import above already set the attribute)
    import subprocess
    import sys

    code = "import scratchgrad as sg; print(sg.utils.data.DataLoader.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "DataLoader", out.stderr


# ---------------------------------------------------------------------------- transforms
def test_to_tensor_against_numpy():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    a = T.ToTensor()(gray)
    assert a.shape == (1, 5, 7) and a.dtype == np.float32
    np.testing.assert_array_equal(a._data[0], gray.astype(np.float32) / np.float32(255))
    b = T.ToTensor()(rgb)
    np.testing.assert_array_equal(b._data, (rgb / 255.0).astype(np.float32).transpose(2, 0, 1))
    assert 0.0 <= b._data.min() and b._data.max() <= 1.0
    f = np.linspace(0, 3, 6, dtype=np.float64).reshape(2, 3)
    np.testing.assert_allclose(T.ToTensor()(f)._data[0], f)  # not scaled
    with pytest.raises(TypeError, match="expected a NumPy array image.*found Tensor"):
        T.ToTensor()(sg.zeros(2, 2))
    with pytest.raises(ValueError, match=r"found shape \(2, 2, 2, 2\)"):
        T.ToTensor()(np.zeros((2, 2, 2, 2), np.uint8))


def test_normalize_against_numpy():
    x = np.random.default_rng(1).random((3, 4, 5)).astype(np.float32)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    ref = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None,
                                                                                       None]
    out = T.Normalize(mean, std)(sg.from_numpy(x))
    assert isinstance(out, sg.Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out._data, ref, rtol=1e-6)
    batch = T.Normalize(mean, std)(sg.from_numpy(np.stack([x, x])))
    np.testing.assert_allclose(batch._data[1], ref, rtol=1e-6)
    np.testing.assert_allclose(T.Normalize(0.5, 0.5)(x), (x - 0.5) / 0.5, rtol=1e-6)
    with pytest.raises(ValueError, match=r"C = 3 .*found shape \(2, 4, 5\)"):
        T.Normalize(mean, std)(x[:2])
    with pytest.raises(ValueError, match="non-zero stds"):
        T.Normalize([0.0], [0.0])


def test_random_horizontal_flip_against_numpy():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    flip = T.RandomHorizontalFlip(p=0.5)
    sg.manual_seed(7)
    outs = [flip(img) for _ in range(20)]
    draws = np.random.Generator(np.random.PCG64(7)).random(20)  # what the generator draws
    for out, u in zip(outs, draws):
        np.testing.assert_array_equal(out, img[:, ::-1] if u < 0.5 else img)
    assert any(u < 0.5 for u in draws) and any(u >= 0.5 for u in draws)
    chw = sg.from_numpy(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(chw)._data, chw._data[..., ::-1])
    hwc = np.arange(24).reshape(2, 4, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(hwc), hwc[:, ::-1, :])
    with pytest.raises(ValueError, match=r"probability p in \[0, 1\], found 2"):
        T.RandomHorizontalFlip(2)


def test_random_crop_against_numpy():
    img = np.arange(36, dtype=np.uint8).reshape(6, 6)
    crop = T.RandomCrop(4, padding=2)
    sg.manual_seed(11)
    outs = [crop(img) for _ in range(10)]
    g = np.random.Generator(np.random.PCG64(11))
    padded = np.pad(img, 2)
    for out in outs:
        top, left = g.integers(0, 7), g.integers(0, 7)
        np.testing.assert_array_equal(out, padded[top:top + 4, left:left + 4])
    chw = sg.from_numpy(np.ones((3, 8, 8), np.float32))
    out = T.RandomCrop((5, 6))(chw)
    assert isinstance(out, sg.Tensor) and out.shape == (3, 5, 6)
    with pytest.raises(ValueError, match=r"at least 9 x 9 after padding by 0, found 6 x 6"):
        T.RandomCrop(9)(img)


def test_compose_and_lambda():
    t = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2), T.Normalize([1.0], [1.0])])
    out = t(np.full((2, 2), 255, np.uint8))
    np.testing.assert_allclose(out._data, np.ones((1, 2, 2)))
    assert "ToTensor()" in repr(t)
    with pytest.raises(TypeError, match="expected a callable, found int"):
        T.Lambda(3)


def test_random_transforms_in_loader_are_reproducible_with_and_without_prefetch():
    aug = T.Compose([T.RandomCrop(2, padding=1), T.Lambda(
        lambda x: x + T.current_generator().rng.random())])
    ds = Counting(24, transform=aug)

    def run(prefetch):
        sg.manual_seed(5)
        out = []
        for x, _ in DataLoader(ds, 5, shuffle=True, prefetch=prefetch):
            out.append(x._data.copy())
            sg.rand(3)  # the training step draws from the global generator meanwhile
        return out

    a, b, c = run(True), run(False), run(True)
    for x, y, z in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)


# ---------------------------------------------------------------------------- image sets
@pytest.fixture
def debian_fashion_mnist():
    if not (DEBIAN_DIR / "train-images-idx3-ubyte.gz").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {DEBIAN_DIR} is missing: install the Debian package "
                        f"(apt-get install dataset-fashion-mnist; `make test` does it as root)")
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    return DEBIAN_DIR


def test_fashion_mnist_from_debian_folder(debian_fashion_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path))  # so no cached copy is used instead
    train, test = FashionMNIST(), FashionMNIST(train=False)
    for ds, n in ((train, 60000), (test, 10000)):
        assert ds.folder == debian_fashion_mnist and len(ds) == n
        assert ds.data.shape == (n, 28, 28) and ds.data.dtype == np.uint8
        assert ds.targets.shape == (n,) and ds.targets.dtype == np.int64
        assert np.bincount(ds.targets).tolist() == [n // 10] * 10  # balanced, labels 0..9
    assert len(train.classes) == 10 and train.class_to_idx["Ankle boot"] == 9
    assert test.classes[test.targets[0]] == "Ankle boot"  # the famous first test image
    img, label = train[0]
    assert img.shape == (28, 28) and isinstance(label, int)
    # array-backed: the loader slices whole batches, no per-sample calls
    x, y = next(iter(DataLoader(test, batch_size=128, shuffle=True)))
    assert x.shape == (128, 28, 28) and x.dtype == np.uint8 and y.dtype == np.int64
    t = FashionMNIST(train=False, transform=T.ToTensor(), target_transform=lambda c: c + 100)
    assert t.get_batch(np.arange(3)) is NotImplemented
    x, y = next(iter(DataLoader(t, batch_size=8)))
    assert x.shape == (8, 1, 28, 28) and x.dtype == np.float32 and int(y._data.min()) >= 100
    np.testing.assert_allclose(x._data[0, 0], test.data[0] / 255.0, rtol=1e-6)


# The SHA-256 of the decompressed official files. Debian re-compresses them, so the .gz bytes
# differ from the official ones but the content must be the same.
_RAW_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz":
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz":
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz":
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def test_debian_copies_hold_the_official_content(debian_fashion_mnist):
    assert set(_RAW_SHA256) == set(FashionMNIST.resources)
    for name, digest in _RAW_SHA256.items():
        raw = zlib.decompress((debian_fashion_mnist / name).read_bytes(), 31)
        assert hashlib.sha256(raw).hexdigest() == digest, name


def _write_tiny_split(folder: Path, n: int = 5, split: str = "train", n_labels: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n_labels or n).astype(np.uint8)
    write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
    write_idx(folder / f"{split}-labels-idx1-ubyte", labels)  # plain names work too
    return images, labels


def test_root_is_searched_first(tmp_path):
    images, labels = _write_tiny_split(tmp_path / "mine")
    ds = FashionMNIST(root=tmp_path / "mine", download=False)
    assert ds.folder == tmp_path / "mine" and len(ds) == 5
    np.testing.assert_array_equal(ds.data, images)
    assert ds.targets.tolist() == labels.tolist()


def test_cache_folder_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path))
    _write_tiny_split(tmp_path / "mnist", n=3, split="t10k")
    ds = MNIST(train=False, download=False)
    assert ds.folder == tmp_path / "mnist" and len(ds) == 3


def test_count_mismatch_is_reported_by_the_dataset(tmp_path):
    _write_tiny_split(tmp_path, n=5, n_labels=4)
    with pytest.raises(IDXError, match=r"expected 5 labels .* found 4"):
        MNIST(root=tmp_path, download=False)


def _offline(monkeypatch, tmp_path):
    calls = []

    def refuse(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(datasets_module, "_urlopen", refuse)
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())  # pretend Debian's copy is absent
    return calls


def test_offline_failure_gives_a_clear_message(tmp_path, monkeypatch):
    calls = _offline(monkeypatch, tmp_path)
    with pytest.raises(DatasetUnavailableError) as e:
        FashionMNIST()
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path / "cache" / "fashion-mnist") in msg
    assert "the download failed" in msg and "Temporary failure in name resolution" in msg
    assert "apt-get install dataset-fashion-mnist" in msg
    assert "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist" in msg
    assert len(calls) == 2  # both mirrors tried, for the first file
    with pytest.raises(DatasetUnavailableError, match="ossci-datasets.s3.amazonaws.com/mnist/"):
        MNIST(train=False)
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # no half files


def test_download_false_does_not_touch_the_network(tmp_path, monkeypatch):
    calls = _offline(monkeypatch, tmp_path)
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        MNIST(root=tmp_path / "empty", download=False)
    assert calls == []


def test_download_checks_digests_and_renames(tmp_path, monkeypatch):
    source = tmp_path / "server"
    _write_tiny_split(source, n=4)
    # the labels as the server has them: gzip-compressed
    write_idx(source / "train-labels-idx1-ubyte.gz",
              np.frombuffer((source / "train-labels-idx1-ubyte").read_bytes()[8:], np.uint8))
    files = {p.name: p.read_bytes() for p in source.glob("*.gz")}
    monkeypatch.setattr(MNIST, "resources", {
        name: ("md5", hashlib.md5(data).hexdigest()) for name, data in files.items()})
    served = []

    def serve(url, timeout=None):
        served.append(url)
        return io.BytesIO(files[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(datasets_module, "_urlopen", serve)
    root = tmp_path / "root"
    ds = MNIST(root=root)
    assert len(ds) == 4 and ds.folder == root and len(served) == 2
    assert sorted(p.name for p in root.iterdir()) == sorted(files)  # no .part files left

    bad = {name: data + b"x" for name, data in files.items()}
    monkeypatch.setattr(datasets_module, "_urlopen", lambda url, timeout=None: io.BytesIO(
        bad[url.rsplit("/", 1)[1]]))
    with pytest.raises(DatasetUnavailableError) as e:
        MNIST(root=tmp_path / "other")
    expected = MNIST.resources["train-images-idx3-ubyte.gz"][1]
    found = hashlib.md5(bad["train-images-idx3-ubyte.gz"]).hexdigest()
    assert "MD5 mismatch" in str(e.value) and f"expected {expected}, found {found}" in str(
        e.value)
    assert not list((tmp_path / "other").iterdir())


# ---------------------------------------------------------------------------- small sets
def test_spiral_matches_the_books_recipe():
    ds = Spiral(num_samples_per_class=100, num_classes=3, noise=0.2, seed=1)
    assert len(ds) == 300 and ds.data.dtype == np.float32 and ds.targets.dtype == np.int64
    assert np.bincount(ds.targets).tolist() == [100, 100, 100]
    g = np.random.default_rng(1)
    for k in range(3):  # the cs231n / DeZero recipe, written out
        r = np.arange(100) / 100
        theta = 4.0 * k + 4.0 * r + g.standard_normal(100) * 0.2
        ref = np.c_[r * np.sin(theta), r * np.cos(theta)]
        np.testing.assert_allclose(ds.data[100 * k:100 * (k + 1)], ref, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(Spiral(seed=1).data, ds.data)
    sg.manual_seed(0)
    a = Spiral(seed=None).data
    sg.manual_seed(0)
    np.testing.assert_array_equal(a, Spiral(seed=None).data)
    x, y = next(iter(DataLoader(ds, 32, shuffle=True)))
    assert x.shape == (32, 2) and y.shape == (32,)
    with pytest.raises(ValueError, match="at least one class"):
        Spiral(num_classes=0)


def test_sine_wave_targets_are_the_next_value():
    ds = SineWave(100, noise=0.0)
    assert ds.data.shape == (99, 1) and ds.targets.shape == (99, 1)
    np.testing.assert_allclose(ds.series, np.sin(np.linspace(0, 2 * np.pi, 100)), atol=1e-6)
    np.testing.assert_array_equal(ds.data[1:, 0], ds.targets[:-1, 0])
    w = SineWave(50, noise=0.1, window=5, seed=3)
    assert w.data.shape == (45, 5)
    np.testing.assert_array_equal(w.data[7], w.series[7:12])
    assert w.targets[7, 0] == w.series[12]
    assert np.abs(w.series - np.sin(np.linspace(0, 2 * np.pi, 50))).max() <= 0.1 + 1e-6
    np.testing.assert_allclose(SineWave(20, noise=0, train=False).series,
                               np.cos(np.linspace(0, 2 * np.pi, 20)), atol=1e-6)
    with pytest.raises(ValueError, match="window < num_samples, found window=10"):
        SineWave(10, window=10)


def test_diabetes_split_and_standardization():
    pytest.importorskip("sklearn")
    from scratchgrad.data import Diabetes

    train, test = Diabetes(), Diabetes(train=False)
    assert train.data.shape == (354, 10) and test.data.shape == (88, 10)
    assert train.targets.shape == (354, 1) and train.data.dtype == np.float32
    np.testing.assert_allclose(train.data.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(train.data.std(0), 1, atol=1e-5)
    np.testing.assert_allclose(train.targets.mean(), 0, atol=1e-5)
    from sklearn.datasets import load_diabetes

    raw = load_diabetes(scaled=False).target
    both = np.concatenate([train.unscale_target(train.targets), test.unscale_target(
        test.targets)])[:, 0]
    np.testing.assert_allclose(np.sort(both), np.sort(raw), rtol=1e-5)  # disjoint, complete
    np.testing.assert_array_equal(Diabetes(seed=0).data, train.data)
    assert not np.array_equal(Diabetes(seed=1).data, train.data)


def test_diabetes_without_sklearn_says_how_to_install(monkeypatch):
    from scratchgrad.data import Diabetes

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        Diabetes()
