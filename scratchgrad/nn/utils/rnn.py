"""Helpers for recurrent models: padding variable-length sequences into one batch, the mask of
the real (non-padded) steps, and cutting the carried state from the graph between batches
(truncated backpropagation through time).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...ops import pad, stack
from ...ops._util import to_tensor
from ...tensor import Tensor

__all__ = ["pad_sequence", "sequence_mask", "detach_state"]


def pad_sequence(sequences: Sequence[Any], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths (L_i, *) into one (L_max, B, *) tensor, or
    (B, L_max, *) with ``batch_first``, filling the missing steps with ``padding_value``
    (PyTorch's ``nn.utils.rnn.pad_sequence``). Differentiable; integer sequences stay
    integer (pad targets with the loss's ``ignore_index`` to leave the padding out of it).

    >>> import scratchgrad as sg
    >>> pad_sequence([sg.tensor([1, 2, 3]), sg.tensor([4])], batch_first=True,
    ...              padding_value=-100)
    tensor([[   1,    2,    3],
            [   4, -100, -100]])
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    seqs = [to_tensor(s) for s in sequences]
    if not seqs:
        raise ValueError("pad_sequence: expected a non-empty list of sequences")
    trailing = seqs[0].shape[1:]
    for i, s in enumerate(seqs):
        if s.ndim == 0 or s.shape[1:] != trailing:
            raise ValueError(f"pad_sequence: sequence {i} has shape {s.shape}; expected "
                             f"(length,) + {trailing}, the trailing shape of sequence 0")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        missing = longest - s.shape[0]
        if missing:
            widths = [0, 0] * (s.ndim - 1) + ([0, missing] if padding_side == "right"
                                               else [missing, 0])
            s = pad(s, widths, value=padding_value)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def sequence_mask(lengths: Any, max_len: int | None = None,
                  batch_first: bool = False) -> Tensor:
    """A boolean mask of the real steps of a padded batch: ``mask[t, b]`` is True where
    ``t < lengths[b]``; shape (max_len, B), or (B, max_len) with ``batch_first``.

    >>> sequence_mask([3, 1], batch_first=True)
    tensor([[ True,  True,  True],
            [ True, False, False]])
    """
    lens = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if lens.ndim != 1 or (lens.size and lens.min() < 0):
        raise ValueError(f"sequence_mask: expected a 1-D array of non-negative lengths, got "
                         f"{lens!r}")
    T = int(lens.max()) if max_len is None and lens.size else int(max_len or 0)
    mask = np.arange(T)[None, :] < lens[:, None]
    return Tensor._make(mask if batch_first else np.ascontiguousarray(mask.T))


def detach_state(state: Any) -> Any:
    """Cut a recurrent state from the graph (DeZero's ``unchain``): a tensor, or nested
    tuples and lists of tensors (an LSTM's ``(h, c)``), come back detached, sharing data.
    Between the batches of truncated BPTT this keeps the values and stops backward (and
    memory) at the batch boundary.

    >>> import scratchgrad as sg
    >>> h = sg.ones(2, requires_grad=True) * 2
    >>> hd, cd = detach_state((h, h))
    >>> hd.requires_grad, hd.grad_fn is None, hd.tolist()
    (False, True, [2.0, 2.0])
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"detach_state: expected a tensor or a (nested) tuple of tensors, got "
                    f"{type(state).__name__}")
