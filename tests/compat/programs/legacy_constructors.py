# Legacy constructors: torch.FloatTensor(np_array), torch.Tensor(np_array), LongTensor.
import numpy as np
import torch

arr = np.array([[1, 2], [3, 4]], dtype=np.float64)
f = torch.FloatTensor(arr)
print("FloatTensor", f.dtype, f.tolist())
t = torch.Tensor(arr)
print("Tensor", t.dtype, t.shape)
print("Tensor_sizes", torch.Tensor(2, 3).shape)
print("LongTensor", torch.LongTensor([1, 2, 3]).dtype)
print("from_list", torch.Tensor([1, 2, 3]).dtype)
print("isinstance", isinstance(f, torch.Tensor), isinstance(f, torch.FloatTensor))
print("type", f.type(), torch.LongTensor([1]).type())
print("double", torch.DoubleTensor([1.5]).dtype, f.double().dtype, f.long().dtype)
n = torch.from_numpy(arr)
arr[0, 0] = 100
print("from_numpy_shares", n[0, 0].item())
print("as_tensor", torch.as_tensor(arr).dtype, torch.tensor(arr, dtype=torch.float32).dtype)
