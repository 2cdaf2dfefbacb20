# An LSTM sequence model: predict the sum of a sequence, trained a few steps.
import numpy as np
import torch
import torch.nn as nn


class SeqModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=8, num_layers=1, batch_first=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out[:, -1, :]), out, h, c


rng = np.random.default_rng(0)
x = torch.tensor(rng.uniform(0, 1, size=(16, 5, 1)), dtype=torch.float32)
y = x.sum(dim=1)
torch.manual_seed(0)
model = SeqModel()
pred, out, h, c = model(x)
print("out", out.shape, "h", h.shape, "c", c.shape)
print("last_step_is_h", torch.allclose(out[:, -1, :], h[0]))
print("lstm_params", [(n, tuple(p.shape)) for n, p in model.lstm.named_parameters()])

optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
first = None
for step in range(80):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x)[0], y)
    loss.backward()
    optimizer.step()
    first = first if first is not None else loss.item()
print("loss_decreased_by_80pct", loss.item() < 0.2 * first)
