# torch.autograd.grad with create_graph=True: a second derivative.
# compat: rtol=1e-5
import torch

x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = (x ** 3 + torch.sin(x)).sum()
(dy,) = torch.autograd.grad(y, x, create_graph=True)
print("dy", [round(v, 5) for v in dy.tolist()])
print("dy_requires_grad", dy.requires_grad)
(d2y,) = torch.autograd.grad(dy.sum(), x)
print("d2y", [round(v, 5) for v in d2y.tolist()])
expected = 6 * x - torch.sin(x)
print("matches", torch.allclose(d2y, expected.detach()))

w = torch.tensor(2.0, requires_grad=True)
f = w ** 4
g, = torch.autograd.grad(f, w, create_graph=True)
g.backward()
print("w.grad", w.grad.item())
