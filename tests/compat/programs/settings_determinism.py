# Reproducibility settings scripts set at the top.
import random

import numpy as np
import torch

torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
torch.set_num_threads(1)
random.seed(0)
np.random.seed(0)
torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
print("threads", torch.get_num_threads())
print("deterministic", torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
print("algorithms", torch.are_deterministic_algorithms_enabled())
print("cuda_available", torch.cuda.is_available())
if torch.cuda.is_available():
    torch.cuda.manual_seed_all(0)
print("grad_enabled", torch.is_grad_enabled())
torch.set_grad_enabled(False)
y = torch.ones(1, requires_grad=True).mul(2)
print("grad_disabled", torch.is_grad_enabled(), y.requires_grad)
torch.set_grad_enabled(True)
torch.use_deterministic_algorithms(False)
print("default_dtype", torch.get_default_dtype())
