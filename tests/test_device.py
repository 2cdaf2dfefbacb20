"""Devices: scratchgrad.cuda, device= on every factory, .to/.cpu/.cuda, the mixed-device check.

These run on the CPU everywhere. Where CUDA is missing, the "no CUDA" behaviour is tested (clear
errors, never an exception from is_available); the mixed-device check is tested with a minimal
stand-in for a CuPy array, so the check itself runs on every machine.
"""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import backend, nn, optim
from scratchgrad.cli import main

CUDA = sg.cuda.is_available()
needs_no_cuda = pytest.mark.skipif(CUDA, reason="tests the behaviour without CUDA")


class FakeCudaArray:
    """Just enough of a CuPy array for the device check: its type lives in a module named
    ``cupy...`` and it refuses NumPy, as CuPy does."""

    __module__ = "cupy._fake"

    def __init__(self, a: np.ndarray) -> None:
        self.a, self.shape, self.dtype, self.ndim = a, a.shape, a.dtype, a.ndim

        class _Dev:
            id = 0
        self.device = _Dev()

    def __array_ufunc__(self, *args, **kwargs):
        raise TypeError("Unsupported type <class 'numpy.ndarray'>")

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed")


def test_is_available_is_a_bool_and_never_raises():
    assert sg.cuda.is_available() in (True, False)
    assert sg.cuda.device_count() >= (1 if CUDA else 0)
    assert (sg.cuda.unavailable_reason() is None) == CUDA
    sg.cuda.synchronize()  # a no-op without CUDA


def test_device_names():
    assert str(sg.device("cuda:0")) == "cuda:0" and sg.device("cuda", 0).index == 0
    assert sg.device("cuda") == "cuda:0" and sg.device("cpu") == "cpu"
    with pytest.raises(ValueError, match="expected 'cpu' or 'cuda', got 'tpu'"):
        sg.device("tpu")


FACTORIES = {
    "tensor": lambda d: sg.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: sg.as_tensor(np.ones(2, np.float32), device=d),
    "zeros": lambda d: sg.zeros(2, 3, device=d),
    "ones": lambda d: sg.ones(2, device=d),
    "empty": lambda d: sg.empty(2, device=d),
    "full": lambda d: sg.full((2,), 3.0, device=d),
    "zeros_like": lambda d: sg.zeros_like(sg.ones(2), device=d),
    "ones_like": lambda d: sg.ones_like(sg.ones(2), device=d),
    "full_like": lambda d: sg.full_like(sg.ones(2), 2.0, device=d),
    "empty_like": lambda d: sg.empty_like(sg.ones(2), device=d),
    "arange": lambda d: sg.arange(3, device=d),
    "linspace": lambda d: sg.linspace(0, 1, 3, device=d),
    "eye": lambda d: sg.eye(2, device=d),
    "rand": lambda d: sg.rand(2, device=d),
    "randn": lambda d: sg.randn(2, device=d),
    "randint": lambda d: sg.randint(0, 5, (3,), device=d),
    "rand_like": lambda d: sg.rand_like(sg.ones(2), device=d),
    "randn_like": lambda d: sg.randn_like(sg.ones(2), device=d),
    "randperm": lambda d: sg.randperm(4, device=d),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_takes_device(name):
    t = FACTORIES[name]("cpu")
    assert t.device == "cpu" and type(t._data) is np.ndarray
    if CUDA:
        assert FACTORIES[name]("cuda").device == "cuda"
    else:
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            FACTORIES[name]("cuda")


def test_requires_grad_with_device_gives_a_leaf():
    x = sg.tensor([1.0, 2.0], device="cpu", requires_grad=True)
    assert x.is_leaf and x.requires_grad
    if CUDA:
        y = sg.zeros(2, device="cuda", requires_grad=True)
        assert y.is_leaf and y.requires_grad and y.device == "cuda"


def test_like_factories_follow_the_input_device():
    x = sg.ones(2, 2, dtype=sg.float64)
    z = sg.zeros_like(x)
    assert z.device == x.device and z.dtype == sg.float64 and z.shape == (2, 2)


@needs_no_cuda
def test_moving_to_cuda_without_cuda_is_a_clear_error():
    x = sg.ones(2)
    for move in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: nn.Linear(2, 2).cuda(),
                 lambda: sg.rand(2, device="cuda")):
        with pytest.raises(RuntimeError, match="CUDA is not available.*CuPy"):
            move()
    assert x.cpu() is x and x.to("cpu") is x


@needs_no_cuda
def test_cli_device_cuda_without_cuda_is_a_clear_error(capsys):
    assert main(["train", "--dataset", "spiral", "--device", "cuda", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "--device cuda: CUDA is not available" in err and "use --device cpu" in err
    assert main(["train", "--dataset", "spiral", "--device", "gpu0", "--epochs", "1"]) == 2
    assert "expected cpu or cuda, got 'gpu0'" in capsys.readouterr().err


def test_mixed_devices_name_the_op_and_both_devices():
    a = sg.ones(3)
    b = sg.Tensor._make(FakeCudaArray(np.ones(3, np.float32)))
    assert b.device == "cuda" and str(b.device) == "cuda:0"
    with pytest.raises(RuntimeError, match=r"add: expected all tensors on the same device, "
                                           r"got cpu and cuda:0"):
        sg.add(a, b)
    with pytest.raises(RuntimeError, match=r"mul: .* got cuda:0 and cpu"):
        sg.mul(b, a)


def test_the_device_check_passes_same_device_inputs():
    backend.check_same_device("add", [np.ones(1), np.zeros(1), 2.0, None])
    fake = [FakeCudaArray(np.ones(1)), FakeCudaArray(np.ones(2))]
    backend.check_same_device("add", fake)
    with pytest.raises(RuntimeError, match="cat: .* got cuda:0 and cpu"):
        backend.check_same_device("cat", fake + [np.ones(1)])


def test_a_bad_shape_on_one_device_stays_a_shape_error():
    with pytest.raises(ValueError, match="shape"):
        sg.ones(2) + sg.ones(3)


def test_to_device_is_recorded_and_sends_the_gradient_back():
    from scratchgrad._transfer import ToDevice, to_device

    x = sg.tensor([1.0, 2.0], requires_grad=True)
    y = ToDevice(sg.device("cpu"))(x)  # a CPU -> CPU copy exercises the same op
    assert y.creator is not None
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert to_device(x, "cpu") is x


def test_backend_helpers_match_numpy():
    t = np.zeros(4)
    backend.add_at(np, t, np.array([1, 1, 3]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(t, [0, 3, 0, 3])
    m = np.zeros((2, 3))
    backend.put_along_axis(np, m, np.array([[2], [0]]), 1.0, axis=1)
    np.testing.assert_array_equal(m, [[0, 0, 1], [1, 0, 0]])
    v = backend.as_strided(np, np.arange(5), (4, 2), (8, 8), writeable=False)
    assert v.tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]
    assert backend.to_numpy(np.ones(2)).tolist() == [1.0, 1.0]
    assert backend.array_module(None) is np and backend.array_module("cpu") is np


def test_seeding_resets_the_gpu_stream_too():
    g = sg.Generator(3)
    g.manual_seed(5)
    assert g._cuda is None and g._cuda_seed == 5  # recreated lazily from the new seed
    sg.cuda.manual_seed(7)
    assert sg.random.default_generator._cuda_seed == 7


def test_optimizer_made_after_module_to_steps_on_the_parameters_device():
    model = nn.Linear(3, 2).to("cpu")
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(sg.ones(4, 3)).sum().backward()
    opt.step()
    for state in opt.state.values():
        for v in state.values():
            if hasattr(v, "shape"):
                assert backend.device_of(v) == model.weight.device


# ---------------------------------------------------------------------- GPU paths, run on NumPy
# scratchgrad/_gpu_ops.py holds the CuPy paths of the ops whose CPU code is NumPy-specific. Its
# generic (kernel-free) code takes any xp, so it is checked here on NumPy arrays against the
# CPU ops: the layouts and index arithmetic of the GPU fallback are tested on every machine.
CONV_GEOMETRIES = [  # (x shape, W shape, stride, padding (t, b, l, r), dilation, groups)
    ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    ((1, 4, 9, 8), (6, 2, 3, 2), (2, 1), (0, 1, 2, 0), (1, 2), 2),
    ((3, 2, 5, 5), (2, 2, 1, 1), (2, 2), (0, 0, 0, 0), (1, 1), 1),
    ((2, 4, 8, 8), (4, 1, 3, 3), (1, 2), (2, 2, 1, 1), (2, 1), 4),
]


@pytest.mark.parametrize("geom", CONV_GEOMETRIES, ids=lambda g: f"{g[0]}-{g[1]}-s{g[2]}")
def test_gpu_conv_path_matches_the_cpu_conv(geom):
    from scratchgrad.kernels import cupy as _gpu_ops
    from scratchgrad.kernels import numpy_conv as NC
    from scratchgrad.ops import conv as C

    xs, ws, stride, padding, dilation, groups = geom
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    args = C._ConvArgs(stride, padding, dilation, groups)
    g = NC._Geom(x.shape, W.shape[2:], args)
    y_cpu, col_cpu = NC._conv_forward(x, W, b, g)
    y, col = _gpu_ops.conv_forward(x, W, b, g)
    np.testing.assert_allclose(y, y_cpu, rtol=1e-10, atol=1e-10)
    assert y.flags.c_contiguous and col.shape == (x.shape[1] * ws[2] * ws[3],
                                                   xs[0] * g.OH * g.OW)
    gy = rng.standard_normal(y.shape)
    gx_cpu = NC._conv_grad_input(NC._gy_operand(gy, g), W, g)
    K = x.shape[1] * ws[2] * ws[3]  # the CPU's col carries the bias as a row of ones
    assert col_cpu.shape[0] == (K + 1 if groups == 1 else K)
    gw_cpu = NC._conv_grad_weight(col_cpu[:K], NC._gy_operand(gy, g), W.shape, g)
    gy_op = _gpu_ops.gy_operand(gy, g)
    np.testing.assert_allclose(_gpu_ops.conv_grad_input(gy_op, W, g), gx_cpu, rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(_gpu_ops.conv_grad_weight(col, gy_op, W.shape, g), gw_cpu,
                               rtol=1e-10, atol=1e-10)


def test_gpu_col2im_is_the_adjoint_of_im2col():
    from scratchgrad.kernels import cupy as _gpu_ops
    from scratchgrad.kernels import numpy_conv as NC
    from scratchgrad.ops import conv as C

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 7))
    g = NC._Geom(x.shape, (3, 2), C._ConvArgs((2, 1), (1, 0, 1, 1), (1, 2), 1))
    col = _gpu_ops.im2col(x, g)
    c = rng.standard_normal(col.shape)
    # <im2col(x), c> == <x, col2im(c)> for every x and c
    np.testing.assert_allclose((col * c).sum(), (x * _gpu_ops.col2im(c, g)).sum(), rtol=1e-10)


def test_gpu_embedding_scatter_matches_the_cpu():
    # the GPU's scatter is the reference's (atomic adds); the CPU's, scratchgrad.kernels.numpy_nn
    from scratchgrad.kernels import numpy_nn
    from scratchgrad.ops.nn import _scatter_rows as gpu_scatter_rows

    rng = np.random.default_rng(2)
    idx = rng.integers(0, 5, 20)
    rows = rng.standard_normal((20, 3))
    for pad in (None, 2):
        np.testing.assert_allclose(gpu_scatter_rows(idx, rows, 6, pad),
                                   numpy_nn.scatter_rows(idx, rows, 6, pad), rtol=1e-12)


def test_kernels_switch_off_with_the_env_var(monkeypatch):
    from scratchgrad.kernels import cuda_source as _cuda_kernels

    monkeypatch.setenv("SCRATCHGRAD_CUDA_KERNELS", "0")
    assert not sg.cuda.kernels_enabled() and _cuda_kernels.get("im2col") is None
    monkeypatch.setenv("SCRATCHGRAD_CUDA_KERNELS", "1")
    assert sg.cuda.kernels_enabled()
    assert set(_cuda_kernels._SOURCES) == {"im2col", "col2im", "lstm_step", "ce_forward",
                                           "ce_backward"}


@pytest.mark.skipif(not CUDA, reason=f"CUDA is not available ({sg.cuda.unavailable_reason()}): "
                    "the device-parametrized tests (ops, layers, losses, conv, rnn, optim) ran "
                    "on cpu only; on a GPU machine run SCRATCHGRAD_TEST_DEVICE=cuda pytest")
def test_cuda_suite_status():
    assert sg.cuda.device_count() >= 1


def test_the_device_fixture_sets_the_default_device(device):
    assert sg.get_default_device() == device
    assert sg.tensor([1.0]).device == device and sg.Tensor([1.0]).device == device
    assert sg.randn(2).device == device and sg.zeros(1).device == device
    assert sg.from_numpy(np.ones(1)).device == "cpu"  # shares host memory by definition


def test_default_device_is_restored_to_the_cpu():
    assert sg.get_default_device() == "cpu" and sg.tensor([1.0]).device == "cpu"
    if not CUDA:
        with pytest.raises(RuntimeError, match="set_default_device: CUDA is not available"):
            sg.set_default_device("cuda")
        assert sg.get_default_device() == "cpu"


def test_loader_trainer_and_optimizer_follow_the_device(device, tmp_path):
    """A model built on the CPU, moved by the Trainer, fed by a DataLoader that moves batches,
    with an optimizer made before the move: parameters, gradients, optimizer state, outputs
    and the saved checkpoint all end up where they should."""
    from scratchgrad.data import DataLoader, TensorDataset
    from scratchgrad.train import Trainer

    sg.set_default_device("cpu")  # build on the host, as a user would
    x, y = sg.randn(32, 4), sg.tensor(np.arange(32) % 3)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, device=device)
    assert all(xb.device == device and yb.device == device for xb, yb in loader)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device=device, progress=False)
    history = trainer.fit(loader, 2, checkpoint_dir=str(tmp_path))
    assert len(history) == 2 and model[0].weight.device == device
    assert model[0].weight.grad is None or model[0].weight.grad.device == device
    for state in opt.state.values():
        assert all(backend.device_of(v) == device for v in state.values() if hasattr(v, "shape"))
    assert trainer.predict(x).device == device
    saved = sg.utils.load(str(tmp_path / "checkpoint.npz"))  # the raw, pickle-free reader
    assert type(saved["model"]["0.weight"]) is np.ndarray  # checkpoints hold host arrays
    back = sg.load(str(tmp_path / "checkpoint.npz"))  # torch.load's: tensors where they were
    assert type(back["model"]["0.weight"]) is sg.Tensor
    assert back["model"]["0.weight"].device == device
    assert sg.load(str(tmp_path / "checkpoint.npz"), map_location="cpu")["model"][
        "0.weight"].device == "cpu"
