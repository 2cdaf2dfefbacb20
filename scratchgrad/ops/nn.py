"""Neural-network ops: linear, embedding, dropout, batch and layer normalisation, and the losses
that are worth fusing (softmax cross-entropy, NLL, binary cross-entropy).

Each op here is one Function rather than a chain of primitives, for a reason its docstring
states (stability, or one graph node instead of many); the composite losses (MSE, L1, Huber) are
built from primitives in ``scratchgrad.nn.functional``. Every backward is built from Tensor ops
of the inputs, so it also works with ``create_graph=True`` and second derivatives are right.
Fast paths (in-place first-order gradients, compiled loops, GPU kernels): scratchgrad/kernels.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._config import no_grad
from ..backend import add_at, check_same_device, get_array_module, put_along_axis
from ..function import Function
from ..random import Generator, uniform
from ..tensor import Tensor
from ._util import quiet, same_dtype, to_tensor
from .elementwise import clamp, log, sigmoid, softplus
from .linalg import matmul
from .reduction import log_softmax, softmax
from .shape import cast, reshape

__all__ = ["linear", "embedding", "dropout", "batch_norm", "layer_norm", "cross_entropy",
           "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "one_hot"]

_REDUCTIONS = ("mean", "sum", "none")


def _const(array: Any) -> Tensor:
    return Tensor._make(array)


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's deprecated ``size_average`` / ``reduce`` flags, turned into ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else "mean" if size_average else "sum"


def _float_array(value: Any, dtype: np.dtype, what: str, op: str) -> np.ndarray | None:
    """A constant (class weights, pos_weight) as an array of the input's dtype."""
    if value is None:
        return None
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    if isinstance(value, Tensor) and value.requires_grad:
        raise NotImplementedError(f"{op}: gradients with respect to {what} are not supported; "
                                  f"pass {what}.detach()")
    return array.astype(dtype, copy=False)


# ---------------------------------------------------------------------- linear
class Linear(Function):
    """``x @ W.T + b`` for a 2-D ``x``. One Function for speed: one graph node instead of a
    transpose, a matmul and a broadcast add (whose backward would also run ``sum_to``); BLAS
    reads ``W.T`` as a transposed view, nothing is copied. The bias input is optional.

    >>> import scratchgrad as sg
    >>> Linear()(sg.ones(2, 3), sg.ones(4, 3), sg.zeros(4)).shape
    (2, 4)
    """

    def forward(self, x, W, b=None):
        return quiet.run(_linear, x, W, b)  # inf * 0 in a sum of products: nan, silently

    def backward(self, gy):
        x, W = self.inputs[0], self.inputs[1]
        gx = matmul(gy, W) if x.requires_grad else None
        gW = matmul(gy.T, x) if W.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gW
        gb = gy.sum(dim=0) if self.inputs[2].requires_grad else None
        return gx, gW, gb


def _linear(x: Any, W: Any, b: Any) -> Any:
    y = x @ W.T
    if b is not None:
        y += b
    return y


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dimension of ``input`` (any leading dims).

    >>> import scratchgrad as sg
    >>> linear(sg.ones(5, 3), sg.ones(2, 3), sg.zeros(2))
    tensor([[3., 3.],
            [3., 3.],
            [3., 3.],
            [3., 3.],
            [3., 3.]])
    """
    x = to_tensor(input)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} has "
                         f"{x.shape[-1] if x.ndim else 0} features in its last dimension, "
                         f"but weight of shape {weight.shape} expects {weight.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape "
                         f"{weight.shape}; expected ({weight.shape[0]},)")
    if x._data.dtype != weight._data.dtype or (bias is not None and
                                              bias._data.dtype != weight._data.dtype):
        same_dtype("linear", "input and weight" if bias is None else "input, weight and bias",
                   x, weight, bias)
    args = (weight,) if bias is None else (weight, bias)
    if x.ndim == 2:
        return Linear()(x, *args)
    lead = x.shape[:-1]
    y = Linear()(reshape(x, (-1, x.shape[-1])), *args)
    return reshape(y, lead + (weight.shape[0],))


# ---------------------------------------------------------------------- embedding
def _scatter_rows(indices: np.ndarray, rows: np.ndarray, num: int,
                  padding_idx: int | None) -> np.ndarray:
    """Sum ``rows[i]`` into row ``indices[i]`` of a (num, dim) zero matrix (``np.add.at``:
    repeated indices accumulate, in input order); the row at ``padding_idx`` stays zero."""
    xp = get_array_module(rows)
    out = xp.zeros((num, rows.shape[1]), dtype=rows.dtype)
    if indices.size:
        add_at(xp, out, xp.asarray(indices), rows)
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


class Embedding(Function):
    """``weight[indices]``: rows of the embedding matrix. The integer ``indices`` are a
    constant attribute; rows at ``padding_idx`` get no gradient.

    >>> import numpy as np, scratchgrad as sg
    >>> Embedding(np.array([2, 0]), None)(sg.eye(3))
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """

    def __init__(self, indices: np.ndarray, padding_idx: int | None) -> None:
        self.indices, self.padding_idx = indices, padding_idx

    def forward(self, W):
        idx, num = self.indices, W.shape[0]
        if idx.size and (idx.min() < 0 or idx.max() >= num):  # here, so replays check too
            bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
            raise IndexError(f"embedding: index {bad} is out of range for {num} embeddings "
                             f"(expected 0 <= index < {num})")
        return np.take(W, idx, axis=0)  # faster than W[indices] for a row gather

    def backward(self, gy):
        W = self.inputs[0]
        return EmbeddingBackward(self.indices, W.shape[0], self.padding_idx)(gy)


class EmbeddingBackward(Function):
    """The scatter-add of Embedding's backward: repeated indices accumulate (see
    ``_scatter_rows``). Its own backward is the gather again (double backward).

    >>> import numpy as np, scratchgrad as sg
    >>> EmbeddingBackward(np.array([1, 1]), 3, None)(sg.ones(2, 2))
    tensor([[0., 0.],
            [2., 2.],
            [0., 0.]])
    """

    def __init__(self, indices: np.ndarray, num: int, padding_idx: int | None) -> None:
        self.indices, self.num, self.padding_idx = indices, num, padding_idx

    def forward(self, gy):
        rows = gy.reshape(-1, gy.shape[-1])
        return _scatter_rows(self.indices.reshape(-1), rows, self.num, self.padding_idx)

    def backward(self, ggW):
        out = Embedding(self.indices, None)(ggW)
        if self.padding_idx is not None:
            keep = (self.indices != self.padding_idx)[..., None].astype(ggW.dtype)
            out = out * _const(keep)
        return out


def _index_array(indices: Any, op: str) -> np.ndarray:
    array = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer indices (int64 or int32), got dtype "
                        f"{array.dtype}")
    return array


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim) for integer ``input`` of any shape;
    the result has shape ``input.shape + (dim,)``.

    >>> import scratchgrad as sg
    >>> embedding(sg.tensor([[0, 2]]), sg.eye(3)).shape
    (1, 2, 3)
    """
    if max_norm is not None:
        raise NotImplementedError("embedding: max_norm is not supported")
    idx = _index_array(input, "embedding")
    num = weight.shape[0]
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {weight.shape}")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"[{-num}, {num})")
        padding_idx %= num
    return Embedding(idx, padding_idx)(weight)


# ---------------------------------------------------------------------- dropout
class Dropout(Function):
    """Inverted dropout: ``x * mask`` with ``mask = keep / (1 - p)``. The ``mask`` (an array
    of x's shape and dtype) is drawn in forward from the generator and kept as an attribute
    for backward.

    >>> import scratchgrad as sg
    >>> d = Dropout(0.5); y = d(sg.ones(4)); bool((y == sg.tensor(d.mask)).all())
    True
    """
    reads_values = False  # backward reads only the mask, its own attribute
    saved_attributes = ("mask",)

    def __init__(self, p: float, generator: Generator | None = None) -> None:
        self.p, self.generator = p, generator

    def forward(self, x):
        if self.p >= 1:
            self.mask = get_array_module(x).zeros(x.shape, dtype=x.dtype)
        else:  # drawn on x's device (the GPU has its own stream)
            u = uniform(get_array_module(x), x.shape, np.float32, self.generator)
            self.mask = (u >= self.p).astype(x.dtype)
            self.mask *= 1.0 / (1.0 - self.p)
        return x * self.mask

    def backward(self, gy):
        return gy * _const(self.mask)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Generator | None = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` during
    training; identity otherwise. ``inplace`` is accepted and ignored (always a new tensor).

    >>> import scratchgrad as sg
    >>> y = dropout(sg.ones(1000), 0.5)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> dropout(sg.ones(3), 0.5, training=False)
    tensor([1., 1., 1.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, got {p}")
    x = to_tensor(input)
    if not training or p == 0.0:
        return x
    return Dropout(float(p), generator)(x)


# ---------------------------------------------------------------------- normalisation
class _Normalize(Function):
    """``(x - mean) / sqrt(var + eps) * w + b`` with statistics over ``axes``; the shared
    body of BatchNorm (training mode) and LayerNorm. One Function rather than a chain of ~8
    ops, each of which would keep its own large array for backward.

    Inputs: ``x``, then ``w`` and ``b`` when given (``has_w`` / ``has_b``). Forward saves the
    statistics ``mean``, ``var`` and ``invstd`` (reduced shapes, kept dims) through
    :meth:`save_statistics`; BatchNorm's running averages are updated from them. Backward
    recomputes the statistics from x with Tensor ops (with the saved mean as the mean's value),
    so second derivatives flow through them too.
    """

    def __init__(self, axes: tuple[int, ...], param_shape: tuple[int, ...],
                 param_axes: tuple[int, ...], eps: float, has_w: bool, has_b: bool) -> None:
        self.axes = axes  # reduced for the statistics
        self.param_shape = param_shape  # w and b reshaped to broadcast against x
        self.param_axes = param_axes  # summed for the gradients of w and b
        self.eps, self.has_w, self.has_b = eps, has_w, has_b

    def forward(self, x, *wb):
        return quiet.run(self._normalize, x, *wb)  # inf or nan in a group: nan, silently

    def _normalize(self, x, *wb):
        count = max(int(np.prod([x.shape[a] for a in self.axes])), 1)
        # The mean of float32 accumulates in float64, as PyTorch's CPU kernel does: in float32
        # an input at 1000 +- 1 came out 9 ulps off (5e-4).
        acc = np.float64 if x.dtype == np.float32 else x.dtype
        mean = x.sum(axis=self.axes, keepdims=True, dtype=acc) / count
        mean = mean.astype(x.dtype, copy=False)
        y = x - mean
        var = (y * y).sum(axis=self.axes, keepdims=True) / count
        invstd = 1 / np.sqrt(var + self.eps)
        y *= invstd
        if self.has_w:
            y *= wb[0].reshape(self.param_shape)
        if self.has_b:
            y += wb[-1].reshape(self.param_shape)
        self.save_statistics(x, mean, var, invstd)
        return y

    def save_statistics(self, x: Any, mean: Any, var: Any, invstd: Any) -> None:
        """Keep the batch statistics of ``x`` (reduced shapes, kept dims): the end of every
        forward, this one's and a kernel's. BatchNorm also updates its running averages."""
        self.mean, self.var, self.invstd = mean, var, invstd

    def backward(self, gy):
        x = self.inputs[0]
        axes = self.axes
        # xc = x - mean(x) with the forward's mean as its value (summed in float64: a float32
        # mean taken here would be ulps off where x is far from zero, 1e-3 in the weight's
        # gradient at 1000 +- 1) and the derivative of x - mean(x), for create_graph: d minus
        # its own value is exactly 0 and varies with x as the mean does.
        xc = x - _const(self.mean)
        d = xc.mean(dim=axes, keepdim=True)
        xc = xc - (d - _const(d._data))
        invstd = ((xc * xc).mean(dim=axes, keepdim=True) + self.eps) ** -0.5
        xhat = xc * invstd
        grads: list = [None]
        if x.requires_grad:
            gxhat = gy * reshape(self.inputs[1], self.param_shape) if self.has_w else gy
            # gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))
            grads[0] = invstd * (gxhat - gxhat.mean(dim=axes, keepdim=True)
                                 - xhat * (gxhat * xhat).mean(dim=axes, keepdim=True))
        if self.has_w:
            w = self.inputs[1]
            grads.append(reshape((gy * xhat).sum(dim=self.param_axes), w.shape)
                         if w.requires_grad else None)
        if self.has_b:
            b = self.inputs[-1]
            grads.append(reshape(gy.sum(dim=self.param_axes), b.shape)
                         if b.requires_grad else None)
        return tuple(grads)


class BatchNorm(_Normalize):
    """Batch normalisation with batch statistics (training mode); see ``_Normalize``.

    With ``running = (running_mean, running_var, momentum)`` (tensors of C values, or None)
    forward also updates the running averages in place: ``r = (1 - momentum) * r + momentum *
    batch`` with the unbiased batch variance. Done inside forward (by ``save_statistics``, which
    ends every forward, a kernel's too), not after it, so that a compiled function
    (``scratchgrad.compile``), which replays forward, updates them too; such an op is not
    ``pure``.

    >>> import scratchgrad as sg
    >>> BatchNorm((0,), (1, 2), (0,), 1e-5, False, False)(sg.randn(5, 2)).shape
    (5, 2)
    """

    running: tuple | None = None

    def save_statistics(self, x: Any, mean: Any, var: Any, invstd: Any) -> None:
        super().save_statistics(x, mean, var, invstd)
        if self.running is not None:
            rm, rv, momentum = self.running
            C = x.shape[1]
            n = x.size // C
            if rm is not None:
                r = rm._data
                r *= 1 - momentum
                r += momentum * mean.reshape(C).astype(r.dtype, copy=False)
            if rv is not None:
                r = rv._data
                r *= 1 - momentum
                r += (momentum * n / (n - 1)) * var.reshape(C).astype(r.dtype, copy=False)


class LayerNorm(_Normalize):
    """Layer normalisation over the trailing dimensions; see ``_Normalize``.

    >>> import scratchgrad as sg
    >>> LayerNorm((1,), (3,), (0,), 1e-5, False, False)(sg.randn(2, 3)).shape
    (2, 3)
    """


def _wb(weight: Tensor | None, bias: Tensor | None) -> tuple[Tensor, ...]:
    return tuple(t for t in (weight, bias) if t is not None)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of an (N, C, *) input. In training mode with batch
    statistics, and the running averages (if given) are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased batch
    variance. Otherwise with the running statistics.

    >>> import scratchgrad as sg
    >>> y = batch_norm(sg.randn(8, 3), None, None, training=True)
    >>> [round(v, 4) + 0.0 for v in y.mean(dim=0).tolist()]
    [0.0, 0.0, 0.0]
    """
    x = to_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got {x.shape}")
    C = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.shape != (C,):
            raise ValueError(f"batch_norm: {name} of shape {t.shape} does not match the "
                             f"{C} channels of the input of shape {x.shape}; expected ({C},)")
    axes = (0,) + tuple(range(2, x.ndim))
    param_shape = (1, C) + (1,) * (x.ndim - 2)
    if training:
        n = x._data.size // C if C else 0
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        fn = BatchNorm(axes, param_shape, axes, eps, weight is not None, bias is not None)
        if running_mean is not None or running_var is not None:
            fn.running = (running_mean, running_var, momentum)
            fn.pure = False
        return fn(x, *_wb(weight, bias))
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are required when "
                         "training=False")
    # Evaluation: an affine map per channel; scale and shift are C-sized, so two passes over x.
    # Computed with ops (not raw NumPy on the buffers) so a compiled function reads the
    # running statistics at every call instead of baking them in.
    with no_grad():
        invstd = cast(1.0 / (running_var + eps).sqrt(), x.dtype)
        scale, shift = invstd, cast(-running_mean, x.dtype) * invstd
    if weight is not None:
        scale = scale * weight
        shift = shift * weight
    if bias is not None:
        shift = shift + bias
    return x * reshape(scale, param_shape) + reshape(shift, param_shape)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions of each sample.

    >>> import scratchgrad as sg
    >>> y = layer_norm(sg.randn(2, 5), (5,))
    >>> [round(v, 4) + 0.0 for v in y.mean(dim=-1).tolist()]
    [0.0, 0.0]
    """
    x = to_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end with "
                         f"normalized_shape {shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} has shape {t.shape}, expected {shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    fn = LayerNorm(axes, shape, tuple(range(x.ndim - k)), eps, weight is not None,
                   bias is not None)
    return fn(x, *_wb(weight, bias))


# ---------------------------------------------------------------------- classification losses
def _reduce_rows(loss: np.ndarray, reduction: str, denom: Any) -> np.ndarray:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):  # all targets ignored: nan, as torch
        return total / denom


def _upstream(gy: Tensor, reduction: str, denom: Any) -> Tensor:
    """The upstream gradient as a per-row column (M, 1) or a scalar, with mean's 1/denom."""
    if reduction == "none":
        return reshape(gy, (-1, 1))
    if reduction == "mean":
        # All targets ignored: the loss is nan, but no input influenced it; PyTorch's
        # gradient is 0 then, not nan.
        return gy * (float(1 / denom) if denom else 0.0)
    return gy


def target_error(op: str, value: int, C: int) -> IndexError:
    """The error for a class-index target outside [0, C) (and not ignore_index)."""
    return IndexError(f"{op}: target {value} is out of bounds for {C} classes "
                      f"(expected 0 <= target < {C}, or ignore_index)")


class _IndexTargets:
    """What the index-target losses share: targets, weights and ignore_index resolved to
    per-row arrays (``safe`` targets are 0 where ignored, ``w_t`` the weight of each row's
    target, 0 where ignored; ``valid`` 1.0 where counted), after checking that every target
    not ignored is a class index in [0, C) (``op`` names the loss in the error). Built in the
    op's forward, so that a compiled function (which replays forward, not the wrapper)
    checks every batch.

    The common case, every target a class and ``ignore_index`` none of them, costs two small
    NumPy calls (``plain`` when there are no class weights either): inside a training loop
    each small call on a cold path is costly, and the loss used to make twenty of them."""

    def __init__(self, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                 dtype: np.dtype, C: int, op: str) -> None:
        self.dtype = dtype
        out = target.view(np.uint64) >= C  # negative values wrap around to huge ones
        if 0 <= ignore_index < C or out.any():
            valid = target != ignore_index
            out &= valid
            if out.any():
                raise target_error(op, int(target[np.argmax(out)]), C)
        else:  # no target is ignore_index (it is not a class, and every target is one)
            valid = None
        self.valid_bool = valid
        self.plain = weight is None and valid is None
        self.safe = target if valid is None else np.where(valid, target, 0)
        self.weight = weight
        self._valid: np.ndarray | None = None
        self._w_t: np.ndarray | None = None
        # mean divides by the total weight of non-ignored targets
        self.denom = target.shape[0] if self.plain else self.w_t.sum()

    @property
    def w_t(self) -> np.ndarray:
        """The weight of each row's target, 0.0 where ignored."""
        if self._w_t is None:
            if self.weight is None:
                self._w_t = self.valid
            else:
                w = self.weight[self.safe]
                self._w_t = w if self.valid_bool is None else w * self.valid_bool
        return self._w_t

    @property
    def valid(self) -> np.ndarray:
        """1.0 for the rows that count, 0.0 for ignored ones, in the input's float dtype (a
        bool array times a Python float would be float64)."""
        if self._valid is None:
            xp = get_array_module(self.safe)
            self._valid = (xp.ones(self.safe.shape, self.dtype) if self.valid_bool is None
                           else self.valid_bool.astype(self.dtype))
        return self._valid


class CrossEntropy(Function):
    """Softmax cross-entropy of (M, C) logits with class-index targets; class ``weight``,
    ``ignore_index``, ``label_smoothing`` and ``reduction`` as in PyTorch.

    One Function for stability and speed: log-softmax and the loss in one forward with the
    row max subtracted (no overflow, no log(0)) and one (M, C) temporary, and a backward
    ``(softmax(x) * Q - q) * g``, where ``q`` is each row's weighted target distribution and
    ``Q`` its sum, instead of backpropagating through log-softmax, a gather and a mean.
    Attributes: ``target`` (M,) int64, ``weight`` (C,) or None, hyperparameters; forward saves
    the resolved ``targets`` (:class:`_IndexTargets`), the mean denominator ``denom`` and the
    per-row ``row_max`` and ``log_sum`` (M, 1), from which a first-order backward kernel gets
    softmax without recomputing it. Backward recomputes softmax from the input with Tensor
    ops, so second derivatives are right.

    >>> import numpy as np, scratchgrad as sg
    >>> CrossEntropy(np.array([0, 1]), None, -100, 0.0, "sum")(sg.zeros(2, 2))
    tensor(1.3863)
    """

    def __init__(self, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                 label_smoothing: float, reduction: str) -> None:
        self.target, self.weight = target, weight
        self.ignore_index, self.eps, self.reduction = ignore_index, label_smoothing, reduction

    def resolve_targets(self, x: Any) -> _IndexTargets:
        """Check the targets against the logits ``x`` and save them resolved (``targets``,
        ``denom``): the start of every forward, this one's and a kernel's."""
        t = self.targets = _IndexTargets(self.target, self.weight, self.ignore_index, x.dtype,
                                         x.shape[1], "cross_entropy")
        self.denom = t.denom
        return t

    def forward(self, x):
        return quiet.run(self._loss, x, self.resolve_targets(x))  # +inf or all -inf: nan

    def _loss(self, x, t):
        self.row_max = x.max(axis=1, keepdims=True)
        z = x - self.row_max
        # log-probabilities are z - log_sum; only the picked ones (and for label smoothing
        # their row sums) are needed, so z is exponentiated in place afterwards.
        picked = z[get_array_module(z).arange(z.shape[0]), t.safe]
        if self.eps > 0:
            z_sum = z.sum(axis=1) if self.weight is None else z @ self.weight
        np.exp(z, out=z)
        self.log_sum = np.log(z.sum(axis=1, keepdims=True))
        log_sum = self.log_sum[:, 0]
        if t.plain and self.eps == 0:  # every weight 1: the same value, fewer arrays
            loss = log_sum - picked
        else:
            loss = -(1 - self.eps) * t.w_t * (picked - log_sum)
        if self.eps > 0:
            w_total = x.shape[1] if self.weight is None else self.weight.sum()
            smooth = z_sum - log_sum * w_total  # sum_c w_c * log p_c
            loss -= (self.eps / x.shape[1]) * smooth * t.valid
        return _reduce_rows(loss, self.reduction, self.denom)

    def backward(self, gy):
        x = self.inputs[0]
        M, C = x.shape
        t = _IndexTargets(self.target, self.weight, self.ignore_index, x.dtype, C,
                          "cross_entropy")
        xp = get_array_module(x._data)
        q = xp.zeros((M, C), dtype=x.dtype)
        q[xp.arange(M), t.safe] = (1 - self.eps) * t.w_t
        if self.eps > 0:
            w = xp.ones(C, x.dtype) if self.weight is None else self.weight
            q += (self.eps / C) * w * t.valid[:, None]
        Q = q.sum(axis=1, keepdims=True)
        g = _upstream(gy, self.reduction, self.denom)
        return (softmax(x, dim=1) * _const(Q) - _const(q)) * g


class CrossEntropyProb(Function):
    """Softmax cross-entropy of (M, C) logits with class-probability targets (M, C):
    ``-sum_c w_c * t'_c * log_softmax(x)_c`` with ``t' = (1 - eps) t + eps / C``; mean divides
    by M. One Function for the same reasons as :class:`CrossEntropy`; the target may require grad
    (distillation from a trainable teacher). Attributes: ``weight`` (C,) or None and the
    hyperparameters.

    >>> import scratchgrad as sg
    >>> CrossEntropyProb(None, 0.0, "mean")(sg.zeros(1, 2), sg.tensor([[0.5, 0.5]]))
    tensor(0.6931)
    """

    def __init__(self, weight: np.ndarray | None, label_smoothing: float,
                 reduction: str) -> None:
        self.weight, self.eps, self.reduction = weight, label_smoothing, reduction

    def forward(self, x, t):
        return quiet.run(self._forward, x, t)  # a row with +inf or all -inf: nan

    def _forward(self, x, t):
        C = x.shape[1]
        logp = x - x.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        q = t * (1 - self.eps) + self.eps / C if self.eps > 0 else t
        if self.weight is not None:
            q = q * self.weight
        loss = -(q * logp).sum(axis=1)
        return _reduce_rows(loss, self.reduction, x.shape[0])

    def backward(self, gy):
        x, t = self.inputs
        C = x.shape[1]
        g = _upstream(gy, self.reduction, x.shape[0])
        w = None if self.weight is None else _const(self.weight)
        gx = gt = None
        if x.requires_grad:
            q = t * (1 - self.eps) + self.eps / C if self.eps > 0 else t
            if w is not None:
                q = q * w
            gx = (softmax(x, dim=1) * q.sum(dim=1, keepdim=True) - q) * g
        if t.requires_grad:
            gt = log_softmax(x, dim=1) * (-(1 - self.eps))
            if w is not None:
                gt = gt * w
            gt = gt * g
        return gx, gt


class NLLLoss(Function):
    """Negative log-likelihood of (M, C) log-probabilities with class-index targets:
    ``-w[t] * x[i, t]``. A Function rather than a gather so that backward is one constant
    scatter (``-q * g``) instead of ``np.add.at``. Attributes as :class:`CrossEntropy`.

    >>> import numpy as np, scratchgrad as sg
    >>> NLLLoss(np.array([1]), None, -100, "mean")(sg.tensor([[-1.0, -2.0]]))
    tensor(2.)
    """

    def __init__(self, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                 reduction: str) -> None:
        self.target, self.weight = target, weight
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, x):
        t = _IndexTargets(self.target, self.weight, self.ignore_index, x.dtype, x.shape[1],
                          "nll_loss")
        self.denom = t.denom
        picked = np.take_along_axis(x, t.safe[:, None], axis=1)[:, 0]
        return _reduce_rows(-t.w_t * picked, self.reduction, self.denom)

    def backward(self, gy):
        x = self.inputs[0]
        M, C = x.shape
        t = _IndexTargets(self.target, self.weight, self.ignore_index, x.dtype, C, "nll_loss")
        xp = get_array_module(x._data)
        q = xp.zeros((M, C), dtype=x.dtype)
        q[xp.arange(M), t.safe] = -t.w_t
        return _const(q) * _upstream(gy, self.reduction, self.denom)


def _class_targets(x: Tensor, target: Any, op: str, ignore_index: int
                   ) -> tuple[Tensor, np.ndarray, tuple[int, ...]]:
    """Bring input (C,), (N, C) or (N, C, d1, ...) and its index target to (M, C) and (M,);
    also return the shape of an unreduced loss. The flat int64 targets are made with ops
    (reshape, cast), so that a compiled function sees where they come from."""
    tgt = _index_array(target, op)
    if type(tgt) is not type(x._data):  # off the all-NumPy path
        check_same_device(op, [x._data, tgt])
    if x.ndim == 0:
        raise ValueError(f"{op}: expected an input of shape (C,), (N, C) or (N, C, d1, ...), "
                         "got a scalar")
    if x.ndim == 1:
        expected = ()
    else:
        expected = (x.shape[0],) + tuple(x.shape[2:])
    if tuple(tgt.shape) != expected:
        raise ValueError(f"{op}: expected a target of shape {expected} for an input of shape "
                         f"{x.shape} (class dim 1), got a target of shape {tgt.shape}")
    C = x.shape[0] if x.ndim == 1 else x.shape[1]
    t = target if isinstance(target, Tensor) else Tensor._make(tgt)
    if t.ndim != 1:
        t = reshape(t, (-1,))
    flat = cast(t, np.int64)._data
    if x.ndim == 1:
        x2 = reshape(x, (1, C))
    elif x.ndim == 2:
        x2 = x
    else:  # (N, C, d1, ...) -> (N, d1, ..., C) -> (M, C)
        x2 = reshape(x.permute(0, *range(2, x.ndim), 1), (-1, C))
    return x2, flat, expected


def _check_weight(weight: np.ndarray | None, C: int, op: str) -> None:
    if weight is not None and weight.shape != (C,):
        raise ValueError(f"{op}: weight of shape {weight.shape} does not match {C} classes; "
                         f"expected ({C},)")


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy between logits and targets, PyTorch's ``F.cross_entropy``.

    ``input``: (C,), (N, C) or (N, C, d1, ...) logits. ``target``: class indices of shape
    (), (N,) or (N, d1, ...), or class probabilities of the input's shape. Options: class
    ``weight`` (C,); ``ignore_index`` (index targets); ``label_smoothing`` in [0, 1];
    ``reduction`` 'mean' (weighted mean over non-ignored targets), 'sum' or 'none'.

    >>> import scratchgrad as sg
    >>> logits = sg.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(cross_entropy(logits, sg.tensor([0, 2])).item(), 4)
    0.6691
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    x = to_tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: expected floating-point logits, got {x.dtype}")
    C = x.shape[0] if x.ndim == 1 else x.shape[1] if x.ndim else 0
    w = _float_array(weight, x.dtype, "weight", "cross_entropy")
    _check_weight(w, C, "cross_entropy")
    t_data = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t_data.dtype.kind == "f":  # class probabilities
        if t_data.shape != x.shape:
            raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                             f"{x.shape}, got {t_data.shape}")
        t = target if isinstance(target, Tensor) else Tensor(t_data)
        if t.dtype != x.dtype:
            t = t.to(x.dtype)
        if x.ndim == 1:
            x2, t2, out_shape = reshape(x, (1, C)), reshape(t, (1, C)), ()
        elif x.ndim == 2:
            x2, t2, out_shape = x, t, (x.shape[0],)
        else:
            perm = (0, *range(2, x.ndim), 1)
            x2 = reshape(x.permute(*perm), (-1, C))
            t2 = reshape(t.permute(*perm), (-1, C))
            out_shape = (x.shape[0],) + tuple(x.shape[2:])
        loss = CrossEntropyProb(w, float(label_smoothing), reduction)(x2, t2)
    else:
        x2, flat, out_shape = _class_targets(x, target, "cross_entropy", ignore_index)
        loss = CrossEntropy(flat, w, ignore_index, float(label_smoothing), reduction)(x2)
    if reduction == "none" and loss.shape != out_shape:
        loss = reshape(loss, out_shape)
    return loss


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (e.g. from ``log_softmax``) at class-index
    targets; same shapes and options as :func:`cross_entropy` (index targets only).

    >>> import scratchgrad as sg
    >>> logp = sg.log(sg.tensor([[0.5, 0.5], [0.9, 0.1]]))
    >>> round(nll_loss(logp, sg.tensor([0, 0])).item(), 4)
    0.3993
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    x = to_tensor(input)
    x2, flat, out_shape = _class_targets(x, target, "nll_loss", ignore_index)
    w = _float_array(weight, x.dtype, "weight", "nll_loss")
    _check_weight(w, x2.shape[1], "nll_loss")
    loss = NLLLoss(flat, w, ignore_index, reduction)(x2)
    if reduction == "none" and loss.shape != out_shape:
        loss = reshape(loss, out_shape)
    return loss


# ---------------------------------------------------------------------- binary losses
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


class BinaryCrossEntropy(Function):
    """``-w (y log p + (1 - y) log(1 - p))`` elementwise, each log clamped to >= -100 as in
    PyTorch. One Function for stability: the clamped logs never give inf or nan, and backward uses
    PyTorch's ``(p - y) / max(p (1 - p), 1e-12)``, finite at p = 0 and 1. Inputs: ``p`` and
    the target ``y`` (which may require grad); attribute ``weight`` (broadcastable) or None.

    >>> import scratchgrad as sg
    >>> BinaryCrossEntropy(None)(sg.tensor([0.0, 1.0]), sg.tensor([1.0, 0.0]))
    tensor([100., 100.])
    """

    def __init__(self, weight: np.ndarray | None) -> None:
        self.weight = weight

    def forward(self, p, y):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        loss = -(y * (log_p - log_1mp) + log_1mp)
        return loss if self.weight is None else loss * self.weight

    def backward(self, gy):
        p, y = self.inputs
        g = gy if self.weight is None else gy * _const(self.weight)
        gp = gt = None
        if p.requires_grad:
            gp = g * (p - y) / clamp(p * (1 - p), min=1e-12)
        if y.requires_grad:
            with np.errstate(divide="ignore"):
                gt = g * (clamp(log(1 - p), min=-100) - clamp(log(p), min=-100))
        return gp, gt


class BCEWithLogits(Function):
    """Binary cross-entropy on logits, ``(1 - y) x + l * softplus(-x)`` with
    ``l = 1 + (pos_weight - 1) y``, softplus(-x) computed as ``log1p(exp(-|x|)) + max(-x, 0)``.
    One Function for stability (no overflow for any x, no log(0)) and for an exact gradient
    ``w ((1 - y) - l (1 - sigmoid(x)))``, also at x = 0 where a composite of relu and abs
    would give a wrong one. Inputs: ``x`` and the target ``y`` (may require grad); attributes
    ``weight`` and ``pos_weight`` (broadcastable arrays) or None.

    >>> import scratchgrad as sg
    >>> BCEWithLogits(None, None)(sg.tensor([0.0]), sg.tensor([1.0]))
    tensor([0.6931])
    """

    def __init__(self, weight: np.ndarray | None, pos_weight: np.ndarray | None) -> None:
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, x, y):
        return quiet.run(self._loss, x, y)  # an infinite x with y = 1: 0 * inf, nan as in torch

    def _loss(self, x, y):
        sp_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # softplus(-x)
        if self.pos_weight is None:
            loss = (1 - y) * x + sp_neg
        else:
            loss = (1 - y) * x + (1 + (self.pos_weight - 1) * y) * sp_neg
        return loss if self.weight is None else loss * self.weight

    def backward(self, gy):
        x, y = self.inputs
        g = gy if self.weight is None else gy * _const(self.weight)
        pw = None if self.pos_weight is None else _const(self.pos_weight)
        gx = gt = None
        if x.requires_grad:
            if pw is None:
                gx = g * (sigmoid(x) - y)
            else:
                gx = g * ((1 - y) - (1 + (pw - 1) * y) * (1 - sigmoid(x)))
        if y.requires_grad:
            gt = -x if pw is None else (pw - 1) * softplus(-x) - x
            gt = g * gt
        return gx, gt


def _binary_operands(input: Any, target: Any, op: str) -> tuple[Tensor, Tensor]:
    x = to_tensor(input)
    t = to_tensor(target)
    if t.shape != x.shape:
        raise ValueError(f"{op}: target of shape {t.shape} differs from input of shape "
                         f"{x.shape}; they must be equal")
    if t.dtype != x.dtype:
        t = t.to(x.dtype)  # integer or bool labels: the float loss needs float targets
    return x, t


def _broadcast_const(value: Any, x: Tensor, what: str, op: str) -> np.ndarray | None:
    array = _float_array(value, x.dtype, what, op)
    if array is not None:
        try:
            if np.broadcast_shapes(array.shape, x.shape) != x.shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"{op}: {what} of shape {array.shape} does not broadcast to the "
                             f"input's shape {x.shape}") from None
    return array


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` in [0, 1] and ``target`` of the
    same shape (logs clamped to >= -100, as in PyTorch).

    >>> import scratchgrad as sg
    >>> round(binary_cross_entropy(sg.tensor([0.8, 0.4]), sg.tensor([1.0, 0.0])).item(), 4)
    0.367
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    p, y = _binary_operands(input, target, "binary_cross_entropy")
    if p._data.size and (p._data.min() < 0 or p._data.max() > 1):
        raise ValueError(f"binary_cross_entropy: all elements of input should be between 0 "
                         f"and 1 (probabilities; use binary_cross_entropy_with_logits for "
                         f"logits), found values in [{p._data.min()}, {p._data.max()}]")
    w = _broadcast_const(weight, p, "weight", "binary_cross_entropy")
    return _reduce(BinaryCrossEntropy(w)(p, y), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Sigmoid followed by binary cross-entropy, computed stably from the logits ``input``;
    ``pos_weight`` (broadcast over the last dim, e.g. one per class) weighs positive targets.

    >>> import scratchgrad as sg
    >>> round(binary_cross_entropy_with_logits(sg.tensor([0.0]), sg.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    x, y = _binary_operands(input, target, op)
    w = _broadcast_const(weight, x, "weight", op)
    pw = _broadcast_const(pos_weight, x, "pos_weight", op)
    return _reduce(BCEWithLogits(w, pw)(x, y), reduction)


# ---------------------------------------------------------------------- one_hot
def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer labels of any shape to one-hot rows (int64), shape ``labels.shape + (C,)``;
    ``num_classes=-1`` takes ``max(label) + 1``.

    >>> import scratchgrad as sg
    >>> one_hot(sg.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    labels = _index_array(tensor, "one_hot")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: can't infer num_classes from an empty tensor; pass it")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = int(labels.min()) if labels.min() < 0 else int(labels.max())
        raise ValueError(f"one_hot: label {bad} is out of range for num_classes={num_classes} "
                         f"(expected 0 <= label < {num_classes})")
    xp = get_array_module(labels)
    out = xp.zeros(labels.shape + (num_classes,), dtype=np.int64)
    put_along_axis(xp, out, labels[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._make(out)

