"""``scratchgrad.utils.tensorboard``: ``SummaryWriter``, in ``torch.utils.tensorboard``'s names.

A stand-in for now, so that programs importing it run up to the point where they make a
writer. Making one raises: an ImportError naming the ``tensorboard`` extra where the
``tensorboard`` package is missing (as PyTorch's import does), otherwise a
NotImplementedError. The plan: write TensorBoard event files with the package's own writer,
starting with ``add_scalar``, ``add_scalars`` and ``add_histogram``. Until then
``scratchgrad.train.Trainer`` keeps a history of the metrics and plots it.

>>> from scratchgrad.utils.tensorboard import SummaryWriter
>>> SummaryWriter.__name__
'SummaryWriter'
"""
from __future__ import annotations

import importlib.util
from typing import Any


class SummaryWriter:
    """TensorBoard's event-file writer (PyTorch's ``SummaryWriter``): not implemented yet;
    constructing one raises (see the module docstring)."""

    def __init__(self, log_dir: str | None = None, *args: Any, **kwargs: Any) -> None:
        if importlib.util.find_spec("tensorboard") is None:
            raise ImportError(
                "SummaryWriter needs the tensorboard package: pip install "
                "'scratchgrad[tensorboard]' (or pip install tensorboard)")
        raise NotImplementedError(
            "scratchgrad.utils.tensorboard.SummaryWriter is a stand-in: writing TensorBoard "
            "event files is planned (add_scalar, add_scalars, add_histogram first); "
            "scratchgrad.train.Trainer's history records and plots the metrics meanwhile")


__all__ = ["SummaryWriter"]
