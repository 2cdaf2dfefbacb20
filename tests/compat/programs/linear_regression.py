# Linear regression with nn.Linear, SGD and MSELoss; weights copied in from NumPy.
# compat: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.uniform(-1, 1, size=(100, 2)).astype(np.float32))
y = X @ torch.tensor([[3.0], [-2.0]]) + 1.0

model = nn.Linear(2, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, 0.2]]))
    model.bias.fill_(0.0)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(200):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    if epoch % 50 == 0:
        print(f"epoch {epoch} loss {loss.item():.5f}")

print("final_loss_small", loss.item() < 1e-3)
print("weight", [round(v, 2) for v in model.weight.view(-1).tolist()])
print("bias", round(model.bias.item(), 2))
