# Variable-length sequences: pad_sequence, a collate_fn, pack_padded_sequence into an RNN.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader

seqs = [torch.tensor([1, 2, 3]), torch.tensor([4, 5]), torch.tensor([6]),
        torch.tensor([7, 8, 9, 10])]
padded = pad_sequence(seqs, batch_first=True, padding_value=0)
print("padded", padded.tolist())


def collate(batch):
    lengths = torch.tensor([len(s) for s in batch])
    return pad_sequence(batch, batch_first=True), lengths


loader = DataLoader(seqs, batch_size=2, collate_fn=collate)
for xb, lengths in loader:
    print("batch", tuple(xb.shape), lengths.tolist())

torch.manual_seed(0)
emb = nn.Embedding(11, 4, padding_idx=0)
rnn = nn.RNN(4, 5, batch_first=True)
lengths = torch.tensor([len(s) for s in seqs])
packed = pack_padded_sequence(emb(padded), lengths, batch_first=True, enforce_sorted=False)
out, h = rnn(packed)
unpacked, out_lengths = pad_packed_sequence(out, batch_first=True)
print("unpacked", tuple(unpacked.shape), out_lengths.tolist())
print("padding_zero", bool((unpacked[2, 1:] == 0).all()))
print("h_is_last_valid", torch.allclose(h[0, 1], unpacked[1, 1]))
print("padding_idx_row_zero", emb.weight[0].abs().sum().item())
