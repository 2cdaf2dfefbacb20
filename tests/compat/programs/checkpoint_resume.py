# A training checkpoint: model and optimizer state_dicts in one dict, saved to a path,
# loaded and resumed; the resumed run matches the uninterrupted one.
# compat: rtol=1e-4 atol=1e-6
import copy
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
X = torch.tensor(rng.normal(size=(32, 3)), dtype=torch.float32)
y = torch.tensor(rng.normal(size=(32, 1)), dtype=torch.float32)
model = nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3]]))
    model.bias.fill_(0.5)
opt = torch.optim.Adam(model.parameters(), lr=0.01)


def step(model, opt):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(5):
    step(model, opt)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "ckpt.pth")
    torch.save({"epoch": 5, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": opt.state_dict(), "loss": 0.25}, path)
    twin = copy.deepcopy(model)
    twin_opt = torch.optim.Adam(twin.parameters(), lr=0.01)
    checkpoint = torch.load(path)
    twin.load_state_dict(checkpoint["model_state_dict"])
    twin_opt.load_state_dict(checkpoint["optimizer_state_dict"])
print("epoch", checkpoint["epoch"], "loss", checkpoint["loss"])
print("opt_state_keys", sorted(checkpoint["optimizer_state_dict"].keys()))
print("param_groups_lr", checkpoint["optimizer_state_dict"]["param_groups"][0]["lr"])
print("adam_state", sorted(opt.state_dict()["state"][0].keys()))
a = [step(model, opt) for _ in range(3)]
b = [step(twin, twin_opt) for _ in range(3)]
print("resumed_losses", [round(v, 6) for v in a])
print("same_as_uninterrupted", np.allclose(a, b, rtol=1e-6))
print("deepcopy_independent", twin.weight is not model.weight)
