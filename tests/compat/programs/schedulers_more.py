# LambdaLR warmup, OneCycleLR, ReduceLROnPlateau and MultiStepLR, printed per step.
# compat: rtol=1e-5 atol=1e-8
import torch
from torch.optim.lr_scheduler import LambdaLR, MultiStepLR, OneCycleLR, ReduceLROnPlateau

param = torch.nn.Parameter(torch.zeros(1))


def run(make_sched, steps, lr=0.1, metric=None):
    opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
    sched = make_sched(opt)
    lrs = []
    for i in range(steps):
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric[i])
        lrs.append(round(opt.param_groups[0]["lr"], 6))
    return lrs


print("warmup", run(lambda o: LambdaLR(o, lambda e: min(1.0, (e + 1) / 4)), 6))
print("multistep", run(lambda o: MultiStepLR(o, milestones=[2, 4], gamma=0.1), 6))
print("onecycle", run(lambda o: OneCycleLR(o, max_lr=1.0, total_steps=8), 7))
losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8]
print("plateau", run(lambda o: ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2),
                     8, metric=losses))
