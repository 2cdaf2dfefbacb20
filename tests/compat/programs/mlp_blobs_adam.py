# A 2-layer MLP classifier with CrossEntropyLoss and Adam on synthetic blobs.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
centers = np.array([[0, 4], [4, 0], [-4, -4]], dtype=np.float32)
labels = rng.integers(0, 3, size=300)
points = centers[labels] + rng.normal(size=(300, 2)).astype(np.float32)
X = torch.tensor(points)
y = torch.tensor(labels)
print("X", X.dtype, tuple(X.shape), "y", y.dtype)


class MLP(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.out = nn.Linear(hidden, 3)

    def forward(self, x):
        return self.out(F.relu(self.hidden(x)))


torch.manual_seed(0)
model = MLP()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
first = None
for epoch in range(100):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    first = loss.item() if first is None else first

acc = (model(X).argmax(dim=1) == y).float().mean().item()
print("loss_decreased_by_half", loss.item() < 0.5 * first)
print("accuracy>0.9", acc > 0.9)
print("n_params", sum(p.numel() for p in model.parameters()))
print("param_names", [n for n, _ in model.named_parameters()])
