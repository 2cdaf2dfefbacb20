# A character-level next-character model with nn.Embedding.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

text = "hello world, hello torch. " * 8
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print("vocab", len(chars), "data", data.dtype, data.shape)

block = 4
xs = torch.stack([data[i:i + block] for i in range(len(data) - block)])
ys = data[block:]


class CharModel(nn.Module):
    def __init__(self, vocab, dim=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.fc = nn.Linear(block * dim, vocab)

    def forward(self, idx):
        return self.fc(self.emb(idx).view(idx.shape[0], -1))


torch.manual_seed(0)
model = CharModel(len(chars))
print("emb_out", model.emb(xs[:2]).shape)
opt = torch.optim.AdamW(model.parameters(), lr=0.05)
for step in range(150):
    logits = model(xs)
    loss = F.cross_entropy(logits, ys)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
print("loss<0.5", loss.item() < 0.5)

idx = torch.tensor([[stoi[c] for c in "hell"]])
with torch.no_grad():
    probs = F.softmax(model(idx), dim=-1)
print("next_char", itos[int(torch.argmax(probs, dim=-1))])
print("probs_sum_1", abs(probs.sum().item() - 1) < 1e-5)
print("sampled_in_vocab", 0 <= torch.multinomial(probs, 1).item() < len(chars))
