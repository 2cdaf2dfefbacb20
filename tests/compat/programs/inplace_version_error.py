# An in-place change to a tensor that backward needs raises a RuntimeError.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
try:
    w = x * 1
    out = (w * w).sum()
    w.mul_(2)
    out.backward()
    print("raised", False)
except RuntimeError as e:
    print("raised", True)
    print("mentions_inplace", "inplace" in str(e) or "in-place" in str(e))

leaf = torch.ones(3, requires_grad=True)
try:
    leaf.add_(1)
    print("leaf_inplace_raised", False)
except RuntimeError as e:
    print("leaf_inplace_raised", True)
    print("mentions_leaf", "leaf" in str(e))

with torch.no_grad():
    leaf.add_(1)
print("no_grad_inplace_ok", leaf.tolist())
a = torch.zeros(3)
print("version", a._version)
a.add_(1)
print("version_after", a._version)
