"""Tuned NumPy paths of convolution and pooling (``ops/conv.py``): reusable workspace memory,
layouts chosen for the BLAS, chunked col2im and pooling.

The reference in ``ops/conv.py`` computes a convolution as im2col, one matrix product per
sample and group, and col2im. The kernels here do the same arithmetic, laid out for speed on
NumPy + OpenBLAS (see ``benchmarks/conv_micro.py``):

* The input is written once into a zero buffer of shape ``(N, C, P)``: each ``(n, c)`` plane
  padded and flattened with row pitch ``Wr`` (plus a little slack at the end). No copy at all
  when there is no padding. The buffer is workspace memory, reused from call to call.
* **im2col** is a strided view of that buffer with shape ``(C, KH, KW, N, OH, Wv)``, copied once
  into the column matrix ``col`` of shape ``(C*KH*KW, N*OH*Wv)``. Channels-and-kernel first (not
  one row per output pixel) because then every kernel offset reads long runs of consecutive
  memory; the one-pixel-per-row layout copies runs of only KW values and was several times
  slower.
* With stride 1 the output grid is ``Wv = Wr`` columns wide instead of OW: the ``Wv - OW`` extra
  columns per row are garbage, dropped, but in exchange each kernel offset of each ``(n, c)``
  plane is one contiguous run of ``OH * Wv`` values, both when im2col reads it and when col2im
  adds it back. That costs ``Wv / OW`` more product work (15/14 at 14x14, 3x3, padding 1: a
  window running off the right end of a row reads the next row's left padding, so one padding
  column serves both sides) and saves far more copying.
* **One matrix product per direction**: ``W (OC, K) @ col (K, M)`` forward, ``gy (OC, M) @ col.T``
  for the weight gradient, ``W.T @ gy (OC, M)`` then col2im for the input gradient; groups are
  a leading batch axis of the same ``matmul``. When K = C/groups*KH*KW is small (a first layer
  on 1-3 channels, depthwise) the products run per sample instead (``_Geom.batched``).
* With a bias (and one group) ``col`` gets a row of ones and the weights the bias as one more
  column: the forward product adds the bias, and the first-order backward's weight-gradient
  product gives the bias gradient as its last column (:func:`conv2d_backward`).
* **col2im** adds the ``KH*KW`` slices of the column gradient into a zero buffer, one strided
  slice per kernel offset (never ``np.add.at``), and crops the padding, chunk by chunk of
  samples (``_CHUNK_BYTES``) so that its passes stay in cache.

The first-order backward of a convolution (:func:`conv2d_backward`) reuses the forward's
``col`` for the weight gradient and lays gy out once for both gradients; with
``create_graph=True`` the op's own backward runs, whose gradient Functions take the forward
kernels here.

Pooling (:func:`max_pool2d_forward`) reads the ``KH*KW`` strided slices of the (padded) input
of the reference, but chunk by chunk of samples, into preallocated temporaries, and finds the
argmax with contiguous comparisons. These pooling kernels are written with NumPy calls that
CuPy arrays dispatch too, so they serve both; the Numba loop in ``numba_cpu.py`` takes the
2x2/stride-2 case.

State these kernels keep on the op objects (read by the backward kernels here and in
``cupy.py``; the reference ignores it): ``geom`` (a :class:`_Geom`), ``col`` (the forward's
column matrix, dropped by the backward), ``gy_op`` (a gradient Function's gy in the products'
layout, for its own backward).
"""
from __future__ import annotations

import math
import threading
from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..backend import get_array_module
from ..ops._util import quiet
from ..ops.conv import (Conv2dGradInput, Conv2dGradWeight, Conv2dOp, ConvTranspose2dOp, Fold,
                        MaxPool2dGrad, MaxPool2dOp, Unfold, _ConvArgs, _PoolGeom)
from . import numba_cpu as _numba
from . import register_backward, register_forward


class _Workspace(threading.local):
    """Per-thread scratch memory for the large temporaries of one op call (padded input,
    product outputs, col2im buffer), reused from call to call.

    Why: a fresh array of several MB is new memory from the kernel, page-faulted and zeroed on
    first touch, a large part of a convolution's time; reused memory is already mapped. The
    price: each thread keeps its largest temporaries. A slot serves one op call at a time (one
    forward, or for ``"gy"`` one backward) and nothing returned or saved may be a view of one.
    """

    def __init__(self) -> None:
        self.slots: dict[str, np.ndarray] = {}

    def take(self, slot: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        dtype = np.dtype(dtype)
        n = math.prod(shape) * dtype.itemsize
        raw = self.slots.get(slot)
        if raw is None or raw.nbytes < n:
            raw = self.slots[slot] = np.empty(max(n, 1), dtype=np.uint8)
        return raw[:n].view(dtype).reshape(shape)


_workspace = _Workspace()

# Passes over large activations (pooling, col2im) run in chunks of samples of about this many
# bytes: the chunk and its temporaries stay in the L2 cache across the passes.
_CHUNK_BYTES = 1 << 19


def _chunk(n: int, sample_bytes: int, chunk_bytes: int | None = None) -> int:
    """How many of ``n`` samples of ``sample_bytes`` each make one chunk of about
    ``chunk_bytes`` (default ``_CHUNK_BYTES``; at least 1)."""
    if chunk_bytes is None:
        chunk_bytes = _CHUNK_BYTES
    return max(1, min(n, chunk_bytes // max(sample_bytes, 1)))


# ---------------------------------------------------------------------- geometry and layout
# Below this many columns per group (C/groups * KH * KW) the products run one per sample.
_BATCHED_MAX_K = 64


class _Geom:
    """Sizes of one convolution, how its products are laid out, and the flat padded layout that
    im2col reads.

    ``x_shape`` is (N, C, H, W); ``out_hw`` forces the output size (a transposed convolution
    with ``output_padding`` knows it, the formula alone does not).

    Two layouts, fixed by the shapes so that every Function of one convolution agrees:

    * ``batched`` (few columns: a first layer on 1-3 channels, depthwise): one product per
      sample, ``W (OC, K) @ col_n (K, OH*OW)``, writes the output straight into NCHW and reads
      gy in NCHW; a single product there would have a long thin shape that OpenBLAS runs much
      slower (the weight gradient's inner dimension would be N*OH*OW).
    * otherwise one large product per direction on ``col (K, N*OH*Wv)``, with the output and gy
      transposed to (OC, N*OH*Wv) by one copy each; with stride 1 the grid is ``Wv = Wr``
      columns wide (see the module docstring).

    The GPU paths (``cupy.py``) read only its sizes.
    """

    __slots__ = ("N", "C", "H", "W", "KH", "KW", "sh", "sw", "pt", "pl", "dh", "dw", "OH",
                 "OW", "Hp", "Wp", "Wr", "Wv", "P", "M", "groups", "batched",
                 "flat")

    def __init__(self, x_shape: Sequence[int], k_hw: Sequence[int], a: _ConvArgs,
                 out_hw: Sequence[int] | None = None) -> None:
        self.N, self.C, self.H, self.W = (int(s) for s in x_shape)
        self.KH, self.KW = (int(s) for s in k_hw)
        (self.sh, self.sw), (self.dh, self.dw) = a.stride, a.dilation
        pt, pb, pl, pr = a.padding
        self.pt, self.pl = pt, pl
        self.Hp, self.Wp = self.H + pt + pb, self.W + pl + pr
        if out_hw is None:
            self.OH = (self.Hp - self.dh * (self.KH - 1) - 1) // self.sh + 1
            self.OW = (self.Wp - self.dw * (self.KW - 1) - 1) // self.sw + 1
        else:
            self.OH, self.OW = (int(s) for s in out_hw)
        self.groups = a.groups
        self.batched = (self.C // a.groups) * self.KH * self.KW < _BATCHED_MAX_K
        # Row pitch of the flat planes. A window that runs past the right end of a row reads
        # the start of the next row, its left padding: zeros. So one side's padding columns
        # serve both sides and the pitch is W + max(left, right), not W + left + right (less
        # garbage) - as long as an output row still fits.
        self.Wr = self.W + max(pl, pr) if self.OW <= self.W + max(pl, pr) else self.Wp
        extended = not self.batched and self.sh == 1 and self.sw == 1
        self.Wv = self.Wr if extended else self.OW
        last = ((self.OH - 1) * self.sh + (self.KH - 1) * self.dh) * self.Wr \
            + (self.Wv - 1) * self.sw + (self.KW - 1) * self.dw
        self.P = max(self.Hp * self.Wr, last + 1)
        # Output rows back to back in the planes: offset views are plain slices.
        self.flat = self.sh == 1 and self.Wv == self.Wr
        self.M = self.N * self.OH * self.Wv

    def padded(self, x: np.ndarray) -> np.ndarray:
        """``x`` written into a zero buffer (N, C, P) of flattened padded planes; ``x`` itself
        when it needs neither padding nor slack (no copy)."""
        N, C, H, W = x.shape
        if self.P == H * W and self.Hp == H and self.Wr == W and x.flags.c_contiguous:
            return x.reshape(N, C, self.P)
        # Faster than np.pad, and it has the slack.
        buf = _workspace.take("padded", (N, C, self.P), x.dtype)
        buf.fill(0)
        self.plane(buf)[:, :, self.pt:self.pt + H, self.pl:self.pl + W] = x
        return buf

    def plane(self, buf: np.ndarray) -> np.ndarray:
        """The (N, C, Hp, Wr) view of a flat padded buffer (Wr: the row pitch); (C, N, ...) for a
        buffer laid out channel first."""
        return buf[:, :, :self.Hp * self.Wr].reshape(buf.shape[0], buf.shape[1], self.Hp,
                                                     self.Wr)

    def offset_view(self, buf: np.ndarray, i: int, j: int) -> np.ndarray:
        """(N, C, OH, Wv) view ((C, N, ...) for a channel-first buffer) of a flat padded buffer at
        kernel offset (i, j): the values that offset meets at every output position; (N, C,
        OH*Wv) when ``flat``. Writeable: col2im adds through it."""
        it = buf.itemsize
        off = i * self.dh * self.Wr + j * self.dw
        if self.flat:
            return buf[:, :, off:off + self.OH * self.Wv]
        start = buf[:, :, off:]
        return as_strided(start, buf.shape[:2] + (self.OH, self.Wv),
                          buf.strides[:2] + (self.sh * self.Wr * it, self.sw * it))


def _im2col(x: np.ndarray, g: _Geom, ones: bool = False) -> np.ndarray:
    """The column matrix (C*KH*KW, N*OH*Wv) of ``x``: one strided view, one copy. ``ones``
    appends a row of ones, which carries the bias through the products: see
    :func:`_conv_forward`."""
    buf = g.padded(x)
    it = buf.itemsize
    sN, sC = buf.strides[0], buf.strides[1]
    if g.flat:  # rows back to back: 1-D runs of OH*Wv (see _col2im)
        shape, strides = (g.OH * g.Wv,), (it,)
    else:
        shape, strides = (g.OH, g.Wv), (g.sh * g.Wr * it, g.sw * it)
    view = as_strided(buf, (g.C, g.KH, g.KW, g.N) + shape,
                      (sC, g.dh * g.Wr * it, g.dw * it, sN) + strides, writeable=False)
    K = g.C * g.KH * g.KW
    col = np.empty((K + ones, g.M), dtype=x.dtype)
    np.copyto(col[:K].reshape(view.shape), view)
    if ones:
        col[K] = 1
    return col


def _col2im(gcol: np.ndarray, g: _Geom, kmajor: bool = True) -> np.ndarray:
    """Inverse layout of :func:`_im2col`, summing overlaps: one strided add per kernel offset.
    ``gcol`` is (C*KH*KW, N*OH*Wv) (``kmajor``) or (N, C*KH*KW, OH*Wv) (batched layout).

    Runs over chunks of samples (see ``_CHUNK_BYTES``): zero fill, the KH*KW adds and the crop
    of one chunk touch the same few hundred KB, which then stay in cache. The chunk buffer is
    laid out like the source, (C, n, P) for ``kmajor`` and (n, C, P) otherwise, so that every
    add walks target and source in the same order (NumPy does not reorder the outer loops of a
    strided add for us; the (n, C, P) target under a ``kmajor`` source was markedly slower at
    the reference CNN's second layer); the crop then transposes the chunk once."""
    B = _chunk(g.N, g.C * g.P * gcol.itemsize, 2 * _CHUNK_BYTES)
    out = np.empty((g.N, g.C, g.H, g.W), dtype=gcol.dtype)
    # On the wide grid (stride 1, Wv == Wr) an offset's rows run on into each other: the add
    # is then over (C, n, OH*Wv) runs, faster than 4-D views with short rows.
    tail = (g.OH * g.Wv,) if g.flat else (g.OH, g.Wv)
    if kmajor:
        src = gcol.reshape((g.C, g.KH, g.KW, g.N) + tail)
        gbuf = _workspace.take("col2im", (g.C, B, g.P), gcol.dtype)
    else:
        src = gcol.reshape((g.N, g.C, g.KH, g.KW) + tail)
        gbuf = _workspace.take("col2im", (B, g.C, g.P), gcol.dtype)
    for s0 in range(0, g.N, B):
        n = min(B, g.N - s0)
        sl = slice(s0, s0 + n)
        buf = gbuf[:, :n] if kmajor else gbuf[:n]
        buf.fill(0)
        for i in range(g.KH):
            for j in range(g.KW):
                g.offset_view(buf, i, j)[...] += src[:, i, j, sl] if kmajor else src[sl, :, i, j]
        crop = g.plane(buf)[:, :, g.pt:g.pt + g.H, g.pl:g.pl + g.W]
        out[sl] = crop.transpose(1, 0, 2, 3) if kmajor else crop
    return out


def _batch_view(col: np.ndarray, g: _Geom) -> np.ndarray:
    """(K, N*L) column matrix -> (N, groups, K/groups, L) view, one matrix per sample."""
    return col.reshape(g.groups, -1, g.N, g.OH * g.Wv).transpose(2, 0, 1, 3)


def _weight_matrix(W: np.ndarray, groups: int) -> np.ndarray:
    """(OC, C/g, KH, KW) -> (groups, OC/groups, K/groups), or (OC, K) when groups == 1."""
    Wm = W.reshape(groups, W.shape[0] // groups, -1)
    return Wm[0] if groups == 1 else Wm


def _mT(a: np.ndarray) -> np.ndarray:
    return a.swapaxes(-1, -2)


def _gy_operand(gy: np.ndarray, g: _Geom, scratch: bool = False) -> np.ndarray:
    """gy (N, OC, OH, OW) as the products want it: (N, groups, OC/groups, OH*OW) in the batched
    layout (no copy when contiguous); else (OC, N*OH*Wv), transposed by one copy, with zeros in
    the Wv - OW garbage columns so they add nothing to the gradients (grouped when groups>1).
    ``scratch``: the copy may live in workspace memory (the caller drops it before returning)."""
    N, OC, OH, OW = gy.shape
    G = g.groups
    if g.batched:
        return gy.reshape(N, G, OC // G, OH * OW)
    m = (_workspace.take("gy", (OC, N, OH, g.Wv), gy.dtype) if scratch
         else np.empty((OC, N, OH, g.Wv), dtype=gy.dtype))
    if g.Wv != OW:
        m[..., OW:] = 0
    m[..., :OW] = gy.transpose(1, 0, 2, 3)
    return m.reshape(OC, g.M) if G == 1 else m.reshape(G, OC // G, g.M)


def _conv_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray | None, g: _Geom,
                  col: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """y = conv(x, W) + b, and the column matrix (kept for the weight gradient; ``col``: one
    already computed for this x)."""
    OC = W.shape[0]
    Wm = _weight_matrix(W, g.groups)
    if col is None and b is not None and g.groups == 1:
        # The bias as one more column of the weights against a row of ones in col: the
        # product adds it (no pass over the output), and the weight-gradient product then
        # gives the bias gradient too (see conv2d_backward): at a first layer on one channel
        # (K = 9 -> 10) that halves the time of product and bias, and the bias gradient, a
        # reduction over the whole output gradient, comes free.
        col = _im2col(x, g, ones=True)
        Wm = np.concatenate([Wm, b.reshape(OC, 1).astype(Wm.dtype, copy=False)], axis=1)
        b = None
    elif col is None:
        col = _im2col(x, g)
    if g.batched:
        y = np.matmul(Wm, _batch_view(col, g)).reshape(g.N, OC, g.OH, g.OW)
        if b is not None:
            y += b.reshape(OC, 1, 1)
        return y, col
    Y = np.matmul(Wm, col if g.groups == 1 else col.reshape(g.groups, -1, g.M),
                  out=_workspace.take("product", Wm.shape[:-1] + (g.M,), col.dtype))
    # One copy lays (OC, N, OH, Wv) out as NCHW, drops the garbage columns, adds the bias.
    view = Y.reshape(OC, g.N, g.OH, g.Wv)[..., :g.OW].transpose(1, 0, 2, 3)
    y = np.empty((g.N, OC, g.OH, g.OW), dtype=Y.dtype)
    if b is None:
        np.copyto(y, view)
    else:
        np.add(view, b.reshape(OC, 1, 1), out=y)
    return y, col


def _conv_grad_input(gy_op: np.ndarray, W: np.ndarray, g: _Geom) -> np.ndarray:
    """gx = col2im(W.T @ gy) for gy laid out by :func:`_gy_operand`."""
    Wt = _mT(_weight_matrix(W, g.groups))
    shape = np.broadcast_shapes(Wt.shape[:-2], gy_op.shape[:-2]) + (Wt.shape[-2], gy_op.shape[-1])
    gcol = np.matmul(Wt, gy_op, out=_workspace.take("product", shape, gy_op.dtype))
    if g.batched:
        return _col2im(gcol, g, kmajor=False)
    return _col2im(gcol.reshape(-1, g.M), g)


def _conv_grad_weight(col: np.ndarray, gy_op: np.ndarray, w_shape: Sequence[int] | None,
                      g: _Geom) -> np.ndarray:
    """The weight gradient (``w_shape``), or with ``w_shape=None`` (groups == 1) the (OC, rows
    of col) matrix: with a ``col`` that has a row of ones, its last column is the bias
    gradient."""
    if g.batched:
        gW = np.matmul(gy_op, _mT(_batch_view(col, g))).sum(axis=0)
    else:
        # (col @ gy.T).T rather than gy @ col.T: the same product, but OpenBLAS runs this
        # long-inner-dimension shape (K x M times M x OC, M large) much faster with the long
        # operand untransposed.
        colg = col if g.groups == 1 else col.reshape(g.groups, -1, g.M)
        gW = _mT(np.matmul(colg, _mT(gy_op)))
    if w_shape is None:
        return gW.reshape(gW.shape[-2:])
    return gW.reshape(w_shape)


# ---------------------------------------------------------------------- convolution kernels
def _numpy(op: Any, x: Any, *rest: Any) -> bool:
    return type(x) is np.ndarray


def _saved_geom(op: Any, x_shape: Sequence[int], k_hw: Sequence[int],
                out_hw: Sequence[int] | None) -> _Geom:
    """The geometry the op's forward kernel saved, or (the forward ran the reference) a new
    one. Shared with ``cupy.py``."""
    g = op.__dict__.get("geom")
    return g if g is not None else _Geom(x_shape, k_hw, op.args, out_hw)


def conv2d_forward(op: Conv2dOp, x: np.ndarray, W: np.ndarray,
                   b: np.ndarray | None = None) -> np.ndarray:
    """Conv2dOp's forward; keeps ``col`` (with a row of ones when the bias rode along) for the
    weight gradient."""
    op.geom = g = _Geom(x.shape, W.shape[2:], op.args, op.out_hw)
    # quiet: inf * 0 in a sum of products is nan, silently
    y, op.col = quiet.run(_conv_forward, x, W, b, g)
    return y


def conv2d_backward(op: Conv2dOp, gy: np.ndarray) -> tuple:
    """Conv2dOp's first-order gradients: gy laid out once (in workspace memory) for both
    products, the forward's ``col`` reused for the weight gradient (and, with its row of ones,
    for the bias gradient in the same product), then dropped: the graph may outlive backward,
    and recomputing it (another backward with ``retain_graph``) is cheap."""
    x, W = op.inputs[:2]
    g = _saved_geom(op, x.shape, W.shape[2:], op.out_hw)
    col, K = op.__dict__.get("col"), g.C * g.KH * g.KW  # K: rows of col (all groups)
    op.col = None
    need_gb = len(op.inputs) == 3 and op.inputs[2].requires_grad
    gx = gW = gb = None
    if x.requires_grad or W.requires_grad:
        gy_op = _gy_operand(gy, g, scratch=True)
        if x.requires_grad:
            gx = quiet.run(_conv_grad_input, gy_op, W._data, g)
        if W.requires_grad and col is not None and col.shape[0] == K + 1:
            # One product gives both: the ones row of col sums gy into the last column.
            gWb = quiet.run(_conv_grad_weight, col, gy_op, None, g)
            gW = np.ascontiguousarray(gWb[:, :K]).reshape(W.shape)
            if need_gb:
                gb = np.ascontiguousarray(gWb[:, K])
        elif W.requires_grad:
            if col is None:
                col = _im2col(x._data, g)
            gW = quiet.run(_conv_grad_weight, col[:K], gy_op, W.shape, g)
    if need_gb and gb is None:
        gb = quiet.run(gy.sum, axis=(0, 2, 3))
    return gx, gW, gb


def conv2d_grad_input_forward(op: Conv2dGradInput, gy: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Conv2dGradInput's forward (and the transposed convolution's); keeps ``gy_op``, gy laid
    out for the products, for the weight gradient of its own backward."""
    a = op.args
    x_shape = (gy.shape[0], W.shape[1] * a.groups) + op.x_hw
    op.geom = g = _Geom(x_shape, W.shape[2:], a, gy.shape[2:])
    op.gy_op = _gy_operand(gy, g)
    return quiet.run(_conv_grad_input, op.gy_op, W, g)


def conv2d_grad_input_backward(op: Conv2dGradInput, ggx: np.ndarray) -> tuple:
    """First-order gradients of y = grad_input(gy, W) (linear in each): a convolution of ggx
    with W for gy, and the weight gradient with ggx in the role of x for W. One im2col of ggx
    serves both, and the weight gradient reuses the forward's ``gy_op``."""
    gy, W = op.inputs[:2]
    g = _saved_geom(op, ggx.shape, W.shape[2:], gy.shape[2:])
    col = _im2col(ggx, g)
    g_gy = g_W = None
    if gy.requires_grad:
        g_gy = quiet.run(_conv_forward, ggx, W._data, None, g, col)[0]
    if W.requires_grad:
        gy_op = op.__dict__.get("gy_op")
        if gy_op is None:
            gy_op = _gy_operand(gy._data, g)
        g_W = quiet.run(_conv_grad_weight, col, gy_op, W.shape, g)
    return g_gy, g_W


def conv2d_grad_weight_forward(op: Conv2dGradWeight, x: np.ndarray,
                               gy: np.ndarray) -> np.ndarray:
    """Conv2dGradWeight's forward: im2col of x, gy laid out, one product."""
    a = op.args
    g = _Geom(x.shape, op.w_hw, a, gy.shape[2:])
    w_shape = (gy.shape[1], x.shape[1] // a.groups) + op.w_hw
    return quiet.run(_conv_grad_weight, _im2col(x, g), _gy_operand(gy, g), w_shape, g)


def conv_transpose2d_forward(op: ConvTranspose2dOp, x: np.ndarray, W: np.ndarray,
                             b: np.ndarray | None = None) -> np.ndarray:
    """ConvTranspose2dOp's forward: the convolution's input gradient, plus the bias."""
    y = conv2d_grad_input_forward(op, x, W)
    if b is not None:
        quiet.run(np.add, y, b.reshape(-1, 1, 1), out=y)
    return y


def conv_transpose2d_backward(op: ConvTranspose2dOp, gy: np.ndarray) -> tuple:
    """ConvTranspose2dOp's first-order gradients: those of the input gradient it is, and the
    bias gradient."""
    gx, gW = conv2d_grad_input_backward(op, gy)
    gb = None
    if len(op.inputs) == 3 and op.inputs[2].requires_grad:
        gb = quiet.run(gy.sum, axis=(0, 2, 3))
    return gx, gW, gb


def unfold_forward(op: Unfold, x: np.ndarray) -> np.ndarray:
    """Unfold through the convolution's im2col, the garbage columns of its wide grid dropped."""
    g = _Geom(x.shape, op.k, op.args)
    col = _im2col(x, g).reshape(-1, g.N, g.OH, g.Wv)[..., :g.OW].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(col).reshape(g.N, -1, g.OH * g.OW)


def fold_forward(op: Fold, y: np.ndarray) -> np.ndarray:
    """Fold through the convolution's col2im (zeros in the garbage columns of its wide grid)."""
    N, K, _ = y.shape
    g = _Geom((N, K // (op.k[0] * op.k[1])) + op.x_hw, op.k, op.args)
    full = np.zeros((K, g.N, g.OH, g.Wv), dtype=y.dtype)
    full[..., :g.OW] = y.reshape(N, K, g.OH, g.OW).transpose(1, 0, 2, 3)
    return _col2im(full.reshape(-1, g.M), g, kmajor=True)


# ---------------------------------------------------------------------- examples (tests)
# x shape, W shape, keyword arguments, bias: both product layouts (K = C/groups*KH*KW below
# and above _BATCHED_MAX_K), strides, padding (asymmetric with 'same'), dilation, groups.
CONV_CASES = [
    ((2, 3, 7, 8), (4, 3, 3, 3), dict(padding=1), True),              # per sample
    ((2, 8, 9, 8), (6, 8, 3, 3), dict(padding=1), True),              # one product, ones row
    ((2, 8, 9, 8), (6, 8, 3, 3), dict(stride=2), False),
    ((2, 16, 7, 6), (6, 8, 3, 3), dict(stride=2, padding=(1, 0), groups=2), True),
    ((2, 8, 9, 9), (4, 8, 3, 2), dict(padding=2, dilation=2), False),
    ((2, 4, 6, 7), (8, 1, 3, 3), dict(stride=2, padding=1, groups=4), True),  # depthwise
    ((2, 8, 7, 8), (4, 8, 2, 2), dict(padding="same"), True),
]
# x shape, W shape (Cin, Cout/groups, KH, KW), keyword arguments, bias
TCONV_CASES = [
    ((2, 3, 5, 4), (3, 4, 3, 3), dict(stride=2, padding=1, output_padding=1), True),
    ((2, 6, 5, 4), (6, 8, 3, 3), dict(), True),
    ((1, 4, 4, 5), (4, 8, 3, 3), dict(stride=2, padding=1, output_padding=1, dilation=2,
                                      groups=2), False),
    ((2, 2, 3, 4), (2, 3, 3, 3), dict(output_padding=1, dilation=2), True),
]
# x shape, kernel size, keyword arguments: strided, padded, dilated, stride 1 (flat layout)
BLOCK_CASES = [
    ((2, 3, 7, 6), (3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2))),
    ((2, 3, 6, 5), (3, 3), dict(padding=1)),
]


def _arrays(shapes: Sequence[Any], dtype: Any, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _movers(device: str | None) -> tuple:
    """(into, back): move an input tensor to ``device`` and a result back to the CPU, where
    the test compares them (both the identity for None: the CPU kernels)."""
    if device is None:
        return (lambda t: t), (lambda t: t)
    return (lambda t: t.to(device)), (lambda t: t.to("cpu"))


def conv_examples(device: str | None = None) -> list:
    """conv2d forward and backward; the first case without the input's gradient (a first
    layer). ``device``: where the tensors go (the GPU kernels of ``cupy.py``)."""
    from ..ops.conv import conv2d  # noqa: PLC0415

    into, back = _movers(device)
    out = []
    for dtype in (np.float32, np.float64):
        for n, (xs, ws, kw, bias) in enumerate(CONV_CASES):
            shapes = [xs, ws] + ([(ws[0],)] if bias else [])

            def run(t, kw=kw, first=n == 0):
                x = t[0].detach() if first else t[0]
                return back(conv2d(*[into(a) for a in [x] + t[1:]], **kw))
            out.append((_arrays(shapes, dtype, n), run))
    return out


def conv_double_examples(device: str | None = None) -> list:
    """The gradients of conv2d as functions (``create_graph=True``), differentiated again:
    reaches the gradient Functions' forwards and, first order, their backward."""
    from ..autograd import grad  # noqa: PLC0415
    from ..ops.conv import conv2d  # noqa: PLC0415

    into, back = _movers(device)
    out = []
    for dtype in (np.float32, np.float64):
        for n, (xs, ws, kw, bias) in enumerate(CONV_CASES[:5]):
            shapes = [xs, ws] + ([(ws[0],)] if bias else [])

            def run(t, kw=kw):
                x, W, *b = [into(a) for a in t]
                y = conv2d(x, W, *b, **kw)
                return [back(g) for g in grad((y * y).sum(), (x, W), create_graph=True)]
            out.append((_arrays(shapes, dtype, n), run))
    return out


def conv_transpose_examples(device: str | None = None) -> list:
    from ..ops.conv import conv_transpose2d  # noqa: PLC0415

    into, back = _movers(device)
    out = []
    for dtype in (np.float32, np.float64):
        for n, (xs, ws, kw, bias) in enumerate(TCONV_CASES):
            shapes = [xs, ws] + ([(ws[1] * kw.get("groups", 1),)] if bias else [])
            out.append((_arrays(shapes, dtype, n),
                        lambda t, kw=kw: back(conv_transpose2d(*[into(a) for a in t], **kw))))
    return out


def block_examples(device: str | None = None) -> list:
    """unfold, and fold (also reached by unfold's backward)."""
    from ..ops.conv import _block_args, _blocks, fold, unfold  # noqa: PLC0415

    into, back = _movers(device)
    out = []
    for dtype in (np.float32, np.float64):
        for n, (xs, k, kw) in enumerate(BLOCK_CASES):
            k_a = _block_args("fold", k, kw.get("dilation", 1), kw.get("padding", 0),
                              kw.get("stride", 1))
            nh, nw = _blocks("fold", xs[2:], *k_a)
            x, cols = _arrays([xs, (xs[0], xs[1] * k[0] * k[1], nh * nw)], dtype, n)
            out.append(([x], lambda t, k=k, kw=kw: back(unfold(into(t[0]), k, **kw))))
            out.append(([cols], lambda t, k=k, kw=kw, hw=xs[2:]:
                         back(fold(into(t[0]), hw, k, **kw))))
    return out


# ---------------------------------------------------------------------- convolution registry
register_forward(Conv2dOp, when=_numpy, examples=conv_examples)(conv2d_forward)
register_backward(Conv2dOp, when=_numpy, examples=conv_examples)(conv2d_backward)
register_forward(Conv2dGradInput, when=_numpy,
                 examples=conv_double_examples)(conv2d_grad_input_forward)
register_backward(Conv2dGradInput, when=_numpy,
                  examples=conv_double_examples)(conv2d_grad_input_backward)
register_forward(Conv2dGradWeight, when=_numpy,
                 examples=conv_double_examples)(conv2d_grad_weight_forward)
register_forward(ConvTranspose2dOp, when=_numpy,
                 examples=conv_transpose_examples)(conv_transpose2d_forward)
register_backward(ConvTranspose2dOp, when=_numpy,
                  examples=conv_transpose_examples)(conv_transpose2d_backward)
# A pure copy and a sum in the reference's order: bit for bit.
register_forward(Unfold, when=_numpy, examples=block_examples, exact=True)(unfold_forward)
register_forward(Fold, when=_numpy, examples=block_examples, exact=True)(fold_forward)


# ---------------------------------------------------------------------- max pooling
def max_pool2d_forward(op: MaxPool2dOp, x: Any) -> Any:
    """MaxPool2dOp's forward: the reference's running maximum over the window offsets, in
    chunks of samples of about ``_CHUNK_BYTES`` of input, so that the strided reads and the
    temporaries of one chunk stay in cache across the KH*KW passes; without ``with_index`` the
    argmax is skipped, half the cost."""
    op.geom = g = _PoolGeom(x.shape, op.k, op.s, op.p, op.d)
    views = [v for _, v in g.views(g.padded(x, -np.inf))]
    N = x.shape[0]
    xp = get_array_module(x)
    y = xp.empty((N,) + views[0].shape[1:], dtype=x.dtype)
    itype = np.uint8 if g.KH * g.KW <= 256 else np.int32
    op.index = index = xp.empty(y.shape, dtype=itype) if op.with_index else None
    B = _chunk(N, x[:1].nbytes)
    m = xp.empty((B,) + y.shape[1:], dtype=x.dtype)
    if index is not None:
        better = xp.empty(m.shape, dtype=bool)
        step = xp.empty(m.shape, dtype=itype)
    for s0 in range(0, N, B):
        sl = slice(s0, s0 + B)
        n = min(B, N - s0)
        yc, mc = y[sl], m[:n]
        if index is None:
            np.maximum(views[0][sl], views[1][sl], out=yc) if len(views) > 1 \
                else np.copyto(yc, views[0][sl])
            for v in views[2:]:
                np.maximum(yc, v[sl], out=yc)
            continue
        ic, bc, sc = index[sl], better[:n], step[:n]
        np.copyto(yc, views[0][sl])
        ic.fill(0)
        # Each strided view is read once (np.maximum); the comparison that finds where it
        # won runs on contiguous arrays. Offsets come in increasing order, so "index = k
        # where better" is index = max(index, k * better): no slow masked copy.
        cur, nxt = yc, mc
        for k, v in enumerate(views[1:], 1):
            np.maximum(cur, v[sl], out=nxt)
            np.not_equal(nxt, cur, out=bc)
            np.multiply(bc, itype(k), out=sc)
            np.maximum(ic, sc, out=ic)
            cur, nxt = nxt, cur
        if cur is not yc:
            np.copyto(yc, cur)
    return y


def max_pool2d_grad_forward(op: MaxPool2dGrad, gy: Any) -> Any:
    """MaxPool2dGrad's forward: one masked product per window offset, in chunks of samples
    that stay in cache, written straight into the gradient where windows are disjoint (a
    product into the output, not ``copyto(where=)``, which is much slower)."""
    g = op.geom
    xp = get_array_module(gy)
    buf = g.grad_buffer(gy.dtype, xp)
    views = list(g.views(buf))
    N = gy.shape[0]
    B = _chunk(N, buf[:1].nbytes)
    mask = xp.empty((B,) + gy.shape[1:], dtype=bool)
    tmp = None if g.disjoint else xp.empty(mask.shape, dtype=gy.dtype)
    for s0 in range(0, N, B):
        sl = slice(s0, s0 + B)
        n = min(B, N - s0)
        gc, ic, mc = gy[sl], op.index[sl], mask[:n]
        for k, v in views:
            np.equal(ic, k, out=mc)
            if g.disjoint:
                np.multiply(gc, mc, out=v[sl])
            else:
                v[sl] += np.multiply(gc, mc, out=tmp[:n])
    return g.crop(buf)


def _not_numba_pool(op: MaxPool2dOp, x: Any) -> bool:
    """Every max pooling the Numba loop (``numba_cpu.py``) does not take."""
    return not _numba.max_pool_2x2_takes(op, x)


def _not_numba_pool_grad(op: MaxPool2dGrad, gy: Any) -> bool:
    return not _numba.max_pool_2x2_grad_takes(op, gy)


# x shape, kernel size, stride, padding, dilation: windows that overlap, padded, dilated,
# disjoint, a window of more than 256 positions (int32 argmax); all too small or not 2x2 for
# the Numba loop.
POOL_CASES = [
    ((2, 3, 8, 8), 2, None, 0, 1),
    ((2, 3, 9, 7), 3, 2, 1, 1),
    ((2, 2, 9, 9), 3, 1, 1, 2),
    ((2, 2, 5, 6), (1, 3), (1, 3), 0, 1),
    ((1, 2, 17, 17), 17, 1, 0, 1),
]


def pool_examples() -> list:
    """max_pool2d forward and backward, with ties (ReLU zeros)."""
    from ..ops.conv import max_pool2d  # noqa: PLC0415

    out = []
    for dtype in (np.float32, np.float64):
        for n, (xs, k, s, p, d) in enumerate(POOL_CASES):
            x = np.maximum(_arrays([xs], dtype, n)[0], 0)
            out.append(([x], lambda t, k=k, s=s, p=p, d=d: max_pool2d(t[0], k, s, p, d)))
    return out


# The reference's arithmetic, in another order of passes: bit for bit.
register_forward(MaxPool2dOp, when=_not_numba_pool, examples=pool_examples,
                 exact=True)(max_pool2d_forward)
register_forward(MaxPool2dGrad, when=_not_numba_pool_grad, examples=pool_examples,
                 exact=True)(max_pool2d_grad_forward)
