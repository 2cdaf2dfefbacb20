# torch.autograd.functional.jacobian / hessian and torch.autograd.gradcheck.
# compat: rtol=1e-5 atol=1e-6
import torch
from torch.autograd.functional import hessian, jacobian


def f(x):
    return torch.stack([x[0] ** 2 * x[1], torch.sin(x[1]) + x[0]])


x = torch.tensor([1.0, 2.0])
J = jacobian(f, x)
print("jacobian", J.shape, [[round(v, 5) for v in row] for row in J.tolist()])


def energy(x):
    return (x ** 3).sum() + x[0] * x[1]


H = hessian(energy, x)
print("hessian", [[round(v, 5) for v in row] for row in H.tolist()])
print("x_untouched", x.requires_grad, x.grad)

inp = torch.randn(3, dtype=torch.double, requires_grad=True)
print("gradcheck", torch.autograd.gradcheck(lambda t: (t.exp() * t).sum(), (inp,), eps=1e-6,
                                            atol=1e-4))
print("gradgradcheck", torch.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (inp,)))
