# A GRU with weights from NumPy: outputs and gradients agree number for number.
# compat: rtol=1e-4 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(3)
gru = nn.GRU(input_size=3, hidden_size=4, num_layers=2, batch_first=False)
with torch.no_grad():
    for name, p in gru.named_parameters():
        p.copy_(torch.from_numpy(rng.normal(scale=0.5, size=tuple(p.shape)).astype(np.float32)))

x = torch.tensor(rng.normal(size=(6, 2, 3)), dtype=torch.float32, requires_grad=True)
h0 = torch.zeros(2, 2, 4)
out, hn = gru(x, h0)
print("out", out.shape, "hn", hn.shape)
print("out_sum", round(out.sum().item(), 4))
print("hn_first", [round(v, 4) for v in hn[-1, 0].tolist()])
out.pow(2).sum().backward()
print("x_grad_norm", round(x.grad.norm().item(), 4))
print("w_ih_l0_grad_sum", round(gru.weight_ih_l0.grad.sum().item(), 4))
print("names", [n for n, _ in gru.named_parameters()])
