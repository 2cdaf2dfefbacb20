"""PyTorch's ``torch.nn.parameter`` path: ``from scratchgrad.nn.parameter import Parameter``.

>>> import scratchgrad as sg
>>> from scratchgrad.nn.parameter import Parameter
>>> Parameter is sg.nn.Parameter
True
"""
from ..tensor import Parameter

__all__ = ["Parameter"]
