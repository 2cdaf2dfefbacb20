"""PyTorch's spelling: ``scratchgrad.utils.data.DataLoader`` is ``scratchgrad.data.DataLoader``.

>>> import scratchgrad.utils.data as data
>>> data.DataLoader is __import__("scratchgrad.data").data.DataLoader
True
"""
from ..data import *  # noqa: F403  (a re-export: the names are scratchgrad.data's)
from ..data import __all__  # noqa: F401
