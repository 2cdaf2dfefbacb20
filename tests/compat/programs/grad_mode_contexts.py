# Gradient modes: @torch.no_grad() as a decorator, inference_mode, enable_grad inside
# no_grad, set_grad_enabled as a context, requires_grad_ and detach.
import torch


@torch.no_grad()
def evaluate(w, x):
    return w * x


w = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([3.0, 4.0])
print("decorated", evaluate(w, x).requires_grad)
with torch.inference_mode():
    print("inference_mode", (w * x).requires_grad)
with torch.no_grad():
    with torch.enable_grad():
        inner = (w * x).requires_grad
    outer = (w * x).requires_grad
print("enable_inside_no_grad", inner, outer)
with torch.set_grad_enabled(False):
    print("set_grad_enabled_false", (w * x).requires_grad)
print("restored", torch.is_grad_enabled())
a = torch.ones(2)
print("requires_grad_", a.requires_grad_().requires_grad, a.is_leaf)
b = (a * 2).detach()
print("detach", b.requires_grad, b.is_leaf)
c = a.clone()
print("clone", c.requires_grad, c.grad_fn is not None)
print("clone_detach", a.clone().detach().requires_grad)
