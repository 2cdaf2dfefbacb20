# Writing into tensors: masks, slices, index_put-style assignment, broadcasting math.
import torch

x = torch.arange(12, dtype=torch.float32).view(3, 4)
x[x > 8] = 0
print("mask_assign", x.tolist())
x[:, 0] = -1
x[1] += 10
print("slice_assign", x.tolist())
x[[0, 2], [1, 3]] = torch.tensor([100.0, 200.0])
print("fancy_assign", x[0, 1].item(), x[2, 3].item())
col = torch.tensor([[1.0], [2.0], [3.0]])
row = torch.tensor([10.0, 20.0, 30.0, 40.0])
print("broadcast", (col + row).shape, (col * row)[2].tolist())
print("clamp", torch.clamp(torch.tensor([-2.0, 0.5, 3.0]), min=0, max=1).tolist())
print("arange_len", len(torch.arange(0, 1, 0.1)), torch.linspace(0, 1, 5).tolist())
gi, gj = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")
print("meshgrid", gi.tolist(), gj.tolist())
v = torch.tensor([1.0, 2.0, 3.0, 4.0])
print("stats", v.mean().item(), round(v.std().item(), 5), round(v.var(unbiased=False).item(), 5))
print("cumsum", v.cumsum(0).tolist(), "prod", v.prod().item())
print("isclose", torch.isclose(v, v + 1e-9).all().item(), torch.allclose(v, v * 1.01))
z = torch.zeros(2, 3)
z.fill_(2).add_(1).mul_(torch.tensor([1.0, 2.0, 3.0]))
print("chained_inplace", z.tolist())
print("new_ones", x.new_ones(2).tolist(), x.new_zeros((1, 2)).dtype, torch.zeros_like(x).shape)
