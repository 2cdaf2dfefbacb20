# A CNN with BatchNorm2d and AdaptiveAvgPool2d trained on synthetic images.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(0)


class Stripes(Dataset):
    """Vertical (label 0) or horizontal (label 1) stripes with noise."""

    def __init__(self, n, transform=None):
        self.labels = rng.integers(0, 2, size=n)
        self.noise = rng.normal(scale=0.3, size=(n, 8, 8)).astype(np.float32)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = np.zeros((8, 8), dtype=np.float32)
        if self.labels[i] == 0:
            img[:, ::2] = 1.0
        else:
            img[::2, :] = 1.0
        x = torch.from_numpy(img + self.noise[i]).unsqueeze(0)
        if self.transform:
            x = self.transform(x)
        return x, int(self.labels[i])


torch.manual_seed(0)
ds = Stripes(96, transform=lambda x: (x - 0.5) / 0.5)
loader = DataLoader(ds, batch_size=16, shuffle=True)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
xb, yb = next(iter(loader))
print("batch", xb.shape, xb.dtype, yb.dtype, yb.shape)
for epoch in range(4):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
model.eval()
with torch.no_grad():
    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
print("accuracy>0.9", correct / len(ds) > 0.9)
print("bn_batches", model[1].num_batches_tracked.item())
