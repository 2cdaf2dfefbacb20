# A GAN-style step: two models, two optimizers, .detach() to stop gradients.
import torch
import torch.nn as nn

torch.manual_seed(0)
G = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 2))
D = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())
opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
criterion = nn.BCELoss()
real = torch.randn(64, 2) * 0.5 + torch.tensor([2.0, -1.0])
ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)

for step in range(60):
    z = torch.randn(64, 2)
    fake = G(z)
    opt_d.zero_grad()
    d_loss = criterion(D(real), ones) + criterion(D(fake.detach()), zeros)
    d_loss.backward()
    opt_d.step()
    if step == 0:
        print("G_untouched_by_D_step", all(p.grad is None for p in G.parameters()))
    opt_g.zero_grad()
    g_loss = criterion(D(fake), ones)
    g_loss.backward()
    opt_g.step()

print("d_loss_finite", bool(torch.isfinite(d_loss)), "g_loss_finite", bool(torch.isfinite(g_loss)))
print("fake_shape", fake.shape, "requires_grad", fake.requires_grad)
print("probs_in_01", bool(((D(real) > 0) & (D(real) < 1)).all()))
