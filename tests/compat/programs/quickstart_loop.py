# The PyTorch quickstart: an nn.Module with nn.Flatten and nn.Sequential, train() and test()
# functions, printing the model.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = "cpu"
rng = np.random.default_rng(0)
images = rng.normal(size=(128, 1, 4, 4)).astype(np.float32)
targets = (images.reshape(128, -1).sum(1) > 0).astype(np.int64)
train_dataloader = DataLoader(TensorDataset(torch.tensor(images), torch.tensor(targets)),
                              batch_size=32, shuffle=True)
test_dataloader = DataLoader(TensorDataset(torch.tensor(images), torch.tensor(targets)),
                             batch_size=32)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


torch.manual_seed(0)
model = NeuralNetwork().to(device)
print(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return loss.item()


def test(dataloader, model, loss_fn):
    model.eval()
    correct = 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return correct / len(dataloader.dataset)


for t in range(15):
    train(train_dataloader, model, loss_fn, optimizer)
print("accuracy>0.8", test(test_dataloader, model, loss_fn) > 0.8)
