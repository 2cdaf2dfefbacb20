"""``torch.utils.data``'s spelling of :mod:`scratchgrad.data`: the same objects, under the
names and submodules PyTorch code imports (``dataset``, ``sampler``, ``dataloader``).

The code lives in ``scratchgrad/data/`` (with the book's datasets and transforms); these
modules only re-export it, so ``scratchgrad.utils.data.DataLoader is scratchgrad.data.DataLoader``.

>>> import scratchgrad.utils.data as data
>>> from scratchgrad.utils.data.sampler import RandomSampler
>>> data.DataLoader is __import__("scratchgrad.data").data.DataLoader, RandomSampler.__name__
(True, 'RandomSampler')
"""
from . import dataloader, dataset, sampler
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset,
                      Subset, TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
    "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate",
    "default_convert", "get_worker_info", "random_split",
]
