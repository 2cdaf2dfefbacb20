# Pre-0.4 style that old tutorials still show: Variable, .data and x.grad.data.zero_().
import numpy as np
import torch
from torch.autograd import Variable

rng = np.random.default_rng(0)
x = Variable(torch.from_numpy(rng.normal(size=(20, 2)).astype(np.float32)))
y = Variable(x.data @ torch.tensor([[1.0], [-1.0]]))
w = Variable(torch.zeros(2, 1), requires_grad=True)
print("is_tensor", isinstance(w, torch.Tensor), torch.is_tensor(w), w.requires_grad)
print("x_requires_grad", x.requires_grad)
for step in range(50):
    loss = ((x.mm(w) - y) ** 2).mean()
    loss.backward()
    w.data -= 0.2 * w.grad.data
    w.grad.data.zero_()
print("w", [round(v, 3) for v in w.data.view(-1).tolist()])
print("loss_small", loss.data.item() < 1e-3)
print("numel", torch.numel(x), x.nelement())
