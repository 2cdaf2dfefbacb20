# A training loop that updates parameters through .data, the pre-optimizer idiom.
import numpy as np
import torch

rng = np.random.default_rng(0)
X = torch.tensor(rng.normal(size=(64, 3)), dtype=torch.float32)
true_w = torch.tensor([[2.0], [-1.0], [0.5]])
y = X @ true_w + 0.3

w = torch.tensor(rng.normal(size=(3, 1)) * 0.1, dtype=torch.float32, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1
losses = []
for step in range(60):
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    if step % 2 == 0:
        w.data.add_(w.grad, alpha=-lr)
        b.data -= lr * b.grad
    else:
        w.data = w.data - lr * w.grad
        b.data.sub_(lr * b.grad)
    w.grad.zero_()
    b.grad.zero_()
    losses.append(loss.item())

print("first_loss", round(losses[0], 4))
print("last_loss", round(losses[-1], 6))
print("loss_decreased", losses[-1] < 0.01 * losses[0])
print("w", [round(v, 3) for v in w.detach().flatten().tolist()])
print("b", round(b.item(), 3))
print("requires_grad", w.requires_grad, w.data.requires_grad)
print("is_leaf", w.is_leaf)
