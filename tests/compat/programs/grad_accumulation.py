# Gradient accumulation over micro-batches equals one full-batch step.
# compat: rtol=1e-4 atol=1e-6
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
X = torch.tensor(rng.normal(size=(16, 4)), dtype=torch.float32)
y = torch.tensor(rng.normal(size=(16, 1)), dtype=torch.float32)
w0 = rng.normal(size=(1, 4)).astype(np.float32)


def make():
    m = nn.Linear(4, 1)
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(w0))
        m.bias.zero_()
    return m, torch.optim.SGD(m.parameters(), lr=0.1)


full, opt_full = make()
nn.functional.mse_loss(full(X), y).backward()
opt_full.step()

acc, opt_acc = make()
for xb, yb in zip(X.split(4), y.split(4)):
    loss = nn.functional.mse_loss(acc(xb), yb) / 4
    loss.backward()
opt_acc.step()
print("weights", [round(v, 5) for v in acc.weight.view(-1).tolist()])
print("same", torch.allclose(full.weight, acc.weight, atol=1e-6))
print("grad_norm", round(acc.weight.grad.norm().item(), 5))
