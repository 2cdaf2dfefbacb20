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
from ..tensor import Parameter
from . import functional, init, utils
from .activation import (GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus,
                         Tanh)
from .dropout import Dropout
from .linear import Embedding, Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .module import Module, ModuleDict, ModuleList, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm

__all__ = [
    "Parameter", "Module", "Sequential", "ModuleList", "ModuleDict", "functional", "init",
    "utils", "Identity", "Linear", "Flatten", "Unflatten", "Embedding", "Dropout",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
    "SiLU", "Softplus", "Softmax", "LogSoftmax", "MSELoss", "L1Loss", "SmoothL1Loss",
    "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
]

from .conv import Conv2d, ConvTranspose2d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

__all__ += ["Conv2d", "ConvTranspose2d", "AdaptiveAvgPool2d", "AvgPool2d", "MaxPool2d"]

from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
