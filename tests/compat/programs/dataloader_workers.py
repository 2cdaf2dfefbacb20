# A DataLoader with a RandomSampler and two worker processes.
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler


class Squares(Dataset):
    def __init__(self, n):
        self.x = np.arange(n, dtype=np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.tensor([self.x[i]]), torch.tensor(self.x[i] ** 2)


if __name__ == "__main__":
    torch.manual_seed(0)
    ds = Squares(20)
    loader = DataLoader(ds, batch_size=6, sampler=RandomSampler(ds), num_workers=2)
    seen = []
    shapes = []
    for xb, yb in loader:
        shapes.append(tuple(xb.shape))
        assert torch.equal(xb[:, 0] ** 2, yb)
        seen.extend(int(v) for v in xb[:, 0].tolist())
    print("batches", len(loader))
    print("shapes", shapes)
    print("all_seen_once", sorted(seen) == list(range(20)))
    print("shuffled", seen != list(range(20)))
    print("dtype", xb.dtype)
