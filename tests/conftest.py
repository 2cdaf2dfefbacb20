"""Shared fixtures. PyTorch parity tests must run in CI: when ``CI`` is set and torch is
missing they fail instead of skipping."""
from __future__ import annotations

import os

import numpy as np
import pytest

import scratchgrad as sg

# tests/compat/programs are scripts for torch, run by tests/compat/test_compat.py in a
# subprocess; --doctest-modules must not import them (that would run them).
collect_ignore_glob = ["compat/programs/*.py", "compat/_harness.py"]


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


@pytest.fixture
def fused_kernels():
    """scratchgrad.fused, when its Numba kernels can run; skips otherwise, except in CI (when
    ``CI`` is set, Numba comes with the test extra and must be there)."""
    from scratchgrad.kernels import numba_cpu as fused

    if not fused.available():
        if os.environ.get("CI") and os.environ.get("SCRATCHGRAD_FUSED", "1") != "0":
            raise RuntimeError("CI is set but Numba is not installed: the fused-kernel tests "
                               "must run in CI (pip install numba)")
        pytest.skip("fused kernels unavailable: Numba (the 'fast' extra) is not installed or "
                    "SCRATCHGRAD_FUSED=0")
    # a test of a kernel runs it also in a SCRATCHGRAD_KERNELS=reference session
    from scratchgrad import kernels

    was = kernels.enabled()
    kernels.enable()
    yield fused
    kernels.enable() if was else kernels.disable()


@pytest.fixture
def kernels_on():
    """Kernels enabled for the test (also in a SCRATCHGRAD_KERNELS=reference session), then
    the setting as it was."""
    from scratchgrad import kernels

    was = kernels.enabled()
    kernels.enable()
    yield
    kernels.enable() if was else kernels.disable()


@pytest.fixture(autouse=True)
def _seed():
    sg.manual_seed(0)
    np.random.seed(0)
    yield


# ---------------------------------------------------------------------- devices
# Device tests are one parametrized fixture, ``device``, never copied files. A test (or a whole
# module, with ``pytestmark = pytest.mark.usefixtures("device")``) that uses it runs once per
# device under test, with that device as the default device, so every tensor the test makes
# (sg.tensor, sg.randn, Tensor(...)) lands there without touching the test's code.
#
# SCRATCHGRAD_TEST_DEVICE picks the devices:
#   auto (default): cpu, plus cuda when scratchgrad.cuda.is_available();
#   cuda: cuda only (the GPU machine's run; an error when CUDA is missing);
#   cpu: cpu only;
#   all: cpu and cuda, cuda skipped with the reason when it is missing.
# Without CUDA, "auto" does not add a skipped copy of every test (that would double the
# collected count of a CPU run); test_cuda_suite_status in test_device.py is skipped instead,
# with the reason, so a CPU run says once that the CUDA half did not run.
#   fakecuda: cuda only, on tests/_fakecupy.py (NumPy with CuPy's strictness about host
#     arrays; the CUDA kernels built for the host when there is a C++ compiler): finds
#     NumPy-only code on the GPU paths without a GPU. SCRATCHGRAD_CUDA_KERNELS=0 as usual.
_MODE = os.environ.get("SCRATCHGRAD_TEST_DEVICE", "auto").strip().lower() or "auto"
if _MODE not in ("auto", "cuda", "cpu", "all", "fakecuda"):
    raise pytest.UsageError(f"SCRATCHGRAD_TEST_DEVICE={_MODE!r}: expected auto, cuda, cpu, "
                            "all or fakecuda")
if _MODE == "fakecuda":
    import _fakecupy
    import _hostkernels

    _fakecupy.install()
    if _hostkernels.CXX is None:  # the fake runs kernels through the host C++ compiler
        os.environ["SCRATCHGRAD_CUDA_KERNELS"] = "0"
    _MODE = "cuda"
_CUDA = sg.cuda.is_available()
if _MODE == "cuda" and not _CUDA:
    raise pytest.UsageError("SCRATCHGRAD_TEST_DEVICE=cuda but CUDA is not available: "
                            f"{sg.cuda.unavailable_reason()}")
TEST_DEVICES = {"auto": ["cpu"] + (["cuda"] if _CUDA else []), "cuda": ["cuda"],
                "cpu": ["cpu"], "all": ["cpu", "cuda"]}[_MODE]


def pytest_configure(config):
    config.addinivalue_line("markers", "cpu_only(reason): a device test that checks CPU-only "
                                       "internals (NumPy memory, workspace); skipped on cuda")


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", TEST_DEVICES, indirect=True)


@pytest.fixture
def device(request):
    """The device under test ("cpu" or "cuda"), also set as the default device."""
    dev = request.param
    if dev == "cuda":
        if not _CUDA:
            pytest.skip(f"CUDA is not available: {sg.cuda.unavailable_reason()}")
        marker = request.node.get_closest_marker("cpu_only")
        if marker is not None:
            pytest.skip(f"CPU only: {marker.args[0] if marker.args else 'CPU internals'}")
    previous = sg.get_default_device()
    sg.set_default_device(dev)
    patches = _host_assertions() if dev == "cuda" else []
    try:
        yield dev
    finally:
        sg.set_default_device(previous)
        for owner, name, original in patches:
            setattr(owner, name, original)


# NumPy's comparison helpers want host arrays and CuPy refuses the implicit conversion, so on
# cuda the fixture lets them take device arrays (copied to the host), and the tests compare
# ``t._data`` or ``x.grad._data`` with NumPy or PyTorch results exactly as they do on the CPU.
_HOST_ASSERTIONS = [(np.testing, "assert_allclose"), (np.testing, "assert_array_equal"),
                    (np.testing, "assert_array_almost_equal"), (np.testing, "assert_equal"),
                    (np, "allclose"), (np, "array_equal"), (np, "isclose")]


def _host_assertions() -> list:
    from scratchgrad.backend import to_numpy

    def host(a):
        return to_numpy(a) if type(a).__module__.startswith("cupy") else a

    patches = []
    for owner, name in _HOST_ASSERTIONS:
        original = getattr(owner, name)

        def wrapper(*args, _f=original, **kwargs):
            return _f(*[host(a) for a in args], **kwargs)
        patches.append((owner, name, original))
        setattr(owner, name, wrapper)
    return patches
