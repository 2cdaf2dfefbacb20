"""scratchgrad.utils.data as torch.utils.data: samplers, datasets, collation, the DataLoader's
arguments, and loading in worker processes. Compared with PyTorch wherever both are
deterministic (orders, lengths, batch structures, dtypes, which arguments are refused)."""
from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import time

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.utils.data as data
from scratchgrad.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader,
                                    Dataset, IterableDataset, RandomSampler, SequentialSampler,
                                    StackDataset, Subset, SubsetRandomSampler, TensorDataset,
                                    WeightedRandomSampler, default_collate, default_convert,
                                    get_worker_info, random_split)

Point = collections.namedtuple("Point", "x y")


def _norm(x):
    """A comparable form of a batch from either library: tensors as (dtype, shape, values),
    containers with their type's name."""
    if isinstance(x, sg.Tensor):
        return ("tensor", str(x.dtype), tuple(x.shape), x.tolist())
    if type(x).__module__ == "torch" and type(x).__name__ == "Tensor":
        return ("tensor", str(x.dtype).removeprefix("torch."), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: _norm(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_norm(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", str(x.dtype), x.tolist())
    return x


def _children() -> list:
    return multiprocessing.active_children()


# ---------------------------------------------------------------------------- the package
def test_package_layout_matches_torch(torch):
    import scratchgrad.data
    from scratchgrad.utils.data.dataloader import default_collate as dc
    from scratchgrad.utils.data.dataset import IterableDataset as ID
    from scratchgrad.utils.data.sampler import RandomSampler as RS

    assert dc is scratchgrad.data.default_collate and RS is scratchgrad.data.RandomSampler
    assert ID is scratchgrad.data.IterableDataset  # one implementation, two spellings
    ours = set(data.__all__)
    # DataPipes (deprecated in torch) and DistributedSampler (scratchgrad.distributed's) aside
    expected = {n for n in torch.utils.data.__all__ if not n.startswith("_")
                and "DataPipe" not in n and n not in {
                    "DataChunk", "DistributedSampler", "argument_validation",
                    "functional_datapipe", "guaranteed_datapipes_determinism",
                    "non_deterministic", "runtime_validation", "runtime_validation_disabled"}}
    assert ours == expected
    for module in ("dataset", "sampler", "dataloader"):
        theirs = set(getattr(torch.utils.data, module).__all__)
        assert set(getattr(data, module).__all__) == theirs, module


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


# ---------------------------------------------------------------------------- datasets
class Count(IterableDataset):
    """0..n-1, split between workers when ``split``."""

    def __init__(self, n: int, split: bool = True) -> None:
        self.n, self.split = n, split

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.split:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self) -> int:
        return self.n


class Unsized(IterableDataset):
    def __iter__(self):
        return iter("abc")


def test_iterable_and_chain_datasets():
    assert list(Count(3)) == [0, 1, 2]
    chain = Count(2) + Count(3)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    with pytest.raises(TypeError, match="has no len"):
        len(Unsized())
    with pytest.raises(TypeError, match="only supports IterableDataset, found list"):
        list(ChainDataset([Count(1), [5]]))
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([TensorDataset(sg.zeros(2)), Count(2)])

    class NoLen(Dataset):
        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError):
        len(NoLen())  # no default __len__, as in PyTorch


def test_stack_dataset_and_getitems(torch):
    a, b = TensorDataset(sg.arange(4)), [10, 11, 12, 13]
    t = StackDataset(a, b)
    assert len(t) == 4 and t[1] == (a[1], 11)
    d = StackDataset(x=a, y=b)
    assert d[2]["y"] == 12 and d.__getitems__([3, 0])[0]["y"] == 13
    assert [s[1] for s in t.__getitems__([2, 3])] == [12, 13]
    with pytest.raises(ValueError, match=r"one length, found lengths \[4, 3\]"):
        StackDataset(a, [1, 2, 3])
    with pytest.raises(ValueError, match="found both"):
        StackDataset(a, y=b)
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()
    # PyTorch's DataLoader gives the same batches for a dict StackDataset
    ours = next(iter(DataLoader(StackDataset(x=[1.0, 2.0, 3.0], y=b[:3]), batch_size=3)))
    theirs = next(iter(torch.utils.data.DataLoader(
        torch.utils.data.StackDataset(x=[1.0, 2.0, 3.0], y=b[:3]), batch_size=3)))
    assert _norm(ours) == _norm(theirs)


def test_subset_getitems_and_loader_use_it():
    class Batched(Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("the loader should use __getitems__")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [(i, float(i)) for i in indices]

    base = Batched()
    s = Subset(base, [5, 3, 1])
    assert s.__getitems__([0, 2]) == [(5, 5.0), (1, 1.0)]
    x, y = next(iter(DataLoader(s, batch_size=3)))
    assert x.tolist() == [5, 3, 1] and y.dtype == np.float64
    assert base.calls[-1] == [5, 3, 1]


def test_random_split_follows_torchs_fraction_rule(torch):
    ds = list(range(5))
    # [1, 0] sums to 1: fractions for PyTorch, so everything goes to the first split
    with pytest.warns(UserWarning, match="split 1 of \\[5, 0\\] is empty"):
        ours = random_split(ds, [1, 0])
    with pytest.warns(UserWarning):
        theirs = torch.utils.data.random_split(ds, [1, 0])
    assert [len(p) for p in ours] == [len(p) for p in theirs] == [5, 0]
    with pytest.raises(ValueError, match=r"fractions in \[0, 1\], found 1.5 at position 0"):
        random_split(ds, [1.5, -0.5])


# ---------------------------------------------------------------------------- collation
COLLATE_CASES = {
    "ints": lambda T: [1, 2, 3],
    "floats": lambda T: [1.0, 2.5],
    "bools": lambda T: [True, False],
    "numpy scalars": lambda T: [np.float32(1), np.float32(2)],
    "numpy int32 scalars": lambda T: [np.int32(1), np.int32(2)],
    "numpy float64 scalars": lambda T: [np.float64(1), np.float64(2)],
    "arrays": lambda T: [np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8)],
    "tensors": lambda T: [T(np.arange(3.0, dtype=np.float32)), T(np.ones(3, np.float32))],
    "strings": lambda T: ["a", "b"],
    "bytes": lambda T: [b"a", b"b"],
    "tuples": lambda T: [(T(np.zeros(2, np.float32)), 1), (T(np.ones(2, np.float32)), 0)],
    "lists": lambda T: [[1, 2.0, "a"], [3, 4.0, "b"]],
    "dicts": lambda T: [{"x": np.arange(2), "y": 1.5, "s": "p"},
                        {"x": np.arange(2, 4), "y": 2.5, "s": "q"}],
    "ordered dicts": lambda T: [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
    "namedtuples": lambda T: [Point(1, np.float32(2)), Point(3, np.float32(4))],
    "nested": lambda T: [{"p": [Point(1.0, "u"), (2, 3)]}, {"p": [Point(4.0, "v"), (5, 6)]}],
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate_matches_torch(torch, case):
    make = COLLATE_CASES[case]
    ours = default_collate(make(sg.from_numpy))
    theirs = torch.utils.data.default_collate(make(torch.from_numpy))
    assert _norm(ours) == _norm(theirs)


@pytest.mark.parametrize("sample", [
    0, 2.5, "s", np.arange(3), np.float32(1.5), np.array(["a", "b"]), (np.arange(2), "t"),
    [np.int32(1), 2], {"a": np.ones(2), "b": (1, np.zeros(1))}, Point(np.arange(2), 1)])
def test_default_convert_matches_torch(torch, sample):
    assert _norm(default_convert(sample)) == _norm(torch.utils.data.default_convert(sample))


def test_default_collate_refuses_strings_arrays():
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


# ---------------------------------------------------------------------------- DataLoader
LOADER_ERRORS = [
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0, 1]], batch_size=2),
    dict(batch_sampler=[[0, 1]], shuffle=True),
    dict(batch_sampler=[[0, 1]], sampler=[0]),
    dict(batch_sampler=[[0, 1]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="no-such-method"),
    dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kwargs", LOADER_ERRORS, ids=lambda k: ",".join(k))
def test_loader_refuses_what_torch_refuses(torch, kwargs):
    error = TypeError if kwargs.get("multiprocessing_context") == 3 else ValueError
    with pytest.raises(error):
        torch.utils.data.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(error, match="DataLoader: "):
        DataLoader(list(range(4)), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]),
                                    dict(batch_sampler=[[0]])], ids=lambda k: ",".join(k))
def test_iterable_dataset_refuses_orders(torch, kwargs):
    class TorchCount(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(TorchCount(), **kwargs)
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
        DataLoader(Count(3), **kwargs)


def test_loader_attributes_are_frozen_after_init():
    loader = DataLoader(list(range(4)), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after"):
        loader.batch_size = 3
    loader.num_workers = 0  # not one of the frozen ones, as in PyTorch


class Backwards:
    """A sampler that is only an iterable (no length)."""

    def __iter__(self):
        return iter([6, 5, 4, 3, 2])


@pytest.mark.parametrize("kwargs", [
    dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
    dict(sampler=[4, 0, 2], batch_size=2), dict(batch_sampler=[[3, 1], [0], [2, 4, 5]]),
    dict(batch_size=4, sampler=Backwards()),
], ids=lambda k: ",".join(k) or "defaults")
def test_loader_batches_and_lengths_match_torch(torch, kwargs):
    ds = [(i, float(i) / 2, f"s{i}") for i in range(7)]
    theirs = torch.utils.data.DataLoader(ds, **kwargs)
    for prefetch in (True, False):
        ours = DataLoader(ds, prefetch=prefetch, **kwargs)
        assert _norm(list(ours)) == _norm(list(theirs))
    if isinstance(kwargs.get("sampler"), Backwards):
        with pytest.raises(TypeError):
            len(ours)
    else:
        assert len(ours) == len(theirs)


@pytest.mark.parametrize("kwargs", [dict(batch_size=2), dict(batch_size=2, drop_last=True),
                                    dict(batch_size=None)],
                         ids=lambda k: ",".join(f"{a}={v}" for a, v in k.items()))
def test_iterable_dataset_single_process_matches_torch(torch, kwargs):
    class TorchCount(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 5

    theirs = torch.utils.data.DataLoader(TorchCount(), **kwargs)
    for prefetch in (True, False):
        ours = DataLoader(Count(5), prefetch=prefetch, **kwargs)
        assert _norm(list(ours)) == _norm(list(theirs)) and len(ours) == len(theirs)
    with pytest.raises(TypeError):
        len(DataLoader(Unsized()))


def test_pin_memory_is_accepted_with_a_warning():
    with pytest.warns(UserWarning, match="pin_memory=True has no effect"):
        loader = DataLoader(list(range(3)), batch_size=3, pin_memory=True)
    assert next(iter(loader)).tolist() == [0, 1, 2]


def test_get_worker_info_is_none_in_the_main_process():
    seen = []
    ds = [0, 1, 2]

    class Probe(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            seen.append(get_worker_info())
            return ds[i]

    list(DataLoader(Probe(), batch_size=1))
    assert get_worker_info() is None and seen == [None, None]


# ---------------------------------------------------------------------------- workers
class Recorder(Dataset):
    """Reports which process loaded each sample and what that worker's generators draw."""

    def __init__(self, n: int = 12, fail_at: int | None = None, exit_at: int | None = None,
                 sleep: float = 0.0) -> None:
        self.n, self.fail_at, self.exit_at, self.sleep = n, fail_at, exit_at, sleep
        self.tag = -1

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        if i == self.fail_at:
            raise ValueError(f"sample {i} is broken")
        if i == self.exit_at:
            os._exit(3)  # a crash: the worker dies without a word
        time.sleep(self.sleep)
        info = get_worker_info()
        return {"i": i, "pid": os.getpid(), "wid": info.id, "n": info.num_workers,
                "seed": info.seed, "tag": info.dataset.tag, "same": info.dataset is self,
                "np": np.random.randint(2**31), "sg": float(sg.rand(1).item())}


def _as_is(samples: list) -> list:
    return samples


def _init(worker_id: int) -> None:
    get_worker_info().dataset.tag = 100 + worker_id


def test_workers_load_in_other_processes_in_order():
    def run():
        sg.manual_seed(7)
        return list(DataLoader(Recorder(), batch_size=2, num_workers=2, worker_init_fn=_init))

    batches = run()
    assert [b["i"].tolist() for b in batches] == [[2 * k, 2 * k + 1] for k in range(6)]
    pids = {p for b in batches for p in b["pid"].tolist()}
    assert len(pids) == 2 and os.getpid() not in pids
    # round-robin: batch k was loaded by worker k % 2, and its info said so
    assert [b["wid"].tolist() for b in batches] == [[k % 2] * 2 for k in range(6)]
    assert all(b["n"].tolist() == [2, 2] and all(b["same"].tolist()) for b in batches)
    assert [b["tag"].tolist()[0] for b in batches[:2]] == [100, 101]  # worker_init_fn ran
    seeds = [b["seed"].tolist()[0] for b in batches[:2]]
    assert seeds[1] == seeds[0] + 1  # base seed + worker id
    # each worker's NumPy and scratchgrad streams differ, and sg.manual_seed replays them
    assert batches[0]["np"].tolist() != batches[1]["np"].tolist()
    assert batches[0]["sg"].tolist() != batches[1]["sg"].tolist()
    again = run()
    assert [b["np"].tolist() for b in again] == [b["np"].tolist() for b in batches]
    assert [b["sg"].tolist() for b in again] == [b["sg"].tolist() for b in batches]
    assert get_worker_info() is None and not _children()


def test_workers_match_the_single_process_batches_and_fast_path():
    ds = TensorDataset(sg.arange(20.0).reshape(10, 2), sg.arange(10))
    sg.manual_seed(1)
    one = [[t.tolist() for t in b] for b in DataLoader(ds, 3, shuffle=True)]
    sg.manual_seed(1)
    two = [[t.tolist() for t in b] for b in DataLoader(ds, 3, shuffle=True, num_workers=2)]
    assert one == two
    shuffled = list(DataLoader(list(range(9)), batch_size=2, num_workers=2, in_order=False))
    assert sorted(v for b in shuffled for v in b.tolist()) == list(range(9))
    assert not _children()


def test_worker_error_names_worker_and_index_and_ends_cleanly():
    loader = DataLoader(Recorder(fail_at=7), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match="sample 7 is broken") as e:
        list(loader)
    assert any("DataLoader worker 1 (pid" in n and "failed on index 7" in n
               for n in e.value.__notes__)
    assert "sample 7 is broken" in str(e.value.__cause__)  # the worker's traceback
    assert not _children()


def test_worker_failures_without_the_exception_type():
    class Unpicklable(Exception):
        def __init__(self, a, b):  # cannot be rebuilt from its args
            super().__init__(f"{a}-{b}")

    class Raises(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise Unpicklable(1, 2)

    with pytest.raises(RuntimeError, match=r"failed on index 0: .*Unpicklable: 1-2"):
        list(DataLoader(Raises(), num_workers=1))

    class Lambdas(Dataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return lambda: i

    with pytest.raises(Exception) as e:  # pickle's own error, whatever its type
        list(DataLoader(Lambdas(), num_workers=1, collate_fn=_as_is))
    assert any("must be picklable" in n for n in e.value.__notes__)

    def broken_init(worker_id):
        raise KeyError("no config")

    with pytest.raises(KeyError, match="no config") as e:
        list(DataLoader(list(range(3)), num_workers=1, worker_init_fn=broken_init))
    assert "worker_init_fn" in e.value.__notes__[0]
    assert not _children()


def test_breaking_early_leaves_no_worker_alive():
    loader = DataLoader(Recorder(n=200), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    assert len(_children()) == 2
    del it
    gc.collect()
    assert not _children()
    for k, _ in enumerate(loader):
        if k == 2:
            break
    gc.collect()
    assert not _children()
    it = iter(loader)
    next(it)
    it.close()
    assert not _children()
    with pytest.raises(StopIteration):
        next(it)


def test_iterable_dataset_in_workers():
    split = [v for b in DataLoader(Count(11), batch_size=2, num_workers=2) for v in b.tolist()]
    assert sorted(split) == list(range(11))
    # without splitting, every worker yields the whole stream, as in PyTorch
    whole = [v for b in DataLoader(Count(5, split=False), batch_size=2, num_workers=2)
             for v in b.tolist()]
    assert sorted(whole) == sorted(list(range(5)) * 2)
    assert not _children()


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Count(6), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b.tolist() for b in loader]
    pids = {p.pid for p in _children()}
    assert len(pids) == 2
    for k, _ in enumerate(loader):  # an abandoned epoch...
        break
    assert [b.tolist() for b in loader] == first  # ...does not leak into the next one
    assert {p.pid for p in _children()} == pids  # the same workers
    it = iter(loader)
    it.close()  # shuts persistent workers down too; the next epoch starts new ones
    assert not _children() and [b.tolist() for b in loader] == first
    del it, loader
    gc.collect()
    assert not _children()


def test_timeout_and_dead_workers():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(DataLoader(Recorder(n=2, sleep=1.0), num_workers=1, timeout=0.3))
    assert not _children()
    with pytest.raises(RuntimeError, match=r"worker 0 \(pid \d+\) exited unexpectedly with "
                                           r"exit code 3"):
        list(DataLoader(Recorder(exit_at=0), num_workers=1))
    assert not _children()


def test_spawn_start_method():
    loader = DataLoader(list(range(5)), batch_size=2, num_workers=1,
                        multiprocessing_context="spawn")
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    assert not _children()
