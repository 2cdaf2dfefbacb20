# Logistic regression with BCEWithLogitsLoss on NumPy-made data.
# compat: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(1)
X = rng.normal(size=(200, 2)).astype(np.float32)
y = (X[:, 0] + 2 * X[:, 1] > 0).astype(np.float32)
X, y = torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1)

model = nn.Linear(2, 1)
with torch.no_grad():
    model.weight.copy_(torch.zeros(1, 2))
    model.bias.zero_()
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
for epoch in range(100):
    optimizer.zero_grad()
    logits = model(X)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()
    if epoch in (0, 99):
        print("epoch", epoch, "loss", round(loss.item(), 4))

with torch.no_grad():
    pred = (torch.sigmoid(model(X)) > 0.5).float()
    acc = (pred == y).float().mean().item()
print("accuracy>0.95", acc > 0.95)
print("pred_dtype", pred.dtype, "shape", tuple(pred.shape))
