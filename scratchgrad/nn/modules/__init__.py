"""PyTorch's ``torch.nn.modules`` paths, so that ``from scratchgrad.nn.modules.linear import
Linear`` (and ``...loss import _Loss``, ``...batchnorm import _BatchNorm``) works as it does
with torch. Each submodule re-exports the classes PyTorch keeps there, the very objects of
``scratchgrad.nn``, from the files where scratchgrad writes them; no code lives here.

>>> import scratchgrad as sg
>>> from scratchgrad.nn.modules.linear import Linear
>>> from scratchgrad.nn.modules.sparse import Embedding
>>> Linear is sg.nn.Linear and Embedding is sg.nn.Embedding
True
"""
from . import (activation, batchnorm, container, conv, distance, dropout, flatten, fold,
               instancenorm, linear, loss, module, normalization, padding, pixelshuffle,
               pooling, rnn, sparse, transformer, upsampling)
from .activation import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
from .instancenorm import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pixelshuffle import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403

_SUBMODULES = (activation, batchnorm, container, conv, distance, dropout, flatten, fold,
               instancenorm, linear, loss, module, normalization, padding, pixelshuffle,
               pooling, rnn, sparse, transformer, upsampling)
__all__ = [name for sub in _SUBMODULES for name in sub.__all__ if not name.startswith("_")]
