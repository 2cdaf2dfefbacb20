# dtype facts scripts ask for: finfo/iinfo, casting, promotion, float64 models.
import torch
import torch.nn as nn

print("eps", torch.finfo(torch.float32).eps)
print("max_f16", torch.finfo(torch.float16).max)
print("iinfo_max", torch.iinfo(torch.int32).max)
print("tiny", torch.finfo(torch.float64).tiny > 0)
x = torch.ones(2, 3)
print("to_double", x.to(torch.float64).dtype, x.double().dtype, x.to(dtype=torch.int64).dtype)
print("promote", (torch.ones(2, dtype=torch.int64) * 1.5).dtype,
      (torch.ones(2) + torch.ones(2, dtype=torch.float64)).dtype)
print("is_floating_point", x.is_floating_point(), torch.arange(3).is_floating_point())
model = nn.Linear(3, 1).double()
print("double_model", model.weight.dtype, model(x.double()).dtype)
print("bool_sum", (x > 0).sum().item(), (x > 0).dtype)
print("element_size", x.element_size(), x.double().element_size())
