"""The functional interface (PyTorch's ``torch.nn.functional``, imported as ``F``): layers and
losses as plain functions of tensors, with PyTorch's names, signatures and reductions.

>>> import scratchgrad as sg
>>> import scratchgrad.nn.functional as F
>>> logits = sg.randn(4, 3, requires_grad=True)
>>> F.cross_entropy(logits, sg.tensor([0, 2, 1, 0])).backward()
>>> logits.grad.shape
(4, 3)

One file per family, much as PyTorch's documentation groups them: ``activation`` (and
``inplace``, the in-place forms), ``loss`` and ``margin_loss``, ``conv``, ``pooling``,
``normalization``, ``dropouts``, ``sparse`` (embeddings), ``vision`` (resizing, pixel shuffle,
padding), ``attention``, ``distance`` and ``linears``. A family that shares its name with one of
its functions takes the plural, so that ``F.dropout`` and ``F.linear`` stay the functions.

The functions that are one autograd op each (``linear``, ``conv2d``, ``cross_entropy``, ...) are
written in ``scratchgrad.ops``; each family file re-exports its own. The others are built here
from ops, so they differentiate (twice too) through them.
"""
from ...tensor import Tensor  # noqa: F401  (torch.nn.functional.Tensor exists too)
from . import (activation, attention, conv, distance, dropouts, inplace, linears, loss,
               margin_loss, normalization, pooling, sparse, vision)
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .attention import _attend  # noqa: F401  (nn.MultiheadAttention's core)
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropouts import *  # noqa: F401,F403
from .inplace import *  # noqa: F401,F403
from .linears import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .margin_loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .vision import *  # noqa: F401,F403

_FAMILIES = (activation, inplace, loss, margin_loss, conv, pooling, normalization, dropouts,
             sparse, vision, attention, distance, linears)
__all__ = [name for family in _FAMILIES for name in family.__all__]
