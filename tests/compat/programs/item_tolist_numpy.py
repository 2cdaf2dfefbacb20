# Leaving torch: .item(), .tolist(), .numpy() and back.
import numpy as np
import torch

t = torch.tensor(3.5)
print("item", t.item(), type(t.item()).__name__)
print("int_item", torch.tensor(7).item(), type(torch.tensor(7).item()).__name__)
x = torch.tensor([[1, 2], [3, 4]])
print("tolist", x.tolist(), type(x.tolist()[0][0]).__name__)
arr = x.numpy()
print("numpy", type(arr).__name__, arr.dtype, arr.shape)
arr[0, 0] = 99
print("numpy_shares_memory", x[0, 0].item())
w = torch.ones(2, requires_grad=True)
print("detach_numpy", w.detach().numpy().tolist())
try:
    w.numpy()
    print("numpy_requires_grad_raises", False)
except RuntimeError:
    print("numpy_requires_grad_raises", True)
print("float_tensor_item", round(torch.tensor([2.25]).item(), 3))
print("bool", bool(torch.tensor(True)), int(torch.tensor(3.9)), float(torch.tensor(1)))
print("np_roundtrip", np.allclose(torch.from_numpy(np.arange(3.0)).numpy(), [0, 1, 2]))
print("sum_item", x.sum().item(), x.float().mean().item())
