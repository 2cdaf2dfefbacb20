# out= keywords: writing results into a preallocated tensor.
import torch

a = torch.tensor([1.0, 2.0, 3.0])
b = torch.tensor([10.0, 20.0, 30.0])
c = torch.empty(3)
r = torch.add(a, b, out=c)
print("add_out", c.tolist(), r is c)
torch.mul(a, b, out=c)
print("mul_out", c.tolist())
m = torch.empty(2, 2)
torch.matmul(torch.eye(2), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), out=m)
print("matmul_out", m.tolist())
s = torch.empty(())
torch.sum(a, dim=0, out=s)
print("sum_out", s.item())
cat = torch.empty(6)
torch.cat([a, b], out=cat)
print("cat_out", cat.tolist())
