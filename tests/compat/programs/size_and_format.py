# torch.Size printing and formatting tensors into strings.
import torch

x = torch.zeros(4, 10)
print("size", x.size())
print("shape", x.shape)
print("shape_tuple", tuple(x.shape), x.shape == (4, 10), x.size(1), x.shape[0])
print("numel", x.numel(), x.dim(), x.ndim, len(x))
print("isinstance_tuple", isinstance(x.shape, tuple))
print("unpack", *x.shape)
loss = torch.tensor(0.123456789)
print("format {:.4f}".format(loss))
print(f"fstring {loss:.3f}")
print("float", float(loss) > 0.12)
print("repr", repr(torch.tensor([1.0, 2.5])))
print("str", torch.tensor([[1, 2], [3, 4]]))
print("new_size", torch.Size([2, 3]), torch.Size([2, 3]).numel())
