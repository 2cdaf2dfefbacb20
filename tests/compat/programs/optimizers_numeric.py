# Five steps of each everyday optimizer from the same start: the parameters agree.
# compat: rtol=1e-4 atol=1e-6
import numpy as np
import torch

rng = np.random.default_rng(0)
A = torch.tensor(rng.normal(size=(6, 3)), dtype=torch.float32)
target = torch.tensor(rng.normal(size=(6,)), dtype=torch.float32)
start = rng.normal(size=(3,)).astype(np.float32)

configs = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "sgd_nesterov_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                                 weight_decay=1e-2),
    "adam": lambda p: torch.optim.Adam(p, lr=0.1),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.1, amsgrad=True, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
}
for name, make in configs.items():
    w = torch.tensor(start, requires_grad=True)
    opt = make([w])
    for _ in range(5):
        opt.zero_grad()
        loss = ((A @ w - target) ** 2).mean()
        loss.backward()
        opt.step()
    print(name, [round(v, 5) for v in w.tolist()], round(loss.item(), 5))
