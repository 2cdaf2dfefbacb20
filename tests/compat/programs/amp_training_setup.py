# The nanoGPT-style setup: TF32 switches, matmul precision, autocast context, GradScaler.
# compat: rtol=1e-4 atol=1e-6
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn as nn

torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
torch.set_float32_matmul_precision("high")
device_type = "cuda" if torch.cuda.is_available() else "cpu"
dtype = "float32"
ptdtype = {"float32": torch.float32, "float16": torch.float16}[dtype]
ctx = nullcontext() if device_type == "cpu" else torch.amp.autocast(device_type=device_type,
                                                                     dtype=ptdtype)
scaler = torch.amp.GradScaler(device_type, enabled=(dtype == "float16"))
print("precision", torch.get_float32_matmul_precision(), "scaler", scaler.is_enabled())

rng = np.random.default_rng(0)
model = nn.Linear(4, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor(rng.normal(size=(1, 4))))
    model.bias.zero_()
X = torch.tensor(rng.normal(size=(8, 4)), dtype=torch.float32)
y = torch.tensor(rng.normal(size=(8, 1)), dtype=torch.float32)
optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
for step in range(3):
    with ctx:
        loss = nn.functional.mse_loss(model(X), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    print("step", step, "loss", round(loss.item(), 5))

scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
w = nn.Parameter(torch.tensor([1.0, 2.0]))
opt = torch.optim.SGD([w], lr=0.1)
for value in [1.0, float("inf"), 1.0, 1.0, 1.0]:
    opt.zero_grad()
    with torch.autocast(device_type="cpu", enabled=False):
        loss = (w * value).sum()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    print("scale", scaler.get_scale(), "w", [round(v, 4) for v in w.tolist()])
