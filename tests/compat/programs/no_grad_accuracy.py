# An evaluation loop under torch.no_grad() computing accuracy over a DataLoader.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 5)).astype(np.float32)
w = rng.normal(size=(5, 3)).astype(np.float32)
y = (X @ w).argmax(axis=1)
model = nn.Linear(5, 3)
with torch.no_grad():
    model.weight.copy_(torch.from_numpy(w.T.copy()))
    model.bias.zero_()

loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=64)
model.eval()
correct, total, test_loss = 0, 0, 0.0
with torch.no_grad():
    for xb, yb in loader:
        pred = model(xb)
        test_loss += nn.functional.cross_entropy(pred, yb).item()
        correct += (pred.argmax(1) == yb).type(torch.float).sum().item()
        total += yb.size(0)
        print("requires_grad_in_no_grad", pred.requires_grad)
print("batches", len(loader))
print(f"Accuracy: {100 * correct / total:>0.1f}%, Avg loss: {test_loss / len(loader):>8f}")
print("grad_enabled", torch.is_grad_enabled())
print("requires_grad_outside", model(torch.from_numpy(X[:2])).requires_grad)
