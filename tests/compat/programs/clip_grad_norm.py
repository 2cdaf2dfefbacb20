# Gradient clipping with clip_grad_norm_ (and clip_grad_value_).
# compat: rtol=1e-4 atol=1e-6
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(size=tuple(p.shape)), dtype=torch.float32))
x = torch.tensor(rng.normal(size=(10, 4)) * 10, dtype=torch.float32)
loss = (model(x) ** 2).mean()
loss.backward()

total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
print("total_norm_before", round(total.item(), 3))
print("returns_tensor", isinstance(total, torch.Tensor))
after = torch.norm(torch.stack([p.grad.norm(2) for p in model.parameters()]), 2)
print("norm_after", round(after.item(), 4))

nn.utils.clip_grad_value_(model.parameters(), clip_value=0.1)
print("max_abs_grad<=0.1", max(p.grad.abs().max().item() for p in model.parameters()) <= 0.1)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
opt.step()
print("stepped", True)
