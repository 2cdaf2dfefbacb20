"""Convolution and pooling: conv2d, conv_transpose2d, max/avg pooling, adaptive average pooling.

How a convolution runs (chosen for speed on NumPy + OpenBLAS; see ``benchmarks/conv_micro.py``):

* The input is written once into a zero buffer of shape ``(N, C, P)``: each ``(n, c)`` plane
  padded and flattened with row pitch ``Wr`` (plus a little slack at the end). No copy at all
  when there is no padding.
* **im2col** is a strided view of that buffer with shape ``(C, KH, KW, N, OH, Wv)``, copied once
  into the column matrix ``col`` of shape ``(C*KH*KW, N*OH*Wv)``. Channels-and-kernel first (not
  one row per output pixel) because then every kernel offset reads long runs of consecutive
  memory; the one-pixel-per-row layout copies runs of only KW values and was 3-4x slower.
* With stride 1 the output grid is ``Wv = Wr`` columns wide instead of OW: the ``Wv - OW`` extra
  columns per row are garbage, dropped, but in exchange each kernel offset of each ``(n, c)``
  plane is one contiguous run of ``OH * Wv`` values, both when im2col reads it and when col2im
  adds it back. That costs ``Wv / OW`` more product work (15/14 at 14x14, 3x3, padding 1: a
  window running off the right end of a row reads the next row's left padding, so one padding
  column serves both sides) and saves far more copying (col2im 2-3x faster).
* **One matrix product per direction**: ``W (OC, K) @ col (K, M)`` forward, ``gy (OC, M) @ col.T``
  for the weight gradient, ``W.T @ gy (OC, M)`` then col2im for the input gradient; groups are
  a leading batch axis of the same ``matmul``. When K = C/groups*KH*KW is small (a first layer
  on 1-3 channels, depthwise) the products run per sample instead (``_Geom.batched``).
* **col2im** adds the ``KH*KW`` slices of the column gradient into a zero buffer, one strided
  slice per kernel offset (never ``np.add.at``), and crops the padding, chunk by chunk of
  samples (``_CHUNK_BYTES``) so that its passes stay in cache.

Backward passes are themselves Functions (``Conv2dGradInput``, ``Conv2dGradWeight``) whose own
backward passes are convolutions again, so double backward works (``create_graph=True``).

Pooling reads ``KH*KW`` strided slices of the (padded) input, one per kernel offset (for 2x2
windows with stride 2 these are the four slices of the (N, C, OH, 2, OW, 2) reshape), and keeps
the running maximum and the offset that produced it (first occurrence wins, like PyTorch), so
the argmax costs nothing extra and backward is one masked product per offset. Both run chunk
by chunk of samples, like col2im; without autograd the argmax is skipped.
"""
from __future__ import annotations

import math
import threading
from typing import Any, NamedTuple, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _config
from ..kernels import cupy as _gpu_ops
from ..kernels import numba_cpu as _fused
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import constant_array, quiet, same_dtype, to_tensor
from .linalg import matmul
from .shape import reshape

__all__ = ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d", "unfold", "fold", "Unfold", "Fold",
           "im2col", "col2im", "Conv2dOp", "Conv2dGradInput", "Conv2dGradWeight",
           "ConvTranspose2dOp", "MaxPool2dOp", "MaxPool2dGrad", "MaxPool2dGather",
           "AvgPool2dOp", "AvgPool2dGrad"]

IntPair = int | tuple[int, int]


class _Workspace(threading.local):
    """Per-thread scratch memory for the large temporaries of one op call (padded input,
    product outputs, col2im buffer), reused from call to call.

    Why: a fresh 4-30 MB array is new memory from the kernel, page-faulted and zeroed on first
    touch; that was about a third of the reference CNN's second convolution (fwd+bwd 45 -> 32
    ms). Reused memory is already mapped. The price: each thread keeps its largest temporaries
    (about 45 MB for that CNN at batch 128). A slot serves one op call at a time (one forward,
    or for ``"gy"`` one backward) and nothing returned or saved may be a view of one.
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


def _chunk(n: int, sample_bytes: int, chunk_bytes: int = _CHUNK_BYTES) -> int:
    """How many of ``n`` samples of ``sample_bytes`` each make one chunk of about
    ``chunk_bytes`` (at least 1)."""
    return max(1, min(n, chunk_bytes // max(sample_bytes, 1)))


# ---------------------------------------------------------------------- arguments
def _pair(value: Any, name: str, op: str, minimum: int = 0) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(2, 3) -> (2, 3)``, with an error naming the op and the argument."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {name} must be an int or a pair of ints, got "
                            f"{value!r}") from None
        if len(pair) == 1:
            pair = (pair[0], pair[0])
        if len(pair) != 2:
            raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return pair  # type: ignore[return-value]


class _ConvArgs(NamedTuple):
    """Hyperparameters of a convolution; padding is (top, bottom, left, right)."""

    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int


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
      gy in NCHW; a single product there would have a long thin shape that OpenBLAS runs 8x
      slower (the weight gradient's inner dimension would be N*OH*OW).
    * otherwise one large product per direction on ``col (K, N*OH*Wv)``, with the output and gy
      transposed to (OC, N*OH*Wv) by one copy each; with stride 1 the grid is ``Wv = Wr``
      columns wide (see the module docstring).
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
        # serve both sides and the pitch is W + max(left, right), not W + left + right (7%
        # less garbage at 14x14, 3x3, padding 1) - as long as an output row still fits.
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
    appends a row of ones (NumPy only), which carries the bias through the products: see
    :func:`_conv_forward`."""
    if type(x) is not np.ndarray:  # CuPy: its own layout, scratchgrad/_gpu_ops.py
        return _gpu_ops.im2col(x, g)
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
    strided add for us; the (n, C, P) target under a ``kmajor`` source measured 1.4-1.8x
    slower at the reference CNN's second layer); the crop then transposes the chunk once."""
    B = _chunk(g.N, g.C * g.P * gcol.itemsize, 2 * _CHUNK_BYTES)
    out = np.empty((g.N, g.C, g.H, g.W), dtype=gcol.dtype)
    # On the wide grid (stride 1, Wv == Wr) an offset's rows run on into each other: the add
    # is then over (C, n, OH*Wv) runs, not 4-D views with 15-wide rows (1.3-1.6x faster).
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
    if type(gy) is not np.ndarray:
        return _gpu_ops.gy_operand(gy, g)
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
    if type(x) is not np.ndarray:
        return _gpu_ops.conv_forward(x, W, b, g, col)
    OC = W.shape[0]
    Wm = _weight_matrix(W, g.groups)
    if col is None and b is not None and g.groups == 1:
        # The bias as one more column of the weights against a row of ones in col: the
        # product adds it (no pass over the output), and the weight-gradient product then
        # gives the bias gradient too (see Conv2dOp.backward). At the reference CNN's first
        # layer (K = 9 -> 10): 4.9 -> 2.5 ms for product and bias; its bias gradient, a
        # 1.9 ms reduction over a 12.8 MB gradient, comes free.
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
    if type(gy_op) is not np.ndarray:
        return _gpu_ops.conv_grad_input(gy_op, W, g)
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
    if type(col) is not np.ndarray:
        return _gpu_ops.conv_grad_weight(col, gy_op, w_shape, g)
    if g.batched:
        gW = np.matmul(gy_op, _mT(_batch_view(col, g))).sum(axis=0)
    else:
        # (col @ gy.T).T rather than gy @ col.T: the same product, but OpenBLAS runs this
        # long-inner-dimension shape (K x M times M x OC, M ~ 27,000) much faster with the long
        # operand untransposed (measured 2-5x on the reference CNN's second layer).
        colg = col if g.groups == 1 else col.reshape(g.groups, -1, g.M)
        gW = _mT(np.matmul(colg, _mT(gy_op)))
    if w_shape is None:
        return gW.reshape(gW.shape[-2:])
    return gW.reshape(w_shape)


# ---------------------------------------------------------------------- conv Functions
class Conv2dOp(Function):
    """2-D cross-correlation of x (N, C, H, W) with W (OC, C/groups, KH, KW) plus an optional
    bias (OC,). Fused bias add: it rides along the copy that lays the output out as NCHW.

    Saved in forward: ``col``, the im2col matrix of x (C*KH*KW, N*OH*Wv), reused by the weight
    gradient (freed once backward used it, recomputed if backward runs again); ``geom``, the
    sizes. A ``col`` passed to the constructor (already computed for the same x) is used as is.

    >>> import scratchgrad as sg
    >>> Conv2dOp((1, 1), (1, 1, 1, 1), (1, 1), 1)(sg.ones(1, 1, 4, 4), sg.ones(1, 1, 3, 3)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, stride: tuple[int, int] = (1, 1),
                 padding: tuple[int, int, int, int] = (0, 0, 0, 0),
                 dilation: tuple[int, int] = (1, 1), groups: int = 1,
                 out_hw: tuple[int, int] | None = None, col: np.ndarray | None = None) -> None:
        self.args = _ConvArgs(tuple(stride), tuple(padding), tuple(dilation), groups)
        self.out_hw = out_hw
        self.col = col

    def forward(self, x, W, b=None):
        self.geom = _Geom(x.shape, W.shape[2:], self.args, self.out_hw)
        # quiet: inf * 0 in a sum of products is nan, silently
        y, self.col = quiet.run(_conv_forward, x, W, b, self.geom, self.col)
        return y

    def backward(self, gy):
        x, W = self.inputs[:2]
        g, a = self.geom, self.args
        gx = gW = gb = None
        need_gb = len(self.inputs) == 3 and self.inputs[2].requires_grad
        col, K = self.col, g.C * g.KH * g.KW  # rows of col (all groups)
        with_ones = col is not None and col.shape[0] == K + 1  # see _conv_forward
        if x.requires_grad or W.requires_grad:
            first_order = not _config.is_grad_enabled()
            # One transposing copy shared by both gradients; workspace memory unless the
            # gradient Functions are recorded (create_graph) and keep it.
            gy_op = _gy_operand(gy._data, g, scratch=first_order)
            if x.requires_grad:
                gx = Conv2dGradInput(a, x.shape[2:], gy_op)(gy, W)
            if W.requires_grad and with_ones and first_order:
                # One product gives both: the ones row of col sums gy into the last column.
                gWb = quiet.run(_conv_grad_weight, col, gy_op, None, g)
                gW = Tensor._make(np.ascontiguousarray(gWb[:, :K]).reshape(W.shape))
                if need_gb:
                    gb = Tensor._make(np.ascontiguousarray(gWb[:, K]))
            elif W.requires_grad:
                if col is None:
                    col = _im2col(x._data, g)
                gW = Conv2dGradWeight(a, W.shape[2:], col[:K], gy_op)(x, gy)
        self.col = None  # memory: the graph may outlive backward; recomputing is cheap
        if need_gb and gb is None:
            gb = gy.sum(dim=(0, 2, 3))
        return gx, gW, gb


class Conv2dGradInput(Function):
    """The input gradient of a convolution: gy (N, OC, OH, OW), W (OC, C/groups, KH, KW) ->
    gx (N, C, H, W) for the spatial size ``x_hw``. It is also the transposed convolution.

    Saved: ``gy_op``, gy laid out as the products want it (see ``_gy_operand``; given by the
    caller when it already has it, else computed in forward), used again by the weight gradient
    of double backward.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Conv2dGradInput(a, (4, 4))(sg.ones(1, 1, 2, 2), sg.ones(1, 1, 3, 3)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, args: _ConvArgs, x_hw: Sequence[int],
                 gy_op: np.ndarray | None = None) -> None:
        self.args = args
        self.x_hw = tuple(x_hw)
        self.gy_op = gy_op

    def forward(self, gy, W):
        a = self.args
        x_shape = (gy.shape[0], W.shape[1] * a.groups) + self.x_hw
        self.geom = g = _Geom(x_shape, W.shape[2:], a, gy.shape[2:])
        if self.gy_op is None:
            self.gy_op = _gy_operand(gy, g)
        return quiet.run(_conv_grad_input, self.gy_op, W, g)

    def backward(self, ggx):
        gy, W = self.inputs[:2]
        return _grad_input_backward(self, ggx, gy, W)


def _grad_input_backward(fn: Conv2dGradInput, ggx: Tensor, gy: Tensor, W: Tensor) -> tuple:
    """Gradients of y = grad_input(gy, W) (linear in each): a convolution of ggx with W for gy,
    and the weight gradient with ggx in the role of x for W. One im2col of ggx serves both."""
    g, a = fn.geom, fn.args
    col = _im2col(ggx._data, g)
    g_gy = g_W = None
    if gy.requires_grad:
        g_gy = Conv2dOp(a.stride, a.padding, a.dilation, a.groups, gy.shape[2:], col)(ggx, W)
    if W.requires_grad:
        g_W = Conv2dGradWeight(a, W.shape[2:], col, fn.gy_op)(ggx, gy)
    return g_gy, g_W


class Conv2dGradWeight(Function):
    """The weight gradient of a convolution: x (N, C, H, W), gy (N, OC, OH, OW) -> gW of shape
    (OC, C/groups, *w_hw).

    Optional precomputed intermediates (derived from its inputs, dropped after forward): ``col``,
    im2col of x, and ``gy_op``, gy laid out for the product.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Conv2dGradWeight(a, (3, 3))(sg.ones(1, 1, 4, 4), sg.ones(1, 1, 2, 2)).shape
    (1, 1, 3, 3)
    """

    def __init__(self, args: _ConvArgs, w_hw: Sequence[int], col: np.ndarray | None = None,
                 gy_op: np.ndarray | None = None) -> None:
        self.args = args
        self.w_hw = tuple(w_hw)
        self.col = col
        self.gy_op = gy_op

    def forward(self, x, gy):
        a = self.args
        self.geom = g = _Geom(x.shape, self.w_hw, a, gy.shape[2:])
        col = self.col if self.col is not None else _im2col(x, g)
        gy_op = self.gy_op if self.gy_op is not None else _gy_operand(gy, g)
        self.col = self.gy_op = None
        w_shape = (gy.shape[1], x.shape[1] // a.groups) + self.w_hw
        return quiet.run(_conv_grad_weight, col, gy_op, w_shape, g)

    def backward(self, ggW):
        x, gy = self.inputs
        a = self.args
        gx = g_gy = None
        if x.requires_grad:
            gx = Conv2dGradInput(a, x.shape[2:])(gy, ggW)
        if gy.requires_grad:
            g_gy = Conv2dOp(a.stride, a.padding, a.dilation, a.groups, gy.shape[2:])(x, ggW)
        return gx, g_gy


class ConvTranspose2dOp(Conv2dGradInput):
    """Transposed convolution of x (N, Cin, H, W) with W (Cin, Cout/groups, KH, KW) plus an
    optional bias (Cout,): the input gradient of the convolution it transposes, to the output
    size ``out_hw`` (which ``output_padding`` decides).

    Saved: ``gy_op``, x laid out for the product, reused by the weight gradient.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((2, 2), (0, 0, 0, 0), (1, 1), 1)
    >>> ConvTranspose2dOp(a, (5, 5))(sg.ones(1, 1, 2, 2), sg.ones(1, 1, 3, 3)).shape
    (1, 1, 5, 5)
    """

    def forward(self, x, W, b=None):
        y = super().forward(x, W)
        if b is not None:
            quiet.run(np.add, y, b.reshape(-1, 1, 1), out=y)
        return y

    def backward(self, gy):
        x, W = self.inputs[:2]
        gx, gW = _grad_input_backward(self, gy, x, W)
        gb = None
        if len(self.inputs) == 3 and self.inputs[2].requires_grad:
            gb = gy.sum(dim=(0, 2, 3))
        return gx, gW, gb


# ---------------------------------------------------------------------- conv functions
def _check_float(op: str, x: Tensor, W: Tensor, b: Tensor | None) -> None:
    """One dtype for input, weight and bias (a RuntimeError as PyTorch's, no promotion), and
    a floating one."""
    same_dtype(op, "input and weight" if b is None else "input, weight and bias", x, W, b)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input, weight and bias must have a floating dtype, got "
                        f"{x.dtype}")


def _batched(x: Tensor, op: str) -> tuple[Tensor, bool]:
    """Accept (C, H, W) as one unbatched sample, like PyTorch; insist on 4-D otherwise."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return reshape(x, (1,) + x.shape), True
    raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                     f"(C, H, W), got shape {x.shape}")


def _unbatched(y: Tensor, squeeze: bool) -> Tensor:
    return reshape(y, y.shape[1:]) if squeeze else y


def _conv_padding(padding: Any, k_hw: tuple[int, int], dilation: tuple[int, int],
                  stride: tuple[int, int], op: str) -> tuple[int, int, int, int]:
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got "
                             f"{padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride}); give the padding explicitly")
        # PyTorch's rule for even kernels: the extra row/column of padding goes at the end.
        th, tw = dilation[0] * (k_hw[0] - 1), dilation[1] * (k_hw[1] - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    ph, pw = _pair(padding, "padding", op)
    return (ph, ph, pw, pw)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: IntPair = 1,
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of ``input`` (N, C, H, W) or
    (C, H, W) with ``weight`` (OC, C/groups, KH, KW) and optional ``bias`` (OC,).

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (stride 1 only).

    >>> import scratchgrad as sg
    >>> x, w = sg.randn(2, 3, 8, 8), sg.randn(4, 3, 3, 3)
    >>> conv2d(x, w, padding=1).shape, conv2d(x, w, stride=2).shape
    ((2, 4, 8, 8), (2, 4, 3, 3))
    """
    op = "conv2d"
    x, W = to_tensor(input), to_tensor(weight)
    b = None if bias is None else to_tensor(bias)
    x, squeeze = _batched(x, op)
    if W.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW), "
                         f"got shape {W.shape}")
    _check_float(op, x, W, b)
    s = _pair(stride, "stride", op, 1)
    d = _pair(dilation, "dilation", op, 1)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    OC, Cg, KH, KW = W.shape
    if x.shape[1] != Cg * groups or OC % groups:
        raise ValueError(f"{op}: input of shape {x.shape} has {x.shape[1]} channels but weight "
                         f"of shape {W.shape} with groups={groups} expects {Cg * groups} "
                         f"(and out_channels {OC} divisible by groups)")
    if b is not None and b.shape != (OC,):
        raise ValueError(f"{op}: bias must have shape ({OC},) for weight of shape {W.shape}, "
                         f"got {b.shape}")
    p = _conv_padding(padding, (KH, KW), d, s, op)
    Hp, Wp = x.shape[2] + p[0] + p[1], x.shape[3] + p[2] + p[3]
    if Hp < d[0] * (KH - 1) + 1 or Wp < d[1] * (KW - 1) + 1:
        raise ValueError(f"{op}: the padded input is {Hp}x{Wp} (input shape {x.shape}, padding "
                         f"{padding}) but the dilated kernel is {d[0] * (KH - 1) + 1}x"
                         f"{d[1] * (KW - 1) + 1}; the kernel can't be larger than the input")
    fn = Conv2dOp(s, p, d, groups)
    y = fn(x, W) if b is None else fn(x, W, b)
    return _unbatched(y, squeeze)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: IntPair = 1,
                     padding: IntPair = 0, output_padding: IntPair = 0, groups: int = 1,
                     dilation: IntPair = 1) -> Tensor:
    """2-D transposed convolution ("deconvolution") of ``input`` (N, Cin, H, W) or (Cin, H, W)
    with ``weight`` (Cin, Cout/groups, KH, KW): the gradient of ``conv2d`` with respect to its
    input. Output size: (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1.

    >>> import scratchgrad as sg
    >>> conv_transpose2d(sg.randn(2, 4, 5, 5), sg.randn(4, 3, 3, 3), stride=2).shape
    (2, 3, 11, 11)
    """
    op = "conv_transpose2d"
    x, W = to_tensor(input), to_tensor(weight)
    b = None if bias is None else to_tensor(bias)
    x, squeeze = _batched(x, op)
    if W.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (in_channels, out_channels/groups, kH, kW), "
                         f"got shape {W.shape}")
    _check_float(op, x, W, b)
    s = _pair(stride, "stride", op, 1)
    d = _pair(dilation, "dilation", op, 1)
    ph, pw = _pair(padding, "padding", op)
    oph, opw = _pair(output_padding, "output_padding", op)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    Cin, Cg, KH, KW = W.shape
    if x.shape[1] != Cin or Cin % groups:
        raise ValueError(f"{op}: input of shape {x.shape} has {x.shape[1]} channels but weight "
                         f"of shape {W.shape} expects {Cin} (divisible by groups={groups})")
    if b is not None and b.shape != (Cg * groups,):
        raise ValueError(f"{op}: bias must have shape ({Cg * groups},) for weight of shape "
                         f"{W.shape} and groups={groups}, got {b.shape}")
    for o, st, dl in ((oph, s[0], d[0]), (opw, s[1], d[1])):
        if o >= max(st, dl):
            raise ValueError(f"{op}: output_padding {(oph, opw)} must be smaller than either "
                             f"stride {s} or dilation {d}")
    H, Wd = x.shape[2:]
    out_hw = ((H - 1) * s[0] - 2 * ph + d[0] * (KH - 1) + oph + 1,
              (Wd - 1) * s[1] - 2 * pw + d[1] * (KW - 1) + opw + 1)
    if min(out_hw) < 1:
        raise ValueError(f"{op}: input of shape {x.shape} with weight {W.shape}, stride {s}, "
                         f"padding {(ph, pw)} gives an empty output of size {out_hw}")
    fn = ConvTranspose2dOp(_ConvArgs(s, (ph, ph, pw, pw), d, groups), out_hw)
    y = fn(x, W) if b is None else fn(x, W, b)
    return _unbatched(y, squeeze)


def im2col(x: np.ndarray, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
           dilation: IntPair = 1) -> np.ndarray:
    """The column matrix of an (N, C, H, W) array: shape (C*KH*KW, N*OH*OW), row
    ``(c*KH + i)*KW + j`` holding what kernel position (c, i, j) meets at every output pixel
    (n, oh, ow), in that order. Array level, no autograd.

    >>> im2col(np.arange(16.0).reshape(1, 1, 4, 4), 2, stride=2)[:, 0]
    array([0., 1., 4., 5.])
    """
    ph, pw = _pair(padding, "padding", "im2col")
    a = _ConvArgs(_pair(stride, "stride", "im2col", 1), (ph, ph, pw, pw),
                  _pair(dilation, "dilation", "im2col", 1), 1)
    g = _Geom(x.shape, _pair(kernel_size, "kernel_size", "im2col", 1), a)
    col = _im2col(x, g).reshape(-1, g.N, g.OH, g.Wv)[..., :g.OW]
    return col.reshape(-1, g.N * g.OH * g.OW)


def col2im(col: np.ndarray, x_shape: Sequence[int], kernel_size: IntPair, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1) -> np.ndarray:
    """The adjoint of :func:`im2col`: scatter a (C*KH*KW, N*OH*OW) matrix back to ``x_shape``,
    summing the values that overlapping windows put at the same pixel.

    >>> x = np.ones((1, 1, 3, 3))
    >>> col2im(im2col(x, 2), x.shape, 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    ph, pw = _pair(padding, "padding", "col2im")
    a = _ConvArgs(_pair(stride, "stride", "col2im", 1), (ph, ph, pw, pw),
                  _pair(dilation, "dilation", "col2im", 1), 1)
    g = _Geom(x_shape, _pair(kernel_size, "kernel_size", "col2im", 1), a)
    full = np.zeros((col.shape[0], g.N, g.OH, g.Wv), dtype=col.dtype)
    full[..., :g.OW] = col.reshape(-1, g.N, g.OH, g.OW)
    return _col2im(full.reshape(-1, g.M), g, kmajor=True)


# ---------------------------------------------------------------------- pooling
class _PoolGeom:
    """Sizes of a pooling window sweep; ``views(buf)`` yields one strided slice per offset."""

    __slots__ = ("x_shape", "KH", "KW", "sh", "sw", "ph", "pw", "dh", "dw", "OH", "OW",
                 "disjoint", "tiles")

    def __init__(self, x_shape: Sequence[int], k: tuple[int, int], s: tuple[int, int],
                 p: tuple[int, int], d: tuple[int, int] = (1, 1)) -> None:
        self.x_shape = tuple(x_shape)
        (self.KH, self.KW), (self.sh, self.sw), (self.ph, self.pw) = k, s, p
        self.dh, self.dw = d
        H, W = self.x_shape[2:]
        self.OH = (H + 2 * self.ph - self.dh * (self.KH - 1) - 1) // self.sh + 1
        self.OW = (W + 2 * self.pw - self.dw * (self.KW - 1) - 1) // self.sw + 1
        # Windows that tile the input exactly: each pixel belongs to one window at most, so
        # backward can write instead of accumulate.
        self.disjoint = (self.dh * (self.KH - 1) < self.sh and self.dw * (self.KW - 1) < self.sw)
        # ... and cover it completely, so backward needs no zero fill either.
        self.tiles = (self.disjoint and self.ph == 0 and self.pw == 0 and self.dh == 1
                      and self.dw == 1 and (self.KH, self.KW) == (self.sh, self.sw)
                      and (self.OH * self.sh, self.OW * self.sw) == (H, W))

    def padded(self, x: np.ndarray, fill: float) -> np.ndarray:
        if self.ph == 0 and self.pw == 0:
            return x
        N, C, H, W = x.shape
        xp = get_array_module(x)
        buf = xp.full((N, C, H + 2 * self.ph, W + 2 * self.pw), fill, dtype=x.dtype)
        buf[:, :, self.ph:self.ph + H, self.pw:self.pw + W] = x
        return buf

    def grad_buffer(self, dtype: np.dtype, xp: Any = np) -> np.ndarray:
        N, C, H, W = self.x_shape
        shape = (N, C, H + 2 * self.ph, W + 2 * self.pw)
        return xp.empty(shape, dtype) if self.tiles else xp.zeros(shape, dtype)

    def crop(self, buf: np.ndarray) -> np.ndarray:
        if self.ph == 0 and self.pw == 0:
            return buf
        H, W = self.x_shape[2:]
        return buf[:, :, self.ph:self.ph + H, self.pw:self.pw + W].copy()  # NumPy or CuPy

    def views(self, buf: np.ndarray):
        """(k, view) for each kernel offset k = i * KW + j, in PyTorch's scan order."""
        hs, ws = self.sh * (self.OH - 1) + 1, self.sw * (self.OW - 1) + 1
        for i in range(self.KH):
            for j in range(self.KW):
                r, c = i * self.dh, j * self.dw
                yield i * self.KW + j, buf[:, :, r:r + hs:self.sh, c:c + ws:self.sw]


class MaxPool2dOp(Function):
    """Max pooling. Saved in forward: ``index``, for each output the kernel offset (i * KW + j)
    of the maximum (first one on ties, like PyTorch), as uint8 (int32 for windows > 256).

    >>> import scratchgrad as sg
    >>> MaxPool2dOp((2, 2), (2, 2), (0, 0))(sg.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """

    def __init__(self, kernel_size: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], dilation: tuple[int, int] = (1, 1),
                 with_index: bool = True) -> None:
        self.k, self.s, self.p, self.d = kernel_size, stride, padding, dilation
        # False when nothing will differentiate (no_grad, eval): the argmax is then skipped,
        # half the cost of the forward pass.
        self.with_index = with_index

    def forward(self, x):
        self.geom = g = _PoolGeom(x.shape, self.k, self.s, self.p, self.d)
        if _fused.pool_2x2_applies(x, self.k, self.s, self.p, self.d):  # one compiled pass
            y = np.empty(x.shape[:2] + (g.OH, g.OW), dtype=x.dtype)
            self.index = np.empty(y.shape, np.uint8) if self.with_index else None
            _fused.max_pool2d_2x2(x, y, self.index)
            return y
        views = [v for _, v in g.views(g.padded(x, -np.inf))]
        N = x.shape[0]
        xp = get_array_module(x)
        y = xp.empty((N,) + views[0].shape[1:], dtype=x.dtype)
        itype = np.uint8 if g.KH * g.KW <= 256 else np.int32
        self.index = index = xp.empty(y.shape, dtype=itype) if self.with_index else None
        # Samples in chunks of about _CHUNK_BYTES of input, so that the strided reads and the
        # temporaries of one chunk stay in cache across the KH*KW passes (1.4x faster than
        # whole arrays at the reference CNN's 12.8 MB activations).
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

    def backward(self, gy):
        return MaxPool2dGrad(self.geom, self.index)(gy)


class MaxPool2dGrad(Function):
    """The input gradient of max pooling: gy goes to the position of each window's maximum
    (``index``, saved by :class:`MaxPool2dOp`). Its backward gathers from those positions.

    >>> import scratchgrad as sg
    >>> x = sg.arange(4.0).reshape(1, 1, 2, 2).requires_grad_()
    >>> max_pool2d(x, 2).sum().backward(); x.grad.tolist()
    [[[[0.0, 0.0], [0.0, 1.0]]]]
    """

    def __init__(self, geom: _PoolGeom, index: np.ndarray) -> None:
        self.geom, self.index = geom, index

    def forward(self, gy):
        g = self.geom
        if _fused.pool_2x2_applies(gy, (g.KH, g.KW), (g.sh, g.sw), (g.ph, g.pw),
                                   (g.dh, g.dw), math.prod(g.x_shape)) \
                and gy.flags.c_contiguous and type(self.index) is np.ndarray:
            gx = np.empty(g.x_shape, dtype=gy.dtype)  # every element is written
            _fused.max_pool2d_2x2_grad(gy, self.index, gx)
            return gx
        xp = get_array_module(gy)
        buf = g.grad_buffer(gy.dtype, xp)
        views = list(g.views(buf))
        N = gy.shape[0]
        B = _chunk(N, buf[:1].nbytes)  # in chunks of samples that stay in cache
        mask = xp.empty((B,) + gy.shape[1:], dtype=bool)
        tmp = None if g.disjoint else xp.empty(mask.shape, dtype=gy.dtype)
        for s0 in range(0, N, B):
            sl = slice(s0, s0 + B)
            n = min(B, N - s0)
            gc, ic, mc = gy[sl], self.index[sl], mask[:n]
            for k, v in views:
                np.equal(ic, k, out=mc)
                if g.disjoint:
                    np.multiply(gc, mc, out=v[sl])  # a product, not copyto(where=): 4x faster
                else:
                    v[sl] += np.multiply(gc, mc, out=tmp[:n])
        return g.crop(buf)

    def backward(self, ggx):
        return MaxPool2dGather(self.geom, self.index)(ggx)


class MaxPool2dGather(Function):
    """Pick, in each pooling window, the value at the position of the saved maximum
    (``index``): the adjoint of :class:`MaxPool2dGrad`, i.e. max pooling's double backward.

    >>> import scratchgrad as sg
    >>> g = _PoolGeom((1, 1, 2, 2), (2, 2), (2, 2), (0, 0))
    >>> MaxPool2dGather(g, np.array([[[[3]]]], np.uint8))(sg.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[3.]]]])
    """

    def __init__(self, geom: _PoolGeom, index: np.ndarray) -> None:
        self.geom, self.index = geom, index

    def forward(self, x):
        g = self.geom
        y = get_array_module(x).zeros(self.index.shape, dtype=x.dtype)
        for k, v in g.views(g.padded(x, 0.0)):
            y = np.where(self.index == k, v, y)
        return y

    def backward(self, gy):
        return MaxPool2dGrad(self.geom, self.index)(gy)


def _pool_divisor(g: _PoolGeom, count_include_pad: bool, divisor_override: int | None,
                  dtype: np.dtype, xp: Any = np) -> np.ndarray | float:
    """What each window's sum is divided by: ``divisor_override``, KH*KW, or the number of real
    (unpadded) pixels in the window."""
    if divisor_override is not None:
        return float(divisor_override)
    if count_include_pad or (g.ph == 0 and g.pw == 0):
        return float(g.KH * g.KW)
    H, W = g.x_shape[2:]
    ones = g.padded(xp.ones((1, 1, H, W), dtype=dtype), 0.0)
    count = xp.zeros((1, 1, g.OH, g.OW), dtype=dtype)
    for _, v in g.views(ones):
        count += v
    return count


class AvgPool2dOp(Function):
    """Average pooling (zero padding; by default padded zeros count in the mean, PyTorch's
    ``count_include_pad=True``). Linear: its backward is :class:`AvgPool2dGrad`, whose backward
    is this op again.

    >>> import scratchgrad as sg
    >>> AvgPool2dOp((2, 2), (2, 2), (0, 0))(sg.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    def __init__(self, kernel_size: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.k, self.s, self.p = kernel_size, stride, padding
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x):
        self.geom = _PoolGeom(x.shape, self.k, self.s, self.p)
        return quiet.run(self._pool, x)  # inf + -inf in a window: nan, silently

    def _pool(self, x):
        g = self.geom
        views = g.views(g.padded(x, 0.0))
        y = next(views)[1].copy()
        for _, v in views:
            y += v
        y /= _pool_divisor(g, self.count_include_pad, self.divisor_override, x.dtype,
                           get_array_module(x))
        return y

    def backward(self, gy):
        return AvgPool2dGrad(self.geom, self.count_include_pad, self.divisor_override)(gy)


class AvgPool2dGrad(Function):
    """The input gradient of average pooling: each window's share of gy spread over it.

    >>> import scratchgrad as sg
    >>> g = _PoolGeom((1, 1, 2, 2), (2, 2), (2, 2), (0, 0))
    >>> AvgPool2dGrad(g)(sg.ones(1, 1, 1, 1)).tolist()
    [[[[0.25, 0.25], [0.25, 0.25]]]]
    """

    def __init__(self, geom: _PoolGeom, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.geom = geom
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, gy):
        g = self.geom
        xp = get_array_module(gy)
        share = gy / _pool_divisor(g, self.count_include_pad, self.divisor_override, gy.dtype,
                                   xp)
        buf = g.grad_buffer(gy.dtype, xp)
        for _, v in g.views(buf):
            if g.disjoint:
                np.copyto(v, share)
            else:
                v += share
        return g.crop(buf)

    def backward(self, ggx):
        g = self.geom
        return AvgPool2dOp((g.KH, g.KW), (g.sh, g.sw), (g.ph, g.pw), self.count_include_pad,
                           self.divisor_override)(ggx)


def _pool_args(op: str, x: Tensor, kernel_size: IntPair, stride: IntPair | None,
               padding: IntPair, dilation: IntPair = 1
               ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    k = _pair(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else _pair(stride, "stride", op, 1)
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op, 1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    H, W = x.shape[2:]
    if H + 2 * p[0] < d[0] * (k[0] - 1) + 1 or W + 2 * p[1] < d[1] * (k[1] - 1) + 1:
        raise ValueError(f"{op}: kernel_size {k} is larger than the padded input (input shape "
                         f"{x.shape}, padding {p})")
    return k, s, p, d


def max_pool2d(input: Any, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """2-D max pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``,
    padding counts as -inf. The gradient goes to the first maximum of each window. With
    ``return_indices`` also returns each maximum's flat index into its H*W plane (int64).

    >>> import scratchgrad as sg
    >>> max_pool2d(sg.randn(2, 3, 8, 8), 2).shape, max_pool2d(sg.randn(1, 7, 7), 3, 2, 1).shape
    ((2, 3, 4, 4), (1, 4, 4))
    """
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported")
    x, squeeze = _batched(to_tensor(input), "max_pool2d")
    k, s, p, d = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation)
    need = return_indices or (_config.is_grad_enabled() and x.requires_grad)
    fn = MaxPool2dOp(k, s, p, d, with_index=need)
    y = _unbatched(fn(x), squeeze)
    if not return_indices:
        return y
    g = fn.geom
    xp = get_array_module(fn.index)
    i, j = xp.divmod(fn.index.astype(np.int64), g.KW)
    rows = xp.arange(g.OH).reshape(-1, 1) * g.sh - g.ph + i * g.dh
    cols = xp.arange(g.OW) * g.sw - g.pw + j * g.dw
    flat = Tensor._make(rows * x.shape[3] + cols)
    return y, _unbatched(flat, squeeze)


def avg_pool2d(input: Any, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to
    ``kernel_size``; padded zeros count in the mean unless ``count_include_pad=False``;
    ``divisor_override`` replaces the window size as the divisor.

    >>> import scratchgrad as sg
    >>> avg_pool2d(sg.ones(1, 1, 4, 4), 2).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode=True is not supported")
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override <= 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    x, squeeze = _batched(to_tensor(input), "avg_pool2d")
    k, s, p, _ = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return _unbatched(AvgPool2dOp(k, s, p, count_include_pad, divisor_override)(x), squeeze)


def _adaptive_matrix(n_in: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    """(n_out, n_in) averaging matrix: row i averages [floor(i*n/m), ceil((i+1)*n/m))."""
    m = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input: Any, output_size: int | None | tuple[int | None, int | None]
                        ) -> Tensor:
    """Average pooling to a fixed output size (OH, OW) whatever the input size, with PyTorch's
    windows [floor(i*H/OH), ceil((i+1)*H/OH)). ``None`` keeps that dimension.

    Divisible sizes run as :func:`avg_pool2d`; others as two products with constant averaging
    matrices (``A_h @ x @ A_w.T``), so backward and double backward come from ``matmul``.

    >>> import scratchgrad as sg
    >>> adaptive_avg_pool2d(sg.randn(2, 3, 7, 9), (3, 4)).shape
    (2, 3, 3, 4)
    """
    op = "adaptive_avg_pool2d"
    x, squeeze = _batched(to_tensor(input), op)
    H, W = x.shape[2:]
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (H if size[0] is None else int(size[0]), W if size[1] is None else int(size[1]))
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if H % oh == 0 and W % ow == 0:
        k = (H // oh, W // ow)
        y = AvgPool2dOp(k, k, (0, 0))(x)
    else:
        dt, xp = x.dtype, get_array_module(x._data)
        y = matmul(Tensor._make(constant_array(xp.asarray(_adaptive_matrix(H, oh, dt)))), x)
        right = np.ascontiguousarray(_adaptive_matrix(W, ow, dt).T)
        y = matmul(y, Tensor._make(constant_array(xp.asarray(right))))
    return _unbatched(y, squeeze)


def _adaptive_windows(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, longest window) positions of PyTorch's adaptive windows [floor(i*n/m),
    ceil((i+1)*n/m)); shorter windows repeat their last position, which never changes a
    maximum nor its first occurrence."""
    lo = (np.arange(n_out) * n_in) // n_out
    hi = -((-(np.arange(n_out) + 1) * n_in) // n_out)
    span = int((hi - lo).max())
    return np.minimum(lo[:, None] + np.arange(span), hi[:, None] - 1)


def _adaptive_argmax(rows: np.ndarray, cols: np.ndarray, width: int):
    """The array function that maps x (N, C, H, W) to the flat index (into H*W) of each
    adaptive window's maximum: the first one in scan order, or the last NaN, as PyTorch."""

    def adaptive_max_index(x):
        xp = get_array_module(x)
        r, c = xp.asarray(rows), xp.asarray(cols)
        OH, KH = r.shape
        OW, KW = c.shape
        vals = x[:, :, r[:, None, :, None], c[None, :, None, :]]
        vals = vals.reshape(x.shape[:2] + (OH, OW, KH * KW))
        k = xp.argmax(vals, axis=-1)
        nan = xp.isnan(vals)
        if nan.any():
            last = KH * KW - 1 - xp.argmax(nan[..., ::-1], axis=-1)
            k = xp.where(nan.any(axis=-1), last, k)
        i, j = k // KW, k % KW
        flat = r[xp.arange(OH)[:, None], i] * width + c[xp.arange(OW), j]
        return flat.astype(np.int64)

    return adaptive_max_index


def adaptive_max_pool2d(input: Any, output_size: int | None | tuple[int | None, int | None],
                        return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size (OH, OW) whatever the input size, over PyTorch's
    windows [floor(i*H/OH), ceil((i+1)*H/OH)); ``None`` keeps that dimension. The gradient goes
    to the first maximum of each window; ``return_indices`` also returns each maximum's flat
    index into its H*W plane (int64), as PyTorch.

    A composition: the argmax is an array op (so a compiled replay recomputes it) and the
    values a ``gather`` of x at it, whose backward scatters gy to the argmax.

    >>> import scratchgrad as sg
    >>> y, i = adaptive_max_pool2d(sg.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> y.tolist(), i.tolist()
    ([[[[5.0, 7.0], [13.0, 15.0]]]], [[[[5, 7], [13, 15]]]])
    """
    from ..function import array_op  # noqa: PLC0415  (function imports tensor, not ops)
    from .indexing import gather  # noqa: PLC0415  (indexing imports this package's shape ops)

    op = "adaptive_max_pool2d"
    x = to_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                         f"(C, H, W), got shape {tuple(x.shape)}")
    x, squeeze = _batched(x, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got {x.dtype}")
    N, C, H, W = x.shape
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (H if size[0] is None else int(size[0]), W if size[1] is None else int(size[1]))
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if H < 1 or W < 1:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} has an empty plane")
    fn = _adaptive_argmax(_adaptive_windows(H, oh), _adaptive_windows(W, ow), W)
    index = array_op(fn, x)
    y = gather(reshape(x, (N, C, H * W)), 2, reshape(index, (N, C, oh * ow)))
    y = _unbatched(reshape(y, (N, C, oh, ow)), squeeze)
    return (y, _unbatched(index, squeeze)) if return_indices else y


# ---------------------------------------------------------------------- unfold and fold
def _columns(x: np.ndarray, g: _Geom) -> np.ndarray:
    """im2col of x as (C*KH*KW, N, OH, OW): the convolution's column matrix without the
    garbage columns of its wide grid (NumPy) or as the GPU layout has it."""
    col = _im2col(x, g)
    if type(x) is np.ndarray:
        return col.reshape(-1, g.N, g.OH, g.Wv)[..., :g.OW]
    return col.reshape(-1, g.N, g.OH, g.OW)


def _uncolumns(col: np.ndarray, g: _Geom) -> np.ndarray:
    """The adjoint of :func:`_columns`: (C*KH*KW, N, OH, OW) -> (N, C, H, W), overlaps summed."""
    if type(col) is not np.ndarray:
        return _gpu_ops.col2im(get_array_module(col).ascontiguousarray(col).reshape(
            col.shape[0], -1), g)
    full = np.zeros((col.shape[0], g.N, g.OH, g.Wv), dtype=col.dtype)
    full[..., :g.OW] = col
    return _col2im(full.reshape(-1, g.M), g, kmajor=True)


class Unfold(Function):
    """Sliding blocks of x (N, C, H, W) as columns (N, C*KH*KW, L), through the
    convolution's im2col (one strided copy). Linear; its backward is :class:`Fold`.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Unfold((2, 2), a, (3, 3))(sg.ones(1, 2, 3, 3)).shape
    (1, 8, 4)
    """

    def __init__(self, kernel_size: tuple[int, int], args: _ConvArgs,
                 x_hw: Sequence[int]) -> None:
        self.k, self.args, self.x_hw = kernel_size, args, tuple(x_hw)

    def forward(self, x):
        g = _Geom(x.shape, self.k, self.args)
        col = _columns(x, g).transpose(1, 0, 2, 3)
        return get_array_module(x).ascontiguousarray(col).reshape(g.N, -1, g.OH * g.OW)

    def backward(self, gy):
        return Fold(self.k, self.args, self.x_hw)(gy)


class Fold(Function):
    """Sum columns (N, C*KH*KW, L) back into an (N, C, H, W) image, overlaps added, through
    the convolution's col2im: the adjoint of :class:`Unfold`, which is its backward.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Fold((2, 2), a, (3, 3))(sg.ones(1, 4, 4))[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """

    def __init__(self, kernel_size: tuple[int, int], args: _ConvArgs,
                 x_hw: Sequence[int]) -> None:
        self.k, self.args, self.x_hw = kernel_size, args, tuple(x_hw)

    def forward(self, y):
        N, K, _ = y.shape
        C = K // (self.k[0] * self.k[1])
        g = _Geom((N, C) + self.x_hw, self.k, self.args)
        return _uncolumns(y.reshape(N, K, g.OH, g.OW).transpose(1, 0, 2, 3), g)

    def backward(self, gx):
        return Unfold(self.k, self.args, self.x_hw)(gx)


def _block_args(op: str, kernel_size: IntPair, dilation: IntPair, padding: IntPair,
                stride: IntPair) -> tuple[tuple[int, int], _ConvArgs]:
    k = _pair(kernel_size, "kernel_size", op, 1)
    ph, pw = _pair(padding, "padding", op)
    a = _ConvArgs(_pair(stride, "stride", op, 1), (ph, ph, pw, pw),
                  _pair(dilation, "dilation", op, 1), 1)
    return k, a


def _blocks(op: str, hw: Sequence[int], k: tuple[int, int], a: _ConvArgs) -> tuple[int, int]:
    """The number of sliding blocks along H and W, with an error when one is < 1."""
    n = tuple((hw[d] + 2 * a.padding[2 * d] - a.dilation[d] * (k[d] - 1) - 1) // a.stride[d] + 1
              for d in range(2))
    if min(n) < 1:
        raise ValueError(f"{op}: spatial size {tuple(hw)} with kernel_size={k}, "
                         f"dilation={a.dilation}, padding={(a.padding[0], a.padding[2])}, "
                         f"stride={a.stride} gives {n} sliding blocks; each must be at least 1")
    return n  # type: ignore[return-value]


def unfold(input: Any, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
           stride: IntPair = 1) -> Tensor:
    """Extract sliding local blocks of ``input`` (N, C, H, W) or (C, H, W) as columns
    (N, C*KH*KW, L) or (C*KH*KW, L), L the number of blocks; PyTorch's ``F.unfold``.

    >>> import scratchgrad as sg
    >>> unfold(sg.arange(16.0).reshape(1, 1, 4, 4), 2, stride=2)[0, :, 0].tolist()
    [0.0, 1.0, 4.0, 5.0]
    """
    op = "unfold"
    x = to_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                         f"(C, H, W), got shape {tuple(x.shape)}")
    x, squeeze = _batched(x, op)
    k, a = _block_args(op, kernel_size, dilation, padding, stride)
    _blocks(op, x.shape[2:], k, a)
    return _unbatched(Unfold(k, a, x.shape[2:])(x), squeeze)


def fold(input: Any, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
         padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Combine columns (N, C*KH*KW, L) or (C*KH*KW, L) of sliding blocks into an image
    (N, C, *output_size), adding overlapping values: the adjoint of :func:`unfold`;
    PyTorch's ``F.fold``.

    >>> import scratchgrad as sg
    >>> fold(sg.ones(1, 4, 4), (3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "fold"
    y = to_tensor(input)
    if y.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 3-D input (N, C*kH*kW, L) or a 2-D unbatched input "
                         f"(C*kH*kW, L), got shape {tuple(y.shape)}")
    squeeze = y.ndim == 2
    if squeeze:
        y = reshape(y, (1,) + y.shape)
    hw = _pair(output_size, "output_size", op, 1)
    k, a = _block_args(op, kernel_size, dilation, padding, stride)
    if y.shape[1] % (k[0] * k[1]):
        raise ValueError(f"{op}: input of shape {tuple(y.shape)}: dimension 1 ({y.shape[1]}) "
                         f"must be divisible by the product of kernel_size {k}")
    nh, nw = _blocks(op, hw, k, a)
    if y.shape[2] != nh * nw:
        raise ValueError(f"{op}: input of shape {tuple(y.shape)} has {y.shape[2]} blocks but "
                         f"output_size={hw}, kernel_size={k}, dilation={a.dilation}, "
                         f"padding={(a.padding[0], a.padding[2])}, stride={a.stride} give "
                         f"{nh} * {nw} = {nh * nw}")
    return _unbatched(Fold(k, a, hw)(y), squeeze)
