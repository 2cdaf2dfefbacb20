# TensorDataset + random_split with a seeded generator, then DataLoaders.
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

X = torch.arange(100, dtype=torch.float32).view(50, 2)
y = torch.arange(50)
ds = TensorDataset(X, y)
print("len", len(ds), "item", [t.tolist() for t in ds[3]])
train, val = random_split(ds, [40, 10], generator=torch.Generator().manual_seed(42))
print("split", len(train), len(val))
train_idx = set(train.indices)
print("disjoint", train_idx.isdisjoint(val.indices), len(train_idx | set(val.indices)))
a, b, c = random_split(range(10), [0.5, 0.3, 0.2])
print("fractions", len(a), len(b), len(c))
loader = DataLoader(train, batch_size=16, shuffle=True, drop_last=True)
print("batches", len(loader), [tuple(xb.shape) for xb, _ in loader])
xb, yb = next(iter(DataLoader(val, batch_size=10)))
print("val_rows_match", torch.equal(xb, X[yb]))
print("label_dtype", yb.dtype)
