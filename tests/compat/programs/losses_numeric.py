# Loss functions on fixed inputs: values and gradients agree.
# compat: rtol=1e-4 atol=1e-6
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(1)
logits = torch.tensor(rng.normal(size=(5, 4)), dtype=torch.float32, requires_grad=True)
labels = torch.tensor([0, 3, 1, 1, -100])
pred = torch.tensor(rng.normal(size=(5, 3)), dtype=torch.float32, requires_grad=True)
real = torch.tensor(rng.normal(size=(5, 3)), dtype=torch.float32)
probs = torch.sigmoid(pred)
binary = torch.tensor(rng.integers(0, 2, size=(5, 3)), dtype=torch.float32)

losses = {
    "ce": nn.CrossEntropyLoss()(logits, labels),
    "ce_weighted": nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5, 1.0]))(logits, labels),
    "ce_sum": nn.CrossEntropyLoss(reduction="sum", ignore_index=1)(logits, labels.clamp(min=0)),
    "nll": nn.NLLLoss()(torch.log_softmax(logits, dim=1), labels),
    "mse": nn.MSELoss()(pred, real),
    "l1": nn.L1Loss()(pred, real),
    "smooth_l1": nn.SmoothL1Loss(beta=0.5)(pred, real),
    "huber": nn.HuberLoss(delta=0.5)(pred, real),
    "bce": nn.BCELoss()(probs, binary),
    "bce_logits_pos_weight": nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 3.0]))(
        pred, binary),
    "kl": nn.KLDivLoss(reduction="batchmean")(torch.log_softmax(pred, 1), torch.softmax(real, 1)),
}
for name, loss in losses.items():
    print(name, round(loss.item(), 5))
total = sum(losses.values())
total.backward()
print("logits_grad", [round(v, 5) for v in logits.grad[0].tolist()])
print("pred_grad_sum", round(pred.grad.sum().item(), 5))
print("ignored_row_grad", logits.grad[4].abs().sum().item())
