# Hooks and gradient bookkeeping: retain_grad, register_hook, forward hooks,
# backward(retain_graph=True) accumulating, backward(gradient=...).
import torch
import torch.nn as nn

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x * 2
h.retain_grad()
seen = []
h.register_hook(lambda g: seen.append(g.tolist()))
y = (h ** 2).sum()
y.backward(retain_graph=True)
print("h.grad", h.grad.tolist(), "hook_saw", seen)
y.backward()
print("accumulated", x.grad.tolist())
x.grad.zero_()
v = x * 3
v.backward(gradient=torch.tensor([1.0, 0.1, 0.01]))
print("vjp", [round(g, 4) for g in x.grad.tolist()])
try:
    (x * 3).backward()
    print("non_scalar_raises", False)
except RuntimeError as e:
    print("non_scalar_raises", True)

model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
activations = {}


def save_output(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook


handle = model[1].register_forward_hook(save_output("relu"))
model(torch.ones(5, 3))
print("hooked", activations["relu"].shape, bool((activations["relu"] >= 0).all()))
handle.remove()
activations.clear()
model(torch.ones(5, 3))
print("removed", len(activations))
print("grad_none_before_backward", model[0].weight.grad is None)
print("detached", h.detach().requires_grad, h.detach().grad_fn)
