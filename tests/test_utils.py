"""Tools for the learner: gradcheck catches wrong gradients; graphs render as DOT and PNG."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.function import Function
from scratchgrad.utils import GradcheckError, gradcheck, gradgradcheck, plot_graph, to_dot


class _WrongSquare(Function):
    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * self.inputs[0]          # missing factor 2


class _TransposedGrad(Function):
    """y = x @ A for a fixed square A, with the gradient wrongly using A instead of A.T."""

    def __init__(self, A):
        self.A = A

    def forward(self, x):
        return x @ self.A

    def backward(self, gy):
        return gy @ sg.tensor(self.A)


def test_gradcheck_passes_on_correct_ops():
    x = sg.randn(3, 4, requires_grad=True)
    assert gradcheck(lambda t: (t.tanh() * t.exp()).sum(dim=0), [x])
    assert gradgradcheck(lambda t: t.sin() * t, [x])


def test_gradcheck_catches_wrong_scale():
    x = sg.randn(5, requires_grad=True)
    with pytest.raises(GradcheckError, match="numerical"):
        gradcheck(lambda t: _WrongSquare()(t), [x])
    assert gradcheck(lambda t: _WrongSquare()(t), [x], raise_exception=False) is False


def test_gradcheck_catches_a_transposed_gradient():
    A = np.random.default_rng(1).standard_normal((3, 3))
    x = sg.randn(2, 3, requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: _TransposedGrad(A)(t), [x])


def test_to_dot_names_ops_and_shapes():
    x = sg.randn(2, 3, requires_grad=True)
    x.name = "x"
    y = (x.exp() * x).sum()
    dot = to_dot(y)
    assert dot.startswith("digraph")
    for text in ("Exp", "Mul", "Sum", "2x3 float32", "x\\n"):
        assert text in dot


@pytest.mark.skipif(shutil.which("dot") is None and not __import__("os").environ.get("CI"),
                    reason="Graphviz 'dot' not installed")
def test_plot_graph_writes_a_png(tmp_path):
    x = sg.randn(2, requires_grad=True)
    path = plot_graph(sg.tanh(x).sum(), str(tmp_path / "g.png"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plot_graph_without_dot_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="graphviz"):
        plot_graph(sg.ones(1, requires_grad=True) * 2, str(tmp_path / "g.png"))
