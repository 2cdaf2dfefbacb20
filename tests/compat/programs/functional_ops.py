# torch.nn.functional and batched math: softmax, log_softmax, one_hot, pad, normalize,
# einsum, bmm, nll_loss, interpolate.
# compat: rtol=1e-4 atol=1e-6
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)
logits = torch.tensor(rng.normal(size=(3, 4)), dtype=torch.float32)
print("softmax_rows", [round(v, 4) for v in F.softmax(logits, dim=1).sum(dim=1).tolist()])
print("log_softmax", round(F.log_softmax(logits, dim=-1)[0, 0].item(), 4))
target = torch.tensor([0, 3, 1])
print("nll_eq_ce", torch.allclose(F.nll_loss(F.log_softmax(logits, 1), target),
                                  F.cross_entropy(logits, target)))
print("ce_smoothing", round(F.cross_entropy(logits, target, label_smoothing=0.1).item(), 4))
print("one_hot", F.one_hot(target, num_classes=4).tolist())
print("pad", F.pad(torch.ones(2, 2), (1, 1, 0, 1)).shape)
print("normalize", [round(v, 4) for v in F.normalize(logits, dim=1).norm(dim=1).tolist()])
a = torch.tensor(rng.normal(size=(2, 3, 4)), dtype=torch.float32)
b = torch.tensor(rng.normal(size=(2, 4, 5)), dtype=torch.float32)
print("bmm_eq_einsum", torch.allclose(torch.bmm(a, b), torch.einsum("bij,bjk->bik", a, b),
                                      atol=1e-6))
print("bmm_sum", round(torch.bmm(a, b).sum().item(), 4))
img = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
print("interpolate", F.interpolate(img, scale_factor=2, mode="nearest").shape)
print("avg_pool", F.avg_pool2d(img, 2).view(-1).tolist())
print("adaptive", F.adaptive_avg_pool2d(img, (1, 1)).item())
one = torch.tensor(1.0)
print("gelu", round(F.gelu(one).item(), 4), "silu", round(F.silu(one).item(), 4))
ones, zeros = torch.ones(3), torch.zeros(3)
print("mse", F.mse_loss(ones, zeros).item(), "l1", F.l1_loss(ones, zeros, reduction="sum").item())
print("dropout_eval", torch.equal(F.dropout(logits, p=0.5, training=False), logits))
