# A tiny Transformer encoder classifier: shapes, train/eval, and a few training steps.
import torch
import torch.nn as nn

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.1,
                                   batch_first=True)
encoder = nn.TransformerEncoder(layer, num_layers=2)
head = nn.Linear(16, 2)
x = torch.randn(8, 6, 16)
labels = (x.mean(dim=(1, 2)) > 0).long()

out = encoder(x)
print("out", out.shape)
print("num_layers", len(encoder.layers))
params = list(encoder.parameters()) + list(head.parameters())
opt = torch.optim.Adam(params, lr=1e-3)
encoder.train()
first = None
for step in range(30):
    loss = nn.functional.cross_entropy(head(encoder(x).mean(dim=1)), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    first = first if first is not None else loss.item()
print("loss_decreased", loss.item() < first)
encoder.eval()
with torch.no_grad():
    a, b = encoder(x), encoder(x)
print("eval_deterministic", torch.equal(a, b))
print("training_flag", encoder.training, encoder.layers[0].training)
