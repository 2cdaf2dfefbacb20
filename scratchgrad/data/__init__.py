"""Data loading: datasets, the DataLoader, transforms, and the datasets of the books.

>>> import scratchgrad as sg
>>> from scratchgrad.data import DataLoader, Spiral
>>> x, y = next(iter(DataLoader(Spiral(), batch_size=30, shuffle=True)))
>>> x.shape, y.dtype
((30, 2), dtype('int64'))
"""
from . import sampler, transforms
from ._rng import current_generator
from ._worker import WorkerInfo
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset,
                      Subset, TensorDataset, random_split)
from .datasets import (MNIST, DatasetUnavailableError, Diabetes, FashionMNIST, SineWave, Spiral,
                       data_home)
from .idx import IDXError, read_idx, read_idx_pair, write_idx
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = [
    "sampler", "transforms", "current_generator", "DataLoader", "default_collate",
    "default_convert", "get_worker_info", "WorkerInfo", "ChainDataset", "ConcatDataset",
    "Dataset", "IterableDataset", "StackDataset", "Subset", "TensorDataset", "random_split",
    "BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "MNIST", "DatasetUnavailableError", "Diabetes", "FashionMNIST",
    "SineWave", "Spiral", "data_home", "IDXError", "read_idx", "read_idx_pair", "write_idx",
]

from . import text
from .text import BPTTLoader, CharVocab, batchify

__all__ += ["text", "BPTTLoader", "CharVocab", "batchify"]
