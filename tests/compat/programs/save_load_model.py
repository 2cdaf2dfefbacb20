# torch.save a whole model to a file object and load it back; a state_dict through a path.
import io
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


torch.manual_seed(0)
model = Net()
x = torch.tensor(np.random.default_rng(1).normal(size=(3, 4)), dtype=torch.float32)
expected = model(x)

buffer = io.BytesIO()
torch.save(model, buffer)
buffer.seek(0)
loaded = torch.load(buffer, weights_only=False)
print("type", type(loaded).__name__)
print("same_output", torch.allclose(loaded(x), expected))

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "model.pt")
    torch.save(model.state_dict(), path)
    fresh = Net()
    result = fresh.load_state_dict(torch.load(path))
    print("missing", result.missing_keys, "unexpected", result.unexpected_keys)
print("keys", list(fresh.state_dict().keys()))
print("same_output_state_dict", torch.equal(fresh(x), expected))
