"""Text for language models: a character vocabulary, and cutting a long token stream into
parallel streams served as (input, target) windows for truncated backpropagation through time.

>>> vocab = CharVocab.from_text("hello world")
>>> stream = vocab.encode("hello world hello world")
>>> x, y = next(iter(BPTTLoader(stream, batch_size=2, bptt=4)))
>>> x.shape, vocab.decode(x[:, 0].tolist()), vocab.decode(y[:, 0].tolist())
((4, 2), 'hell', 'ello')
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ..tensor import Tensor

__all__ = ["CharVocab", "batchify", "BPTTLoader"]


class CharVocab:
    """A character-level vocabulary: ``encode`` a string to int64 indices, ``decode`` back.

    Characters not in the vocabulary map to the unknown token ``unk`` (index 0, decoded as
    ``unk``) when one is given, and raise a ``KeyError`` naming the character otherwise.
    ``specials`` (e.g. a padding or start token, any string) get the first indices after
    ``unk``; they are single tokens, never produced by ``encode`` from ordinary text.

    >>> v = CharVocab("abc", unk="?")
    >>> v.encode("cab!").tolist(), v.decode([3, 1, 2, 0]), len(v)
    ([3, 1, 2, 0], 'cab?', 4)
    """

    def __init__(self, chars: Iterable[str], unk: str | None = "\ufffd",
                 specials: Sequence[str] = ()) -> None:
        self.unk = unk
        tokens = ([unk] if unk is not None else []) + list(specials)
        for ch in chars:
            if len(ch) != 1:
                raise ValueError(f"CharVocab: expected single characters, got {ch!r}")
            if ch not in tokens:
                tokens.append(ch)
        if len(set(tokens)) != len(tokens):
            raise ValueError(f"CharVocab: duplicate tokens among unk and specials {tokens!r}")
        self.itos: list[str] = tokens
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(tokens)}
        self.unk_index = 0 if unk is not None else None

    @classmethod
    def from_text(cls, text: str | Iterable[str], min_count: int = 1,
                  unk: str | None = "\ufffd", specials: Sequence[str] = ()) -> "CharVocab":
        """The characters seen at least ``min_count`` times, in sorted order (reproducible).

        >>> CharVocab.from_text(["ab", "ba", "c"], min_count=2, unk=None).itos
        ['a', 'b']
        """
        counts: Counter = Counter()
        for piece in ([text] if isinstance(text, str) else text):
            counts.update(piece)
        return cls(sorted(c for c, n in counts.items() if n >= min_count), unk, specials)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, ch: str) -> bool:
        return ch in self.stoi

    def encode(self, text: str) -> np.ndarray:
        """Indices of the characters of ``text`` (int64).

        >>> CharVocab("ab").encode("ba").tolist()
        [2, 1]
        """
        get = self.stoi.get
        if self.unk_index is None:
            missing = [c for c in text if c not in self.stoi]
            if missing:
                raise KeyError(f"CharVocab.encode: character {missing[0]!r} is not in the "
                               f"vocabulary of {len(self)} tokens and there is no unk token")
            return np.fromiter((self.stoi[c] for c in text), dtype=np.int64, count=len(text))
        unk = self.unk_index
        return np.fromiter((get(c, unk) for c in text), dtype=np.int64, count=len(text))

    def decode(self, indices: Any) -> str:
        """The string of ``indices`` (a list, an array or an integer tensor).

        >>> CharVocab("ab").decode([1, 2, 2])
        'abb'
        """
        ids = indices.data if isinstance(indices, Tensor) else indices
        ids = np.asarray(ids).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
            raise IndexError(f"CharVocab.decode: index {bad} is out of range for a vocabulary "
                             f"of {len(self)} tokens")
        return "".join(self.itos[i] for i in ids.tolist())

    def __repr__(self) -> str:
        return f"CharVocab(size={len(self)}, unk={self.unk!r})"


def batchify(tokens: Any, batch_size: int) -> np.ndarray:
    """Cut a 1-D token stream into ``batch_size`` parallel streams: returns (L, batch_size),
    column ``b`` being the ``b``-th contiguous piece of the stream; the remainder that does not
    fill a row is dropped. Each column reads on across batches, so a recurrent state carried
    from one window to the next follows the text.

    >>> batchify(np.arange(10), 3)
    array([[0, 3, 6],
           [1, 4, 7],
           [2, 5, 8]])
    """
    data = np.asarray(tokens.data if isinstance(tokens, Tensor) else tokens)
    if data.ndim != 1:
        raise ValueError(f"batchify: expected a 1-D token stream, got shape {data.shape}")
    if batch_size < 1 or data.size < batch_size:
        raise ValueError(f"batchify: a stream of {data.size} tokens can't fill batch_size="
                         f"{batch_size} streams")
    rows = data.size // batch_size
    return np.ascontiguousarray(data[:rows * batch_size].reshape(batch_size, rows).T)


class BPTTLoader:
    """Windows of ``bptt`` steps over ``batch_size`` parallel streams of a long token stream
    (see :func:`batchify`), in order: each item is ``(input, target)``, int64 tensors of shape
    (bptt, batch_size) (or (batch_size, bptt) with ``batch_first``), the target being the
    input shifted by one step. The last window may be shorter. Carry the model's state from
    one window to the next and detach it (``nn.utils.detach_state``) for truncated BPTT.

    >>> loader = BPTTLoader(np.arange(20), batch_size=2, bptt=4)
    >>> len(loader), [x.shape[0] for x, _ in loader]
    (3, [4, 4, 1])
    >>> x, y = next(iter(loader)); x[:, 1].tolist(), y[:, 1].tolist()
    ([10, 11, 12, 13], [11, 12, 13, 14])
    """

    def __init__(self, tokens: Any, batch_size: int, bptt: int,
                 batch_first: bool = False) -> None:
        if bptt < 1:
            raise ValueError(f"BPTTLoader: bptt must be positive, got {bptt}")
        self.data = batchify(tokens, batch_size)
        if self.data.shape[0] < 2:
            raise ValueError(f"BPTTLoader: each of the {batch_size} streams needs at least 2 "
                             f"tokens (an input and its target), found {self.data.shape[0]}")
        self.batch_size, self.bptt, self.batch_first = batch_size, bptt, batch_first

    def __len__(self) -> int:
        return -(-(self.data.shape[0] - 1) // self.bptt)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = self.data.shape[0] - 1
        for i in range(0, n, self.bptt):
            k = min(self.bptt, n - i)
            x, y = self.data[i:i + k], self.data[i + 1:i + 1 + k]
            if self.batch_first:
                x, y = x.T, y.T
            yield (Tensor._from_data(np.ascontiguousarray(x)),
                   Tensor._from_data(np.ascontiguousarray(y)))
