# Fit a cubic to sin(x) with a hand-built polynomial (the classic PyTorch tutorial).
# compat: rtol=1e-3 atol=1e-5
import math

import torch

x = torch.linspace(-math.pi, math.pi, 200)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print("features", xx.shape)

model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.zero_()
    model[0].bias.zero_()
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(300):
    loss = loss_fn(model(xx), y)
    if t % 100 == 99:
        print(t, round(loss.item(), 3))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

layer = model[0]
print("fit_good", loss.item() < 20)
print(f"Result: y = {layer.bias.item():.3f} + {layer.weight[:, 0].item():.3f} x "
      f"+ {layer.weight[:, 1].item():.3f} x^2 + {layer.weight[:, 2].item():.3f} x^3")
