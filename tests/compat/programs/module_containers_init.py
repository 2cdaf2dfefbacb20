# nn.ModuleList, nn.ModuleDict, nn.ParameterList, model.apply(init_fn), named_modules,
# freezing with requires_grad_(False), parameter groups.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 1), "b": nn.Linear(4, 2)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(4)) for _ in range(2)])
        self.register_buffer("offset", torch.zeros(4))

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x)) * self.scales[0] + self.offset
        return self.heads["a"](x), self.heads["b"](x)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


torch.manual_seed(0)
net = Net()
net.apply(init_weights)
linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
print("bias_zero", all(bool((m.bias == 0).all()) for m in linears))
print("modules", [n for n, _ in net.named_modules()])
print("children", [type(c).__name__ for c in net.children()])
print("params", [n for n, _ in net.named_parameters()])
print("state_dict", list(net.state_dict().keys()))
a, b = net(torch.ones(2, 4))
print("outputs", a.shape, b.shape)

for p in net.layers.parameters():
    p.requires_grad_(False)
trainable = [p for p in net.parameters() if p.requires_grad]
print("trainable", sum(p.numel() for p in trainable),
      "total", sum(p.numel() for p in net.parameters()))
opt = torch.optim.SGD([{"params": net.heads.parameters()},
                       {"params": net.scales.parameters(), "lr": 0.01}], lr=0.1)
print("group_lrs", [g["lr"] for g in opt.param_groups])
(a.sum() + b.sum()).backward()
print("frozen_grad_none", net.layers[0].weight.grad is None)
opt.step()
print("len_layers", len(net.layers), "heads", list(net.heads.keys()))
