# model.train() / model.eval() with Dropout and BatchNorm1d.
# compat: rtol=1e-4 atol=1e-5
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(p=0.5),
                      nn.Linear(6, 2))
rng = np.random.default_rng(0)
x = torch.tensor(rng.normal(loc=3.0, size=(32, 4)), dtype=torch.float32)
bn = model[1]
print("training", model.training, bn.training)
print("running_mean_start", bn.running_mean.tolist())

model.train()
y1, y2 = model(x), model(x)
print("dropout_random_in_train", not torch.equal(y1, y2))
print("num_batches_tracked", bn.num_batches_tracked.item())
print("running_mean_moved", bool((bn.running_mean != 0).any()))

model.eval()
print("training_after_eval", model.training, model[3].training)
with torch.no_grad():
    e1, e2 = model(x), model(x)
print("eval_deterministic", torch.equal(e1, e2))
print("buffers", [n for n, _ in model.named_buffers()])

drop = nn.Dropout(0.5)
ones = torch.ones(1000)
kept = drop(ones)
print("dropout_scales_by_2", set(kept.unique().tolist()) <= {0.0, 2.0})
drop.eval()
print("dropout_identity_in_eval", torch.equal(drop(ones), ones))

bn_alone = nn.BatchNorm1d(4)
bn_alone.train()
normed = bn_alone(x)
print("bn_train_mean", [round(v, 4) for v in normed.mean(dim=0).tolist()])
print("bn_running_mean", [round(v, 4) for v in bn_alone.running_mean.tolist()])
