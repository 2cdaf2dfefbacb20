"""The training history: one row per epoch, saved as CSV and JSON, drawn with ``plot_history``.

A row holds ``epoch`` (1-based), ``loss`` and the training metrics, ``val_loss`` and
``val_<metric>`` when there is a validation set, ``lr`` (of the first parameter group, during
the epoch) and ``time`` (seconds for the epoch).

>>> h = History()
>>> h.append({"epoch": 1, "loss": 0.9, "accuracy": 0.6})
>>> h.append({"epoch": 2, "loss": 0.5, "accuracy": 0.8})
>>> h["loss"], len(h)
([0.9, 0.5], 2)
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import Any, Iterable, Mapping

from ..utils.serialization import atomic_write

__all__ = ["History", "load_history", "plot_history"]

# Columns that are bookkeeping rather than curves to draw.
_NOT_CURVES = ("epoch", "lr", "time", "samples_per_s")


def _clean(value: Any) -> Any:
    """A JSON/CSV-friendly scalar: NumPy scalars to Python, nan/inf to None."""
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class History:
    """Rows of per-epoch values, in order; columns are the keys in first-seen order.

    >>> h = History([{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 0.5, "val_loss": 0.7}])
    >>> h.columns, h["val_loss"]
    (['epoch', 'loss', 'val_loss'], [None, 0.7])
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]] = ()) -> None:
        self.rows: list[dict[str, Any]] = [{k: _clean(v) for k, v in r.items()} for r in rows]

    def append(self, row: Mapping[str, Any]) -> None:
        """Add the row of one epoch."""
        self.rows.append({k: _clean(v) for k, v in row.items()})

    @property
    def columns(self) -> list[str]:
        """Every key that appears in some row, in first-seen order."""
        return list(dict.fromkeys(k for row in self.rows for k in row))

    def __getitem__(self, key: str) -> list[Any]:
        if key not in self.columns:
            raise KeyError(f"History has no column {key!r} (columns: {self.columns})")
        return [row.get(key) for row in self.rows]

    def __contains__(self, key: object) -> bool:
        return key in self.columns

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, columns={self.columns})"

    def to_dict(self) -> dict[str, list[Any]]:
        """Column name -> values, one per epoch (None where a row lacks the column).

        >>> History([{"epoch": 1, "loss": 2.0}]).to_dict()
        {'epoch': [1], 'loss': [2.0]}
        """
        return {k: self[k] for k in self.columns}

    def to_csv(self) -> str:
        """The rows as CSV text with a header line (empty cell for a missing value)."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: "" if v is None else repr(v) if isinstance(v, float) else v
                             for k, v in row.items()})
        return buf.getvalue()

    def to_json(self) -> str:
        """The rows as a JSON list of objects, one per epoch."""
        return json.dumps(self.rows, indent=1, allow_nan=False)

    def save(self, directory: str | os.PathLike, stem: str = "history") -> tuple[str, str]:
        """Write ``stem.csv`` and ``stem.json`` into ``directory``, each atomically; return
        their paths.

        >>> import tempfile
        >>> paths = History([{"epoch": 1, "loss": 0.5}]).save(tempfile.mkdtemp())
        >>> [os.path.basename(p) for p in paths]
        ['history.csv', 'history.json']
        """
        csv_path = os.path.join(os.fspath(directory), stem + ".csv")
        json_path = os.path.join(os.fspath(directory), stem + ".json")
        atomic_write(csv_path, lambda f: f.write(self.to_csv().encode("utf-8")))
        atomic_write(json_path, lambda f: f.write(self.to_json().encode("utf-8")))
        return csv_path, json_path

    @classmethod
    def from_dict(cls, columns: Mapping[str, Iterable[Any]]) -> "History":
        """Build from column lists (Keras' ``history.history`` shape).

        >>> History.from_dict({"loss": [1.0, 0.5]}).rows
        [{'loss': 1.0}, {'loss': 0.5}]
        """
        cols = {k: list(v) for k, v in columns.items()}
        n = max((len(v) for v in cols.values()), default=0)
        return cls({k: v[i] for k, v in cols.items() if i < len(v)} for i in range(n))


def _parse_csv_cell(text: str) -> Any:
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def load_history(path: str | os.PathLike) -> History:
    """Read a history written by :meth:`History.save` (``.json`` or ``.csv``).

    >>> import tempfile
    >>> csv_path, _ = History([{"epoch": 1, "loss": 0.5}]).save(tempfile.mkdtemp())
    >>> load_history(csv_path).rows
    [{'epoch': 1, 'loss': 0.5}]
    """
    path = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        return History({k: _parse_csv_cell(v) for k, v in row.items() if v != ""}
                       for row in reader)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"load_history: {path} is not valid JSON ({e})") from e
    if isinstance(data, dict):
        return History.from_dict(data)
    if isinstance(data, list):
        return History(data)
    raise ValueError(f"load_history: expected a JSON list of rows or a dict of columns in "
                     f"{path}, found a {type(data).__name__}")


def _as_history(history: Any) -> History:
    if isinstance(history, History):
        return history
    if isinstance(history, (str, os.PathLike)):
        return load_history(history)
    if isinstance(history, Mapping):
        return History.from_dict(history)
    if isinstance(history, list):
        return History(history)
    raise TypeError(f"plot_history: expected a History, a dict of columns, a list of rows or "
                    f"a path to history.json/.csv, got {type(history).__name__}")


def plot_history(history: Any, png_path: str | os.PathLike, title: str | None = None) -> str:
    """Draw the loss and every metric (training and validation curves) per epoch into a PNG.

    ``history``: a :class:`History`, a dict of columns, a list of rows, or a path to a saved
    ``history.json`` / ``history.csv``. Renders with matplotlib's Agg (no display needed); the
    PNG is written atomically. Returns the path.

    >>> import tempfile
    >>> h = {"epoch": [1, 2], "loss": [1.0, 0.6], "val_loss": [1.1, 0.8],
    ...      "accuracy": [0.5, 0.7], "val_accuracy": [0.45, 0.6]}
    >>> out = plot_history(h, os.path.join(tempfile.mkdtemp(), "curves.png"))
    >>> open(out, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("plot_history needs the package 'matplotlib' to draw the curves "
                          "(pip install matplotlib, or pip install 'scratchgrad[plot]'); the "
                          "history itself is in history.csv / history.json") from None
    h = _as_history(history)
    if not len(h):
        raise ValueError("plot_history: the history is empty (no epoch finished)")
    columns = h.columns
    bases = [c for c in columns if not c.startswith("val_") and c not in _NOT_CURVES]
    bases += [c[4:] for c in columns if c.startswith("val_") and c[4:] not in bases]
    epochs = h["epoch"] if "epoch" in columns else list(range(1, len(h) + 1))

    # Figure() rather than pyplot: no global state, nothing to close, and savefig renders
    # with Agg whatever backend the user's session has selected (no display needed).
    fig = Figure(figsize=(5 * len(bases), 4), layout="constrained")
    axes = fig.subplots(1, len(bases), squeeze=False)[0]
    for ax, base in zip(axes, bases):
        for key, label, style in ((base, "train", "-o"), ("val_" + base, "validation", "--s")):
            if key not in columns:
                continue
            points = [(e, v) for e, v in zip(epochs, h[key]) if isinstance(v, (int, float))]
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, style, label=label, markersize=3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(base)
        ax.set_title(base)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    png_path = os.fspath(png_path)
    atomic_write(png_path, lambda f: fig.savefig(f, format="png", dpi=100))
    return png_path
