# nn.MultiheadAttention with a key padding mask, weights set from NumPy.
# compat: rtol=1e-4 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
mha = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
with torch.no_grad():
    for name, p in mha.named_parameters():
        p.copy_(torch.tensor(rng.normal(scale=0.3, size=tuple(p.shape))))
print("params", [(n, tuple(p.shape)) for n, p in mha.named_parameters()])
x = torch.tensor(rng.normal(size=(2, 4, 8)), dtype=torch.float32)
pad = torch.tensor([[False, False, False, True], [False, False, True, True]])
out, weights = mha(x, x, x, key_padding_mask=pad)
print("out", out.shape, "weights", weights.shape)
print("masked_weight_zero", weights[0, :, 3].abs().sum().item())
print("rows_sum_1", torch.allclose(weights.sum(-1), torch.ones(2, 4)))
print("out_sum", round(out.sum().item(), 4))
causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
out2, w2 = mha(x, x, x, attn_mask=causal, need_weights=True, average_attn_weights=False)
print("per_head", w2.shape, round(out2[1, 0].sum().item(), 4))
