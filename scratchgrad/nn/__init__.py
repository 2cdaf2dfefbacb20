"""Neural-network building blocks with PyTorch's names: ``Module`` and containers, layers,
losses, ``functional`` (``F``), ``init`` and ``utils``.

>>> import scratchgrad as sg
>>> from scratchgrad import nn
>>> model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
>>> loss = nn.CrossEntropyLoss()(model(sg.randn(8, 4)), sg.tensor([0, 1, 2, 0, 1, 2, 0, 1]))
>>> loss.backward()
>>> model[0].weight.grad.shape
(16, 4)
"""
from .parameter import Parameter
from . import functional, init, utils
from .activation import (GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus,
                         Tanh)
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .linear import Embedding, EmbeddingBag, Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm

__all__ = [
    "Parameter", "Module", "Sequential", "ModuleList", "ModuleDict", "functional", "init",
    "utils", "Identity", "Linear", "Flatten", "Unflatten", "Embedding", "EmbeddingBag", "Dropout",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
    "SiLU", "Softplus", "Softmax", "LogSoftmax", "MSELoss", "L1Loss", "SmoothL1Loss",
    "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
]

from .conv import Conv2d, ConvTranspose2d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

__all__ += ["Conv2d", "ConvTranspose2d", "AdaptiveAvgPool2d", "AvgPool2d", "MaxPool2d"]

from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

from .activation import (CELU, ELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish,
                         PReLU, ReLU6, Softmin, Softsign, Threshold)
from .conv import Conv1d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout1d, Dropout2d
from .loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, KLDivLoss,
                   MarginRankingLoss, SoftMarginLoss)
from .container import ParameterDict, ParameterList
from .normalization import GroupNorm
from .padding import ConstantPad1d, ConstantPad2d, ZeroPad1d, ZeroPad2d
from .pooling import AvgPool1d, MaxPool1d
from .upsampling import Upsample

__all__ += [
    "ELU", "SELU", "CELU", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish", "Mish", "Softsign",
    "LogSigmoid", "Softmin", "GLU", "PReLU", "Threshold", "CosineSimilarity", "PairwiseDistance",
    "KLDivLoss", "MarginRankingLoss", "CosineEmbeddingLoss", "HingeEmbeddingLoss",
    "SoftMarginLoss", "GaussianNLLLoss", "Conv1d", "MaxPool1d", "AvgPool1d", "ZeroPad1d",
    "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "Upsample", "ParameterList", "ParameterDict",
    "GroupNorm", "Dropout1d", "Dropout2d",
]

from .attention import MultiheadAttention
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)

__all__ += [
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
    "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
]

from .linear import Bilinear
from .loss import PoissonNLLLoss, TripletMarginLoss
from .normalization import InstanceNorm1d, InstanceNorm2d
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .pooling import AdaptiveAvgPool1d

__all__ += [
    "Bilinear", "TripletMarginLoss", "PoissonNLLLoss", "InstanceNorm1d", "InstanceNorm2d",
    "PixelShuffle", "PixelUnshuffle", "AdaptiveAvgPool1d",
]

from .conv import ConvTranspose1d
from .fold import Fold, Unfold
from .pooling import AdaptiveMaxPool1d, AdaptiveMaxPool2d

__all__ += ["AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "ConvTranspose1d", "Fold", "Unfold"]

from . import modules, parameter  # noqa: E402  (PyTorch's paths: nn.modules.linear, ...)

__all__ += ["modules", "parameter"]

from .activation import Hardshrink, Softmax2d, Softshrink, Tanhshrink
from .dropout import AlphaDropout, Dropout3d, FeatureAlphaDropout
from .loss import (MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                   TripletMarginWithDistanceLoss)
from .normalization import LocalResponseNorm, RMSNorm
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad3d,
                      ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                      ReplicationPad2d, ReplicationPad3d, ZeroPad3d)
from .pooling import LPPool1d, LPPool2d
from .upsampling import UpsamplingBilinear2d, UpsamplingNearest2d

__all__ += [
    "Hardshrink", "Softshrink", "Tanhshrink", "Softmax2d", "Dropout3d", "AlphaDropout",
    "FeatureAlphaDropout", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
    "TripletMarginWithDistanceLoss", "LocalResponseNorm", "RMSNorm", "CircularPad1d",
    "CircularPad2d", "CircularPad3d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
    "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad3d",
    "LPPool1d", "LPPool2d", "UpsamplingBilinear2d", "UpsamplingNearest2d",
]
