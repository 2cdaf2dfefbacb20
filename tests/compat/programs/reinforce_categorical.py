# REINFORCE on a 3-armed bandit with torch.distributions.Categorical, and Normal's rsample.
import torch
import torch.nn as nn
from torch.distributions import Categorical, Normal

torch.manual_seed(0)
rewards = torch.tensor([0.1, 0.9, 0.3])
logits = nn.Parameter(torch.zeros(3))
opt = torch.optim.Adam([logits], lr=0.1)
for episode in range(150):
    dist = Categorical(logits=logits)
    actions = dist.sample((16,))
    loss = -(dist.log_prob(actions) * rewards[actions]).mean() - 0.01 * dist.entropy()
    opt.zero_grad()
    loss.backward()
    opt.step()
probs = torch.softmax(logits, dim=0)
print("best_arm", probs.argmax().item(), "confident", probs.max().item() > 0.8)
d = Categorical(probs=torch.tensor([0.25, 0.25, 0.5]))
print("log_prob", round(d.log_prob(torch.tensor(2)).item(), 5),
      "entropy", round(d.entropy().item(), 5))
print("sample_shape", d.sample().shape, d.sample((4, 2)).shape, d.sample().dtype)

mu = torch.tensor([0.5], requires_grad=True)
normal = Normal(mu, torch.tensor([2.0]))
z = normal.rsample((1000,))
print("rsample", z.shape, z.requires_grad)
z.mean().backward()
print("pathwise_grad", mu.grad.item())
print("normal_log_prob", round(normal.log_prob(torch.tensor([1.0])).item(), 5))
print("normal_entropy", round(normal.entropy().item(), 5), "mean", normal.mean.item(),
      "stddev", normal.stddev.item())
