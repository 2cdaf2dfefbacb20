# StepLR and CosineAnnealingLR: the learning rates printed epoch by epoch.
# compat: rtol=1e-6 atol=1e-9
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import CosineAnnealingLR, StepLR

model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = StepLR(opt, step_size=3, gamma=0.5)
lrs = []
for epoch in range(8):
    opt.zero_grad()
    model(torch.ones(1, 2)).sum().backward()
    opt.step()
    sched.step()
    lrs.append(round(sched.get_last_lr()[0], 6))
print("step_lr", lrs)
print("param_group_lr", opt.param_groups[0]["lr"])

opt2 = torch.optim.Adam(model.parameters(), lr=1.0)
cos = CosineAnnealingLR(opt2, T_max=4, eta_min=0.1)
lrs = []
for epoch in range(6):
    opt2.step()
    lrs.append(round(opt2.param_groups[0]["lr"], 6))
    cos.step()
print("cosine", lrs)
print("last_epoch", cos.last_epoch, "base_lrs", cos.base_lrs)
