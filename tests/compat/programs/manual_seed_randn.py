# torch.manual_seed makes torch.randn repeat itself.
import torch

torch.manual_seed(42)
a = torch.randn(3, 4)
b = torch.rand(2)
torch.manual_seed(42)
a2 = torch.randn(3, 4)
b2 = torch.rand(2)
print("repeat", torch.equal(a, a2), torch.equal(b, b2))
print("shape", a.shape, "dtype", a.dtype)
print("rand_in_range", bool((b >= 0).all() and (b < 1).all()))
big = torch.randn(20000)
print("mean_near_0", abs(big.mean().item()) < 0.05)
print("std_near_1", abs(big.std().item() - 1) < 0.05)
g = torch.Generator().manual_seed(0)
print("randint", torch.randint(0, 10, (5,), generator=g).dtype)
print("randperm_sorted", sorted(torch.randperm(6).tolist()))
