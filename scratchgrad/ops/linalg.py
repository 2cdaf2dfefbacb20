"""Linear algebra: matmul (1-D to N-D with batch broadcasting), mm, dot, bmm, mv, outer,
einsum, tensordot, diag, trace."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import get_array_module
from ..function import Function
from ._operands import as_tensor_like, binary_operands
from ..tensor import Tensor
from ._util import constant_array, normalize_dim, quiet, same_dtype, to_tensor
from .shape import broadcast_to, reshape, sum_to, transpose


class MatMul(Function):
    """Matrix product of two tensors with at least 2 dimensions (batch dims broadcast)."""

    def forward(self, a, b):
        return quiet.run(np.matmul, a, b)  # inf * 0 in a sum of products: nan, silently

    def backward(self, gy):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            ga = sum_to(matmul(gy, transpose(b, -1, -2)), a._data.shape)
        if b.requires_grad:
            gb = sum_to(matmul(transpose(a, -1, -2), gy), b._data.shape)
        return ga, gb


def _product_operands(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """The operands of a matrix product as two tensors of one dtype. Unlike the elementwise
    ops, products do not promote (PyTorch: "expected m1 and m2 to have the same dtype"): a
    float64 or int64 input to float32 weights raises instead of computing in float64. A NumPy
    array counts as a tensor of its dtype; a nested list of numbers next to a floating tensor
    takes that tensor's dtype (as a Python scalar would)."""
    if not isinstance(a, Tensor):
        a = _operand_like(a, b if isinstance(b, Tensor) else Tensor(b))
    if not isinstance(b, Tensor):
        b = _operand_like(b, a)
    if a._data.dtype != b._data.dtype:
        same_dtype(op, "both operands", a, b)
    return a, b


def _operand_like(value: Any, like: Tensor) -> Tensor:
    t = as_tensor_like(value, like)
    dtype = like._data.dtype
    if not hasattr(value, "dtype") and dtype.kind == "f" and t._data.dtype != dtype:
        t = Tensor._make(constant_array(t._data.astype(dtype)))
    return t


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Matrix product with NumPy's rules: 1-D operands are promoted to a row or column and
    the added dimension removed afterwards; leading dimensions broadcast. Both operands must
    have one dtype (no promotion, as in PyTorch).

    >>> import scratchgrad as sg
    >>> (sg.ones(2, 3) @ sg.ones(3)).shape
    (2,)
    """
    a, b = _product_operands(input, other, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last "
                         f"dimension of the first ({k_a}) must equal the "
                         f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the "
                         f"second ({k_b})")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} do not "
                             "broadcast") from None
    if a.ndim >= 2 and b.ndim >= 2:
        return MatMul()(a, b)
    a2 = reshape(a, (1, k_a)) if a.ndim == 1 else a
    b2 = reshape(b, (k_b, 1)) if b.ndim == 1 else b
    y = MatMul()(a2, b2)
    shape = y.shape[:-2] + y.shape[-2:-1] * (a.ndim > 1) + y.shape[-1:] * (b.ndim > 1)
    return reshape(y, shape)


def mm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    """Product of two matrices (2-D only; see :func:`matmul` for the general form)."""
    return _mm(input, mat2, "mm")


def _mm(a: Any, b: Any, op: str) -> Tensor:
    a, b = _product_operands(a, b, op)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"{op}: expects two 2-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} are not aligned ({a.shape[1]} "
                         f"columns against {b.shape[0]} rows)")
    return MatMul()(a, b)


def dot(a: Any, b: Any) -> Tensor:
    """Inner product of two 1-D tensors of equal length."""
    a, b = _product_operands(a, b, "dot")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot: expects two 1-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"dot: the tensors must have equal lengths, got shapes {a.shape} and "
                         f"{b.shape}")
    return matmul(a, b)


def bmm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p); no broadcasting.

    >>> import scratchgrad as sg
    >>> sg.bmm(sg.ones(2, 3, 4), sg.ones(2, 4, 5)).shape
    (2, 3, 5)
    """
    return _bmm(input, mat2, "bmm")


def _bmm(input: Any, mat2: Any, op: str) -> Tensor:  # noqa: A002
    a, b = _product_operands(input, mat2, op)
    if a.ndim != 3 or b.ndim != 3:
        raise ValueError(f"{op}: expects two 3-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not match: expected "
                         f"(b, n, m) and (b, m, p) with equal b and m")
    return MatMul()(a, b)


def mv(input: Any, vec: Any) -> Tensor:  # noqa: A002
    """Matrix-vector product of a 2-D (n, m) and a 1-D (m,) tensor.

    >>> import scratchgrad as sg
    >>> sg.mv(sg.ones(2, 3), sg.ones(3))
    tensor([3., 3.])
    """
    a, v = _product_operands(input, vec, "mv")
    if a.ndim != 2 or v.ndim != 1:
        raise ValueError(f"mv: expects a 2-D and a 1-D tensor, got shapes {a.shape} and "
                         f"{v.shape}")
    if a.shape[1] != v.shape[0]:
        raise ValueError(f"mv: shapes {a.shape} and {v.shape} are not aligned ({a.shape[1]} "
                         f"columns against {v.shape[0]} elements)")
    return matmul(a, v)


def outer(input: Any, vec2: Any) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j].

    >>> import scratchgrad as sg
    >>> sg.outer(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    a, b = binary_operands(input, vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: expects two 1-D tensors, got shapes {a.shape} and {b.shape}")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


# ---------------------------------------------------------------------- einsum
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with every ``...`` replaced by
    letters and the implicit output (letters seen once, in order) made explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} has {len(terms)} operand(s), "
                         f"got {len(shapes)} tensor(s)")
    for term in terms + [rhs]:
        bad = set(term.replace("...", "")) - set(_LETTERS)
        if bad or term.replace("...", "").count(".") or term.count("...") > 1:
            raise ValueError(f"einsum: invalid subscripts {term!r} in {equation!r} (letters "
                             "a-z, A-Z and at most one '...' per term)")
    used = [c for c in eq if c in _LETTERS]
    fresh = iter(c for c in _LETTERS if c not in used)
    n_ell = 0
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if ("..." in term and named > len(shape)) or ("..." not in term and named != len(shape)):
            raise ValueError(f"einsum: subscripts {term!r} of {equation!r} do not fit an "
                             f"operand of shape {shape}")
        if "..." in term:
            n_ell = max(n_ell, len(shape) - named)
    ell = "".join(next(fresh) for _ in range(n_ell))
    subs = [t.replace("...", ell[n_ell - (len(s) - len(t.replace("...", ""))):] if n_ell else "")
            for t, s in zip(terms, shapes)]
    if arrow:  # without '...' on the right, the ellipsis dimensions are summed away
        out = rhs.replace("...", ell)
    else:  # implicit: ellipsis dimensions, then the letters seen once in ASCII order
        seen = "".join(subs)
        out = ell + "".join(sorted(c for c in set(seen) if seen.count(c) == 1 and c not in ell))
    for c in out:
        if c not in "".join(subs):
            raise ValueError(f"einsum: output subscript {c!r} of {equation!r} appears in no "
                             "operand")
        if out.count(c) > 1:
            raise ValueError(f"einsum: output subscript {c!r} appears twice in {equation!r}")
    return subs, out


def _broadcast_labels(subs: list[str], shapes: list[tuple], equation: str) -> list[str]:
    """Check the sizes of each letter; a size-1 dimension against a larger one broadcasts,
    so it gets a letter of its own (summed over, size 1) and the larger size wins."""
    sizes: dict[str, int] = {}
    for term, shape in zip(subs, shapes):
        for c, n in zip(term, shape):
            if n != 1 and sizes.get(c, 1) not in (1, n):
                raise ValueError(f"einsum: subscript {c!r} of {equation!r} has size {n} for "
                                 f"an operand of shape {shape} but size {sizes[c]} elsewhere; "
                                 f"operand shapes {[tuple(s) for s in shapes]}")
            if n != 1 or c not in sizes:
                sizes[c] = n
    used = set("".join(subs))
    fresh = iter(c for c in _LETTERS if c not in used)
    out = []
    for term, shape in zip(subs, shapes):
        chars = []
        for c, n in zip(term, shape):
            if n == 1 and sizes[c] != 1:
                try:
                    c = next(fresh)
                except StopIteration:
                    raise ValueError(f"einsum: too many subscripts in {equation!r}") from None
            chars.append(c)
        out.append("".join(chars))
    return out


class Einsum(Function):
    """``xp.einsum`` with an explicit equation (no ellipsis, no broadcasting: the function
    rewrites those). The gradient of each operand is another einsum of the upstream gradient
    and the other operands; letters found only in that operand are broadcast back, and
    repeated letters (diagonals) are put back on the diagonal with identity matrices."""

    def __init__(self, subs: tuple[str, ...], out: str) -> None:
        self.subs, self.out = subs, out

    def forward(self, *xs):
        xp = get_array_module(xs[0])
        return quiet.run(xp.einsum, ",".join(self.subs) + "->" + self.out, *xs,
                         optimize=len(xs) > 1)

    def backward(self, gy):
        xs = self.inputs
        grads = []
        for i, (x, term) in enumerate(zip(xs, self.subs)):
            if not x.requires_grad:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(self.subs) if j != i]
            reach = set(self.out).union(*others)
            unique = "".join(dict.fromkeys(term))
            kept = "".join(c for c in unique if c in reach)
            g = _einsum([self.out, *others], kept, [gy, *[t for j, t in enumerate(xs) if j != i]])
            if kept != unique:  # letters summed inside this operand only: broadcast back
                sizes = dict(zip(term, x.shape))
                g = reshape(g, tuple(sizes[c] if c in kept else 1 for c in unique))
                g = broadcast_to(g, tuple(sizes[c] for c in unique))
            if unique != term:
                g = _embed_diagonals(g, unique, term, x)
            grads.append(g)
        return tuple(grads) if len(grads) > 1 else grads[0]


def _embed_diagonals(g: Tensor, unique: str, term: str, x: Tensor) -> Tensor:
    """From g over ``unique`` letters, the tensor over ``term`` (repeated letters) that is g on
    the diagonals and zero elsewhere: an einsum with one identity matrix per repeat."""
    xp = get_array_module(x._data)
    used = set(term)
    fresh = iter(c for c in _LETTERS if c not in used)
    target, eyes, eye_subs, seen = [], [], [], set()
    for c, n in zip(term, x.shape):
        if c in seen:
            d = next(fresh)
            eyes.append(Tensor._make(xp.eye(n, dtype=g._data.dtype)))
            eye_subs.append(c + d)
            target.append(d)
        else:
            seen.add(c)
            target.append(c)
    return _einsum([unique, *eye_subs], "".join(target), [g, *eyes])


def _einsum(subs: list[str], out: str, operands: list[Tensor]) -> Tensor:
    return Einsum(tuple(subs), out)(*operands)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products given by Einstein notation, as ``torch.einsum``: ``"ij,jk->ik"`` is a
    matrix product; ``...`` stands for broadcast dimensions; without ``->`` the output has
    the letters seen once, in alphabetical order. Repeated letters in one operand take its
    diagonal. Every operand is differentiable, twice.

    >>> import scratchgrad as sg
    >>> sg.einsum("ij,jk->ik", sg.ones(2, 3), sg.ones(3, 4)).shape
    (2, 4)
    >>> sg.einsum("ii", sg.eye(3))
    tensor(3.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if not operands:
        raise ValueError("einsum: expected at least one operand")
    xs = [to_tensor(x) for x in operands]
    dtypes = {x.dtype for x in xs}
    if len(dtypes) > 1:
        raise TypeError(f"einsum: the operands must have one dtype, got "
                        f"{', '.join(str(x.dtype) for x in xs)}")
    shapes = [tuple(x.shape) for x in xs]
    subs, out = _parse_einsum(equation, shapes)
    subs = _broadcast_labels(subs, shapes, equation)
    return _einsum(subs, out, xs)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Contract the last ``dims`` dimensions of ``a`` with the first ``dims`` of ``b``, or,
    with ``dims=([da...], [db...])``, the listed pairs (an einsum underneath).

    >>> import scratchgrad as sg
    >>> sg.tensordot(sg.ones(2, 3, 4), sg.ones(3, 4, 5)).shape
    (2, 5)
    >>> sg.tensordot(sg.ones(3, 4), sg.ones(4, 3), dims=([0], [1])).shape
    (4, 4)
    """
    a, b = binary_operands(a, b)
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} must be in [0, min(ndim)] for shapes "
                             f"{a.shape} and {b.shape}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        try:
            da, db = [[int(d) for d in ([x] if isinstance(x, int) else x)] for x in dims]
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: dims must be an int or two lists of dimensions, got "
                            f"{dims!r}") from None
        if len(da) != len(db):
            raise ValueError(f"tensordot: dims lists {da} and {db} have different lengths")
        da = [normalize_dim(d, a.ndim, "tensordot") for d in da]
        db = [normalize_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: dimension {i} of shape {a.shape} and dimension {j} "
                             f"of shape {b.shape} differ ({a.shape[i]} != {b.shape[j]})")
    sa = _LETTERS[:a.ndim]
    sb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    sb = "".join(sb)
    out = "".join(c for k, c in enumerate(sa) if k not in da) + "".join(
        c for k, c in enumerate(sb) if k not in db)
    return _einsum([sa, sb], out, [a, b])


# ---------------------------------------------------------------------- diagonals
class Diag(Function):
    """Between a vector and the ``k``-th diagonal of a matrix of ``shape``: 1-D input gives
    the matrix (zeros elsewhere), 2-D input gives the diagonal. Each direction is the
    other's gradient."""

    def __init__(self, k: int, shape: tuple) -> None:
        self.k, self.shape = k, shape

    def _index(self, xp):
        n_rows, n_cols = self.shape
        r0, c0 = max(-self.k, 0), max(self.k, 0)
        length = max(0, min(n_rows - r0, n_cols - c0))
        i = xp.arange(length)
        return i + r0, i + c0

    def forward(self, x):
        xp = get_array_module(x)
        rows, cols = self._index(xp)
        if x.ndim == 2:
            return x[rows, cols]
        y = xp.zeros(self.shape, dtype=x.dtype)
        y[rows, cols] = x
        return y

    def backward(self, gy):
        return Diag(self.k, self.shape)(gy)


def diag(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-D tensor becomes a square matrix with it on diagonal ``diagonal`` (above the main
    one when positive); a 2-D tensor gives its diagonal as a 1-D tensor.

    >>> import scratchgrad as sg
    >>> sg.diag(sg.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    >>> sg.diag(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    tensor([2.])
    """
    x = to_tensor(input)
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"diag: diagonal must be an int, got {diagonal!r}")
    k = int(diagonal)
    if x.ndim == 1:
        n = x.shape[0] + (k if k >= 0 else -k)
        return Diag(k, (n, n))(x)
    if x.ndim == 2:
        return Diag(k, tuple(x.shape))(x)
    raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")


def trace(input: Any) -> Tensor:  # noqa: A002
    """Sum of the main diagonal of a 2-D tensor (integers give int64).

    >>> import scratchgrad as sg
    >>> sg.trace(sg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    from .reduction import sum as _sum

    x = to_tensor(input)
    if x.ndim != 2:
        raise ValueError(f"trace: expects a 2-D tensor, got shape {x.shape}")
    return _sum(diag(x))


# ---------------------------------------------------------------------- products built on matmul
# Compositions of matmul, mul, add and norm: each gets its gradient (and double backward) from
# those ops.
def _check_scalar(op: str, name: str, value: Any) -> None:
    if isinstance(value, Tensor) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")


def _scaled_sum(op: str, input: Tensor, prod: Tensor, beta: Any, alpha: Any) -> Tensor:  # noqa: A002
    _check_scalar(op, "beta", beta)
    _check_scalar(op, "alpha", alpha)
    try:
        np.broadcast_shapes(input.shape, prod.shape)
    except ValueError:
        raise ValueError(f"{op}: input of shape {input.shape} does not broadcast to the product's "
                         f"shape {prod.shape}") from None
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:  # PyTorch ignores input then: nan and inf in it do not propagate
        return broadcast_to(out, prod.shape) if out.shape != prod.shape else out
    return broadcast_to(out + (input if beta == 1 else input * beta), prod.shape)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1,  # noqa: A002
          alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1`` and ``mat2``; ``input``
    broadcasts to the product's shape (with beta=0 it is ignored, nan included).

    >>> import scratchgrad as sg
    >>> sg.addmm(sg.ones(2), sg.ones(2, 3), sg.ones(3, 2), beta=0.5, alpha=2)
    tensor([[6.5000, 6.5000],
            [6.5000, 6.5000]])
    """
    x = to_tensor(input)
    prod = _mm(mat1, mat2, "addmm")
    same_dtype("addmm", "input and mat1 @ mat2", x, prod)
    return _scaled_sum("addmm", x, prod, beta, alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1,  # noqa: A002
            alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)`` for 3-D batches; ``input`` broadcasts.

    >>> import scratchgrad as sg
    >>> sg.baddbmm(sg.zeros(1, 2, 2), sg.ones(3, 2, 4), sg.ones(3, 4, 2)).shape
    (3, 2, 2)
    """
    x = to_tensor(input)
    prod = _bmm(batch1, batch2, "baddbmm")
    same_dtype("baddbmm", "input and bmm(batch1, batch2)", x, prod)
    return _scaled_sum("baddbmm", x, prod, beta, alpha)


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim``; the two broadcast. Without ``dim``,
    PyTorch's deprecated rule: the first dimension of size 3 (with its warning); prefer
    ``dim=-1`` or ``scratchgrad.linalg.cross``.

    >>> import scratchgrad as sg
    >>> sg.cross(sg.tensor([1.0, 0.0, 0.0]), sg.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    from .shape import getitem, stack

    a, b = binary_operands(input, other)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"cross: shapes {a.shape} and {b.shape} do not broadcast") from None
    if a.ndim != b.ndim:
        raise ValueError(f"cross: the inputs must have the same number of dimensions, got "
                         f"shapes {a.shape} and {b.shape}")
    if dim is None:
        import warnings

        sizes3 = [k for k, n in enumerate(shape) if n == 3]
        if not sizes3:
            raise ValueError(f"cross: no dimension of size 3 in the inputs of shapes {a.shape} "
                             f"and {b.shape}")
        warnings.warn("cross: calling without dim is deprecated (the first dimension of size 3 "
                      "is used); pass dim explicitly or use scratchgrad.linalg.cross",
                      UserWarning, stacklevel=2)
        d = sizes3[0]
    else:
        d = normalize_dim(dim, len(shape), "cross")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise ValueError(f"cross: dimension {d} must have size 3 in both inputs, got shapes "
                         f"{a.shape} and {b.shape}")
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    lead = (slice(None),) * d
    ai = [getitem(a, lead + (i,)) for i in range(3)]
    bi = [getitem(b, lead + (i,)) for i in range(3)]
    return stack([ai[1] * bi[2] - ai[2] * bi[1], ai[2] * bi[0] - ai[0] * bi[2],
                  ai[0] * bi[1] - ai[1] * bi[0]], d)


def kron(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Kronecker product: blocks ``input[i, j] * other``; the operand with fewer
    dimensions gets leading ones.

    >>> import scratchgrad as sg
    >>> sg.kron(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 10.0]))
    tensor([ 1., 10.,  2., 20.])
    """
    a, b = binary_operands(input, other)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    # (a0, a1) and (b0, b1) -> (a0, 1, a1, 1) * (1, b0, 1, b1) -> (a0 * b0, a1 * b1)
    ya = reshape(a, tuple(v for s in sa for v in (s, 1)))
    yb = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(ya * yb, tuple(x * y for x, y in zip(sa, sb)))


def cdist(x1: Any, x2: Any, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): shape (..., P, R), batch dimensions broadcasting. Computed from the
    differences (never the ``|x|^2 - 2 x.y + |y|^2`` shortcut), so the gradient is exactly 0
    at zero distance, as PyTorch's.

    >>> import scratchgrad as sg
    >>> sg.cdist(sg.tensor([[0.0, 0.0]]), sg.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5., 1.]])
    """
    from .reduction import Norm

    a, b = binary_operands(x1, x2)
    if a._data.dtype.kind != "f":
        raise TypeError(f"cdist: expected floating-point inputs, got {a.dtype} and {b.dtype}")
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"cdist: expected inputs with at least 2 dimensions, got shapes "
                         f"{a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: x1 of shape {a.shape} and x2 of shape {b.shape} must have the "
                         "same number of columns")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.number)) or p < 0:
        raise ValueError(f"cdist: p must be a non-negative number, got {p!r}")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: batch dimensions of {a.shape} and {b.shape} do not "
                         "broadcast") from None
    diff = reshape(a, a.shape[:-1] + (1, a.shape[-1])) - reshape(b, b.shape[:-2] + (1,)
                                                                 + b.shape[-2:])
    return Norm(float(p), (diff.ndim - 1,), False)(diff)


def dist(input: Any, other: Any, p: float = 2) -> Tensor:  # noqa: A002
    """The ``p``-norm of ``input - other`` (which broadcast), as one number.

    >>> import scratchgrad as sg
    >>> sg.dist(sg.tensor([1.0, 2.0]), sg.tensor([4.0, 6.0]))
    tensor(5.)
    """
    from .reduction import norm

    a, b = binary_operands(input, other)
    if a._data.dtype.kind != "f":
        raise TypeError(f"dist: expected floating-point inputs, got {a.dtype} and {b.dtype}")
    return norm(a - b, float(p))


# ---------------------------------------------------------------------- more scaled sums
def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat @ vec)``.

    >>> import scratchgrad as sg
    >>> sg.addmv(sg.ones(2), sg.ones(2, 3), sg.ones(3))
    tensor([4., 4.])
    """
    x = to_tensor(input)
    prod = mv(mat, vec)
    same_dtype("addmv", "input and mat @ vec", x, prod)
    return _scaled_sum("addmv", x, prod, beta, alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1,  # noqa: A002
         alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``.

    >>> import scratchgrad as sg
    >>> sg.addr(sg.zeros(2, 2), sg.tensor([1.0, 2.0]), sg.tensor([1.0, 3.0]))
    tensor([[1., 3.],
            [2., 6.]])
    """
    x = to_tensor(input)
    prod = outer(vec1, vec2)
    same_dtype("addr", "input and outer(vec1, vec2)", x, prod)
    return _scaled_sum("addr", x, prod, beta, alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1,  # noqa: A002
           alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``.

    >>> import scratchgrad as sg
    >>> sg.addbmm(sg.zeros(2, 2), sg.ones(3, 2, 4), sg.ones(3, 4, 2))
    tensor([[12., 12.],
            [12., 12.]])
    """
    from .reduction import sum as _sum

    x = to_tensor(input)
    prod = _sum(_bmm(batch1, batch2, "addbmm"), 0)
    same_dtype("addbmm", "input and the sum of bmm(batch1, batch2)", x, prod)
    return _scaled_sum("addbmm", x, prod, beta, alpha)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2``, broadcasting.

    >>> import scratchgrad as sg
    >>> sg.addcmul(sg.ones(2), sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0]), value=0.5)
    tensor([2.5000, 5.0000])
    """
    _check_scalar("addcmul", "value", value)
    prod = to_tensor(tensor1) * tensor2
    return to_tensor(input) + (prod if value == 1 else prod * value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2``, broadcasting.

    >>> import scratchgrad as sg
    >>> sg.addcdiv(sg.ones(2), sg.tensor([1.0, 2.0]), sg.tensor([4.0, 4.0]), value=2)
    tensor([1.5000, 2.0000])
    """
    _check_scalar("addcdiv", "value", value)
    q = to_tensor(tensor1) / tensor2
    return to_tensor(input) + (q if value == 1 else q * value)


def inner(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Sum of products over the last dimensions (a product by a number for 0-d operands).

    >>> import scratchgrad as sg
    >>> sg.inner(sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    a, b = to_tensor(input), to_tensor(other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


def vdot(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Dot product of two 1-d tensors (no conjugation: the tensors are real).

    >>> import scratchgrad as sg
    >>> sg.vdot(sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return dot(input, other)


def ger(input: Any, vec2: Any) -> Tensor:  # noqa: A002
    """The old name of :func:`outer`.

    >>> import scratchgrad as sg
    >>> sg.ger(sg.tensor([1.0, 2.0]), sg.tensor([1.0])).shape
    (2, 1)
    """
    return outer(input, vec2)


def logdet(input: Any) -> Tensor:  # noqa: A002
    """log(det(A)) of square matrices (nan where the determinant is negative).

    >>> import scratchgrad as sg
    >>> sg.logdet(sg.eye(2) * 2)
    tensor(1.3863)
    """
    from .. import linalg as _linalg  # noqa: PLC0415  (scratchgrad.linalg imports ops)
    from .elementwise import log

    return log(_linalg.det(input))


# ---------------------------------------------------------------------- torch.<name> forms of
# the factorizations (PyTorch's older signatures), on top of scratchgrad.linalg
def _la() -> Any:
    from .. import linalg  # noqa: PLC0415  (scratchgrad.linalg imports ops)

    return linalg


def cholesky(input: Any, upper: bool = False) -> Tensor:  # noqa: A002
    """The Cholesky factor (``torch.cholesky``; see ``scratchgrad.linalg.cholesky``).

    >>> import scratchgrad as sg
    >>> sg.cholesky(sg.eye(2) * 4)
    tensor([[2., 0.],
            [0., 2.]])
    """
    return _la().cholesky(input, upper=upper)


def cholesky_inverse(input: Any, upper: bool = False) -> Tensor:  # noqa: A002
    """The inverse of A from its Cholesky factor (A = L L^T, or U^T U with ``upper``).

    >>> import scratchgrad as sg
    >>> sg.cholesky_inverse(sg.eye(2) * 2)
    tensor([[0.2500, 0.0000],
            [0.0000, 0.2500]])
    """
    L = to_tensor(input)
    A = matmul(transpose(L, -2, -1), L) if upper else matmul(L, transpose(L, -2, -1))
    return _la().inv(A)


def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:
    """X with A X = B, A given by its Cholesky factor ``L``.

    >>> import scratchgrad as sg
    >>> sg.cholesky_solve(sg.ones(2, 1), sg.eye(2) * 2)
    tensor([[0.2500],
            [0.2500]])
    """
    L = to_tensor(L)
    A = matmul(transpose(L, -2, -1), L) if upper else matmul(L, transpose(L, -2, -1))
    return _la().solve(A, B)


def triangular_solve(b: Any, A: Any, upper: bool = True, transpose: bool = False,  # noqa: A002
                     unitriangular: bool = False) -> Any:
    """``(X, A)`` with op(A) X = b for the triangle of A (``torch.triangular_solve``).

    >>> import scratchgrad as sg
    >>> sg.triangular_solve(sg.ones(2, 1), sg.eye(2) * 2).solution
    tensor([[0.5000],
            [0.5000]])
    """
    from collections import namedtuple

    from .shape import tril, triu

    A = to_tensor(A)
    T = triu(A) if upper else tril(A)
    if unitriangular:
        n = A.shape[-1]
        eye = Tensor._from_data(np.eye(n, dtype=A._data.dtype))
        T = T * (1 - eye) + eye
    if transpose:
        T = _transpose(T, -2, -1)
    result = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
    return result(_la().solve(T, b), A * 1)


_transpose = transpose


def qr(input: Any, some: bool = True) -> Any:  # noqa: A002
    """``(Q, R)``, reduced (``some``) or complete (``torch.qr``).

    >>> import scratchgrad as sg
    >>> sg.qr(sg.eye(2)).R
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _la().qr(input, mode="reduced" if some else "complete")


def svd(input: Any, some: bool = True, compute_uv: bool = True) -> Any:  # noqa: A002
    """``(U, S, V)`` with A = U diag(S) V^T (``torch.svd``: V, not V^T).

    >>> import scratchgrad as sg
    >>> sg.svd(sg.eye(2) * 3).S
    tensor([3., 3.])
    """
    from collections import namedtuple

    la = _la()
    result = namedtuple("svd", ["U", "S", "V"])
    U, S, Vh = la.svd(input, full_matrices=not some)
    if not compute_uv:
        z = Tensor._make(np.zeros_like(U._data))
        return result(z, S, Tensor._make(np.zeros_like(Vh._data)))
    return result(U, S, transpose(Vh, -2, -1))


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """The pseudo-inverse (``torch.pinverse``: ``rcond`` is a relative tolerance).

    >>> import scratchgrad as sg
    >>> sg.pinverse(sg.eye(2) * 2)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.5000]])
    """
    return _la().pinv(input, rtol=rcond)


def cov(input: Any, *, correction: int = 1, fweights: Any = None,  # noqa: A002
        aweights: Any = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns); frequency and analytic weights are not supported.

    >>> import scratchgrad as sg
    >>> sg.cov(sg.tensor([[0.0, 1.0, 2.0]]))
    tensor(1.)
    """
    from .reduction import mean

    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not supported")
    x = to_tensor(input)
    if x._data.dtype.kind != "f":
        from ._util import to_float_tensor

        x = to_float_tensor(x)
    if x.ndim > 2:
        raise ValueError(f"cov: expected a 1-d or 2-d tensor, got {x.ndim} dims")
    x2 = reshape(x, (1, -1)) if x.ndim < 2 else x
    xm = x2 - mean(x2, 1, keepdim=True)
    c = matmul(xm, transpose(xm, 0, 1)) * (1.0 / max(x2.shape[1] - correction, 0))
    return reshape(c, ()) if c.shape == (1, 1) else c


def corrcoef(input: Any) -> Tensor:  # noqa: A002
    """Pearson correlation coefficients of the rows, clipped to [-1, 1].

    >>> import scratchgrad as sg
    >>> sg.corrcoef(sg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    from ..ops.elementwise import clamp, sqrt

    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = sqrt(diag(c))
    return clamp(c / outer(d, d), -1.0, 1.0)
