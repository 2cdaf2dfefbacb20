"""scratchgrad.utils.data as torch.utils.data: samplers, datasets, collation, the DataLoader's
arguments, and loading in worker processes. Compared with PyTorch wherever both are
deterministic (orders, lengths, batch structures, dtypes, which arguments are refused)."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.data import sampler as data
from scratchgrad.data.sampler import (BatchSampler, RandomSampler, SequentialSampler,
                                      SubsetRandomSampler, WeightedRandomSampler)


# ---------------------------------------------------------------------------- samplers
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True),
                                                      (9, 3, True), (2, 5, False),
                                                      (2, 5, True), (0, 2, False)])
def test_sequential_and_batch_sampler_match_torch(torch, n, batch_size, drop_last):
    tu = torch.utils.data
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tu.BatchSampler(tu.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(SequentialSampler(range(n))) == list(tu.SequentialSampler(range(n)))
    # any iterable of indices will do, also one without a length
    assert list(BatchSampler(iter(range(n)), batch_size, drop_last)) == list(theirs)
    # the array fast path the DataLoader uses gives the same batches
    assert [b.tolist() for b in ours._array_batches()] == list(theirs)


def test_random_sampler_orders_and_lengths(torch):
    g = sg.random.Generator(0)
    s = RandomSampler(range(10), generator=g)
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(10)) and a != b  # a new order each epoch
    assert list(RandomSampler(range(10), generator=sg.random.Generator(0))) == a
    rep = RandomSampler(range(4), replacement=True, num_samples=50, generator=g)
    drawn = list(rep)
    assert len(rep) == len(drawn) == 50 and set(drawn) <= set(range(4))
    assert len(set(drawn)) == 4  # 50 draws from 4: all appear (fails with prob. ~4e-6)
    more = list(RandomSampler(range(4), num_samples=10))  # chained permutations
    assert sorted(np.bincount(more, minlength=4).tolist()) == [2, 2, 3, 3]
    for kwargs in ({}, {"replacement": True, "num_samples": 7}, {"num_samples": 3}):
        assert len(RandomSampler(range(5), **kwargs)) == len(
            torch.utils.data.RandomSampler(range(5), **kwargs))
    # the epoch's order is drawn when iteration starts, and the array path draws the same
    sg.manual_seed(3)
    listed = list(BatchSampler(RandomSampler(range(11)), 4, False))
    sg.manual_seed(3)
    arrays = list(BatchSampler(RandomSampler(range(11)), 4, False)._array_batches())
    assert listed == [x.tolist() for x in arrays]


def test_subset_and_weighted_samplers():
    g = sg.random.Generator(1)
    s = SubsetRandomSampler([10, 20, 30, 40], generator=g)
    assert len(s) == 4 and sorted(s) == [10, 20, 30, 40]
    w = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 4000, generator=g)
    counts = np.bincount(list(w), minlength=4)
    assert len(w) == 4000 and counts[0] == counts[2] == 0
    assert 0.2 < counts[1] / 4000 < 0.3  # expected 0.25
    once = list(WeightedRandomSampler([1, 1, 5, 1], 4, replacement=False, generator=g))
    assert sorted(once) == [0, 1, 2, 3]
    w_t = WeightedRandomSampler(sg.tensor([1.0, 2.0]), 3)
    assert w_t.weights.dtype == np.float64 and len(list(w_t)) == 3


@pytest.mark.parametrize("make, error", [
    (lambda m: m.RandomSampler(range(3), replacement=1), TypeError),
    (lambda m: m.RandomSampler(range(3), num_samples=0), ValueError),
    (lambda m: m.RandomSampler([], num_samples=None), ValueError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], 0), ValueError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], True), ValueError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], 2, replacement=None), ValueError),
    (lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2), ValueError),
    (lambda m: m.BatchSampler(range(3), 0, False), ValueError),
    (lambda m: m.BatchSampler(range(3), True, False), ValueError),
    (lambda m: m.BatchSampler(range(3), 2, 0), ValueError),
])
def test_sampler_argument_errors_match_torch(torch, make, error):
    with pytest.raises(error):
        make(torch.utils.data)
    with pytest.raises(error, match="should be a|should be a 1d"):
        make(data)


def test_weighted_sampler_checks_weights_early():
    with pytest.raises(ValueError, match=r"non-negative weights .*found \[1.0, -1.0\]"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="without replacement from 1 non-zero weights"):
        WeightedRandomSampler([0.0, 1.0], 2, replacement=False)
