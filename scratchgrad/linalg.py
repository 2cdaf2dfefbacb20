"""scratchgrad.linalg: PyTorch's ``torch.linalg`` names on the op library.

Every function is batched over leading dimensions, as in PyTorch. The factorisations (inv, det,
slogdet, solve, cholesky, qr, eigh, svd) are Functions: forward calls ``xp.linalg`` (NumPy and
CuPy share those names), backward is written with tensor ops (matmul, transpose, inv, tril), so
their gradients can be differentiated again. The backward formulas are the textbook ones and
assume what they assume: an invertible matrix for inv, det, slogdet and solve, distinct
eigenvalues for eigh and distinct nonzero singular values for svd. The rest (norms, pinv,
matrix_power, cross, vecdot, multi_dot) are compositions.

>>> import scratchgrad as sg
>>> A = sg.tensor([[2.0, 1.0], [1.0, 3.0]])
>>> sg.linalg.det(A)
tensor(5.)
>>> sg.linalg.solve(A, sg.tensor([3.0, 5.0]))
tensor([0.8000, 1.4000])
"""
from __future__ import annotations

import copy
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from .backend import get_array_module
from .function import Function
from .ops import linalg as _olinalg
from .ops import reduction as _red
from .ops import shape as _shape
from .ops._util import normalize_dim, reduce_axes, to_tensor
from .ops.arithmetic import where
from .ops.linalg import matmul
from .tensor import Tensor

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet",
           "solve", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv",
           "matrix_power", "cross", "vecdot", "multi_dot"]

_INF = float("inf")

slogdet_result = namedtuple("slogdet_result", ["sign", "logabsdet"])
qr_result = namedtuple("qr_result", ["Q", "R"])
eigh_result = namedtuple("eigh_result", ["eigenvalues", "eigenvectors"])
svd_result = namedtuple("svd_result", ["U", "S", "Vh"])


class LinAlgError(RuntimeError):
    """A matrix that the operation can't handle (singular, not positive-definite): PyTorch's
    ``torch.linalg.LinAlgError``, also a RuntimeError."""


# ---------------------------------------------------------------------- helpers
def _mT(x: Tensor) -> Tensor:
    return _shape.transpose(x, -1, -2)


def _eye_like(x: Tensor, n: int) -> Tensor:
    xp = get_array_module(x._data)
    return Tensor._make(xp.eye(n, dtype=x._data.dtype))


def _float_matrix(A: Any, op: str, square: bool = True) -> Tensor:
    A = to_tensor(A)
    if A._data.dtype.kind != "f":
        raise TypeError(f"linalg.{op}: expected a floating-point tensor, got {A.dtype}")
    if A.ndim < 2:
        raise ValueError(f"linalg.{op}: expected a tensor with at least 2 dimensions (a batch "
                         f"of matrices), got shape {A.shape}")
    if square and A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{op}: expected a batch of square matrices, got shape "
                         f"{A.shape} ({A.shape[-2]} by {A.shape[-1]} matrices)")
    return A


def _lapack(op: str, f: Any, shape: tuple, what: str = "singular") -> Any:
    """Run ``f()``, turning NumPy's LinAlgError into ours with the op and the shape."""
    try:
        return f()
    except np.linalg.LinAlgError as e:
        raise LinAlgError(f"linalg.{op}: the input of shape {shape} is {what} ({e})") from None


def _diag_embed(v: Tensor) -> Tensor:
    """(..., n) -> (..., n, n) with ``v`` on the diagonal (a differentiable product with I)."""
    n = v.shape[-1]
    return _shape.unsqueeze(v, -1) * _eye_like(v, n)


def _all_outputs(fn: Function) -> tuple:
    """All outputs of a multi-output factorisation. Outputs are held by weakref, so one the
    caller dropped (``eigh(A).eigenvalues`` keeps no eigenvectors) is gone by backward: then
    the factorisation is run again on the inputs, as a new node, so that its outputs still
    depend on the inputs for double backward (the values are the same: it is deterministic)."""
    outs = tuple(fn.output(i) for i in range(len(fn.outputs)))
    if all(o is not None for o in outs):
        return outs
    return copy.copy(fn)(*fn.inputs)


def _inverse_gaps(w: Tensor) -> Tensor:
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it: built with tensor ops from
    the eigen- or singular values, so that double backward sees its dependence on them."""
    xp = get_array_module(w._data)
    off = Tensor._make(~xp.eye(w.shape[-1], dtype=bool))
    d = _shape.unsqueeze(w, -2) - _shape.unsqueeze(w, -1)
    return where(off, 1.0 / where(off, d, 1.0), 0.0)


def _sym(x: Tensor) -> Tensor:
    return (x + _mT(x)) * 0.5


# ---------------------------------------------------------------------- inv, det, slogdet
class Inv(Function):
    """The inverse Y = A^-1; dA = -Y^T dY Y^T (uses only the output)."""

    def forward(self, A):
        xp = get_array_module(A)
        return _lapack("inv", lambda: xp.linalg.inv(A), A.shape)

    def backward(self, gy):
        yt = _mT(self.output())
        return -matmul(matmul(yt, gy), yt)


def inv(A: Any) -> Tensor:
    """The inverse of each square matrix in ``A`` (..., n, n); a singular matrix raises
    :class:`LinAlgError`. The gradient is -A^-T G A^-T.

    >>> import scratchgrad as sg
    >>> sg.linalg.inv(sg.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    return Inv()(_float_matrix(A, "inv"))


class Det(Function):
    """det(A); d det / dA = det(A) A^-T (A must be invertible for the gradient)."""

    def forward(self, A):
        xp = get_array_module(A)
        return xp.linalg.det(A)

    def backward(self, gy):
        A = self.inputs[0]
        scale = _shape.unsqueeze(_shape.unsqueeze(gy * self.output(), -1), -1)
        return scale * _mT(inv(A))


def det(A: Any) -> Tensor:
    """The determinant of each square matrix in ``A`` (..., n, n). Its gradient det(A) A^-T
    needs an invertible A (a singular one raises :class:`LinAlgError` in backward).

    >>> import scratchgrad as sg
    >>> sg.linalg.det(sg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    return Det()(_float_matrix(A, "det"))


class SlogDet(Function):
    """(sign, log|det A|); only logabsdet has a gradient: A^-T times its upstream gradient."""

    def forward(self, A):
        xp = get_array_module(A)
        sign, logabs = xp.linalg.slogdet(A)
        return sign.astype(A.dtype, copy=False), logabs.astype(A.dtype, copy=False)

    def backward(self, gsign, glog):
        if glog is None:
            return None
        A = self.inputs[0]
        return _shape.unsqueeze(_shape.unsqueeze(glog, -1), -1) * _mT(inv(A))


def slogdet(A: Any) -> slogdet_result:
    """``(sign, logabsdet)`` of the determinant of each matrix in ``A``: the logarithm does not
    overflow where det would. The sign's gradient is zero.

    >>> import scratchgrad as sg
    >>> sg.linalg.slogdet(sg.tensor([[-2.0, 0.0], [0.0, 1.0]]))
    slogdet_result(sign=tensor(-1.), logabsdet=tensor(0.6931))
    """
    sign, logabs = SlogDet()(_float_matrix(A, "slogdet"))
    return slogdet_result(sign, logabs)


# ---------------------------------------------------------------------- solve
class Solve(Function):
    """X = A^-1 B for matrices B (..., n, k), batch dimensions broadcasting. Backward:
    gB = A^-T gX (one more solve), gA = -gB X^T; each summed back to its input's shape."""

    def forward(self, A, B):
        xp = get_array_module(A)
        return _lapack("solve", lambda: xp.linalg.solve(A, B), A.shape)

    def backward(self, gx):
        A, B = self.inputs
        gb = _solve(_mT(A), gx)
        ga = None
        if A.requires_grad:
            ga = _shape.sum_to(-matmul(gb, _mT(self.output())), A._data.shape)
        return ga, _shape.sum_to(gb, B._data.shape)


def _solve(A: Tensor, B: Tensor) -> Tensor:
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return Solve()(A, _shape.broadcast_to(B, batch + B.shape[-2:]) if B.shape[:-2] != batch
                   else B)


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """The solution X of A X = B (with ``left=False``, of X A = B). ``B`` is a batch of vectors
    when it is 1-D or has A's shape without the last dimension, else a batch of matrices;
    batch dimensions broadcast. A singular A raises :class:`LinAlgError`.

    >>> import scratchgrad as sg
    >>> sg.linalg.solve(sg.tensor([[2.0, 0.0], [0.0, 4.0]]), sg.tensor([[2.0], [2.0]]))
    tensor([[1.0000],
            [0.5000]])
    """
    A = _float_matrix(A, "solve")
    B = to_tensor(B)
    if B._data.dtype != A._data.dtype:
        raise TypeError(f"linalg.solve: A ({A.dtype}) and B ({B.dtype}) must have one dtype")
    if not left:
        return _mT(solve(_mT(A), _mT(B))).contiguous()  # as PyTorch lays it out
    n = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    Bm = _shape.unsqueeze(B, -1) if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != n:
        raise ValueError(f"linalg.solve: A of shape {A.shape} and B of shape {B.shape} do not "
                         f"match: B needs {n} rows")
    try:
        np.broadcast_shapes(A.shape[:-2], Bm.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.solve: batch dimensions of A {A.shape} and B {B.shape} do "
                         "not broadcast") from None
    X = _solve(A, Bm)
    return _shape.squeeze(X, -1) if vector else X


# ---------------------------------------------------------------------- cholesky
class Cholesky(Function):
    """The lower factor L of A = L L^T (A symmetric positive-definite; only its lower
    triangle is read). Backward (Murray 2016): P = Phi(L^T gL), with Phi the lower triangle
    and half the diagonal; gA = sym(L^-T P L^-1), symmetric as PyTorch's."""

    def forward(self, A):
        xp = get_array_module(A)
        return _lapack("cholesky", lambda: xp.linalg.cholesky(A), A.shape,
                       "not positive-definite")

    def backward(self, gl):
        L = self.output()
        n = L.shape[-1]
        P = matmul(_mT(L), gl)
        P = _shape.tril(P) - P * _eye_like(L, n) * 0.5
        Li = inv(L)
        return _sym(matmul(matmul(_mT(Li), P), Li))


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of each symmetric positive-definite matrix in ``A``: lower L with
    A = L L^T (``upper=True``: L^T). A matrix that is not positive-definite raises
    :class:`LinAlgError`.

    >>> import scratchgrad as sg
    >>> sg.linalg.cholesky(sg.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    L = Cholesky()(_float_matrix(A, "cholesky"))
    return _mT(L) if upper else L


# ---------------------------------------------------------------------- qr
class QR(Function):
    """The reduced QR factorisation A = Q R, Q (m, k) with orthonormal columns, R (k, n) upper
    triangular, k = min(m, n). Backward for m >= n (Walter and Lehmann 2018):
    M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^-T, where copyltu(M) mirrors M's lower
    triangle onto the upper one. Wide inputs (m < n) have no backward here."""

    def forward(self, A):
        xp = get_array_module(A)
        q, r = xp.linalg.qr(A, mode="reduced")
        return q, r

    def backward(self, gq, gr):
        A = self.inputs[0]
        m, n = A.shape[-2:]
        if m < n:
            raise NotImplementedError(f"linalg.qr: backward for a wide matrix (m < n, shape "
                                      f"{A.shape}) is not implemented")
        Q, R = _all_outputs(self)
        M = None
        if gr is not None:
            M = matmul(R, _mT(gr))
        if gq is not None:
            qm = matmul(_mT(gq), Q)
            M = -qm if M is None else M - qm
        low = _shape.tril(M, -1)
        M = low + _mT(low) + M * _eye_like(M, n)
        b = matmul(Q, M) if gq is None else gq + matmul(Q, M)
        # b R^-T: solve R X^T = b^T
        return _mT(solve(R, _mT(b)))


def qr(A: Any, mode: str = "reduced") -> qr_result:
    """``(Q, R)`` with A = Q R, Q's columns orthonormal and R upper triangular (only
    ``mode="reduced"``). Signs of the columns of Q and rows of R may differ from PyTorch's.

    >>> import scratchgrad as sg
    >>> Q, R = sg.linalg.qr(sg.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> (Q @ R).allclose(sg.tensor([[3.0, 1.0], [4.0, 2.0]]), atol=1e-6)
    True
    """
    if mode != "reduced":
        raise NotImplementedError(f"linalg.qr: mode={mode!r} is not supported; only 'reduced'")
    Q, R = QR()(_float_matrix(A, "qr", square=False))
    return qr_result(Q, R)


# ---------------------------------------------------------------------- eigh
class Eigh(Function):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices; only the
    triangle ``UPLO`` is read. Backward (distinct eigenvalues):
    gA = V (diag(gw) + F * skew(V^T gV) / 2) V^T with F_ij = 1 / (w_j - w_i), symmetric."""

    def __init__(self, uplo: str) -> None:
        self.uplo = uplo

    def forward(self, A):
        xp = get_array_module(A)
        w, v = xp.linalg.eigh(A, UPLO=self.uplo)
        return w, v

    def backward(self, gw, gv):
        w, V = _all_outputs(self)
        inner = None
        if gv is not None:
            F = _inverse_gaps(w)
            vg = matmul(_mT(V), gv)
            inner = (vg - _mT(vg)) * 0.5 * F
        if gw is not None:
            inner = _diag_embed(gw) if inner is None else inner + _diag_embed(gw)
        return matmul(matmul(V, inner), _mT(V))


def eigh(A: Any, UPLO: str = "L") -> eigh_result:
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix in ``A``, eigenvalues in
    ascending order. Only the lower (``UPLO="L"``) or upper triangle is read. The gradient
    assumes distinct eigenvalues; eigenvector signs may differ from PyTorch's.

    >>> import scratchgrad as sg
    >>> sg.linalg.eigh(sg.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    w, v = Eigh(UPLO)(_float_matrix(A, "eigh"))
    return eigh_result(w, v)


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues of each symmetric matrix in ``A``, ascending.

    >>> import scratchgrad as sg
    >>> sg.linalg.eigvalsh(sg.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    return eigh(A, UPLO).eigenvalues


# ---------------------------------------------------------------------- svd
class SVD(Function):
    """A = U diag(S) Vh, reduced (``full`` = False) or full. Backward (Townsend 2016), for
    the reduced form with distinct nonzero singular values: with F_ij = 1 / (s_j^2 - s_i^2),
    gA = U [F * (U^T gU - gU^T U) S + diag(gS) + S F * (V^T gV - gV^T V)] V^T
    + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)."""

    def __init__(self, full: bool) -> None:
        self.full = full

    def forward(self, A):
        xp = get_array_module(A)
        u, s, vh = xp.linalg.svd(A, full_matrices=self.full)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        A = self.inputs[0]
        m, n = A.shape[-2:]
        U, S, Vh = _all_outputs(self)
        if self.full and m != n and (gu is not None or gvh is not None):
            raise NotImplementedError(f"linalg.svd: backward through U or Vh with "
                                      f"full_matrices=True on a non-square input (shape "
                                      f"{A.shape}) is not implemented; use "
                                      "full_matrices=False")
        V = _mT(Vh)
        inner = None if gs is None else _diag_embed(gs)
        if gu is None and gvh is None:
            return matmul(matmul(U, inner), Vh)
        k = S.shape[-1]
        F = _inverse_gaps(S * S)
        Sm = _shape.unsqueeze(S, -2)       # scales columns: X * Sm = X diag(S)
        Sinv = _shape.unsqueeze(1.0 / S, -2)
        extra = None
        if gu is not None:
            ug = matmul(_mT(U), gu)
            t = (F * (ug - _mT(ug))) * Sm
            inner = t if inner is None else inner + t
            if m > k:
                proj = gu - matmul(U, ug)
                extra = matmul(proj * Sinv, Vh)
        if gvh is not None:
            gv = _mT(gvh)
            vg = matmul(_mT(V), gv)
            t = _mT(Sm) * (F * (vg - _mT(vg)))
            inner = t if inner is None else inner + t
            if n > k:
                proj = gv - matmul(V, vg)            # (I - V V^T) gV
                e = matmul(U * Sinv, _mT(proj))
                extra = e if extra is None else extra + e
        out = matmul(matmul(U, inner), Vh)
        return out if extra is None else out + extra


def svd(A: Any, full_matrices: bool = True) -> svd_result:
    """``(U, S, Vh)`` with A = U diag(S) Vh, singular values descending. The gradient assumes
    distinct nonzero singular values, and with ``full_matrices=True`` on a non-square input
    it exists for S only (use ``full_matrices=False``). Signs of the singular vectors may
    differ from PyTorch's.

    >>> import scratchgrad as sg
    >>> sg.linalg.svd(sg.tensor([[3.0, 0.0], [0.0, -2.0]])).S
    tensor([3., 2.])
    """
    U, S, Vh = SVD(bool(full_matrices))(_float_matrix(A, "svd", square=False))
    return svd_result(U, S, Vh)


def svdvals(A: Any) -> Tensor:
    """The singular values of each matrix in ``A``, descending.

    >>> import scratchgrad as sg
    >>> sg.linalg.svdvals(sg.tensor([[0.0, 2.0], [1.0, 0.0]]))
    tensor([2., 1.])
    """
    return svd(A, full_matrices=False).S


def pinv(A: Any, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD: singular values at most
    max(atol, rtol * largest) count as zero (default rtol: eps * max(m, n), atol 0).

    >>> import scratchgrad as sg
    >>> sg.linalg.pinv(sg.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    A = _float_matrix(A, "pinv", square=False)
    U, S, Vh = svd(A, full_matrices=False)
    xp = get_array_module(S._data)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else (
            float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:]))
    smax = S._data.max(axis=-1, keepdims=True) if S.shape[-1] else S._data
    keep = Tensor._make(S._data > xp.maximum(atol or 0.0, rtol * smax))
    sinv = where(keep, 1.0 / where(keep, S, 1.0), 0.0)
    return matmul(_mT(Vh) * _shape.unsqueeze(sinv, -2), _mT(U))


# ---------------------------------------------------------------------- compositions
def matrix_power(A: Any, n: int) -> Tensor:
    """A multiplied by itself ``n`` times (by repeated squaring); n = 0 gives the identity,
    n < 0 powers of the inverse.

    >>> import scratchgrad as sg
    >>> sg.linalg.matrix_power(sg.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    A = to_tensor(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.matrix_power: expected a batch of square matrices, got shape "
                         f"{A.shape}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    n = int(n)
    if n == 0:
        return _shape.broadcast_to(_eye_like(A, A.shape[-1]), A.shape) + A * 0
    if n < 0:
        A, n = inv(A), -n
    out, base = None, A
    while n:
        if n & 1:
            out = base if out is None else matmul(out, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return out


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """The dot product of ``x`` and ``y`` along ``dim`` (they broadcast).

    >>> import scratchgrad as sg
    >>> sg.linalg.vecdot(sg.tensor([[1.0, 2.0]]), sg.tensor([3.0, 4.0]))
    tensor([11.])
    """
    prod = to_tensor(x) * to_tensor(y)
    return _red.sum(prod, normalize_dim(dim, prod.ndim, "linalg.vecdot"))


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (default the last); the two broadcast.

    >>> import scratchgrad as sg
    >>> sg.linalg.cross(sg.tensor([1.0, 0.0, 0.0]), sg.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    return _olinalg.cross(input, other, dim=dim)


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """The product of a chain of matrices; the first may be a row vector (1-D) and the last
    a column vector (1-D). Multiplied in the cheaper order of the two ends for three.

    >>> import scratchgrad as sg
    >>> sg.linalg.multi_dot([sg.ones(3), sg.ones(3, 2), sg.ones(2)])
    tensor(6.)
    """
    ts = [to_tensor(t) for t in tensors]
    if len(ts) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(ts)}")
    for i, t in enumerate(ts):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(ts) - 1))
        if not ok:
            raise ValueError(f"linalg.multi_dot: tensor {i} has shape {t.shape}; expected 2-D "
                             "(the first and last may be 1-D)")
    out = ts[0]
    for i, t in enumerate(ts[1:], 1):
        if out.shape[-1] != t.shape[0]:
            raise ValueError(f"linalg.multi_dot: tensor {i} of shape {t.shape} does not match "
                             f"the product so far of shape {out.shape}")
        out = matmul(out, t)
    return out


# ---------------------------------------------------------------------- norms
def _cast(x: Tensor, dtype: Any, op: str) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise TypeError(f"linalg.{op}: expected a floating-point tensor, got {x.dtype}")
    return x


def vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements when None, as one flat vector):
    ord is a number (0 counts nonzeros) or +-inf. The gradient is 0 at a zero norm.

    >>> import scratchgrad as sg
    >>> sg.linalg.vector_norm(sg.tensor([[3.0, 4.0], [0.0, 0.0]]), dim=1)
    tensor([5., 0.])
    """
    x = _cast(to_tensor(x), dtype, "vector_norm")
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg.vector_norm: ord must be a number or inf, got {ord!r}")
    axes, keep = reduce_axes(dim, None, keepdim, None, x.ndim, "linalg.vector_norm")
    if axes is not None and len(set(axes)) < len(axes):
        raise ValueError(f"linalg.vector_norm: dim {dim} names a dimension twice")
    return _red.Norm(float(ord), axes, keep)(x)


def matrix_norm(A: Any, ord: Any = "fro", dim: tuple = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The matrix norm over the two dimensions ``dim``: ``"fro"``, ``"nuc"`` (sum of the
    singular values), 1 / -1 (largest / smallest absolute column sum), inf / -inf (row
    sums), 2 / -2 (largest / smallest singular value).

    >>> import scratchgrad as sg
    >>> sg.linalg.matrix_norm(sg.tensor([[1.0, -2.0], [3.0, 4.0]]), 1)
    tensor(6.)
    """
    A = _cast(to_tensor(A), dtype, "matrix_norm")
    if A.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: expected a tensor with at least 2 dimensions, "
                         f"got shape {A.shape}")
    try:
        d0, d1 = (normalize_dim(d, A.ndim, "linalg.matrix_norm") for d in dim)
    except (TypeError, ValueError):
        raise ValueError(f"linalg.matrix_norm: dim must be a pair of dimensions, got "
                         f"{dim!r}") from None
    if d0 == d1:
        raise ValueError(f"linalg.matrix_norm: dim {tuple(dim)} names one dimension twice")
    if ord == "fro":
        return _red.Norm(2.0, tuple(sorted((d0, d1))), bool(keepdim))(A)
    if ord in ("nuc", 2, -2):
        M = _shape.movedim(A, (d0, d1), (-2, -1))
        s = svdvals(M)
        out = (_red.sum(s, -1) if ord == "nuc" else
               _red.amax(s, -1) if ord == 2 else _red.amin(s, -1))
    elif ord in (1, -1, _INF, -_INF):
        from .ops.arithmetic import abs as _abs

        summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = _red.sum(_abs(A), summed, keepdim=True)
        out = (_red.amax if ord > 0 else _red.amin)(s, other, keepdim=True)
        out = _shape.squeeze(out, (d0, d1))
    else:
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or "
                         f"-inf, got {ord!r}")
    if keepdim:
        for d in sorted((d0, d1)):
            out = _shape.unsqueeze(out, d)
    return out


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """A vector or matrix norm, chosen as ``torch.linalg.norm`` does: with an int ``dim`` (or
    a 1-D input and no dim) the vector norm, with a pair of dims (or a 2-D input and no dim)
    the matrix norm; with neither ``ord`` nor ``dim`` the 2-norm of all elements.

    >>> import scratchgrad as sg
    >>> sg.linalg.norm(sg.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    A = to_tensor(A)
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise ValueError(f"linalg.norm: dim must name 1 or 2 dimensions, got {dim}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ValueError(f"linalg.norm: with ord={ord!r} and no dim the input must be 1-D or 2-D, "
                     f"got shape {A.shape}")
