# A manual time loop over nn.LSTMCell and nn.GRUCell with NumPy-set weights.
# compat: rtol=1e-4 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
lstm_cell, gru_cell = nn.LSTMCell(3, 4), nn.GRUCell(3, 4)
with torch.no_grad():
    for p in list(lstm_cell.parameters()) + list(gru_cell.parameters()):
        p.copy_(torch.tensor(rng.normal(scale=0.4, size=tuple(p.shape))))
xs = torch.tensor(rng.normal(size=(5, 2, 3)), dtype=torch.float32)
h, c = torch.zeros(2, 4), torch.zeros(2, 4)
g = torch.zeros(2, 4)
outs = []
for x in xs:
    h, c = lstm_cell(x, (h, c))
    g = gru_cell(x, g)
    outs.append(h)
print("stacked", torch.stack(outs).shape)
print("h", [round(v, 4) for v in h[0].tolist()])
print("g", [round(v, 4) for v in g[1].tolist()])
(h.sum() + g.sum()).backward()
print("lstm_grad", round(lstm_cell.weight_hh.grad.abs().sum().item(), 4))
print("gru_grad", round(gru_cell.bias_ih.grad.sum().item(), 4))
