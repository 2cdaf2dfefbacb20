# A small CNN: Conv2d, MaxPool2d, Flatten; forward and backward with NumPy-set weights.
# compat: rtol=1e-4 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
model = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(4, 8, kernel_size=3),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(8 * 2 * 2, 10),
)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(scale=0.3, size=tuple(p.shape)), dtype=torch.float32))

x = torch.tensor(rng.normal(size=(2, 1, 8, 8)), dtype=torch.float32)
target = torch.tensor([3, 7])
out = model(x)
print("out_shape", out.shape)
loss = nn.functional.cross_entropy(out, target)
loss.backward()
print("loss", round(loss.item(), 4))
print("conv1_grad_shape", model[0].weight.grad.shape)
print("conv1_grad_sum", round(model[0].weight.grad.sum().item(), 4))
print("fc_grad_norm", round(model[6].weight.grad.norm().item(), 4))
for name, p in model.named_parameters():
    print(name, tuple(p.shape))
