"""The PyTorch surface that programs touch around the model: Size, printing, legacy
constructors, views and strides, device and backend queries, stand-in modules, module paths,
and the autograd graph as ``grad_fn`` shows it. Compared with PyTorch 2.13 where it applies."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import scratchgrad as sg


def _swap(text: str) -> str:
    """PyTorch's text with scratchgrad's module name."""
    return text.replace("torch.", "scratchgrad.")


# ---------------------------------------------------------------------- Size
def test_shape_and_size_are_a_size_that_prints_as_pytorch(torch):
    x, tx = sg.zeros(2, 3), torch.zeros(2, 3)
    assert type(x.shape) is sg.Size and type(x.size()) is sg.Size
    assert isinstance(x.shape, tuple) and x.size(1) == 3 and type(x.size(1)) is int
    assert str(x.shape) == _swap(str(tx.shape)) == "scratchgrad.Size([2, 3])"
    assert str(sg.tensor(1.0).shape) == _swap(str(torch.tensor(1.0).shape))
    assert str(x.shape[1:]) == _swap(str(tx.shape[1:]))
    assert str(x.shape + (4,)) == _swap(str(tx.shape + (4,)))
    assert str((4,) + x.shape) == _swap(str((4,) + tx.shape))
    assert str(x.shape * 2) == _swap(str(tx.shape * 2))
    assert repr(sg.Size) == _swap(repr(torch.Size))


def test_size_is_a_tuple_of_ints(torch):
    s = sg.Size([2, 3])
    assert s == (2, 3) and (2, 3) == s and s != [2, 3] and hash(s) == hash((2, 3))
    assert s == torch.Size([2, 3])
    assert s.numel() == 6 == torch.Size([2, 3]).numel() and sg.Size().numel() == 1
    assert sg.Size([np.int64(4), sg.tensor(5)]) == (4, 5)
    with pytest.raises(TypeError, match=r"item 0 is 'float'"):
        sg.Size([2.0])
    assert np.zeros(s).shape == (2, 3) and sg.zeros(s).shape == s
    back = pickle.loads(pickle.dumps(s))
    assert back == s and type(back) is sg.Size


def test_size_repr_and_fstring_stay_the_plain_tuple():
    # The library's messages and docstring examples write shapes as (2, 3) (see _size.py).
    s = sg.zeros(2, 3).shape
    assert repr(s) == "(2, 3)" and f"{s}" == "(2, 3)" and "{}".format(s) == "(2, 3)"
    with pytest.raises(TypeError):
        format(s, ">10")


# ---------------------------------------------------------------------- printing
@pytest.fixture
def print_options():
    yield
    sg.set_printoptions(profile="default")


@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([1.0, 2.5]),
    lambda lib: lib.tensor([[1.123456, 2.0], [3.0, 4.0]], dtype=lib.float64),
    lambda lib: lib.tensor([1, 2], dtype=lib.int32),
    lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float16),
    lambda lib: lib.tensor(3.5),
    lambda lib: lib.zeros(0, dtype=lib.int64),
    lambda lib: lib.zeros(2, 0, dtype=lib.float64),
    lambda lib: lib.zeros(2, 0),
    lambda lib: lib.ones(2, requires_grad=True),
], ids=["float32", "float64", "int32", "float16", "0-d", "empty int64", "empty 2-d float64",
        "empty 2-d", "requires_grad"])
def test_tensor_repr_names_dtypes_as_pytorch(torch, make):
    assert repr(make(sg)) == _swap(repr(make(torch)))


def test_set_printoptions_as_pytorch(torch, print_options):
    cases = [dict(precision=2), dict(threshold=5, edgeitems=2), dict(linewidth=30),
             dict(profile="short"), dict(sci_mode=True)]
    values = [1.23456, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]
    try:
        for opts in cases:
            sg.set_printoptions(**opts)
            torch.set_printoptions(**opts)
            assert repr(sg.tensor(values)) == repr(torch.tensor(values)), opts
            sg.set_printoptions(profile="default")
            torch.set_printoptions(profile="default")
    finally:
        torch.set_printoptions(profile="default")
    sg.set_printoptions(sci_mode=False)
    assert "e+" not in repr(sg.tensor([1e9, 1.0]))
    with pytest.raises(ValueError, match="profile"):
        sg.set_printoptions(profile="long")


def test_format_of_a_0d_tensor_is_its_number(torch):
    for spec in ("{:.3f}", "{:.2e}", "{}", "{:>8.1f}"):
        assert spec.format(sg.tensor(3.14159)) == spec.format(torch.tensor(3.14159))
    loss = (sg.ones(3, requires_grad=True) * 2).sum()
    assert f"{loss:.4f}" == "6.0000"
    assert "{:d}".format(sg.tensor(5)) == "5"
    assert f"{sg.tensor([1.0])}" == "tensor([1.])" == f"{torch.tensor([1.0])}"
    for lib in (sg, torch):
        with pytest.raises(TypeError, match="unsupported format string"):
            "{:.2f}".format(lib.tensor([1.0]))
        with pytest.raises(TypeError, match="unsupported format string"):
            "{:.2f}".format(lib.nn.Parameter(lib.tensor(2.0)))


# ---------------------------------------------------------------------- process settings
def test_num_threads_round_trip():
    n = sg.get_num_threads()
    assert n >= 1
    try:
        sg.set_num_threads(1)
        assert sg.get_num_threads() == 1
    finally:
        sg.set_num_threads(n)
    with pytest.raises(ValueError):
        sg.set_num_threads(0)


def test_deterministic_algorithms_switch(torch):
    assert sg.are_deterministic_algorithms_enabled() is False
    try:
        sg.use_deterministic_algorithms(True, warn_only=True)
        assert sg.are_deterministic_algorithms_enabled()
        assert sg.is_deterministic_algorithms_warn_only_enabled()
    finally:
        sg.use_deterministic_algorithms(False)
    assert not sg.are_deterministic_algorithms_enabled()
    assert not sg.is_deterministic_algorithms_warn_only_enabled()
def test_dtype_in_repr_follows_the_default_dtype(torch):
    try:
        sg.set_default_dtype(sg.float64)
        torch.set_default_dtype(torch.float64)
        for lib in (sg, torch):
            assert "dtype" not in repr(lib.tensor([1.5]))
        assert repr(sg.tensor([1.5], dtype=sg.float32)) == _swap(
            repr(torch.tensor([1.5], dtype=torch.float32)))
    finally:
        sg.set_default_dtype(sg.float32)
        torch.set_default_dtype(torch.float32)


# ---------------------------------------------------------------------- legacy constructors
LEGACY_CALLS = {
    "ndarray int": lambda T: T(np.array([1, 2])),
    "ndarray float64": lambda T: T(np.array([1.5, 2.0])),
    "ndarray bool": lambda T: T(np.array([True, False])),
    "list of ints": lambda T: T([1, 2]),
    "nested list": lambda T: T([[1, 2], [3, 4]]),
    "sizes": lambda T: T(2, 3),
    "one size": lambda T: T(3),
    "zero size": lambda T: T(2, 0),
    "no argument": lambda T: T(),
    "tuple is data": lambda T: T((2, 3)),
    "0-d array": lambda T: T(np.array(3.0)),
    "empty list": lambda T: T([]),
}


@pytest.mark.parametrize("call", LEGACY_CALLS.values(), ids=LEGACY_CALLS.keys())
@pytest.mark.parametrize("name", ["Tensor", "FloatTensor", "DoubleTensor", "LongTensor",
                                  "IntTensor", "BoolTensor", "ByteTensor", "HalfTensor"])
def test_legacy_constructors_match_pytorch(torch, name, call):
    got, expected = call(getattr(sg, name)), call(getattr(torch, name))
    assert type(got) is sg.Tensor
    assert got.shape == expected.shape and str(got.dtype) == str(expected.dtype).split(".")[1]
    if call in (LEGACY_CALLS["sizes"], LEGACY_CALLS["one size"]):
        assert not got.numpy().any()  # zeros here; PyTorch leaves the memory uninitialised
    else:
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_legacy_constructor_details(torch):
    assert sg.Tensor(sg.Size([2, 3])).shape == torch.Tensor(torch.Size([2, 3])).shape
    assert sg.LongTensor([1.7, -2.5]).tolist() == torch.LongTensor([1.7, -2.5]).tolist()
    for lib in (sg, torch):
        with pytest.raises(TypeError, match="must be a sequence"):
            lib.Tensor(2.5)
        with pytest.raises(TypeError):
            lib.FloatTensor(lib.tensor([1, 2]))
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = sg.Tensor(a)
    a[0] = 9.0  # shares memory with a float32 array, as PyTorch
    assert t[0].item() == 9.0
    x = sg.tensor([1, 2])
    alias = sg.Tensor(x)  # a tensor argument is aliased with its own dtype
    assert alias.dtype == sg.int64 and alias._data is x._data
    x.add_(1)
    assert alias._version == x._version == 1
    assert sg.Tensor([1.0], requires_grad=True).requires_grad
    assert sg.Tensor([1], dtype=sg.float64).dtype == sg.float64


def test_legacy_types_in_isinstance_and_type(torch):
    assert isinstance(sg.zeros(2), sg.FloatTensor) == isinstance(torch.zeros(2),
                                                                 torch.FloatTensor) is True
    assert not isinstance(sg.zeros(2), sg.DoubleTensor)
    assert isinstance(sg.tensor([1]), sg.LongTensor) and isinstance(sg.zeros(1), sg.Tensor)
    assert not issubclass(sg.FloatTensor, sg.Tensor)
    assert repr(sg.FloatTensor) == _swap(repr(torch.FloatTensor))
    for make in (lambda lib: lib.zeros(2), lambda lib: lib.tensor([1]),
                 lambda lib: lib.tensor([True]), lambda lib: lib.zeros(1, dtype=lib.float64)):
        assert make(sg).type() == _swap(make(torch).type())
    assert sg.zeros(2).type(sg.DoubleTensor).dtype == sg.float64
    assert sg.zeros(2).type("torch.LongTensor").dtype == sg.int64
    assert sg.zeros(2).type(sg.int32).dtype == sg.int32


# ---------------------------------------------------------------------- default dtype
def test_set_default_dtype_reaches_python_floats_and_factories(torch):
    makers = {
        "tensor": lambda lib: lib.tensor([1.5]),
        "Tensor": lambda lib: lib.Tensor([1]),
        "Tensor(sizes)": lambda lib: lib.Tensor(2),
        "FloatTensor": lambda lib: lib.FloatTensor([1]),
        "zeros": lambda lib: lib.zeros(2),
        "ones": lambda lib: lib.ones(2),
        "empty": lambda lib: lib.empty(2),
        "full": lambda lib: lib.full((2,), 1.5),
        "arange float": lambda lib: lib.arange(0.5, 3),
        "arange int": lambda lib: lib.arange(3),
        "linspace": lambda lib: lib.linspace(0, 1, 3),
        "eye": lambda lib: lib.eye(2),
        "rand": lambda lib: lib.rand(2),
        "randn": lambda lib: lib.randn(2),
        "int tensor times float": lambda lib: lib.tensor([1]) * 1.5,
        "exp of int": lambda lib: lib.exp(lib.tensor([1])),
        "float32 array": lambda lib: lib.tensor(np.zeros(1, np.float32)),
        "zeros int64": lambda lib: lib.zeros(1, dtype=lib.int64),
    }
    try:
        sg.set_default_dtype(sg.float64)
        torch.set_default_dtype(torch.float64)
        assert sg.get_default_dtype() == sg.float64
        for name, make in makers.items():
            assert str(make(sg).dtype) == str(make(torch).dtype).split(".")[1], name
    finally:
        sg.set_default_dtype(sg.float32)
        torch.set_default_dtype(torch.float32)
    assert sg.get_default_dtype() == sg.float32 and sg.tensor([1.5]).dtype == sg.float32
    for lib in (sg, torch):
        with pytest.raises(TypeError, match="floating-point"):
            lib.set_default_dtype(lib.int64)


def test_library_data_arguments_keep_their_dtype():
    # Tensor(...) is the legacy constructor; where the library wraps user data for an op it
    # keeps tensor()'s rules (NumPy arrays keep their dtype).
    assert sg.exp(np.zeros(2)).dtype == sg.float64
    assert sg.add(np.array([1, 2]), np.array([3, 4])).dtype == sg.int64
    assert sg.nn.BatchNorm1d(3).num_batches_tracked.dtype == sg.int64
    assert sg.nn.Parameter(np.zeros(2)).dtype == sg.float64


# ---------------------------------------------------------------------- views and strides
VIEWS = {
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "transpose": lambda x: x.transpose(0, 1),
    "permute+unsqueeze": lambda x: x.permute(1, 0).unsqueeze(0),
    "columns": lambda x: x[:, 1:],
    "rows": lambda x: x[1:],
    "every other row": lambda x: x[::2],
    "expand": lambda x: x.unsqueeze(0).expand(2, 4, 6),
    "expand then slice": lambda x: x.unsqueeze(1).expand(4, 3, 6)[:, :2],
    "narrow": lambda x: x.narrow(1, 0, 2),
    "t then rows": lambda x: x.t()[1:],
    "flip": lambda x: x.flip(0),
    "contiguous": lambda x: x.t().contiguous(),
    "detach of t": lambda x: x.t().detach(),
    "chunk": lambda x: x.chunk(2, dim=1)[0],
}


def _shapes(n: int) -> list[tuple]:
    """Every shape of up to three dimensions with n elements, and a few with -1 and 1s."""
    out = [(-1,), (n,), (1, n), (n, 1)]
    for a in range(1, n + 1):
        if n % a == 0:
            out += [(a, -1), (a, n // a), (a, 1, n // a)]
            for b in range(1, n // a + 1):
                if (n // a) % b == 0:
                    out.append((a, b, n // a // b))
    return out


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_view_refuses_what_pytorch_refuses(torch, make):
    x, tx = sg.arange(24.0).reshape(4, 6), torch.arange(24.0).reshape(4, 6)
    v, tv = make(x), make(tx)
    assert v.is_contiguous() == tv.is_contiguous()
    assert v.stride() == tv.stride() or v.numel() != v._data.size or 1 in v.shape
    assert v.storage_offset() == tv.storage_offset()
    for shape in _shapes(v.numel()):
        try:
            expected = tv.view(*shape)
        except RuntimeError:
            with pytest.raises(RuntimeError, match=r"view.*\.reshape\(\.\.\.\) instead"):
                v.view(*shape)
        else:
            got = v.view(*shape)
            assert got.shape == expected.shape
            np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_view_of_a_transposed_tensor_names_reshape(torch):
    for lib in (sg, torch):
        x = lib.arange(6.0).reshape(2, 3).t()
        with pytest.raises(RuntimeError, match=r"view size is not compatible|view: size.*"
                                               r"not compatible.*Use \.reshape|reshape"):
            x.view(-1)
        assert x.reshape(-1).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        assert x.contiguous().view(-1).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    with pytest.raises(RuntimeError):
        sg.arange(6.0).reshape(2, 3).t().view_as(sg.zeros(6))


def test_view_never_refuses_a_computed_result():
    # NumPy lays some results out transposed (elementwise ops keep an input's order, softmax,
    # einsum, index_select...); PyTorch code viewing them must keep running.
    x = sg.randn(4, 6)
    for y in (x.t().softmax(-1), sg.einsum("ij,jk->ik", x, x.t()), x.t() * 2,
              sg.cat([x.t(), x.t()]), x.index_select(1, sg.tensor([0, 2])), x[:, [1, 1, 3]]):
        assert y.view(-1).shape == (y.numel(),)


def test_contiguous_is_a_differentiable_copy_only_when_needed(torch):
    x = sg.randn(3, 4, requires_grad=True)
    assert x.contiguous() is x
    y = x.t().contiguous()
    assert y.is_contiguous() and y._data.base is None and y.stride() == (3, 1)
    (y * sg.arange(12.0).view(4, 3)).sum().backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    (tx.t().contiguous() * torch.arange(12.0).view(4, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_stride_and_storage_offset(torch):
    for make in (lambda lib: lib.zeros(2, 3, 4), lambda lib: lib.zeros(2, 3, 4)[1, :, 2:],
                 lambda lib: lib.zeros(2, 3, 4).permute(2, 0, 1), lambda lib: lib.zeros(5)[3:],
                 lambda lib: lib.zeros(2, 3, dtype=lib.float64).t()[1]):
        got, expected = make(sg), make(torch)
        assert got.stride() == expected.stride()
        assert got.storage_offset() == expected.storage_offset()
    assert sg.zeros(2, 3).stride(-1) == 1 and sg.zeros(2, 3).stride(0) == 3


# ---------------------------------------------------------------------- device and backends
def test_accelerator_queries_follow_cuda():
    has_gpu = sg.cuda.is_available()
    assert sg.accelerator.is_available() is has_gpu
    assert sg.accelerator.device_count() == sg.cuda.device_count()
    assert sg.accelerator.current_accelerator() == (sg.device("cuda") if has_gpu else None)
    assert sg.accelerator.current_accelerator(check_available=True) == \
        sg.accelerator.current_accelerator()
    assert sg.accelerator.current_device_index() == (0 if has_gpu else -1)
    sg.accelerator.synchronize()


def test_accelerator_matches_pytorch_without_a_gpu(torch):
    if sg.cuda.is_available() or torch.cuda.is_available():
        pytest.skip("compares the CPU-only answers")
    assert sg.accelerator.is_available() == torch.accelerator.is_available()
    assert sg.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert sg.accelerator.device_count() == torch.accelerator.device_count()
    assert sg.backends.cudnn.is_available() == torch.backends.cudnn.is_available()
    assert sg.cuda.device_count() == torch.cuda.device_count()


def test_backend_flags_are_settable(torch):
    assert sg.backends.mps.is_available() is False == torch.backends.mps.is_available()
    assert sg.backends.mps.is_built() is False
    cudnn = sg.backends.cudnn
    for name in ("deterministic", "benchmark", "enabled"):
        assert getattr(cudnn, name) == getattr(torch.backends.cudnn, name)
        old = getattr(cudnn, name)
        try:
            setattr(cudnn, name, not old)
            assert getattr(sg.backends.cudnn, name) is (not old)
        finally:
            setattr(cudnn, name, old)
    assert cudnn.is_available() == sg.cuda.is_available() and cudnn.version() is None
    sg.backends.cuda.matmul.allow_tf32 = True
    assert sg.backends.cuda.matmul.allow_tf32
    sg.backends.cuda.matmul.allow_tf32 = False
    assert sg.backends.cuda.is_built() == sg.cuda.is_available()


def test_cuda_seeding_names():
    sg.cuda.manual_seed(1)
    sg.cuda.manual_seed_all(2)
    assert sg.cuda.device_count() >= 0
    assert isinstance(sg.device("cpu"), sg.device) and repr(sg.device("cpu")) == \
        "device(type='cpu')"
    if not sg.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            sg.cuda.current_device()


# ---------------------------------------------------------------------- stand-ins
def test_onnx_export_is_a_clear_stand_in():
    import scratchgrad.onnx

    assert scratchgrad.onnx is sg.onnx and sg.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match=r"onnx.export is not implemented yet.*"
                                                  r"planned"):
        sg.onnx.export(sg.nn.Linear(2, 1), (sg.zeros(1, 2),), "model.onnx",
                       input_names=["x"], opset_version=17)


def test_summary_writer_imports_and_says_what_is_missing(monkeypatch):
    import importlib.util

    from scratchgrad.utils.tensorboard import SummaryWriter

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorboard" else real(name, *a))
    with pytest.raises(ImportError, match=r"scratchgrad\[tensorboard\]"):
        SummaryWriter("runs/x")
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "tensorboard" else real(name, *a))
    with pytest.raises(NotImplementedError, match="stand-in.*planned"):
        SummaryWriter(log_dir="runs/x", comment="lr0.1")


# ---------------------------------------------------------------------- module paths
SUBMODULES = ["activation", "batchnorm", "container", "conv", "distance", "dropout", "flatten",
              "fold", "instancenorm", "linear", "loss", "module", "normalization", "padding",
              "pixelshuffle", "pooling", "rnn", "sparse", "transformer", "upsampling"]


@pytest.mark.parametrize("sub", SUBMODULES)
def test_nn_modules_paths_hold_what_pytorch_keeps_there(torch, sub):
    import importlib

    ours = importlib.import_module(f"scratchgrad.nn.modules.{sub}")
    theirs = importlib.import_module(f"torch.nn.modules.{sub}")
    for name in ours.__all__:
        assert hasattr(theirs, name), f"torch.nn.modules.{sub} has no {name}"
        if not name.startswith("_"):
            assert getattr(ours, name) is getattr(sg.nn, name)
            assert getattr(sg.nn.modules, name) is getattr(sg.nn, name)
    # every class scratchgrad.nn has that PyTorch keeps in this submodule is here too
    for name in sg.nn.__all__:
        if name[0].isupper() and name != "Parameter" and name in vars(theirs) \
                and getattr(theirs, name).__module__ == theirs.__name__:
            assert name in ours.__all__, f"{name} missing from nn.modules.{sub}"


def test_module_paths_import_as_with_torch():
    from scratchgrad.nn.modules.batchnorm import _BatchNorm
    from scratchgrad.nn.modules.linear import Linear
    from scratchgrad.nn.modules.loss import _Loss
    from scratchgrad.nn.parameter import Parameter

    assert Linear is sg.nn.Linear and Parameter is sg.nn.Parameter is sg.Parameter
    assert isinstance(sg.nn.BatchNorm2d(3), _BatchNorm) and isinstance(sg.nn.MSELoss(), _Loss)

    class MyLoss(_Loss):  # a custom loss on PyTorch's base class
        def forward(self, x, y):
            return ((x - y) ** 2).sum()

    assert MyLoss()(sg.ones(2), sg.zeros(2)).item() == 2.0


# ---------------------------------------------------------------------- the autograd graph
def _graph(root, depth: int = 4) -> list:
    """The graph below ``root`` as nested (name, [children]) with leaves marked, for
    comparing scratchgrad's and PyTorch's structure."""
    if root is None:
        return None
    if depth == 0:
        return root.name()
    kids = [(_graph(node, depth - 1), index) for node, index in root.next_functions]
    return (root.name().replace("torch::", "scratchgrad::"), kids)


GRAPHS = {
    "(a * b + c).sum()": lambda lib, a, b, c: (a * b + c).sum(),
    "(a - c) / 2": lambda lib, a, b, c: (a - c) / 2,
    "exp(a) * log(c)": lambda lib, a, b, c: lib.exp(a) * lib.log(c),
    "sqrt, tanh, sigmoid": lambda lib, a, b, c: lib.sqrt(c).tanh().sigmoid(),
    "relu, neg, abs": lambda lib, a, b, c: (-a.relu()).abs(),
    "a ** 2, a ** c": lambda lib, a, b, c: a ** 2 + a ** c,
    "cat, expand, mean": lambda lib, a, b, c: lib.cat([a, c]).expand(2, 6).mean(),
    "sin, cos, cumsum": lambda lib, a, b, c: lib.cumsum(lib.sin(a) * lib.cos(c), 0),
    "leaky_relu, clamp, log1p": lambda lib, a, b, c: lib.nn.functional.leaky_relu(
        a.clamp(-1, 1)).log1p(),
    "double": lambda lib, a, b, c: a.double() * 2,
    "a used twice": lambda lib, a, b, c: a * a,
}


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_grad_fn_names_and_next_functions_match_pytorch(torch, build):
    def run(lib):
        a = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0])
        c = lib.tensor([1.5, 2.5, 3.5], requires_grad=True)
        return build(lib, a, b, c)

    assert _graph(run(sg).grad_fn) == _graph(run(torch).grad_fn)


def test_next_functions_point_at_the_nodes_and_leaves():
    a = sg.tensor([1.0, 2.0], requires_grad=True)
    b = sg.tensor([3.0, 4.0])
    c = sg.tensor([5.0, 6.0], requires_grad=True)
    y = (a * b + c).sum()
    add = y.grad_fn.next_functions[0][0]
    mul, leaf_c = add.next_functions
    assert mul[0] is (a * b).grad_fn or mul[0].name() == "MulBackward0"
    assert leaf_c[0].variable is c and leaf_c[1] == 0
    assert mul[0].next_functions[0][0].variable is a and mul[0].next_functions[1] == (None, 0)
    # one AccumulateGrad per leaf while it is referenced, as PyTorch's
    assert (a * 2).grad_fn.next_functions[0][0] is (a + 1).grad_fn.next_functions[0][0]
    assert type(leaf_c[0]).__name__ == "AccumulateGrad" and leaf_c[0].next_functions == ()
    # outputs of multi-output ops carry their index
    first, second = sg.split(sg.ones(4, requires_grad=True) * 1, 2)
    assert (first + second).grad_fn.next_functions[1][1] == 1


def test_grad_fn_repr_and_name_read_as_pytorch(torch):
    y = sg.ones(2, requires_grad=True) * 2
    assert re_match(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert re_match(r"<MulBackward0 object at 0x[0-9a-f]+>",
                    repr((torch.ones(2, requires_grad=True) * 2).grad_fn))
    assert repr(y) == "tensor([2., 2.], grad_fn=<MulBackward0>)" == repr(
        torch.ones(2, requires_grad=True) * 2)
    leaf = y.grad_fn.next_functions[0][0]
    assert re_match(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(leaf))
    assert leaf.name() == (torch.ones(2, requires_grad=True) * 2).grad_fn.next_functions[0][
        0].name().replace("torch::", "scratchgrad::")
    tx = torch.ones(2, 3, requires_grad=True)
    x = sg.ones(2, 3, requires_grad=True)
    for op in (lambda lib, t: lib.nn.functional.conv2d(t.reshape(1, 1, 2, 3),
                                                       lib.ones(1, 1, 1, 1)),
               lambda lib, t: lib.nn.functional.max_pool2d(t.reshape(1, 1, 2, 3), 1),
               lambda lib, t: lib.nn.functional.layer_norm(t, (3,)),
               lambda lib, t: lib.nn.functional.nll_loss(t, lib.tensor([0, 1])),
               lambda lib, t: lib.logsumexp(t, 1), lambda lib, t: t.cumprod(1),
               lambda lib, t: lib.nn.functional.unfold(t.reshape(1, 1, 2, 3), 1)):
        assert op(sg, x).grad_fn.name() == op(torch, tx).grad_fn.name()


def test_custom_function_node_is_named_as_pytorch(torch):
    def make(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, gy):
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * gy
        return Cube

    x = sg.ones(2, requires_grad=True)
    assert make(sg).apply(x).grad_fn.name() == make(torch).apply(
        torch.ones(2, requires_grad=True)).grad_fn.name() == "CubeBackward"


def test_custom_function_node_type_is_named_as_pytorch():
    class Cube(sg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            return 3 * gy

    x = sg.ones(2, requires_grad=True)
    a, b = Cube.apply(x), Cube.apply(x)
    assert type(a.grad_fn).__name__ == "CubeBackward"  # as type(y.grad_fn).__name__ in PyTorch
    assert type(a.grad_fn) is type(b.grad_fn)  # one node class per Function, made once
    (a + b).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_inplace_refusal_says_in_place_as_pytorch_does():
    w = sg.ones(2, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="in-place operation"):
        w.mul_(2)


def re_match(pattern: str, text: str) -> bool:
    import re

    return re.fullmatch(pattern, text) is not None
