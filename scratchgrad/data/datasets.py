"""Datasets of the books: Fashion-MNIST and MNIST (IDX files), the three-armed spiral, a noisy
sine wave, and a small tabular regression set (diabetes) that works offline.

Where the image files come from, in order: ``root``; Debian's ``dataset-fashion-mnist`` package
(``/usr/share/datasets/fashion-mnist``, Fashion-MNIST only); the cache folder
(``$SCRATCHGRAD_DATA/<name>`` or ``~/.cache/scratchgrad/<name>``); else a download from the
official locations into ``root`` (or the cache), checked against hard-coded digests, written to
a temporary file and renamed, so an interrupted download never leaves a half file behind.

>>> import scratchgrad as sg
>>> ds = Spiral()
>>> len(ds), ds.data.shape, ds.targets[:3]
(300, (300, 2), array([0, 0, 0]))
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..random import default_generator
from ..tensor import Tensor
from .dataset import Dataset
from .idx import read_idx_pair

__all__ = ["DatasetUnavailableError", "FashionMNIST", "MNIST", "Spiral", "SineWave", "Diabetes",
           "data_home"]

# Tests replace this to simulate a machine without internet.
_urlopen = urllib.request.urlopen
_CHUNK = 1 << 20
_TIMEOUT_S = 30


class DatasetUnavailableError(RuntimeError):
    """The files of a dataset are nowhere to be found and could not be downloaded."""


def data_home(name: str = "") -> Path:
    """The cache folder for downloaded data: ``$SCRATCHGRAD_DATA`` if set, else
    ``~/.cache/scratchgrad`` (joined with ``name``).

    >>> data_home("mnist").name
    'mnist'
    """
    base = os.environ.get("SCRATCHGRAD_DATA") or Path.home() / ".cache" / "scratchgrad"
    return Path(base) / name


def _wrap(array: np.ndarray) -> Tensor:
    return Tensor._make(array)


# ---------------------------------------------------------------------------- downloads
def _download(url: str, dest: Path, algorithm: str, digest: str) -> None:
    """Fetch ``url`` to ``dest`` atomically, checking its ``algorithm`` digest on the way."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        h = hashlib.new(algorithm)
        with os.fdopen(fd, "wb") as f, _urlopen(url, timeout=_TIMEOUT_S) as response:
            while chunk := response.read(_CHUNK):
                h.update(chunk)
                f.write(chunk)
        if h.hexdigest() != digest:
            raise OSError(f"{algorithm.upper()} mismatch for {url}: expected {digest}, found "
                          f"{h.hexdigest()} (a corrupt or changed file; it was not kept)")
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _IDXImages(Dataset):
    """Shared by MNIST and Fashion-MNIST: four IDX files, 28 x 28 uint8 images, 10 classes."""

    name = ""  # the cache folder's name
    mirrors: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()
    # file name -> (hash algorithm, digest of the official .gz file)
    resources: dict[str, tuple[str, str]] = {}
    classes: list[str] = []
    install_hint = ""

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 download: bool = True) -> None:
        self.root = None if root is None else Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        split = "train" if train else "t10k"
        stems = (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte")
        folders = ([self.root] if self.root is not None else []) + \
            [Path(d) for d in self.system_dirs] + [data_home(self.name)]
        found = self._find(folders, stems)
        if found is None:
            errors: list[str] = []
            if download:
                found = self._download(self.root or data_home(self.name), stems, errors)
            if found is None:
                raise DatasetUnavailableError(self._unavailable(folders, stems, download, errors))
        self.folder = found[0].parent
        self.data, self.targets = read_idx_pair(*found)
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    @staticmethod
    def _find(folders: list[Path], stems: tuple[str, str]) -> tuple[Path, Path] | None:
        # Files found on disk are checked by the IDX reader (magic, header, exact size), not by
        # hash: Debian ships Fashion-MNIST re-compressed, same content but other .gz bytes.
        for folder in folders:
            paths = []
            for stem in stems:
                path = next((folder / n for n in (stem + ".gz", stem)
                             if (folder / n).is_file()), None)
                paths.append(path)
            if all(paths):
                return paths[0], paths[1]
        return None

    def _download(self, folder: Path, stems: tuple[str, str], errors: list[str]
                  ) -> tuple[Path, Path] | None:
        paths = []
        for stem in stems:
            filename = stem + ".gz"
            algorithm, digest = self.resources[filename]
            for mirror in self.mirrors:
                try:
                    _download(mirror + filename, folder / filename, algorithm, digest)
                    break
                except Exception as e:  # noqa: BLE001  (reported: no network, bad digest...)
                    errors.append(f"{mirror + filename}: {e}")
            else:
                return None
            paths.append(folder / filename)
        return paths[0], paths[1]

    def _unavailable(self, folders: list[Path], stems: tuple[str, str], download: bool,
                     errors: list[str]) -> str:
        wanted = " and ".join(f"{s}.gz" for s in stems)
        where = ", ".join(str(f) for f in folders)
        urls = " ".join(self.mirrors[0] + s + ".gz" for s in stems)
        why = ("download=False" if not download else
               "the download failed:\n  " + "\n  ".join(errors))
        return (f"{type(self).__name__}: expected {wanted} in one of {where}; found them in "
                f"none, and {why}\nTo get the data: {self.install_hint}download {urls} into "
                f"{data_home(self.name)} (or a folder you pass as root=...).")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = self.data[index]
        target: Any = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def get_batch(self, indices: np.ndarray) -> Any:
        if self.transform is not None or self.target_transform is not None:
            return NotImplemented  # transforms run per sample
        return [_wrap(self.data[indices]), _wrap(self.targets[indices])]

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}({split}, {len(self)} images, from {self.folder})"


class FashionMNIST(_IDXImages):
    """Zalando's Fashion-MNIST: 60,000 train / 10,000 test 28 x 28 grayscale images of
    clothes in 10 classes. ``.data`` is uint8 (N, 28, 28), ``.targets`` int64 (N,).

    Without transforms a DataLoader slices whole batches (uint8 images, int64 labels); with
    ``transform=ToTensor()`` samples go one by one as float32 1 x 28 x 28.

    >>> ds = FashionMNIST(train=False)  # doctest: +SKIP
    >>> ds.data.shape, ds.classes[ds.targets[0]]  # doctest: +SKIP
    ((10000, 28, 28), 'Ankle boot')
    """

    name = "fashion-mnist"
    mirrors = ("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/"
               "fashion/", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    # SHA-256 of the official .gz files. The Debian package re-compresses them (its gzip headers
    # carry no file name and a 2020 date), so these were obtained by rebuilding the official
    # headers around the Debian deflate streams until each file's MD5 matched the one Zalando
    # publishes, then hashing the result; they also agree with independently published values.
    resources = {
        "train-images-idx3-ubyte.gz":
            ("sha256", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        "train-labels-idx1-ubyte.gz":
            ("sha256", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        "t10k-images-idx3-ubyte.gz":
            ("sha256", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        "t10k-labels-idx1-ubyte.gz":
            ("sha256", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    install_hint = ("'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu, installs "
                    "/usr/share/datasets/fashion-mnist), or ")


class MNIST(_IDXImages):
    """LeCun's MNIST handwritten digits: 60,000 train / 10,000 test 28 x 28 grayscale images.

    Downloads are checked by MD5, not SHA-256: the SHA-256 of these files could not be computed
    offline (no copy on this machine or in Debian), and the MD5 sums are the ones published with
    the files and used by torchvision, so they are the reference we can actually verify.

    >>> MNIST(download=False).data.shape  # doctest: +SKIP
    (60000, 28, 28)
    """

    name = "mnist"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/",)
    resources = {
        "train-images-idx3-ubyte.gz": ("md5", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels-idx1-ubyte.gz": ("md5", "d53e105ee54ea40749a09fcbcd1e9432"),
        "t10k-images-idx3-ubyte.gz": ("md5", "9fb629c4189551a2d022fa330f9573f3"),
        "t10k-labels-idx1-ubyte.gz": ("md5", "ec29112dd5afa0611ce80d1b7f02629c"),
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]


# ---------------------------------------------------------------------------- small sets
class _ArrayDataset(Dataset):
    """Samples are rows of ``self.data`` and ``self.targets``, returned as Tensors."""

    data: np.ndarray
    targets: np.ndarray

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return _wrap(self.data[index, ...]), _wrap(self.targets[index, ...])

    def get_batch(self, indices: np.ndarray) -> list[Tensor]:
        return [_wrap(self.data[indices]), _wrap(self.targets[indices])]


def _numpy_rng(seed: int | None) -> np.random.Generator:
    # A seed gives the same data whatever else drew from the global generator before;
    # None draws from the global generator (so sg.manual_seed still decides).
    return default_generator.rng if seed is None else np.random.default_rng(seed)


class Spiral(_ArrayDataset):
    """The three-armed spiral of the books (cs231n, DeZero): class ``k``'s points lie on an
    arm at angles ``4k .. 4k + 4`` with Gaussian noise ``noise`` on the angle, radius 0 .. 1.
    ``.data`` is float32 (N, 2), ``.targets`` int64 (N,), ordered class by class.

    >>> ds = Spiral(num_samples_per_class=50, num_classes=4)
    >>> ds.data.shape, ds.data.dtype, sorted(set(ds.targets.tolist()))
    ((200, 2), dtype('float32'), [0, 1, 2, 3])
    """

    def __init__(self, num_samples_per_class: int = 100, num_classes: int = 3,
                 noise: float = 0.2, seed: int | None = 0) -> None:
        if num_samples_per_class < 1 or num_classes < 1:
            raise ValueError(f"Spiral: expected at least one class and one sample per class, "
                             f"found num_classes={num_classes}, "
                             f"num_samples_per_class={num_samples_per_class}")
        g = _numpy_rng(seed)
        n = num_samples_per_class
        radius = np.arange(n) / n
        xs, ys = [], []
        for k in range(num_classes):
            theta = 4.0 * k + 4.0 * radius + g.standard_normal(n) * noise
            xs.append(np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1))
            ys.append(np.full(n, k, np.int64))
        self.data = np.concatenate(xs).astype(np.float32)
        self.targets = np.concatenate(ys)
        self.num_classes = num_classes


class SineWave(_ArrayDataset):
    """A noisy sine over one period for sequence forecasting (DeZero's SinCurve): sample ``i``
    is ``window`` consecutive values and the next one as the target. Uniform noise in
    [-noise, noise]; the test split is a cosine, so it is new data on the same pattern.
    ``.data`` is float32 (N - window, window), ``.targets`` float32 (N - window, 1).

    >>> ds = SineWave(1000)
    >>> len(ds), ds.data.shape, ds.targets.shape
    (999, (999, 1), (999, 1))
    """

    def __init__(self, num_samples: int = 1000, noise: float = 0.05, window: int = 1,
                 train: bool = True, seed: int | None = 0) -> None:
        if not 1 <= window < num_samples:
            raise ValueError(f"SineWave: expected 1 <= window < num_samples, found "
                             f"window={window}, num_samples={num_samples}")
        x = np.linspace(0, 2 * np.pi, num_samples)
        wave = np.sin(x) if train else np.cos(x)
        self.series = (wave + _numpy_rng(seed).uniform(-noise, noise, num_samples)
                       ).astype(np.float32)
        starts = np.arange(num_samples - window)
        self.data = self.series[starts[:, None] + np.arange(window)]
        self.targets = self.series[starts + window][:, None]
        self.window = window


class Diabetes(_ArrayDataset):
    """A small tabular regression set for the "house prices" chapter that needs no download:
    scikit-learn's diabetes table (442 patients, 10 features, disease progression after a year).

    Rows are split by a seeded permutation; features and target are standardized with the
    *training* split's mean and std (so no test information leaks into training).
    ``.data`` float32 (N, 10), ``.targets`` float32 (N, 1); ``unscale_target`` undoes it.

    >>> ds = Diabetes()  # doctest: +SKIP
    >>> ds.data.shape, round(float(ds.targets.mean()), 6)  # doctest: +SKIP
    ((354, 10), 0.0)
    """

    def __init__(self, train: bool = True, test_fraction: float = 0.2, seed: int = 0) -> None:
        try:
            from sklearn.datasets import load_diabetes  # noqa: PLC0415  (an optional extra)
        except ImportError:
            raise ImportError("Diabetes reads scikit-learn's bundled diabetes table: "
                              "pip install scikit-learn") from None
        if not 0 < test_fraction < 1:
            raise ValueError(f"Diabetes: expected test_fraction in (0, 1), found "
                             f"{test_fraction}")
        table = load_diabetes(scaled=False)
        X, y = table.data.astype(np.float64), table.target.astype(np.float64)[:, None]
        perm = np.random.default_rng(seed).permutation(len(X))
        n_test = int(round(len(X) * test_fraction))
        train_rows, test_rows = perm[n_test:], perm[:n_test]
        self.feature_mean, self.feature_std = X[train_rows].mean(0), X[train_rows].std(0)
        self.target_mean = float(y[train_rows].mean())
        self.target_std = float(y[train_rows].std())
        rows = train_rows if train else test_rows
        self.data = ((X[rows] - self.feature_mean) / self.feature_std).astype(np.float32)
        self.targets = ((y[rows] - self.target_mean) / self.target_std).astype(np.float32)
        self.feature_names = list(table.feature_names)
        self.train = train

    def unscale_target(self, y: Any) -> Any:
        """Predictions back in the original units (disease progression)."""
        return y * self.target_std + self.target_mean
