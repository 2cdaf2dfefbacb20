# Writing your own optimizer by subclassing torch.optim.Optimizer.
# compat: rtol=1e-4 atol=1e-6
import torch


class MomentumSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.9):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "buf" not in state:
                    state["buf"] = torch.zeros_like(p)
                buf = state["buf"]
                buf.mul_(group["momentum"]).add_(p.grad)
                p.add_(buf, alpha=-group["lr"])
        return loss


w = torch.nn.Parameter(torch.tensor([3.0, -2.0]))
opt = MomentumSGD([w], lr=0.05)


def closure():
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    return loss


for _ in range(10):
    loss = opt.step(closure)
print("w", [round(v, 5) for v in w.tolist()])
print("loss", round(loss.item(), 5))
print("state_keys", list(opt.state[w].keys()), "defaults", opt.defaults)
print("n_groups", len(opt.param_groups), sorted(opt.state_dict().keys()))
