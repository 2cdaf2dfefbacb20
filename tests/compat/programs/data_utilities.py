# torch.utils.data odds and ends: Subset, ConcatDataset, WeightedRandomSampler, dict samples,
# an IterableDataset split across workers with get_worker_info, a seeded generator.
import math

import torch
from torch.utils.data import (ConcatDataset, DataLoader, Dataset, IterableDataset, Subset,
                              TensorDataset, WeightedRandomSampler, get_worker_info)


class Dicts(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": torch.full((2,), float(i)), "label": i % 2, "name": f"item{i}"}


batch = next(iter(DataLoader(Dicts(), batch_size=3)))
print("dict_batch", sorted(batch), batch["x"].shape, batch["label"].tolist(), batch["name"])

a = TensorDataset(torch.arange(4))
b = TensorDataset(torch.arange(10, 13))
both = ConcatDataset([a, b])
print("concat", len(both), both[5][0].item(), Subset(both, [0, 6])[1][0].item())

weights = [0.0, 0.0, 1.0, 0.0]
sampler = WeightedRandomSampler(weights, num_samples=6, replacement=True)
print("weighted", list(sampler))


class Range(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per = int(math.ceil((self.end - self.start) / info.num_workers))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(range(lo, hi))


if __name__ == "__main__":
    print("iterable_single", list(DataLoader(Range(3, 7), batch_size=None)))
    got = [int(v) for v in DataLoader(Range(0, 10), num_workers=2)]
    print("iterable_workers", sorted(got))
    g = torch.Generator()
    g.manual_seed(7)
    order1 = [int(v) for v in DataLoader(range(8), shuffle=True, generator=g)]
    g.manual_seed(7)
    order2 = [int(v) for v in DataLoader(range(8), shuffle=True, generator=g)]
    print("seeded_shuffle_repeats", order1 == order2, sorted(order1) == list(range(8)))
