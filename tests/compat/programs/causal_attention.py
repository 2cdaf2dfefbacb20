# Causal self-attention with F.scaled_dot_product_attention, checked against the math.
# compat: rtol=1e-4 atol=1e-5
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
B, T, C, H = 2, 5, 8, 2
x = torch.tensor(rng.normal(size=(B, T, C)), dtype=torch.float32)
qkv = nn.Linear(C, 3 * C)
with torch.no_grad():
    qkv.weight.copy_(torch.tensor(rng.normal(scale=0.3, size=(3 * C, C))))
    qkv.bias.zero_()

q, k, v = qkv(x).split(C, dim=2)
q = q.view(B, T, H, C // H).transpose(1, 2)
k = k.view(B, T, H, C // H).transpose(1, 2)
v = v.view(B, T, H, C // H).transpose(1, 2)
y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print("y", y.shape)

att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
mask = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
att = att.masked_fill(mask == 0, float("-inf"))
att = F.softmax(att, dim=-1)
y_manual = att @ v
print("matches_manual", torch.allclose(y, y_manual, atol=1e-5))
out = y.transpose(1, 2).contiguous().view(B, T, C)
print("out", out.shape, "sum", round(out.sum().item(), 4))
print("first_row_attends_to_itself", att[0, 0, 0, 0].item() == 1.0)
