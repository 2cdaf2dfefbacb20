# print(model) for everyday layers: the module tree as PyTorch writes it.
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Dropout2d(0.1),
            nn.AdaptiveAvgPool2d((1, 1)),
        )
        self.rnn = nn.LSTM(16, 32, num_layers=2, batch_first=True, dropout=0.2)
        self.emb = nn.Embedding(100, 16, padding_idx=0)
        self.norm = nn.LayerNorm(32)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32, 10), nn.GELU(), nn.Dropout(p=0.3),
                                  nn.Softmax(dim=1))
        self.act = nn.LeakyReLU(0.1)
        self.blocks = nn.ModuleList([nn.Identity(), nn.Tanh()])


print(Classifier())
print(nn.Linear(3, 4, bias=False))
print(nn.CrossEntropyLoss(), nn.MSELoss())
print(nn.GRU(8, 16))
