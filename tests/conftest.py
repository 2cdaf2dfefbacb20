"""Shared fixtures. PyTorch parity tests must run in CI: when ``CI`` is set and torch is
missing they fail instead of skipping."""
from __future__ import annotations

import os

import numpy as np
import pytest

import scratchgrad as sg


def _import_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            raise RuntimeError("CI is set but torch is not installed: the parity tests must "
                               "run in CI (pip install torch==2.13.0)")
        return None
    torch.set_num_threads(1)
    return torch


_TORCH = _import_torch()


@pytest.fixture
def torch():
    """The torch module; skips (outside CI only) when PyTorch is not installed."""
    if _TORCH is None:
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0)")
    return _TORCH


@pytest.fixture(autouse=True)
def _seed():
    sg.manual_seed(0)
    np.random.seed(0)
    yield
