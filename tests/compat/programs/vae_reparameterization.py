# A tiny VAE step: reparameterization with randn_like, BCE reconstruction and the KL term.
# compat: rtol=1e-4 atol=1e-6
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(6, 8)
        self.mu = nn.Linear(8, 2)
        self.logvar = nn.Linear(8, 2)
        self.dec = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 6), nn.Sigmoid())

    def forward(self, x, eps):
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        std = torch.exp(0.5 * logvar)
        z = mu + eps * std
        return self.dec(z), mu, logvar


rng = np.random.default_rng(0)
model = VAE()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(scale=0.4, size=tuple(p.shape))))
x = torch.tensor(rng.uniform(size=(4, 6)), dtype=torch.float32)
eps = torch.tensor(rng.normal(size=(4, 2)), dtype=torch.float32)
recon, mu, logvar = model(x, eps)
bce = F.binary_cross_entropy(recon, x, reduction="sum")
kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
loss = bce + kld
loss.backward()
print("bce", round(bce.item(), 4), "kld", round(kld.item(), 4))
print("mu_grad", round(model.mu.weight.grad.sum().item(), 5))
print("randn_like", torch.randn_like(mu).shape, torch.randn_like(mu).dtype)
