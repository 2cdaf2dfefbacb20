# Inspect the autograd graph: loss.grad_fn and its next_functions.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
z = (x * w).sum() + 1.0
loss = z ** 2
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
print("next_functions", loss.grad_fn.next_functions)
node = loss.grad_fn
while node is not None:
    names = [fn.name() if fn is not None else None for fn, _ in node.next_functions]
    print(node.name(), "->", names)
    nexts = [fn for fn, _ in node.next_functions if fn is not None]
    node = nexts[0] if nexts else None
print("leaf_grad_fn", x.grad_fn)
print("requires_grad", loss.requires_grad, x.is_leaf, loss.is_leaf)
loss.backward()
print("x.grad", x.grad.tolist())
print("w.grad", w.grad.tolist())
